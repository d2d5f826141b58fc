/**
 * Uops of the BASE (unspecialized) instructions and their macros, after Python/bytecodes.c
 * (3.14). Value semantics come from engine/runtime/ops.ts; what is defined here is each
 * instruction's stack discipline, reference ownership (which decides when __del__ runs), and
 * control flow. Specialized forms live beside this file, one family per file.
 */
import {
  PyTuple, PyList, PyDict, PyCode, PyFunction, PyModule, PyMethod, PyCell, PyType, PyException,
  PySlice, PyNoneType, None, type PyValue,
} from "../runtime/objects.ts";
import { PyError } from "../runtime/pyerror.ts";
import * as ops from "../runtime/ops.ts";
import { T, typeOf } from "../runtime/types.ts";
import { CO_FAST_CELL, CO_FAST_FREE } from "../bytecode/code.ts";
import { COMMON_CONSTANTS, FN_DEFAULTS, FN_KWDEFAULTS, FN_CLOSURE, FN_ANNOTATIONS, FN_ANNOTATE } from "../bytecode/subset.ts";
import { jumpTarget } from "../bytecode/instructions.ts";
import {
  defineUop, defineMacro, OK, PUSHED, RETURNED, REDISPATCH, F_ERROR, F_ESCAPES, F_PURE, F_JUMP,
  F_SPECIALIZING, F_FRAME, F_TIER1_ONLY, type UopContext, type Signal,
} from "./table.ts";
import { push, pop, popMaybeNull, peek, popN, local, setLocal } from "./stack.ts";
import { triggers, advance } from "../tier1/counters.ts";
import { instrAt } from "../vm/code-info.ts";
import { OPMAP } from "../bytecode/opcodes.generated.ts";
import { loadConstForm } from "./misc.ts";

const E = F_ERROR | F_ESCAPES;

// ------------------------------------------------------------------ specializing ops

/**
 * `_SPECIALIZE_X (counter/1)`: when the counter triggers, run the specializer (which rewrites the
 * opcode and caches) and dispatch the same instruction again; otherwise count down.
 */
function specializing(base: string): void {
  defineUop(`_SPECIALIZE_${base}`, { inputs: 0, outputs: 0, cache: 1, flags: F_SPECIALIZING | F_TIER1_ONLY }, (c, oparg, counter) => {
    if (triggers(counter)) {
      c.vm.specialize(base, c, oparg);
      return REDISPATCH;
    }
    c.f.code.units[c.offset + 1] = advance(counter);
    c.vm.deferred(base);
    return OK;
  });
}

// ------------------------------------------------------------------ helpers

function decrefAll(c: UopContext, vs: readonly (PyValue | null)[]): void {
  for (const v of vs) if (v !== null) c.rt.decref(v);
}
/** Run `op` on popped inputs, release the inputs in order (DECREF_INPUTS), push the result. */
/**
 * Run `op` on popped inputs, release the inputs, push the result. Release order is the code
 * generator's: `success` order once the result exists (default: as listed), and when `op`
 * raises, top of the stack down (the inputs stay for the unwinder: ERROR_NO_POP).
 */
function consume(c: UopContext, inputs: readonly PyValue[], op: () => PyValue, success: readonly PyValue[] = inputs): Signal {
  let r: PyValue;
  try {
    r = op();
  } catch (e) {
    for (let i = inputs.length - 1; i >= 0; i--) c.rt.decref(inputs[i]);
    throw e;
  }
  for (const v of success) c.rt.decref(v);
  push(c, r);
  return OK;
}
/**
 * consume() for the frequent two-input operators, without a closure and an array per execution:
 * `op(rt, oparg, lhs, rhs)`; when it raises, rhs then lhs are released (top of the stack down),
 * otherwise lhs then rhs ("lr", the default) or rhs then lhs ("rl"), and the result is pushed.
 */
function consume2(c: UopContext, lhs: PyValue, rhs: PyValue, op: (rt: UopContext["rt"], oparg: number, lhs: PyValue, rhs: PyValue) => PyValue, oparg: number, successOrder: "lr" | "rl" = "lr"): Signal {
  let r: PyValue;
  try {
    r = op(c.rt, oparg, lhs, rhs);
  } catch (e) {
    c.rt.decref(rhs);
    c.rt.decref(lhs);
    throw e;
  }
  if (successOrder === "lr") {
    c.rt.decref(lhs);
    c.rt.decref(rhs);
  } else {
    c.rt.decref(rhs);
    c.rt.decref(lhs);
  }
  push(c, r);
  return OK;
}
function isOp(_rt: UopContext["rt"], oparg: number, lhs: PyValue, rhs: PyValue): PyValue {
  return ops.isOp(lhs, rhs) !== (oparg === 1);
}
function containsOp(rt: UopContext["rt"], oparg: number, lhs: PyValue, rhs: PyValue): PyValue {
  return ops.contains(rt, rhs, lhs) !== (oparg === 1);
}
function unboundDeref(c: UopContext, i: number): PyError {
  const def = c.f.def;
  const name = def.localsplusnames[i]!;
  const kind = def.localspluskinds[i]!;
  if ((kind & CO_FAST_FREE) !== 0 && (kind & CO_FAST_CELL) === 0) {
    return new PyError("NameError", `cannot access free variable '${name}' where it is not associated with a value in enclosing scope`);
  }
  return new PyError("UnboundLocalError", `cannot access local variable '${name}' where it is not associated with a value`);
}
function cellAt(c: UopContext, i: number): PyCell {
  const cell = c.f.localsplus[i];
  if (!(cell instanceof PyCell)) throw new ops.UndefinedBehavior(`${c.f.def.qualname}+${c.offset * 2}: cell variable #${i} is not a cell`);
  return cell;
}
export function loadGlobalValue(c: UopContext, name: string): PyValue {
  const v = c.f.globals.store.getStr(name) ?? c.f.builtins.store.getStr(name);
  if (v === undefined) throw new PyError("NameError", `name '${name}' is not defined`);
  return v;
}
const names = (c: UopContext): readonly string[] => c.f.def.names;
function jump(c: UopContext): number {
  return jumpTarget(instrAt(c.f, c.offset))!;
}

