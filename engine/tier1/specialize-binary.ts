/**
 * BINARY_OP's specializer (Python/specialize.c _Py_Specialize_BinaryOp, CPython 3.14), with the
 * failure kinds of binary_op_fail_kind (names of CPython's SPEC_FAIL_* without the prefix).
 */
import "../uops/binary.ts";
import {
  isExactInt, isExactFloat, isExactStr, isExactList, isExactTuple, isExactDict, isSlice, isNonNegativeCompact,
  findExtendDescr, NB_INPLACE, NB_SUBSCR,
} from "../uops/binary.ts";
import { PyRange, type PyValue } from "../runtime/objects.ts";
import { typeOf } from "../runtime/types.ts";
import { OPMAP } from "../bytecode/opcodes.generated.ts";
import { INLINE_CACHE_ENTRIES } from "../bytecode/opcodes.generated.ts";
import { registerSpecializer, type SpecializeContext, type SpecializeResult } from "./specializer.ts";

const NB = {
  ADD: 0, AND: 1, FLOOR_DIVIDE: 2, LSHIFT: 3, MATRIX_MULTIPLY: 4, MULTIPLY: 5, REMAINDER: 6, OR: 7,
  POWER: 8, RSHIFT: 9, SUBTRACT: 10, TRUE_DIVIDE: 11, XOR: 12,
} as const;

function specializeBinaryOp(s: SpecializeContext): SpecializeResult {
  const rhs = s.peek(1);
  const lhs = s.peek(2);
  if (lhs === null || rhs === null) return { fail: "OTHER" };
  const units = s.f.code.units;
  if ((units[s.offset]! & 0xff) === OPMAP["BINARY_OP_EXTEND"]) s.setCache("descr", 0); // write_ptr(cache->external_cache, NULL)
  const oparg = s.oparg;
  const sameType = typeOf(lhs) === typeOf(rhs);
  const base = oparg >= NB_INPLACE && oparg < NB_SUBSCR ? oparg - NB_INPLACE : oparg;
  switch (oparg === NB_SUBSCR ? -1 : base) {
    case NB.ADD:
      if (!sameType) break;
      if (isExactStr(lhs)) {
        // the instruction after the caches: STORE_FAST into the local that holds the left operand?
        const next = units[s.offset + 1 + INLINE_CACHE_ENTRIES["BINARY_OP"]!]!;
        if ((next & 0xff) === OPMAP["STORE_FAST"] && s.f.localsplus[next >> 8] === lhs) return { form: "BINARY_OP_INPLACE_ADD_UNICODE" };
        return { form: "BINARY_OP_ADD_UNICODE" };
      }
      if (isExactInt(lhs)) return { form: "BINARY_OP_ADD_INT" };
      if (isExactFloat(lhs)) return { form: "BINARY_OP_ADD_FLOAT" };
      break;
    case NB.MULTIPLY:
      if (!sameType) break;
      if (isExactInt(lhs)) return { form: "BINARY_OP_MULTIPLY_INT" };
      if (isExactFloat(lhs)) return { form: "BINARY_OP_MULTIPLY_FLOAT" };
      break;
    case NB.SUBTRACT:
      if (!sameType) break;
      if (isExactInt(lhs)) return { form: "BINARY_OP_SUBTRACT_INT" };
      if (isExactFloat(lhs)) return { form: "BINARY_OP_SUBTRACT_FLOAT" };
      break;
    case -1:
      if (isNonNegativeCompact(rhs)) {
        if (isExactList(lhs)) return { form: "BINARY_OP_SUBSCR_LIST_INT" };
        if (isExactTuple(lhs)) return { form: "BINARY_OP_SUBSCR_TUPLE_INT" };
        if (isExactStr(lhs)) return { form: "BINARY_OP_SUBSCR_STR_INT" };
      }
      if (isExactDict(lhs)) return { form: "BINARY_OP_SUBSCR_DICT" };
      if (isExactList(lhs) && isSlice(rhs)) return { form: "BINARY_OP_SUBSCR_LIST_SLICE" };
      // BINARY_OP_SUBSCR_GETITEM: a heap type with a Python __getitem__ (outside the subset)
      break;
  }
  const descr = findExtendDescr(lhs, rhs, oparg);
  if (descr !== 0) {
    s.setCache("descr", descr);
    return { form: "BINARY_OP_EXTEND" };
  }
  return { fail: binaryOpFailKind(oparg, lhs, rhs) };
}

