/**
 * BINARY_OP's specialized forms (Python/bytecodes.c, CPython 3.14): int/float arithmetic, str
 * concatenation (and the in-place superinstruction with the following STORE_FAST), subscripts of
 * list/tuple/str/dict, and BINARY_OP_EXTEND with its descriptor table (Python/specialize.c
 * binaryop_extend_descrs). Also the operand type guards (_GUARD_TOS_* / _GUARD_NOS_*) that other
 * families share; they are defined here once, as bytecodes.c defines them next to BINARY_OP.
 *
 * Value semantics come from engine/runtime (int.ts, float.ts, ops.ts); what is modeled here is each
 * uop's guards and its release order, which CPython's specialized uops do NOT always share with the
 * generic path (e.g. BINARY_OP_SUBSCR_DICT releases the key before the dict, the generic BINARY_OP
 * the dict first — observable through __del__, checked against CPython 3.14.2).
 */
import { PyDict, PyFloat, PyList, PySlice, PyTuple, type PyValue } from "../runtime/objects.ts";
import { InternalError } from "../runtime/heap.ts";
import * as ops from "../runtime/ops.ts";
import * as I from "../runtime/int.ts";
import * as F from "../runtime/float.ts";
import type { PyInt } from "../runtime/primitive.ts";
import { OPMAP } from "../bytecode/opcodes.generated.ts";
import {
  defineUop, defineMacro, OK, DEOPT, EXIT, F_DEOPT, F_EXIT, F_ERROR, F_ESCAPES, F_PURE, type UopContext,
} from "./table.ts";
import { push, pop, peek } from "./stack.ts";

// ------------------------------------------------------------------ type tests (Py*_CheckExact)

/** PyLong_CheckExact: an int that is not a bool */
export const isExactInt = (v: PyValue | null): v is PyInt => typeof v === "number" || typeof v === "bigint";
export const isExactFloat = (v: PyValue | null): v is PyFloat => v instanceof PyFloat;
export const isExactStr = (v: PyValue | null): v is string => typeof v === "string";
export const isExactList = (v: PyValue | null): v is PyList => v instanceof PyList;
export const isExactTuple = (v: PyValue | null): v is PyTuple => v instanceof PyTuple;
export const isExactDict = (v: PyValue | null): v is PyDict => v instanceof PyDict;
export const isSlice = (v: PyValue | null): v is PySlice => v instanceof PySlice;
/** _PyLong_IsCompact (30-bit digits: |v| < 2**30) */
export const isCompactInt = (v: PyValue | null): v is number => isExactInt(v) && I.isCompact(v);
/** _PyLong_IsNonNegativeCompact */
export const isNonNegativeCompact = (v: PyValue | null): v is number => isCompactInt(v) && v >= 0;

// NB_* opargs (Include/opcode.h)
export const NB_ADD = 0, NB_AND = 1, NB_MULTIPLY = 5, NB_OR = 7, NB_SUBTRACT = 10, NB_TRUE_DIVIDE = 11, NB_XOR = 12;
export const NB_INPLACE = 13;
export const NB_SUBSCR = 26;

// ------------------------------------------------------------------ guards (all EXIT guards in 3.14)