// (`fn` is the uop's semantics itself, not wrapped in a forwarding closure: the forwarding call
// site would be shared by every instruction and megamorphic — one more call per instruction.)
function sliceOp(name: string, spec: { inputs: number; outputs: number; flags: number }, fn: (c: UopContext) => Signal): void {
  defineUop(`_${name}`, spec, fn);
  defineMacro(name, [`_SPECIALIZE_${name}`, `_${name}`]);
}

/** A simple instruction: CPython's `inst(NAME, ...)` is a macro of one uop of the same name. */
function inst(name: string, spec: { inputs: number | ((o: number) => number); outputs: number | ((o: number) => number); flags?: number }, fn: (c: UopContext, oparg: number) => Signal): void {
  defineUop(name, spec, fn);
  defineMacro(name, [name]);
}

// ------------------------------------------------------------------ frame entry, no-ops

inst("NOP", { inputs: 0, outputs: 0, flags: F_PURE }, () => OK);
defineMacro("NOT_TAKEN", ["NOP"]); // 3.14: macro(NOT_TAKEN) = NOP
// RESUME = _LOAD_BYTECODE + _MAYBE_INSTRUMENT + _QUICKEN_RESUME + _CHECK_PERIODIC_IF_NOT_YIELD_FROM.
// No counter: its first execution rewrites it to RESUME_CHECK (engine/uops/misc.ts) when not tracing.
// _LOAD_BYTECODE only acts in free-threaded builds; instrumentation and the eval breaker (signals,
// pending calls) are not modeled, so _MAYBE_INSTRUMENT and the periodic check do nothing.
defineUop("_LOAD_BYTECODE", { inputs: 0, outputs: 0, flags: F_ERROR | F_ESCAPES | F_TIER1_ONLY }, () => OK);
defineUop("_MAYBE_INSTRUMENT", { inputs: 0, outputs: 0, flags: F_ERROR | F_ESCAPES | F_TIER1_ONLY }, () => OK);
defineUop("_QUICKEN_RESUME", { inputs: 0, outputs: 0, flags: F_ESCAPES | F_TIER1_ONLY }, (c) => {
  const units = c.f.code.units;
  if ((units[c.offset]! & 0xff) === OPMAP["RESUME"]) {
    units[c.offset] = (units[c.offset]! & 0xff00) | OPMAP["RESUME_CHECK"]!;
    c.vm.rewritten("RESUME_CHECK");
  }
  return OK;
});
defineUop("_CHECK_PERIODIC_IF_NOT_YIELD_FROM", { inputs: 0, outputs: 0, flags: F_ERROR | F_ESCAPES }, () => OK);
defineMacro("RESUME", ["_LOAD_BYTECODE", "_MAYBE_INSTRUMENT", "_QUICKEN_RESUME", "_CHECK_PERIODIC_IF_NOT_YIELD_FROM"]);

// ------------------------------------------------------------------ locals and constants

for (const name of ["LOAD_FAST", "LOAD_FAST_BORROW", "LOAD_FAST_CHECK"]) {
  inst(name, { inputs: 0, outputs: 1, flags: name === "LOAD_FAST_CHECK" ? F_ERROR : F_PURE }, (c, oparg) => {
    push(c, c.rt.newRef(local(c, oparg)));
    return OK;
  });
}
for (const name of ["LOAD_FAST_LOAD_FAST", "LOAD_FAST_BORROW_LOAD_FAST_BORROW"]) {
  inst(name, { inputs: 0, outputs: 2 }, (c, oparg) => {
    push(c, c.rt.newRef(local(c, oparg >> 4)));
    push(c, c.rt.newRef(local(c, oparg & 15)));
    return OK;
  });
}
inst("LOAD_FAST_AND_CLEAR", { inputs: 0, outputs: 1 }, (c, oparg) => {
  push(c, c.f.localsplus[oparg] ?? null);
  c.f.localsplus[oparg] = null;
  return OK;
});
inst("STORE_FAST", { inputs: 1, outputs: 0, flags: F_ESCAPES }, (c, oparg) => {
  setLocal(c, oparg, popMaybeNull(c));
  return OK;
});
inst("STORE_FAST_LOAD_FAST", { inputs: 1, outputs: 1, flags: F_ESCAPES }, (c, oparg) => {
  setLocal(c, oparg >> 4, pop(c));
  push(c, c.rt.newRef(local(c, oparg & 15)));
  return OK;
});
inst("STORE_FAST_STORE_FAST", { inputs: 2, outputs: 0, flags: F_ESCAPES }, (c, oparg) => {
  setLocal(c, oparg >> 4, pop(c));
  setLocal(c, oparg & 15, pop(c));
  return OK;
});
inst("DELETE_FAST", { inputs: 0, outputs: 0, flags: E }, (c, oparg) => {
  local(c, oparg);
  setLocal(c, oparg, null);
  return OK;
});
// No counter: the first execution rewrites the instruction to LOAD_CONST_IMMORTAL or
// LOAD_CONST_MORTAL by the constant's immortality (engine/uops/misc.ts).
inst("LOAD_CONST", { inputs: 0, outputs: 1, flags: F_TIER1_ONLY }, (c, oparg) => {
  const v = c.f.code.consts.items[oparg]!;
  push(c, c.rt.newRef(v));
  const units = c.f.code.units;
  if ((units[c.offset]! & 0xff) === OPMAP["LOAD_CONST"]) {
    const form = loadConstForm(c, v);
    units[c.offset] = (units[c.offset]! & 0xff00) | OPMAP[form]!;
    c.vm.rewritten(form);
  }
  return OK;
});
inst("LOAD_SMALL_INT", { inputs: 0, outputs: 1, flags: F_PURE }, (c, oparg) => {
  push(c, oparg);
  return OK;
});
inst("LOAD_COMMON_CONSTANT", { inputs: 0, outputs: 1 }, (c, oparg) => {
  const cname = COMMON_CONSTANTS[oparg]!;
  const v = cname === "tuple" ? T.tuple : cname === "AssertionError" ? T.AssertionError : cname === "NotImplementedError" ? T.NotImplementedError : undefined;
  if (v === undefined) throw new ops.Unsupported(`builtin ${cname}`);
  push(c, v);
  return OK;
});

