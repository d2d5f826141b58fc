/**
 * The function-by-version cache (Objects/funcobject.c, Include/internal/pycore_function.h, 3.14):
 * 4096 direct-mapped slots indexed by `version % 4096`, each holding a BORROWED function and a
 * BORROWED code object — stored here as addresses ({addr, gen}), as C stores pointers, so a stale
 * slot can alias a newer object allocated at the same address (gh-108253).
 *
 * CPython's rules, one method each:
 *  - _PyFunction_SetVersion (MAKE_FUNCTION): slot[v] := {func, func->func_code}
 *  - func_clear_version (setting __code__/__defaults__/__kwdefaults__, and func_dealloc):
 *        if slot.func == func (a POINTER comparison): slot.func := NULL; func_version := CLEARED
 *  - _PyFunction_ClearCodeByVersion (code_dealloc): if slot.code->co_version == v: slot := {NULL, NULL}
 *  - _PyFunction_LookupByVersion: the function if slot.func->func_version == v, the code if
 *        slot.code->co_version == v — READING the objects at the cached addresses, as C does.
 *
 * Variants (the seed PR gh-107793 asks which design is right), selectable per run:
 *  - "borrowed"  CPython 3.14's design (default).
 *  - "weak"      weak references: a dead referent reads as NULL (the generation is validated), so
 *                a stale entry is never returned; the runtime clears weak references on dealloc
 *                whatever the cache's own clearing rules do.
 *  - "code-only" cache code objects only (Guido's proposal in the PR): function lookups always miss.
 *
 * FAULT SWITCHES (tests only, never on by default) disable one clearing rule each, to show that
 * the invariant checker (oracles/invariants/funccache.ts) catches the resulting stale entries.
 */
import { HeapObject, InternalError, type BorrowedRef } from "../runtime/heap.ts";
import { PyCode, PyFunction } from "../runtime/objects.ts";
import type { FuncVersionHooks, Runtime } from "../runtime/runtime.ts";
import { FUNC_VERSION_CLEARED, FUNC_VERSION_FIRST_VALID } from "../runtime/ops.ts";

export const FUNC_VERSION_CACHE_SIZE = 4096;
/** 3.14: a cleared version is 1, never handed out again; valid versions start at 2 (PR #124997). */
export { FUNC_VERSION_CLEARED, FUNC_VERSION_FIRST_VALID };

export type FunctionCacheVariant = "borrowed" | "weak" | "code-only";

/** Test-only switches, each disabling one clearing rule of the cache. */
export interface FunctionCacheFaults {
  /** func_dealloc does not clear the slot naming the function (the bug class of gh-108253) */
  readonly noClearOnFuncDealloc?: boolean;
  /** code_dealloc does not clear the slot of its version */
  readonly noClearOnCodeDealloc?: boolean;
  /** setting __code__ clears the version but leaves the slot naming the function */
  readonly noClearOnCodeAssign?: boolean;
  /** setting __defaults__ clears the version but leaves the slot naming the function */
  readonly noClearOnDefaultsAssign?: boolean;
  /** setting __kwdefaults__ clears the version but leaves the slot naming the function */
  readonly noClearOnKwdefaultsAssign?: boolean;
  /** PR #110593: the lookup returns a NEW reference its callers treat as borrowed (a leak) */
  readonly lookupIncrefs?: boolean;
}

/** A cached reference, with what the object was when cached (for diagnostics). */
export interface CachedRef extends BorrowedRef {
  readonly what: string;
}

export interface Slot {
  func: CachedRef | null;
  code: CachedRef | null;
}

export interface CacheCounters {
  /** _PyFunction_SetVersion */
  insert: number;
  /** lookups that returned the function */
  hit: number;
  /** lookups that did not */
  miss: number;
  /** lookups that returned the code object / did not */
  codeHit: number;
  codeMiss: number;
  /** slots emptied because the function was deallocated */
  clearOnDealloc: number;
  /** slots emptied because the function's version was cleared (__code__, __defaults__, __kwdefaults__) */
  clearOnVersionChange: number;
  /** slots emptied because the code object was deallocated */
  clearOnCodeDealloc: number;
  /** a read through a slot found a DIFFERENT object (newer generation) at the cached address */
  addressReuse: number;
}

