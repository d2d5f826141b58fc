/**
 * LOAD_GLOBAL's specialized forms (Python/bytecodes.c, CPython 3.14):
 *
 *   macro(LOAD_GLOBAL_MODULE)  = unused/1 + NOP + _LOAD_GLOBAL_MODULE + _PUSH_NULL_CONDITIONAL
 *   macro(LOAD_GLOBAL_BUILTIN) = unused/1 + _GUARD_GLOBALS_VERSION + _LOAD_GLOBAL_BUILTINS + _PUSH_NULL_CONDITIONAL
 *
 * Inline cache (_PyLoadGlobalCache, which dis's _cache_format names in a different order):
 * unit 1 = globals keys version, unit 2 = builtins keys version, unit 3 = entry index.
 * Both forms guard on keys versions only: any insertion or deletion of a key resets the version
 * (DictStore), so while it matches, the cached index still names the same entry (whose value may
 * have been replaced — the load reads the current value).
 */
import { defineUop, defineMacro, uopNamed, operandUnit, OK, DEOPT, F_DEOPT, type UopDef, type UopFn, type Count } from "./table.ts";
import { push } from "./stack.ts";

/**
 * Define a uop that more than one family module needs (the first module to load defines it).
 * The definitions are CPython's and identical wherever they appear.
 */
export function defineSharedUop(name: string, spec: { inputs: Count; outputs: Count; cache?: number; flags?: number }, fn: UopFn): UopDef {
  try {
    return uopNamed(name);
  } catch {
    return defineUop(name, spec, fn);
  }
}

// op(_PUSH_NULL_CONDITIONAL, ( -- null[oparg & 1]))
defineSharedUop("_PUSH_NULL_CONDITIONAL", { inputs: 0, outputs: (o) => o & 1 }, (c, oparg) => {
  if (oparg & 1) push(c, null);
  return OK;
});

// op(_GUARD_GLOBALS_VERSION, (version/1 --)): globals is always an exact dict in the subset
defineUop("_GUARD_GLOBALS_VERSION", { inputs: 0, outputs: 0, cache: 1, flags: F_DEOPT }, (c, _oparg, version) =>
  c.f.globals.store.peekKeysVersion() === version ? OK : DEOPT,
);

// op(_LOAD_GLOBAL_MODULE, (version/1, unused/1, index/1 -- res)) — at macro cache offset 1
defineUop("_LOAD_GLOBAL_MODULE", { inputs: 0, outputs: 1, cache: 3, flags: F_DEOPT }, (c, _oparg, operand) => {
  // the operand, not the live cache: tier 2 runs it from the trace, copied at projection
  const version = operandUnit(operand, 0);
  const index = operandUnit(operand, 2);
  const store = c.f.globals.store;
  if (store.peekKeysVersion() !== version) return DEOPT;
  const e = store.entryAt(index);
  if (e === undefined) return DEOPT;
  push(c, c.rt.newRef(e.value));
  return OK;
});

// op(_LOAD_GLOBAL_BUILTINS, (version/1, index/1 -- res))
defineUop("_LOAD_GLOBAL_BUILTINS", { inputs: 0, outputs: 1, cache: 2, flags: F_DEOPT }, (c, _oparg, operand) => {
  const version = operand & 0xffff;
  const index = operand >>> 16;
  const store = c.f.builtins.store;
  if (store.peekKeysVersion() !== version) return DEOPT;
  const e = store.entryAt(index);
  if (e === undefined) return DEOPT;
  push(c, c.rt.newRef(e.value));
  return OK;
});

defineMacro("LOAD_GLOBAL_MODULE", [1, "NOP", "_LOAD_GLOBAL_MODULE", "_PUSH_NULL_CONDITIONAL"]);
defineMacro("LOAD_GLOBAL_BUILTIN", [1, "_GUARD_GLOBALS_VERSION", "_LOAD_GLOBAL_BUILTINS", "_PUSH_NULL_CONDITIONAL"]);