// ------------------------------------------------------------------ globals and names

specializing("LOAD_GLOBAL");
defineUop("_LOAD_GLOBAL", { inputs: 0, outputs: 1, flags: E }, (c, oparg) => {
  push(c, c.rt.newRef(loadGlobalValue(c, names(c)[oparg >> 1]!)));
  return OK;
});
/** 3.14: the NULL of `LOAD_GLOBAL NULL + f` / `LOAD_ATTR` method loads is pushed by its own uop. */
defineUop("_PUSH_NULL_CONDITIONAL", { inputs: 0, outputs: (o) => o & 1, flags: F_PURE }, (c, oparg) => {
  if (oparg & 1) push(c, null);
  return OK;
});
defineMacro("LOAD_GLOBAL", ["_SPECIALIZE_LOAD_GLOBAL", 3, "_LOAD_GLOBAL", "_PUSH_NULL_CONDITIONAL"]);
inst("STORE_GLOBAL", { inputs: 1, outputs: 0, flags: E }, (c, oparg) => {
  const v = pop(c);
  try {
    c.rt.dictSet(c.f.globals, names(c)[oparg]!, v);
  } finally {
    c.rt.decref(v);
  }
  return OK;
});
inst("DELETE_GLOBAL", { inputs: 0, outputs: 0, flags: E }, (c, oparg) => {
  if (!c.rt.dictDel(c.f.globals, names(c)[oparg]!)) throw new PyError("NameError", `name '${names(c)[oparg]}' is not defined`);
  return OK;
});
inst("LOAD_NAME", { inputs: 0, outputs: 1, flags: E }, (c, oparg) => {
  const name = names(c)[oparg]!;
  const v = (c.f.locals !== null ? c.f.locals.store.getStr(name) : undefined) ?? loadGlobalValue(c, name);
  push(c, c.rt.newRef(v));
  return OK;
});
inst("STORE_NAME", { inputs: 1, outputs: 0, flags: E }, (c, oparg) => {
  const v = pop(c);
  try {
    if (c.f.locals === null) throw new PyError("RuntimeError", `no locals found when storing '${names(c)[oparg]}'`);
    c.rt.dictSet(c.f.locals, names(c)[oparg]!, v);
  } finally {
    c.rt.decref(v);
  }
  return OK;
});
inst("DELETE_NAME", { inputs: 0, outputs: 0, flags: E }, (c, oparg) => {
  if (c.f.locals === null) throw new PyError("RuntimeError", `no locals when deleting '${names(c)[oparg]}'`);
  if (!c.rt.dictDel(c.f.locals, names(c)[oparg]!)) throw new PyError("NameError", `name '${names(c)[oparg]}' is not defined`);
  return OK;
});
inst("LOAD_LOCALS", { inputs: 0, outputs: 1, flags: F_ERROR }, (c) => {
  if (c.f.locals === null) throw new ops.UndefinedBehavior("LOAD_LOCALS without locals");
  push(c, c.rt.newRef(c.f.locals));
  return OK;
});
inst("LOAD_FROM_DICT_OR_DEREF", { inputs: 1, outputs: 1, flags: E }, (c, oparg) => {
  const mapping = pop(c);
  const name = c.f.def.localsplusnames[oparg]!;
  try {
    let v = mapping instanceof PyDict ? mapping.store.getStr(name) : undefined;
    if (v === undefined) {
      const cell = cellAt(c, oparg);
      if (cell.ref === null) throw unboundDeref(c, oparg);
      v = cell.ref;
    }
    push(c, c.rt.newRef(v));
  } finally {
    c.rt.decref(mapping);
  }
  return OK;
});
inst("LOAD_BUILD_CLASS", { inputs: 0, outputs: 1, flags: F_ERROR }, (c) => {
  const bc = c.f.builtins.store.getStr("__build_class__");
  if (bc === undefined) throw new PyError("NameError", "__build_class__ not found");
  push(c, c.rt.newRef(bc));
  return OK;
});

// ------------------------------------------------------------------ attributes