export interface LookupResult {
  readonly func: PyFunction | null;
  readonly code: PyCode | null;
}

/**
 * What every slot holds until a version is first cached in it. Slots are made on first write
 * (setVersion) instead of 4096 objects per engine — a run touches a few dozen — and entries()
 * visits only the slots made, instead of scanning 4096 after every harness phase. Frozen: only a
 * non-empty slot is ever written (every clearing rule first checks that the slot names something).
 */
const EMPTY_SLOT: Slot = Object.freeze({ func: null, code: null }) as Slot;

export class FunctionCache implements FuncVersionHooks {
  readonly slots: Slot[] = new Array<Slot>(FUNC_VERSION_CACHE_SIZE).fill(EMPTY_SLOT);
  /** indices of the slots made so far (ascending once entries() sorted them) */
  private readonly made: number[] = [];
  private madeSorted = true;
  readonly counters: CacheCounters = {
    insert: 0, hit: 0, miss: 0, codeHit: 0, codeMiss: 0, clearOnDealloc: 0, clearOnVersionChange: 0, clearOnCodeDealloc: 0, addressReuse: 0,
  };
  constructor(
    readonly rt: Runtime,
    readonly variant: FunctionCacheVariant = "borrowed",
    readonly faults: FunctionCacheFaults = {},
  ) {}

  static indexOf(version: number): number {
    return version % FUNC_VERSION_CACHE_SIZE;
  }

  slotOf(version: number): Slot {
    return this.slots[FunctionCache.indexOf(version)]!;
  }

  private ref(o: HeapObject): CachedRef {
    return { addr: o.addr, gen: o.gen, what: o.describe() };
  }

  /** Does `ref` name `o`? Borrowed pointers compare addresses only (C's `slot->func == func`); weak references also the generation. */
  private names(ref: CachedRef | null, o: HeapObject): boolean {
    if (ref === null || ref.addr !== o.addr) return false;
    return this.variant !== "weak" || ref.gen === o.gen;
  }

  // ------------------------------------------------------------------ writes

  /**
   * _PyFunction_SetVersion (MAKE_FUNCTION): func_version := version, and the slot of that version
   * names the function and its code. (3.14 asserts the function was unversioned; a re-versioned
   * function first leaves its old slot, which only a caller outside CPython's rules could need.)
   */
  setVersion(func: PyFunction, version: number): void {
    if (func.funcVersion >= FUNC_VERSION_FIRST_VALID) {
      const old = this.slotOf(func.funcVersion);
      if (this.names(old.func, func)) old.func = null;
    }
    func.funcVersion = version;
    if (version < FUNC_VERSION_FIRST_VALID) return;
    const slot = this.writableSlot(version);
    slot.func = this.variant === "code-only" ? null : this.ref(func);
    slot.code = this.ref(func.code);
    this.counters.insert++;
  }

  /** The slot of `version`, made if it is still the shared empty one. */
  private writableSlot(version: number): Slot {
    const index = FunctionCache.indexOf(version);
    let slot = this.slots[index]!;
    if (slot === EMPTY_SLOT) {
      slot = { func: null, code: null };
      this.slots[index] = slot;
      if (this.made.length > 0 && index < this.made[this.made.length - 1]!) this.madeSorted = false;
      this.made.push(index);
    }
    return slot;
  }

  /** func_clear_version, without touching func_version (the caller sets it). */
  private clearFuncSlot(func: PyFunction): boolean {
    if (func.funcVersion < FUNC_VERSION_FIRST_VALID) return false;
    const slot = this.slotOf(func.funcVersion);
    if (!this.names(slot.func, func)) return false;
    slot.func = null; // slot.code stays: "there may be use for it"
    return true;
  }

  /** Runtime hook: setting __code__/__defaults__/__kwdefaults__ is about to clear `f`'s valid version. */
  versionCleared(f: PyFunction, attr: "__code__" | "__defaults__" | "__kwdefaults__"): void {
    const fault = attr === "__code__" ? this.faults.noClearOnCodeAssign
      : attr === "__defaults__" ? this.faults.noClearOnDefaultsAssign
      : this.faults.noClearOnKwdefaultsAssign;
    if (fault) return;
    if (this.clearFuncSlot(f)) this.counters.clearOnVersionChange++;
  }