/** binary_op_fail_kind (statistics only) */
export function binaryOpFailKind(oparg: number, lhs: PyValue, rhs: PyValue): string {
  const sameType = typeOf(lhs) === typeOf(rhs);
  if (oparg === NB_SUBSCR) {
    if (isExactList(lhs)) {
      if (isExactInt(rhs) && !isNonNegativeCompact(rhs)) return "OUT_OF_RANGE";
      if (isSlice(rhs)) return "BINARY_OP_SUBSCR_LIST_SLICE";
    }
    if (isExactTuple(lhs)) {
      if (isExactInt(rhs) && !isNonNegativeCompact(rhs)) return "OUT_OF_RANGE";
      if (isSlice(rhs)) return "BINARY_OP_SUBSCR_TUPLE_SLICE";
    }
    if (isExactStr(lhs)) {
      if (isExactInt(rhs) && !isNonNegativeCompact(rhs)) return "OUT_OF_RANGE";
      if (isSlice(rhs)) return "BINARY_OP_SUBSCR_STRING_SLICE";
    }
    if (lhs instanceof PyRange) return "BINARY_OP_SUBSCR_RANGE";
    if (isSlice(rhs)) return "BINARY_OP_SUBSCR_OTHER_SLICE";
    return "BINARY_OP_SUBSCR";
  }
  const base = oparg >= NB_INPLACE ? oparg - NB_INPLACE : oparg;
  switch (base) {
    case NB.ADD: return sameType ? "BINARY_OP_ADD_OTHER" : "BINARY_OP_ADD_DIFFERENT_TYPES";
    case NB.AND: return !sameType ? "BINARY_OP_AND_DIFFERENT_TYPES" : isExactInt(lhs) ? "BINARY_OP_AND_INT" : "BINARY_OP_AND_OTHER";
    case NB.FLOOR_DIVIDE: return "BINARY_OP_FLOOR_DIVIDE";
    case NB.LSHIFT: return "BINARY_OP_LSHIFT";
    case NB.MATRIX_MULTIPLY: return "BINARY_OP_MATRIX_MULTIPLY";
    case NB.MULTIPLY: return sameType ? "BINARY_OP_MULTIPLY_OTHER" : "BINARY_OP_MULTIPLY_DIFFERENT_TYPES";
    case NB.OR: return !sameType ? "BINARY_OP_OR_DIFFERENT_TYPES" : isExactInt(lhs) ? "BINARY_OP_OR_INT" : "BINARY_OP_OR";
    case NB.POWER: return "BINARY_OP_POWER";
    case NB.REMAINDER: return "BINARY_OP_REMAINDER";
    case NB.RSHIFT: return "BINARY_OP_RSHIFT";
    case NB.SUBTRACT: return sameType ? "BINARY_OP_SUBTRACT_OTHER" : "BINARY_OP_SUBTRACT_DIFFERENT_TYPES";
    case NB.TRUE_DIVIDE:
      return !sameType ? "BINARY_OP_TRUE_DIVIDE_DIFFERENT_TYPES" : isExactFloat(lhs) ? "BINARY_OP_TRUE_DIVIDE_FLOAT" : "BINARY_OP_TRUE_DIVIDE_OTHER";
    case NB.XOR: return !sameType ? "BINARY_OP_XOR_DIFFERENT_TYPES" : isExactInt(lhs) ? "BINARY_OP_XOR_INT" : "BINARY_OP_XOR";
  }
  return "OTHER";
}

registerSpecializer("BINARY_OP", specializeBinaryOp);