specializing("LOAD_ATTR");
defineUop("_LOAD_ATTR", { inputs: 1, outputs: (o) => 1 + (o & 1), flags: E }, (c, oparg) => {
  const owner = pop(c);
  const name = names(c)[oparg >> 1]!;
  try {
    if (oparg & 1) {
      const [m, self] = ops.getMethod(c.rt, owner, name);
      push(c, m);
      push(c, self);
    } else push(c, ops.getAttr(c.rt, owner, name));
  } finally {
    c.rt.decref(owner);
  }
  return OK;
});
defineMacro("LOAD_ATTR", ["_SPECIALIZE_LOAD_ATTR", 8, "_LOAD_ATTR"]);
specializing("STORE_ATTR");
defineUop("_STORE_ATTR", { inputs: 2, outputs: 0, flags: E }, (c, oparg) => {
  const owner = pop(c);
  const v = pop(c);
  try {
    ops.setAttr(c.rt, owner, names(c)[oparg]!, v);
  } finally {
    c.rt.decref(owner);
    c.rt.decref(v);
  }
  return OK;
});
defineMacro("STORE_ATTR", ["_SPECIALIZE_STORE_ATTR", 3, "_STORE_ATTR"]);
inst("DELETE_ATTR", { inputs: 1, outputs: 0, flags: E }, (c, oparg) => {
  const owner = pop(c);
  try {
    ops.delAttr(c.rt, owner, names(c)[oparg]!);
  } finally {
    c.rt.decref(owner);
  }
  return OK;
});

// ------------------------------------------------------------------ operators

specializing("BINARY_OP");
defineUop("_BINARY_OP", { inputs: 2, outputs: 1, flags: E }, (c, oparg) => {
  const rhs = pop(c);
  const lhs = pop(c);
  return consume2(c, lhs, rhs, ops.binaryOp, oparg);
});
defineMacro("BINARY_OP", ["_SPECIALIZE_BINARY_OP", 4, "_BINARY_OP"]);
specializing("STORE_SUBSCR");
defineUop("_STORE_SUBSCR", { inputs: 3, outputs: 0, flags: E }, (c) => {
  const sub = pop(c);
  const container = pop(c);
  const v = pop(c);
  try {
    ops.setItem(c.rt, container, sub, v);
  } finally {
    decrefAll(c, [sub, container, v]);
  }
  return OK;
});
defineMacro("STORE_SUBSCR", ["_SPECIALIZE_STORE_SUBSCR", "_STORE_SUBSCR"]);
inst("DELETE_SUBSCR", { inputs: 2, outputs: 0, flags: E }, (c) => {
  const sub = pop(c);
  const container = pop(c);
  try {
    ops.delItem(c.rt, container, sub);
  } finally {
    decrefAll(c, [sub, container]);
  }
  return OK;
});
// 3.14: BINARY_SLICE / STORE_SLICE = _SPECIALIZE_X (a tier-2 hint, no cache) + _X
defineUop("_SPECIALIZE_BINARY_SLICE", { inputs: 3, outputs: 3, flags: F_SPECIALIZING | F_TIER1_ONLY }, () => OK);
defineUop("_SPECIALIZE_STORE_SLICE", { inputs: 4, outputs: 4, flags: F_SPECIALIZING | F_TIER1_ONLY }, () => OK);
sliceOp("BINARY_SLICE", { inputs: 3, outputs: 1, flags: E }, (c) => {
  const stop = pop(c);
  const start = pop(c);
  const container = pop(c);
  const slice = c.rt.alloc(new PySlice(start, stop, None));
  return consume(c, [slice, container], () => ops.getItem(c.rt, container, slice));
});
sliceOp("STORE_SLICE", { inputs: 4, outputs: 0, flags: E }, (c) => {
  const stop = pop(c);
  const start = pop(c);
  const container = pop(c);
  const v = pop(c);
  const slice = c.rt.alloc(new PySlice(start, stop, None));
  try {
    ops.setItem(c.rt, container, slice, v);
  } finally {
    decrefAll(c, [slice, v, container]);
  }
  return OK;
});
inst("BUILD_SLICE", { inputs: (o) => o, outputs: 1, flags: F_ERROR }, (c, oparg) => {
  const step = oparg === 3 ? pop(c) : None;
  const stop = pop(c);
  const start = pop(c);
  push(c, c.rt.alloc(new PySlice(start, stop, step)));
  return OK;
});
specializing("COMPARE_OP");
defineUop("_COMPARE_OP", { inputs: 2, outputs: 1, flags: E }, (c, oparg) => {
  const rhs = pop(c);
  const lhs = pop(c);
  return consume2(c, lhs, rhs, ops.compareOp, oparg, "rl");
});
defineMacro("COMPARE_OP", ["_SPECIALIZE_COMPARE_OP", "_COMPARE_OP"]);
inst("IS_OP", { inputs: 2, outputs: 1, flags: F_PURE }, (c, oparg) => {
  const rhs = pop(c);
  const lhs = pop(c);
  return consume2(c, lhs, rhs, isOp, oparg);
});
specializing("CONTAINS_OP");
defineUop("_CONTAINS_OP", { inputs: 2, outputs: 1, flags: E }, (c, oparg) => {
  const rhs = pop(c);
  const lhs = pop(c);
  return consume2(c, lhs, rhs, containsOp, oparg, "rl");
});
defineMacro("CONTAINS_OP", ["_SPECIALIZE_CONTAINS_OP", "_CONTAINS_OP"]);
inst("UNARY_NEGATIVE", { inputs: 1, outputs: 1, flags: E }, (c) => {
  const v = pop(c);
  return consume(c, [v], () => ops.unaryNegative(c.rt, v));
});
inst("UNARY_INVERT", { inputs: 1, outputs: 1, flags: E }, (c) => {
  const v = pop(c);
  return consume(c, [v], () => ops.unaryInvert(c.rt, v));
});
inst("UNARY_NOT", { inputs: 1, outputs: 1, flags: F_PURE }, (c) => {
  const v = pop(c);
  return consume(c, [v], () => !ops.truthy(c.rt, v));
});
specializing("TO_BOOL");
defineUop("_TO_BOOL", { inputs: 1, outputs: 1, flags: E }, (c) => {
  const v = pop(c);
  return consume(c, [v], () => ops.truthy(c.rt, v));
});
defineMacro("TO_BOOL", ["_SPECIALIZE_TO_BOOL", 2, "_TO_BOOL"]);