  /** Runtime hook: func_dealloc -> func_clear -> func_clear_version. */
  functionDealloc(f: PyFunction): void {
    // a weak reference dies with its referent whatever the cache's own rules are
    if (this.faults.noClearOnFuncDealloc && this.variant !== "weak") return;
    if (this.clearFuncSlot(f)) this.counters.clearOnDealloc++;
    if (f.funcVersion >= FUNC_VERSION_FIRST_VALID) f.funcVersion = FUNC_VERSION_CLEARED;
  }

  /** Runtime hook: code_dealloc -> _PyFunction_ClearCodeByVersion(co_version). */
  codeDealloc(c: PyCode): void {
    if (this.variant === "weak") {
      const slot = this.slotOf(c.coVersion);
      if (this.names(slot.code, c)) {
        slot.code = null;
        slot.func = null;
        this.counters.clearOnCodeDealloc++;
      }
      return;
    }
    if (this.faults.noClearOnCodeDealloc) return;
    const slot = this.slotOf(c.coVersion);
    if (slot.code === null) return;
    // C reads slot->code->co_version: whatever object lives at that address now
    const now = this.read(slot.code, FunctionCache.indexOf(c.coVersion), "code");
    if (now instanceof PyCode && now.coVersion === c.coVersion) {
      slot.code = null;
      slot.func = null;
      this.counters.clearOnCodeDealloc++;
    }
  }

  // ------------------------------------------------------------------ reads

  /**
   * Dereference a borrowed slot entry the way C does: the object that lives at the address NOW
   * (possibly a newer one: counted as address reuse). Reading a freed address is a detected
   * use-after-free. Weak references never get here with a dead referent.
   */
  private read(ref: CachedRef, index: number, field: "func" | "code"): HeapObject {
    const now = this.rt.heap.objectAt(ref.addr);
    if (now === undefined) {
      throw new InternalError(
        `use-after-free: function cache slot ${index} (${field}) reads 0x${ref.addr.toString(16)}, where ${ref.what} (generation ${ref.gen}) was freed`,
        "use-after-free",
      );
    }
    if (now.gen !== ref.gen) this.counters.addressReuse++;
    return now;
  }

  /** A weak reference's referent, or null when it died (the slot entry is dropped). */
  private weakRead(slot: Slot, field: "func" | "code"): HeapObject | null {
    const ref = slot[field];
    if (ref === null) return null;
    const d = this.rt.heap.deref(ref);
    if (d.state === "live") return d.obj;
    slot[field] = null;
    return null;
  }

  /**
   * _PyFunction_LookupByVersion: BORROWED function and code for a version (tier 2 follows calls
   * with it). A hit is only as good as the cache's clearing: with a stale borrowed entry the
   * answer is whatever object now lives at the cached address.
   */
  lookup(version: number): LookupResult {
    const index = FunctionCache.indexOf(version);
    const slot = this.slots[index]!;
    let code: PyCode | null = null;
    let func: PyFunction | null = null;
    if (this.variant === "weak") {
      const c = this.weakRead(slot, "code");
      if (c instanceof PyCode && c.coVersion === version) code = c;
      const f = this.weakRead(slot, "func");
      if (f instanceof PyFunction && f.funcVersion === version) func = f;
    } else {
      if (slot.code !== null) {
        const c = this.read(slot.code, index, "code");
        if (c instanceof PyCode && c.coVersion === version) code = c;
      }
      if (this.variant !== "code-only" && slot.func !== null) {
        const f = this.read(slot.func, index, "func");
        if (f instanceof PyFunction && f.funcVersion === version) func = f;
      }
    }
    if (func !== null && this.faults.lookupIncrefs) this.rt.incref(func);
    if (func !== null) this.counters.hit++;
    else this.counters.miss++;
    if (code !== null) this.counters.codeHit++;
    else this.counters.codeMiss++;
    return { func, code };
  }

  /** Non-empty slots in index order, for diagnostics and the invariant checker. */
  *entries(): Generator<{ index: number; slot: Slot }> {
    if (!this.madeSorted) {
      this.made.sort((a, b) => a - b);
      this.madeSorted = true;
    }
    for (const i of this.made) {
      const slot = this.slots[i]!;
      if (slot.func !== null || slot.code !== null) yield { index: i, slot };
    }
  }
}
