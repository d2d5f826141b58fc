/**
 * C-like memory for tierdiff's object model.
 *
 * Every refcounted object lives at an ADDRESS. Deallocation poisons the object (`freed`) and puts
 * its address on a per-size-class free list; the next allocation of that size class takes the most
 * recently freed address (LIFO, like CPython's freelists and pymalloc pools). So a stale borrowed
 * reference — an address kept after the object died — can alias a different, NEWER object at the
 * same address: the failure mode of gh-108253 (function-version cache). Borrowed references are
 * therefore stored as `BorrowedRef {addr, gen}` and read through `Heap.deref`, which tells a live
 * original from a freed slot or a reused one (per-address generation counter).
 *
 * Any engine use of a freed object (incref/decref/attribute access...) is a detected
 * USE-AFTER-FREE and raised as an InternalError: a harness failure, never silently tolerated.
 */

/** A bug in the engine (not a Python exception): reported by the harness as an internal error. */
export class InternalError extends Error {
  constructor(
    message: string,
    readonly category: "use-after-free" | "leak" | "invariant" | "internal" = "internal",
  ) {
    super(message);
    this.name = "InternalError";
  }
}

export abstract class HeapObject {
  // The fields are declared (`declare`: no class-field definition is emitted) and assigned in the
  // constructor on purpose. A class-field initializer here would DEFINE the properties on objects
  // of two dozen subclass shapes from one site: V8's megamorphic define path is far slower than a
  // plain store (it was ~6% of a fuzzing run), and every Python object goes through here.
  /** modeled address (0 until allocated) */
  declare addr: number;
  /** generation of `addr` when this object was allocated there */
  declare gen: number;
  declare refcnt: number;
  declare freed: boolean;
  /** PEP 442: __del__ runs at most once per object */
  declare finalized: boolean;
  /** immortal objects (builtin types, builtin functions, the empty tuple) ignore refcounting */
  declare immortal: boolean;
  constructor() {
    this.addr = 0;
    this.gen = 0;
    this.refcnt = 1;
    this.freed = false;
    this.finalized = false;
    this.immortal = false;
  }
  /** size class for address reuse: objects of one class share a free list */
  abstract sizeClass(): string;
  /** short description for diagnostics, e.g. "function f" */
  abstract describe(): string;
  /** Release what this object holds, in CPython's tp_dealloc order (called once, by the heap). */
  abstract clear(rt: RefOps): void;
}

/** The subset of the runtime a dealloc routine needs (breaks an import cycle). */
export interface RefOps {
  decref(v: unknown): void;
}

/** A borrowed reference stored by address, as C stores a PyObject* it does not own. */
export interface BorrowedRef {
  readonly addr: number;
  readonly gen: number;
}

export type DerefResult<T> =
  | { readonly state: "live"; readonly obj: T }
  | { readonly state: "freed"; readonly addr: number }
  | { readonly state: "reused"; readonly addr: number; readonly now: HeapObject };

const ADDR_BASE = 0x10000;
const ADDR_STEP = 0x10;

export class Heap {
  private bump = ADDR_BASE;
  private readonly freeLists = new Map<string, number[]>();
  /** generation counter of every address ever handed out, by (addr - ADDR_BASE) / ADDR_STEP (an
   *  array, not a Map: it is read and written on every allocation) */
  private readonly generation: number[] = [];
  /** address -> object currently allocated there */
  private readonly live = new Map<number, HeapObject>();
  allocations = 0;
  deallocations = 0;
  reuses = 0;

  alloc<T extends HeapObject>(obj: T): T {
    const cls = obj.sizeClass();
    const fl = this.freeLists.get(cls);
    let addr: number;
    if (fl !== undefined && fl.length > 0) {
      addr = fl.pop()!;
      this.reuses++;
    } else {
      addr = this.bump;
      this.bump += ADDR_STEP;
    }
    const slot = (addr - ADDR_BASE) / ADDR_STEP;
    const gen = (this.generation[slot] ?? 0) + 1;
    this.generation[slot] = gen;
    obj.addr = addr;
    obj.gen = gen;
    this.live.set(addr, obj);
    this.allocations++;
    return obj;
  }

  /** Poison the object and make its address available again (LIFO). */
  release(obj: HeapObject): void {
    if (obj.freed) throw new InternalError(`double free of ${obj.describe()} at 0x${obj.addr.toString(16)}`, "use-after-free");
    obj.freed = true;
    this.deallocations++;
    if (this.live.get(obj.addr) === obj) this.live.delete(obj.addr);
    const cls = obj.sizeClass();
    let fl = this.freeLists.get(cls);
    if (fl === undefined) this.freeLists.set(cls, (fl = []));
    fl.push(obj.addr);
  }

  borrow(obj: HeapObject): BorrowedRef {
    return { addr: obj.addr, gen: obj.gen };
  }

  /** Checked dereference of a borrowed reference. */
  deref<T extends HeapObject>(ref: BorrowedRef): DerefResult<T> {
    const now = this.live.get(ref.addr);
    if (now === undefined) return { state: "freed", addr: ref.addr };
    if (now.gen !== ref.gen) return { state: "reused", addr: ref.addr, now };
    return { state: "live", obj: now as T };
  }

  /** What C code would read at an address without checking: possibly a newer object. */
  objectAt(addr: number): HeapObject | undefined {
    return this.live.get(addr);
  }

  /** Live non-immortal objects, for the leak check. */
  liveObjects(): HeapObject[] {
    return [...this.live.values()].filter((o) => !o.immortal);
  }
}