// ------------------------------------------------------------------ control flow

/**
 * 3.14: POP_JUMP_IF_FALSE/TRUE = unused/1 + _POP_JUMP_IF_FALSE/TRUE, and the None tests are
 * `unused/1 + _IS_NONE + _POP_JUMP_IF_TRUE/FALSE`. Release builds test identity with the
 * True/False singletons (the compiler guarantees a bool); a non-bool simply does not match.
 * The cache unit keeps the 16-bit taken/not-taken history (3.13+) that tier 2's projector reads.
 */
function condJump(uop: string, take: (v: PyValue) => boolean): void {
  defineUop(uop, { inputs: 1, outputs: 0, flags: F_JUMP | F_TIER1_ONLY }, (c) => {
    const v = pop(c);
    const t = take(v);
    c.rt.decref(v);
    const units = c.f.code.units;
    units[c.offset + 1] = ((units[c.offset + 1]! << 1) | (t ? 1 : 0)) & 0xffff;
    if (t) c.next = jump(c);
    return OK;
  });
}
condJump("_POP_JUMP_IF_FALSE", (v) => v === false);
condJump("_POP_JUMP_IF_TRUE", (v) => v === true);
defineUop("_IS_NONE", { inputs: 1, outputs: 1 }, (c) => {
  const v = pop(c);
  push(c, v instanceof PyNoneType);
  c.rt.decref(v);
  return OK;
});
defineMacro("POP_JUMP_IF_FALSE", [1, "_POP_JUMP_IF_FALSE"]);
defineMacro("POP_JUMP_IF_TRUE", [1, "_POP_JUMP_IF_TRUE"]);
defineMacro("POP_JUMP_IF_NONE", [1, "_IS_NONE", "_POP_JUMP_IF_TRUE"]);
defineMacro("POP_JUMP_IF_NOT_NONE", [1, "_IS_NONE", "_POP_JUMP_IF_FALSE"]);

inst("JUMP_FORWARD", { inputs: 0, outputs: 0, flags: F_JUMP }, (c) => {
  c.next = jump(c);
  return OK;
});
inst("JUMP_BACKWARD_NO_INTERRUPT", { inputs: 0, outputs: 0, flags: F_JUMP }, (c) => {
  c.next = jump(c);
  return OK;
});
// 3.14: JUMP_BACKWARD = unused/1 + _SPECIALIZE_JUMP_BACKWARD + _CHECK_PERIODIC + JUMP_BACKWARD_NO_INTERRUPT.
// Its first execution rewrites it to JUMP_BACKWARD_NO_JIT (tier 1 only: what pyodide's 3.14.2
// shows) or JUMP_BACKWARD_JIT (when tier 2 is on, issue 5) and dispatches again; the cache unit
// is tier 2's backedge counter.
defineUop("_SPECIALIZE_JUMP_BACKWARD", { inputs: 0, outputs: 0, flags: F_SPECIALIZING | F_TIER1_ONLY }, (c) => {
  const units = c.f.code.units;
  if ((units[c.offset]! & 0xff) !== OPMAP["JUMP_BACKWARD"]) return OK;
  const form = c.vm.tier2Enabled ? "JUMP_BACKWARD_JIT" : "JUMP_BACKWARD_NO_JIT";
  units[c.offset] = (units[c.offset]! & 0xff00) | OPMAP[form]!;
  c.vm.rewritten(form);
  return REDISPATCH;
});
defineUop("_CHECK_PERIODIC", { inputs: 0, outputs: 0, flags: F_ERROR | F_ESCAPES }, () => OK);
defineMacro("JUMP_BACKWARD", [1, "_SPECIALIZE_JUMP_BACKWARD", "_CHECK_PERIODIC", "JUMP_BACKWARD_NO_INTERRUPT"]);
defineMacro("JUMP_BACKWARD_NO_JIT", [1, "_CHECK_PERIODIC", "JUMP_BACKWARD_NO_INTERRUPT"]);

inst("GET_ITER", { inputs: 1, outputs: 1, flags: E }, (c) => {
  const v = pop(c);
  return consume(c, [v], () => ops.getIter(c.rt, v));
});
specializing("FOR_ITER");
defineUop("_FOR_ITER", { inputs: 1, outputs: 2, flags: E | F_JUMP }, (c) => {
  const it = peek(c, 1);
  const x = ops.iterNext(c.rt, it);
  if (x === undefined) {
    // exhausted: skip the END_FOR at the target; the iterator stays for POP_ITER
    c.next = jump(c) + 1;
    return OK;
  }
  push(c, x);
  return OK;
});
defineMacro("FOR_ITER", ["_SPECIALIZE_FOR_ITER", "_FOR_ITER"]);
for (const name of ["END_FOR", "POP_TOP"]) {
  inst(name, { inputs: 1, outputs: 0, flags: F_ESCAPES | F_PURE }, (c) => {
    const v = popMaybeNull(c);
    if (v !== null) c.rt.decref(v);
    return OK;
  });
}
defineMacro("POP_ITER", ["POP_TOP"]); // 3.14: macro(POP_ITER) = POP_TOP
inst("PUSH_NULL", { inputs: 0, outputs: 1, flags: F_PURE }, (c) => {
  push(c, null);
  return OK;
});
inst("COPY", { inputs: (o) => o, outputs: (o) => o + 1, flags: F_PURE }, (c, oparg) => {
  const s = c.f.stack;
  const v = s[s.length - oparg];
  if (v === undefined) throw new ops.UndefinedBehavior(`COPY ${oparg} below the stack`);
  push(c, v === null ? null : c.rt.newRef(v));
  return OK;
});
inst("SWAP", { inputs: (o) => o, outputs: (o) => o, flags: F_PURE }, (c, oparg) => {
  const s = c.f.stack;
  const i = s.length - 1, j = s.length - oparg;
  if (j < 0) throw new ops.UndefinedBehavior(`SWAP ${oparg} below the stack`);
  [s[i], s[j]] = [s[j]!, s[i]!];
  return OK;
});