function tosGuard(name: string, test: (v: PyValue) => boolean): void {
  // op(_GUARD_TOS_X, (tos -- tos))
  defineUop(name, { inputs: 1, outputs: 1, flags: F_EXIT }, (c) => (test(peek(c, 1)) ? OK : EXIT));
}
function nosGuard(name: string, test: (v: PyValue) => boolean): void {
  // op(_GUARD_NOS_X, (nos, unused -- nos, unused))
  defineUop(name, { inputs: 2, outputs: 2, flags: F_EXIT }, (c) => (test(peek(c, 2)) ? OK : EXIT));
}
tosGuard("_GUARD_TOS_INT", isExactInt);
nosGuard("_GUARD_NOS_INT", isExactInt);
tosGuard("_GUARD_TOS_FLOAT", isExactFloat);
nosGuard("_GUARD_NOS_FLOAT", isExactFloat);
tosGuard("_GUARD_TOS_UNICODE", isExactStr);
nosGuard("_GUARD_NOS_UNICODE", isExactStr);
tosGuard("_GUARD_TOS_LIST", isExactList);
nosGuard("_GUARD_NOS_LIST", isExactList);
tosGuard("_GUARD_TOS_TUPLE", isExactTuple);
nosGuard("_GUARD_NOS_TUPLE", isExactTuple);
tosGuard("_GUARD_TOS_DICT", isExactDict);
nosGuard("_GUARD_NOS_DICT", isExactDict);
tosGuard("_GUARD_TOS_SLICE", isSlice);

// ------------------------------------------------------------------ arithmetic

/** (left, right -- res) on two values of a value type (int, float, str): nothing to release. */
function arith<L extends PyValue, R extends PyValue>(name: string, flags: number, op: (l: L, r: R) => PyValue): void {
  defineUop(name, { inputs: 2, outputs: 1, flags }, (c) => {
    const r = pop(c) as R;
    const l = pop(c) as L;
    push(c, op(l, r));
    return OK;
  });
}
// the int ops may fail (MemoryError in CPython; the engine's size limit here) and escape (dealloc)
arith<PyInt, PyInt>("_BINARY_OP_MULTIPLY_INT", F_ERROR | F_ESCAPES | F_PURE, I.mul);
arith<PyInt, PyInt>("_BINARY_OP_ADD_INT", F_ERROR | F_ESCAPES | F_PURE, I.add);
arith<PyInt, PyInt>("_BINARY_OP_SUBTRACT_INT", F_ERROR | F_ESCAPES | F_PURE, I.sub);
arith<PyFloat, PyFloat>("_BINARY_OP_MULTIPLY_FLOAT", F_ERROR | F_PURE, (l, r) => new PyFloat(F.mul(l.v, r.v)));
arith<PyFloat, PyFloat>("_BINARY_OP_ADD_FLOAT", F_ERROR | F_PURE, (l, r) => new PyFloat(F.add(l.v, r.v)));
arith<PyFloat, PyFloat>("_BINARY_OP_SUBTRACT_FLOAT", F_ERROR | F_PURE, (l, r) => new PyFloat(F.sub(l.v, r.v)));
arith<string, string>("_BINARY_OP_ADD_UNICODE", F_ERROR | F_PURE, (l, r) => l + r);

for (const [form, guard] of [["INT", "INT"], ["FLOAT", "FLOAT"]] as const) {
  for (const op of ["MULTIPLY", "ADD", "SUBTRACT"]) {
    defineMacro(`BINARY_OP_${op}_${form}`, [`_GUARD_TOS_${guard}`, `_GUARD_NOS_${guard}`, 5, `_BINARY_OP_${op}_${form}`]);
  }
}
defineMacro("BINARY_OP_ADD_UNICODE", ["_GUARD_TOS_UNICODE", "_GUARD_NOS_UNICODE", 5, "_BINARY_OP_ADD_UNICODE"]);

/**
 * `s = s + t` / `s += t` on str. CPython deopts unless the local the following STORE_FAST targets
 * still holds the very left operand, drops the stack's reference to `left` so PyUnicode_Append may
 * resize the string in place, stores the result into that local itself and skips the STORE_FAST
 * (SKIP_OVER(1)). tierdiff keeps the guard but pushes the result and lets the STORE_FAST run, as
 * CALL_LIST_APPEND keeps its POP_TOP (engine/uops/call.ts): strs are values here (no identity, no
 * refcount, no id()), so in-place resizing is unobservable, and skipping would make tier 1 and 2
 * execute one instruction fewer than the reference — step counts and the frames at every step must
 * agree (the budget and replay's bisection rely on it).
 */
