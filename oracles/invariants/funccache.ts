/**
 * Invariant of the function-by-version cache (Objects/funcobject.c, the comment above
 * get_cache_item), checked from outside through checked dereferences (Heap.deref), never through
 * the cache's own reads:
 *
 *   for every slot s at index i:
 *     - s.func is NULL or a LIVE function at its address, of the generation that was cached, whose
 *       func_version is valid and maps to i (func_version % 4096 == i);
 *     - s.code is NULL or a LIVE code object at its address, of the cached generation, whose
 *       co_version maps to i;
 *     - if s.func is not NULL, s.func's code is s.code.
 *
 * A borrowed entry whose object was freed, or whose address now holds a newer object, is a
 * violation (a dangling pointer C would follow). The "weak" variant's dead entries are not: a weak
 * reference to a dead object reads as NULL and is never returned.
 */
import { PyCode, PyFunction } from "../../engine/runtime/objects.ts";
import type { HeapObject } from "../../engine/runtime/heap.ts";
import { FunctionCache, FUNC_VERSION_FIRST_VALID, type CachedRef } from "../../engine/tier1/funccache.ts";

export interface CacheViolation {
  readonly slot: number;
  readonly field: "func" | "code";
  /** what the slot cached: description, address and generation */
  readonly cached: string;
  readonly problem: "freed" | "address-reused" | "wrong-type" | "version-mismatch" | "code-mismatch";
  /** human-readable: names the slot, the stale object and what now lives at its address */
  readonly message: string;
}

const hex = (a: number): string => `0x${a.toString(16)}`;
const cachedDesc = (r: CachedRef): string => `${r.what} at ${hex(r.addr)} (generation ${r.gen})`;

/** One slot's checks record their violations here (module functions, not per-slot closures: the
 *  checker runs after every phase of every fuzz case). */
interface SlotCheck {
  readonly out: CacheViolation[];
  readonly heap: FunctionCache["rt"]["heap"];
  readonly weak: boolean;
  readonly index: number;
}

function bad(s: SlotCheck, field: "func" | "code", ref: CachedRef, problem: CacheViolation["problem"], detail: string): void {
  s.out.push({ slot: s.index, field, cached: cachedDesc(ref), problem, message: `function cache slot ${s.index}: ${field} ${cachedDesc(ref)} ${detail}` });
}

/** the cached object if it is still the one at its address, else null (violation recorded unless weak) */
function live(s: SlotCheck, field: "func" | "code", ref: CachedRef): HeapObject | null {
  const d = s.heap.deref(ref);
  if (d.state === "live") return d.obj;
  if (s.weak) return null;
  if (d.state === "freed") bad(s, field, ref, "freed", "was freed: the slot is a dangling pointer");
  else bad(s, field, ref, "address-reused", `is stale: its address now holds ${d.now.describe()} (generation ${d.now.gen})`);
  return null;
}

export function checkFunctionCache(cache: FunctionCache): CacheViolation[] {
  const out: CacheViolation[] = [];
  const heap = cache.rt.heap;
  const weak = cache.variant === "weak";
  for (const { index, slot } of cache.entries()) {
    const s: SlotCheck = { out, heap, weak, index };
    let code: PyCode | null = null;
    if (slot.code !== null) {
      const o = live(s, "code", slot.code);
      if (o !== null && !(o instanceof PyCode)) bad(s, "code", slot.code, "wrong-type", `is not a code object but ${o.describe()}`);
      else if (o instanceof PyCode) {
        code = o;
        if (FunctionCache.indexOf(o.coVersion) !== index) bad(s, "code", slot.code, "version-mismatch", `has co_version ${o.coVersion}, which maps to slot ${FunctionCache.indexOf(o.coVersion)}`);
      }
    }
    if (slot.func !== null) {
      const o = live(s, "func", slot.func);
      if (o !== null && !(o instanceof PyFunction)) bad(s, "func", slot.func, "wrong-type", `is not a function but ${o.describe()}`);
      else if (o instanceof PyFunction) {
        const v = o.funcVersion;
        if (v < FUNC_VERSION_FIRST_VALID || FunctionCache.indexOf(v) !== index) {
          bad(s, "func", slot.func, "version-mismatch", `has func_version ${v}${v < FUNC_VERSION_FIRST_VALID ? " (not a valid version)" : `, which maps to slot ${FunctionCache.indexOf(v)}`}`);
        }
        const sc = slot.code;
        if (sc === null || o.code.addr !== sc.addr || o.code.gen !== sc.gen) {
          // a weak slot whose code entry died is not a mismatch of a live pair
          if (!(weak && sc !== null && code === null)) {
            bad(s, "func", slot.func, "code-mismatch", `runs ${o.code.describe()} at ${hex(o.code.addr)}, but the slot's code is ${sc === null ? "NULL" : cachedDesc(sc)}`);
          }
        }
      }
    }
  }
  return out;
}

export function formatCacheViolations(vs: readonly CacheViolation[]): string {
  return vs.map((v) => v.message).join("\n");
}