// ------------------------------------------------------------------ calls and functions

/**
 * _MAYBE_EXPAND_METHOD / _EXPAND_METHOD: the bound method `depth` items below the top (with NULL
 * self just above it) is replaced IN PLACE by its function and self: self_or_null = NewRef(im_self),
 * callable = NewRef(im_func), then the method is released. Shared with the CALL specializations.
 */
export function expandMethod(c: UopContext, depth: number): void {
  const s = c.f.stack;
  const at = s.length - depth;
  const m = s[at];
  if (!(m instanceof PyMethod) || s[at + 1] !== null) throw new ops.UndefinedBehavior("method expansion of a non-method");
  s[at + 1] = c.rt.newRef(m.self);
  s[at] = c.rt.newRef(m.func);
  c.rt.decref(m);
}
/** Pop a CALL's `callable, self_or_null, args[oparg]`; returns [callable, self + args]. */
export function popCallInputs(c: UopContext, oparg: number): [PyValue, PyValue[]] {
  const s = c.f.stack;
  const at = s.length - oparg - 1;
  if (at >= 1 && s[at] !== null && s[at - 1] !== null) {
    // a method call (self present): take self and the arguments off in one splice
    const all = s.splice(at, oparg + 1) as PyValue[];
    return [s.pop()!, all];
  }
  const args = popN(c, oparg) as PyValue[];
  const selfOrNull = popMaybeNull(c);
  const callable = pop(c);
  return [callable, selfOrNull === null ? args : [selfOrNull, ...args]];
}
/** Pop CALL_KW's kwnames tuple (a constant) as strings. */
export function popKwnames(c: UopContext): string[] {
  const kn = pop(c);
  if (!(kn instanceof PyTuple)) throw new ops.UndefinedBehavior("CALL_KW without a kwnames tuple");
  const kwnames = kn.items.map((x) => String(x));
  c.rt.decref(kn);
  return kwnames;
}
/**
 * A call of anything but a Python function (PyObject_Vectorcall) with popped, OWNED inputs:
 * call, release the inputs (DECREF_INPUTS, no output yet: top of the stack down — last argument
 * first, then self, callable), push the result. Shared with the CALL specializations.
 */
export function callNonPython(c: UopContext, callable: PyValue, all: PyValue[], kwnames: readonly string[], call: () => PyValue = () => c.rt.call(callable, all, kwnames)): Signal {
  let r: PyValue;
  try {
    r = call();
  } finally {
    for (let i = all.length - 1; i >= 0; i--) c.rt.decref(all[i]);
    c.rt.decref(callable);
  }
  push(c, r);
  return OK;
}
/** _DO_CALL / _DO_CALL_KW: Python functions get a new frame (no host recursion); others are vectorcalls. */
function doCall(c: UopContext, oparg: number, kwnames: readonly string[]): Signal {
  const [callable, all] = popCallInputs(c, oparg);
  if (callable instanceof PyFunction) {
    c.pushed = c.vm.frameForCall(callable, all, kwnames);
    return PUSHED;
  }
  return callNonPython(c, callable, all, kwnames);
}
// 3.14: CALL = _SPECIALIZE_CALL + unused/2 + _MAYBE_EXPAND_METHOD + _DO_CALL + _CHECK_PERIODIC
specializing("CALL");
defineUop("_MAYBE_EXPAND_METHOD", { inputs: (o) => o + 2, outputs: (o) => o + 2, flags: F_ESCAPES }, (c, oparg) => {
  const s = c.f.stack;
  if (s[s.length - oparg - 2] instanceof PyMethod && s[s.length - oparg - 1] === null) expandMethod(c, oparg + 2);
  return OK;
});
defineUop("_DO_CALL", { inputs: (o) => o + 2, outputs: 1, flags: E | F_FRAME }, (c, oparg) => doCall(c, oparg, []));
defineMacro("CALL", ["_SPECIALIZE_CALL", 2, "_MAYBE_EXPAND_METHOD", "_DO_CALL", "_CHECK_PERIODIC"]);
// 3.14: CALL_KW = _SPECIALIZE_CALL_KW + unused/2 + _MAYBE_EXPAND_METHOD_KW + _DO_CALL_KW
specializing("CALL_KW");
defineUop("_MAYBE_EXPAND_METHOD_KW", { inputs: (o) => o + 3, outputs: (o) => o + 3, flags: F_ESCAPES }, (c, oparg) => {
  const s = c.f.stack;
  if (s[s.length - oparg - 3] instanceof PyMethod && s[s.length - oparg - 2] === null) expandMethod(c, oparg + 3);
  return OK;
});
defineUop("_DO_CALL_KW", { inputs: (o) => o + 3, outputs: 1, flags: E | F_FRAME }, (c, oparg) => {
  const kwnames = popKwnames(c);
  return doCall(c, oparg, kwnames);
});
defineMacro("CALL_KW", ["_SPECIALIZE_CALL_KW", 2, "_MAYBE_EXPAND_METHOD_KW", "_DO_CALL_KW"]);
// (retval -- res): the result lands on the caller's stack
inst("RETURN_VALUE", { inputs: 1, outputs: 1, flags: F_FRAME | F_ESCAPES }, (c) => {
  c.retval = pop(c);
  return RETURNED;
});
inst("MAKE_FUNCTION", { inputs: 1, outputs: 1, flags: F_ERROR }, (c) => {
  const code = pop(c);
  if (!(code instanceof PyCode)) throw new ops.UndefinedBehavior("MAKE_FUNCTION of a non-code object");
  push(c, c.vm.makeFunction(code, c.f.globals, c.f.builtins));
  return OK;
});
inst("SET_FUNCTION_ATTRIBUTE", { inputs: 2, outputs: 1 }, (c, oparg) => {
  const fn = pop(c);
  const attr = pop(c);
  if (!(fn instanceof PyFunction)) throw new ops.UndefinedBehavior("SET_FUNCTION_ATTRIBUTE on a non-function");
  if (oparg === FN_DEFAULTS && attr instanceof PyTuple) fn.defaults = attr;
  else if (oparg === FN_KWDEFAULTS && attr instanceof PyDict) fn.kwdefaults = attr;
  else if (oparg === FN_CLOSURE && attr instanceof PyTuple) fn.closure = attr;
  else if (oparg === FN_ANNOTATIONS || oparg === FN_ANNOTATE) c.rt.decref(attr);
  else throw new ops.UndefinedBehavior(`SET_FUNCTION_ATTRIBUTE ${oparg} with a ${typeOf(attr).name}`);
  push(c, fn);
  return OK;
});
inst("MAKE_CELL", { inputs: 0, outputs: 0, flags: F_ERROR }, (c, oparg) => {
  c.f.localsplus[oparg] = c.rt.alloc(new PyCell(c.f.localsplus[oparg] ?? null));
  return OK;
});
inst("LOAD_DEREF", { inputs: 0, outputs: 1, flags: F_ERROR }, (c, oparg) => {
  const cell = cellAt(c, oparg);
  if (cell.ref === null) throw unboundDeref(c, oparg);
  push(c, c.rt.newRef(cell.ref));
  return OK;
});
inst("STORE_DEREF", { inputs: 1, outputs: 0, flags: F_ESCAPES }, (c, oparg) => {
  const cell = cellAt(c, oparg);
  const v = pop(c);
  const old = cell.ref;
  cell.ref = v;
  if (old !== null) c.rt.decref(old);
  return OK;
});
inst("DELETE_DEREF", { inputs: 0, outputs: 0, flags: E }, (c, oparg) => {
  const cell = cellAt(c, oparg);
  if (cell.ref === null) throw unboundDeref(c, oparg);
  const old = cell.ref;
  cell.ref = null;
  c.rt.decref(old);
  return OK;
});
inst("COPY_FREE_VARS", { inputs: 0, outputs: 0 }, (c, oparg) => {
  const closure = c.f.func?.closure;
  if (closure === null || closure === undefined) throw new ops.UndefinedBehavior("COPY_FREE_VARS without a closure");
  const offset = c.f.def.nlocalsplus - oparg;
  for (let i = 0; i < oparg; i++) c.f.localsplus[offset + i] = c.rt.newRef(closure.items[i]!);
  return OK;
});

