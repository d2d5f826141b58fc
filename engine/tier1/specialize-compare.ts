/**
 * COMPARE_OP's specializer (Python/specialize.c _Py_Specialize_CompareOp, CPython 3.14), with the
 * failure kinds of compare_op_fail_kind (CPython's SPEC_FAIL_* names without the prefix).
 */
import "../uops/compare.ts";
import { isExactInt, isExactFloat, isExactStr, isExactList, isExactTuple, isCompactInt } from "../uops/binary.ts";
import { PyInstance, PyNoneType, type PyValue } from "../runtime/objects.ts";
import { typeOf } from "../runtime/types.ts";
import { registerSpecializer, type SpecializeContext, type SpecializeResult } from "./specializer.ts";

const Py_EQ = 2, Py_NE = 3;

function specializeCompareOp(s: SpecializeContext): SpecializeResult {
  const rhs = s.peek(1);
  const lhs = s.peek(2);
  if (lhs === null || rhs === null) return { fail: "OTHER" };
  // every form computes a bool, so they serve oparg & 16 either way
  if (typeOf(lhs) !== typeOf(rhs)) return { fail: compareOpFailKind(lhs, rhs) };
  if (isExactFloat(lhs)) return { form: "COMPARE_OP_FLOAT" };
  if (isExactInt(lhs)) {
    if (isCompactInt(lhs) && isCompactInt(rhs)) return { form: "COMPARE_OP_INT" };
    return { fail: "COMPARE_OP_BIG_INT" };
  }
  if (isExactStr(lhs)) {
    const cmp = s.oparg >> 5;
    if (cmp !== Py_EQ && cmp !== Py_NE) return { fail: "COMPARE_OP_STRING" };
    return { form: "COMPARE_OP_STR" };
  }
  return { fail: compareOpFailKind(lhs, rhs) };
}

/** compare_op_fail_kind (statistics only) */
export function compareOpFailKind(lhs: PyValue, rhs: PyValue): string {
  if (typeOf(lhs) !== typeOf(rhs)) {
    if (isExactFloat(lhs) && isExactInt(rhs)) return "COMPARE_OP_FLOAT_LONG";
    if (isExactInt(lhs) && isExactFloat(rhs)) return "COMPARE_OP_LONG_FLOAT";
    return "COMPARE_OP_DIFFERENT_TYPES";
  }
  if (isExactTuple(lhs)) return "COMPARE_OP_TUPLE";
  if (isExactList(lhs)) return "COMPARE_OP_LIST";
  if (typeof lhs === "boolean") return "COMPARE_OP_BOOL";
  // object's default tp_richcompare: instances of classes without __eq__ (the subset has none), None
  if (lhs instanceof PyInstance || lhs instanceof PyNoneType) return "COMPARE_OP_BASEOBJECT";
  return "OTHER";
}

registerSpecializer("COMPARE_OP", specializeCompareOp);
