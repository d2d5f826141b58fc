/**
 * LOAD_GLOBAL's specializer (Python/specialize.c specialize_load_global_lock_held, CPython 3.14),
 * with CPython's SPEC_FAIL_* kinds (names without the prefix).
 *
 * Globals and builtins are always exact dicts in the subset (LOAD_GLOBAL_NON_DICT cannot happen).
 * The cached entry index and keys versions must fit 16 bits (OUT_OF_RANGE otherwise); versions
 * come from the runtime's keys-version counter (versions.ts), so a program that keeps changing
 * the keys of its globals and re-specializing eventually runs past 65535 and stops specializing,
 * as CPython does.
 */
import "../uops/global.ts";
import type { DictStore } from "../runtime/dictstore.ts";
import { registerSpecializer, cacheField, type SpecializeContext, type SpecializeResult } from "./specializer.ts";
import { dictKeysVersion } from "./versions.ts";
import { writeCache } from "../uops/table.ts";

/** unit offsets of _PyLoadGlobalCache (after the counter) */
const GLOBALS_VERSION = 1;
const BUILTINS_VERSION = 2;
const INDEX = 3;

/** Write cache unit `unit` of the instruction (dis's _cache_format names these units differently). */
export function setCacheUnit(s: SpecializeContext, unit: number, size: number, value: number): void {
  writeCache(s.f.code.units, s.offset + 1 + unit, size, value);
}

const fail = (kind: string): SpecializeResult => ({ fail: kind });

/** a 16-bit keys version, or the failure */
function version16(s: SpecializeContext, d: DictStore): number | SpecializeResult {
  const v = dictKeysVersion(s.rt, d);
  if (v === 0) return fail("OUT_OF_VERSIONS");
  if (v > 0xffff) return fail("OUT_OF_RANGE");
  return v;
}

function specializeLoadGlobal(s: SpecializeContext): SpecializeResult {
  const name = s.f.def.names[s.oparg >> 1]!;
  const globals = s.f.globals.store;
  const builtins = s.f.builtins.store;
  if (!globals.allKeysStr()) return fail("LOAD_GLOBAL_NON_STRING_OR_SPLIT");
  const gi = globals.indexOfStr(name);
  if (gi >= 0) {
    if (gi > 0xffff) return fail("OUT_OF_RANGE");
    const gv = version16(s, globals);
    if (typeof gv !== "number") return gv;
    setCacheUnit(s, INDEX, 1, gi);
    setCacheUnit(s, GLOBALS_VERSION, 1, gv);
    return { form: "LOAD_GLOBAL_MODULE" };
  }
  if (!builtins.allKeysStr()) return fail("LOAD_GLOBAL_NON_STRING_OR_SPLIT");
  const bi = builtins.indexOfStr(name);
  // not found (DKIX_EMPTY) fails the same 16-bit test
  if (bi < 0 || bi > 0xffff) return fail("OUT_OF_RANGE");
  const gv = version16(s, globals);
  if (typeof gv !== "number") return gv;
  const bv = version16(s, builtins);
  if (typeof bv !== "number") return bv;
  setCacheUnit(s, INDEX, 1, bi);
  setCacheUnit(s, GLOBALS_VERSION, 1, gv);
  setCacheUnit(s, BUILTINS_VERSION, 1, bv);
  return { form: "LOAD_GLOBAL_BUILTIN" };
}

// the cache layout this module assumes: 4 units after the opcode, the counter first
if (cacheField("LOAD_GLOBAL", "counter").at !== 0) throw new Error("LOAD_GLOBAL cache layout changed");

registerSpecializer("LOAD_GLOBAL", specializeLoadGlobal);