// ------------------------------------------------------------------ containers and strings

inst("BUILD_TUPLE", { inputs: (o) => o, outputs: 1, flags: F_ERROR }, (c, oparg) => {
  push(c, c.rt.tuple(popN(c, oparg) as PyValue[]));
  return OK;
});
inst("BUILD_LIST", { inputs: (o) => o, outputs: 1, flags: F_ERROR }, (c, oparg) => {
  push(c, c.rt.list(popN(c, oparg) as PyValue[]));
  return OK;
});
inst("BUILD_MAP", { inputs: (o) => 2 * o, outputs: 1, flags: E }, (c, oparg) => {
  const items = popN(c, 2 * oparg) as PyValue[];
  const d = c.rt.dict();
  try {
    for (let i = 0; i < items.length; i += 2) c.rt.dictSet(d, items[i]!, items[i + 1]!);
  } catch (e) {
    c.rt.decref(d);
    throw e;
  } finally {
    decrefAll(c, items);
  }
  push(c, d);
  return OK;
});
inst("LIST_APPEND", { inputs: (o) => o + 1, outputs: (o) => o, flags: F_ERROR }, (c, oparg) => {
  const v = pop(c);
  const l = peek(c, oparg);
  if (!(l instanceof PyList)) throw new ops.UndefinedBehavior("LIST_APPEND to a non-list");
  l.items.push(v);
  return OK;
});
inst("LIST_EXTEND", { inputs: (o) => o + 1, outputs: (o) => o, flags: E }, (c, oparg) => {
  const v = pop(c);
  const l = peek(c, oparg);
  if (!(l instanceof PyList)) throw new ops.UndefinedBehavior("LIST_EXTEND to a non-list");
  try {
    ops.listExtend(c.rt, l, v);
  } catch (e) {
    if (e instanceof PyError && e.pyType === "TypeError" && !(v instanceof PyList || v instanceof PyTuple)) {
      throw new PyError("TypeError", `Value after * must be an iterable, not ${typeOf(v).name}`);
    }
    throw e;
  } finally {
    c.rt.decref(v);
  }
  return OK;
});
inst("DICT_UPDATE", { inputs: (o) => o + 1, outputs: (o) => o, flags: E }, (c, oparg) => {
  const v = pop(c);
  const d = peek(c, oparg);
  if (!(d instanceof PyDict)) throw new ops.UndefinedBehavior("DICT_UPDATE of a non-dict");
  try {
    ops.dictUpdateFrom(c.rt, d, v);
  } finally {
    c.rt.decref(v);
  }
  return OK;
});
inst("MAP_ADD", { inputs: (o) => o + 2, outputs: (o) => o, flags: E }, (c, oparg) => {
  const value = pop(c);
  const key = pop(c);
  const d = peek(c, oparg);
  if (!(d instanceof PyDict)) throw new ops.UndefinedBehavior("MAP_ADD to a non-dict");
  try {
    c.rt.dictSet(d, key, value);
  } finally {
    decrefAll(c, [key, value]);
  }
  return OK;
});
specializing("UNPACK_SEQUENCE");
defineUop("_UNPACK_SEQUENCE", { inputs: 1, outputs: (o) => o, flags: E }, (c, oparg) => {
  const seq = pop(c);
  try {
    const items = unpack(c, seq, oparg);
    for (let i = items.length - 1; i >= 0; i--) push(c, items[i]!);
  } finally {
    c.rt.decref(seq);
  }
  return OK;
});
defineMacro("UNPACK_SEQUENCE", ["_SPECIALIZE_UNPACK_SEQUENCE", "_UNPACK_SEQUENCE"]);