defineUop("_BINARY_OP_INPLACE_ADD_UNICODE", { inputs: 2, outputs: 1, flags: F_DEOPT | F_ERROR | F_ESCAPES }, (c) => {
  const unit = c.f.code.units[c.next]!;
  if ((unit & 0xff) !== OPMAP["STORE_FAST"]) {
    throw new InternalError(`${c.f.def.qualname}+${c.offset * 2}: BINARY_OP_INPLACE_ADD_UNICODE not followed by STORE_FAST`, "invariant");
  }
  const left = peek(c, 2);
  if (c.f.localsplus[unit >> 8] !== left) return DEOPT;
  const right = pop(c) as string;
  pop(c);
  push(c, (left as string) + right);
  return OK;
});
defineMacro("BINARY_OP_INPLACE_ADD_UNICODE", ["_GUARD_TOS_UNICODE", "_GUARD_NOS_UNICODE", 5, "_BINARY_OP_INPLACE_ADD_UNICODE"]);

// ------------------------------------------------------------------ subscripts

/** (container, sub -- res) where res is already computed when the inputs are released: container first. */
defineUop("_BINARY_OP_SUBSCR_LIST_INT", { inputs: 2, outputs: 1, flags: F_DEOPT | F_ESCAPES }, (c) => {
  const sub = peek(c, 1);
  const list = peek(c, 2) as PyList;
  if (!isNonNegativeCompact(sub) || sub >= list.items.length) return DEOPT;
  popTwo(c);
  const res = c.rt.newRef(list.items[sub]!);
  c.rt.decref(list);
  push(c, res);
  return OK;
});
defineMacro("BINARY_OP_SUBSCR_LIST_INT", ["_GUARD_TOS_INT", "_GUARD_NOS_LIST", 5, "_BINARY_OP_SUBSCR_LIST_INT"]);

/** _TyList_SliceSubscript, then DECREF_INPUTS before the error check: the slice, then the list. */
defineUop("_BINARY_OP_SUBSCR_LIST_SLICE", { inputs: 2, outputs: 1, flags: F_ERROR | F_ESCAPES }, (c) => {
  const slice = pop(c);
  const list = pop(c);
  push(c, releasing(c, [slice, list], () => ops.getItem(c.rt, list, slice)));
  return OK;
});
defineMacro("BINARY_OP_SUBSCR_LIST_SLICE", ["_GUARD_TOS_SLICE", "_GUARD_NOS_LIST", 5, "_BINARY_OP_SUBSCR_LIST_SLICE"]);

/** Only ASCII characters: the result is one of the interpreter's 1-character singletons. */
defineUop("_BINARY_OP_SUBSCR_STR_INT", { inputs: 2, outputs: 1, flags: F_DEOPT | F_ESCAPES }, (c) => {
  const sub = peek(c, 1);
  const str = peek(c, 2) as string;
  if (!isNonNegativeCompact(sub) || str.length <= sub) return DEOPT;
  if (str.charCodeAt(sub) >= 128) return DEOPT;
  popTwo(c);
  push(c, str[sub]!);
  return OK;
});
defineMacro("BINARY_OP_SUBSCR_STR_INT", ["_GUARD_TOS_INT", "_GUARD_NOS_UNICODE", 5, "_BINARY_OP_SUBSCR_STR_INT"]);

defineUop("_BINARY_OP_SUBSCR_TUPLE_INT", { inputs: 2, outputs: 1, flags: F_DEOPT }, (c) => {
  const sub = peek(c, 1);
  const tuple = peek(c, 2) as PyTuple;
  if (!isNonNegativeCompact(sub) || sub >= tuple.items.length) return DEOPT;
  popTwo(c);
  const res = c.rt.newRef(tuple.items[sub]!);
  c.rt.decref(tuple);
  push(c, res);
  return OK;
});
defineMacro("BINARY_OP_SUBSCR_TUPLE_INT", ["_GUARD_TOS_INT", "_GUARD_NOS_TUPLE", 5, "_BINARY_OP_SUBSCR_TUPLE_INT"]);

