/**
 * The function-by-version cache (Objects/funcobject.c, Include/internal/pycore_function.h, 3.14):
 * 4096 direct-mapped slots indexed by `version % 4096`, each holding a BORROWED function and a
 * BORROWED code object — stored here as addresses ({addr, gen}), as C stores pointers, so a stale
 * slot can alias a newer object allocated at the same address (gh-108253).
 *
 * Variants (the seed PR asks which design is right), selectable per run:
 *  - "borrowed"  CPython 3.14's design (default): slots cleared on version clear, function and code dealloc.
 *  - "weak"      weak references: a slot never outlives its objects (lookup checks liveness + generation).
 *  - "code-only" cache code objects only (Guido's proposal): lookups of functions always miss.
 *
 * This step (issue 3, in progress) provides the cache and its hooks; the CALL specializations and
 * the invariant checker use it.
 */
import type { BorrowedRef } from "../runtime/heap.ts";
import type { PyFunction } from "../runtime/objects.ts";
import type { Runtime } from "../runtime/runtime.ts";

export const FUNC_VERSION_CACHE_SIZE = 4096;
/** 3.14: a cleared version is 1, never handed out again; valid versions start at 2 (PR #124997). */
export const FUNC_VERSION_CLEARED = 1;
export const FUNC_VERSION_FIRST_VALID = 2;

export type FunctionCacheVariant = "borrowed" | "weak" | "code-only";

export interface Slot {
  func: BorrowedRef | null;
  code: BorrowedRef | null;
}

export interface CacheCounters {
  insert: number;
  hit: number;
  miss: number;
  clearOnDealloc: number;
  clearOnVersionChange: number;
  clearOnCodeDealloc: number;
}

export class FunctionCache {
  readonly slots: Slot[] = Array.from({ length: FUNC_VERSION_CACHE_SIZE }, () => ({ func: null, code: null }));
  readonly counters: CacheCounters = { insert: 0, hit: 0, miss: 0, clearOnDealloc: 0, clearOnVersionChange: 0, clearOnCodeDealloc: 0 };
  constructor(
    readonly rt: Runtime,
    readonly variant: FunctionCacheVariant = "borrowed",
  ) {}

  private slotOf(version: number): Slot {
    return this.slots[version % FUNC_VERSION_CACHE_SIZE]!;
  }

  /** _PyFunction_SetVersion: drop the old slot if it names this function, then cache the new version. */
  setVersion(func: PyFunction, version: number): void {
    if (func.funcVersion >= FUNC_VERSION_FIRST_VALID) {
      const old = this.slotOf(func.funcVersion);
      if (old.func !== null && old.func.addr === func.addr && old.func.gen === func.gen) old.func = null;
    }
    func.funcVersion = version;
    if (version >= FUNC_VERSION_FIRST_VALID) {
      const slot = this.slotOf(version);
      if (this.variant !== "code-only") slot.func = this.rt.heap.borrow(func);
      slot.code = this.rt.heap.borrow(func.code);
      this.counters.insert++;
    }
  }
}