export function unpack(c: UopContext, seq: PyValue, n: number): PyValue[] {
  const rt = c.rt;
  if (seq instanceof PyTuple || seq instanceof PyList) {
    const k = seq.items.length;
    if (k < n) throw new PyError("ValueError", `not enough values to unpack (expected ${n}, got ${k})`);
    if (k > n) throw new PyError("ValueError", `too many values to unpack (expected ${n}, got ${k})`);
    return seq.items.map((x) => rt.newRef(x));
  }
  const items = ops.iterToArray(rt, seq, `cannot unpack non-iterable ${typeOf(seq).name} object`);
  if (items.length !== n) {
    for (const x of items) rt.decref(x);
    if (items.length < n) throw new PyError("ValueError", `not enough values to unpack (expected ${n}, got ${items.length})`);
    throw new PyError("ValueError", `too many values to unpack (expected ${n})`);
  }
  return items;
}

inst("FORMAT_SIMPLE", { inputs: 1, outputs: 1, flags: E }, (c) => {
  const v = pop(c);
  return consume(c, [v], () => (typeof v === "string" ? v : ops.formatValue(c.rt, v, "")));
});
inst("FORMAT_WITH_SPEC", { inputs: 2, outputs: 1, flags: E }, (c) => {
  const spec = pop(c);
  const v = pop(c);
  return consume(c, [v, spec], () => ops.formatValue(c.rt, v, typeof spec === "string" ? spec : ops.str(c.rt, spec)));
});
inst("CONVERT_VALUE", { inputs: 1, outputs: 1, flags: E }, (c, oparg) => {
  const v = pop(c);
  return consume(c, [v], () => {
    if (oparg === 1) return ops.str(c.rt, v);
    if (oparg === 2) return ops.repr(c.rt, v);
    throw new ops.Unsupported("ascii() conversion (!a)");
  });
});
inst("BUILD_STRING", { inputs: (o) => o, outputs: 1, flags: F_ERROR }, (c, oparg) => {
  const parts = popN(c, oparg) as PyValue[];
  push(c, parts.map((p) => (typeof p === "string" ? p : ops.str(c.rt, p))).join(""));
  decrefAll(c, parts);
  return OK;
});

// ------------------------------------------------------------------ exceptions and imports

inst("RAISE_VARARGS", { inputs: (o) => o, outputs: 0, flags: E }, (c, oparg) => c.vm.raise(c, oparg));
inst("PUSH_EXC_INFO", { inputs: 1, outputs: 2 }, (c) => {
  const exc = pop(c);
  push(c, c.vm.swapExcInfo(c.rt.newRef(exc)));
  push(c, exc);
  return OK;
});
inst("POP_EXCEPT", { inputs: 1, outputs: 0, flags: F_ESCAPES }, (c) => {
  const v = popMaybeNull(c);
  c.rt.decref(c.vm.swapExcInfo(v ?? None));
  return OK;
});
inst("CHECK_EXC_MATCH", { inputs: 2, outputs: 2, flags: E }, (c) => {
  const right = pop(c);
  const left = peek(c, 1);
  try {
    const ok = (x: PyValue): boolean => x instanceof PyType && x.isSubtypeOf(T.BaseException);
    if (!(ok(right) || (right instanceof PyTuple && right.items.every(ok)))) {
      throw new PyError("TypeError", "catching classes that do not inherit from BaseException is not allowed");
    }
    const t = typeOf(left);
    push(c, right instanceof PyTuple ? right.items.some((x) => t.isSubtypeOf(x as PyType)) : t.isSubtypeOf(right as PyType));
  } finally {
    c.rt.decref(right);
  }
  return OK;
});
inst("RERAISE", { inputs: (o) => o + 1, outputs: (o) => o, flags: E }, (c, oparg) => c.vm.reraise(c, oparg));
inst("IMPORT_NAME", { inputs: 2, outputs: 1, flags: E }, (c, oparg) => {
  const fromlist = pop(c);
  const level = pop(c);
  c.rt.decref(fromlist);
  c.rt.decref(level);
  push(c, c.vm.importModule(names(c)[oparg]!));
  return OK;
});
inst("IMPORT_FROM", { inputs: 1, outputs: 2, flags: E }, (c, oparg) => {
  const mod = peek(c, 1);
  const name = names(c)[oparg]!;
  try {
    push(c, ops.getAttr(c.rt, mod, name));
  } catch (e) {
    if (e instanceof PyError && e.pyType === "AttributeError" && mod instanceof PyModule) {
      const file = mod.dict.store.getStr("__file__");
      throw new PyError("ImportError", `cannot import name '${name}' from '${mod.name}' (${typeof file === "string" ? file : "unknown location"})`);
    }
    throw e;
  }
  return OK;
});

export { PUSHED, RETURNED, PyException };