/** PyDict_GetItemRef (KeyError(sub) when missing), then DECREF_INPUTS: the key first, then the dict. */
defineUop("_BINARY_OP_SUBSCR_DICT", { inputs: 2, outputs: 1, flags: F_ERROR | F_ESCAPES }, (c) => {
  const sub = pop(c);
  const dict = pop(c);
  push(c, releasing(c, [sub, dict], () => ops.getItem(c.rt, dict, sub)));
  return OK;
});
defineMacro("BINARY_OP_SUBSCR_DICT", ["_GUARD_NOS_DICT", 5, "_BINARY_OP_SUBSCR_DICT"]);

// BINARY_OP_SUBSCR_GETITEM needs a class with a Python __getitem__, which the subset rejects: not defined.

// ------------------------------------------------------------------ BINARY_OP_EXTEND

/**
 * One entry of Python/specialize.c binaryop_extend_descrs: the oparg it serves, its guard and its
 * action. The inline cache of BINARY_OP_EXTEND holds a pointer to the entry in CPython; here it
 * holds the entry's index + 1 (0 stays NULL, as CPython clears the pointer on re-specialization).
 */
export interface BinaryOpExtendDescr {
  readonly oparg: number;
  readonly guardName: string;
  readonly actionName: string;
  readonly guard: (lhs: PyValue, rhs: PyValue) => boolean;
  readonly action: (lhs: PyValue, rhs: PyValue) => PyValue;
}

const notNaN = (v: PyValue): boolean => !Number.isNaN((v as PyFloat).v);
const compactlongsGuard = (l: PyValue, r: PyValue): boolean => isCompactInt(l) && isCompactInt(r);
const floatCompactlongGuard = (l: PyValue, r: PyValue): boolean => isExactFloat(l) && notNaN(l) && isCompactInt(r);
const nonzeroFloatCompactlongGuard = (l: PyValue, r: PyValue): boolean => floatCompactlongGuard(l, r) && r !== 0;
const compactlongFloatGuard = (l: PyValue, r: PyValue): boolean => isCompactInt(l) && isExactFloat(r) && notNaN(r);
const nonzeroCompactlongFloatGuard = (l: PyValue, r: PyValue): boolean => compactlongFloatGuard(l, r) && (r as PyFloat).v !== 0;

/** lhs OP rhs on two compact ints (C Py_ssize_t), boxed again with PyLong_FromSsize_t */
const longs = (op: (a: PyInt, b: PyInt) => PyInt) => (l: PyValue, r: PyValue): PyValue => op(l as number, r as number);
/** double lhs OP (double) compact rhs */
const floatLong = (op: (a: number, b: number) => number) => (l: PyValue, r: PyValue): PyValue => new PyFloat(op((l as PyFloat).v, I.intToFloat(r as number)));
/** (double) compact lhs OP double rhs */
const longFloat = (op: (a: number, b: number) => number) => (l: PyValue, r: PyValue): PyValue => new PyFloat(op(I.intToFloat(l as number), (r as PyFloat).v));

const d = (oparg: number, guardName: string, guard: BinaryOpExtendDescr["guard"], actionName: string, action: BinaryOpExtendDescr["action"]): BinaryOpExtendDescr =>
  ({ oparg, guardName, guard, actionName, action });

/** binaryop_extend_descrs, in CPython's order (the specializer takes the first match). */
export const BINARYOP_EXTEND_DESCRS: readonly BinaryOpExtendDescr[] = [
  // long-long arithmetic
  d(NB_OR, "compactlongs_guard", compactlongsGuard, "compactlongs_or", longs(I.or)),
  d(NB_AND, "compactlongs_guard", compactlongsGuard, "compactlongs_and", longs(I.and)),
  d(NB_XOR, "compactlongs_guard", compactlongsGuard, "compactlongs_xor", longs(I.xor)),
  d(NB_INPLACE + NB_OR, "compactlongs_guard", compactlongsGuard, "compactlongs_or", longs(I.or)),
  d(NB_INPLACE + NB_AND, "compactlongs_guard", compactlongsGuard, "compactlongs_and", longs(I.and)),
  d(NB_INPLACE + NB_XOR, "compactlongs_guard", compactlongsGuard, "compactlongs_xor", longs(I.xor)),
  // float-long arithmetic
  d(NB_ADD, "float_compactlong_guard", floatCompactlongGuard, "float_compactlong_add", floatLong(F.add)),
  d(NB_SUBTRACT, "float_compactlong_guard", floatCompactlongGuard, "float_compactlong_subtract", floatLong(F.sub)),
  d(NB_TRUE_DIVIDE, "nonzero_float_compactlong_guard", nonzeroFloatCompactlongGuard, "float_compactlong_true_div", floatLong(F.truediv)),
  d(NB_MULTIPLY, "float_compactlong_guard", floatCompactlongGuard, "float_compactlong_multiply", floatLong(F.mul)),
  // long-float arithmetic
  d(NB_ADD, "compactlong_float_guard", compactlongFloatGuard, "compactlong_float_add", longFloat(F.add)),
  d(NB_SUBTRACT, "compactlong_float_guard", compactlongFloatGuard, "compactlong_float_subtract", longFloat(F.sub)),
  d(NB_TRUE_DIVIDE, "nonzero_compactlong_float_guard", nonzeroCompactlongFloatGuard, "compactlong_float_true_div", longFloat(F.truediv)),
  d(NB_MULTIPLY, "compactlong_float_guard", compactlongFloatGuard, "compactlong_float_multiply", longFloat(F.mul)),
];

/** binary_op_extended_specialization: the cache value (index + 1) of the first matching entry, or 0 */
export function findExtendDescr(lhs: PyValue, rhs: PyValue, oparg: number): number {
  const i = BINARYOP_EXTEND_DESCRS.findIndex((x) => x.oparg === oparg && x.guard(lhs, rhs));
  return i + 1;
}

function descrAt(c: UopContext, operand: number): BinaryOpExtendDescr {
  const descr = BINARYOP_EXTEND_DESCRS[operand - 1];
  if (descr === undefined) throw new InternalError(`${c.f.def.qualname}+${c.offset * 2}: BINARY_OP_EXTEND without a descriptor (cache ${operand})`, "invariant");
  return descr;
}

defineUop("_GUARD_BINARY_OP_EXTEND", { inputs: 2, outputs: 2, cache: 4, flags: F_DEOPT | F_ESCAPES }, (c, _oparg, operand) =>
  descrAt(c, operand).guard(peek(c, 2), peek(c, 1)) ? OK : DEOPT);
defineUop("_BINARY_OP_EXTEND", { inputs: 2, outputs: 1, cache: 4, flags: F_ESCAPES | F_PURE }, (c, _oparg, operand) => {
  const descr = descrAt(c, operand);
  const r = pop(c);
  const l = pop(c);
  push(c, descr.action(l, r)); // the operands are ints and floats: DECREF_INPUTS releases nothing observable
  return OK;
});
// unused/1 + _GUARD_BINARY_OP_EXTEND + rewind/-4 + _BINARY_OP_EXTEND: both ops read the same 4 units
defineMacro("BINARY_OP_EXTEND", [1, "_GUARD_BINARY_OP_EXTEND", -4, "_BINARY_OP_EXTEND"]);

// ------------------------------------------------------------------ helpers

function popTwo(c: UopContext): void {
  pop(c);
  pop(c);
}

/** Compute, then release `inputs` in the given order whether or not it raised (DECREF_INPUTS; ERROR_IF). */
export function releasing(c: UopContext, inputs: readonly PyValue[], op: () => PyValue): PyValue {
  try {
    return op();
  } finally {
    for (const v of inputs) c.rt.decref(v);
  }
}
