/**
 * Specializers of UNPACK_SEQUENCE, STORE_SUBSCR, FOR_ITER and CONTAINS_OP (Python/specialize.c,
 * CPython 3.14), with their failure kinds (CPython's SPEC_FAIL_* names without the prefix).
 */
import "../uops/sequence.ts";
import { isListIter, isTupleIter, isRangeIter } from "../uops/sequence.ts";
import { isExactInt, isExactList, isExactTuple, isExactDict, isExactStr, isSlice, isNonNegativeCompact } from "../uops/binary.ts";
import {
  PyDictIter, PyEnumerate, PyRange, PyRangeIter, PySeqIter, PyType, PyZip, type PyValue,
} from "../runtime/objects.ts";
import { registerSpecializer, type SpecializeContext, type SpecializeResult } from "./specializer.ts";

// ------------------------------------------------------------------ UNPACK_SEQUENCE

function specializeUnpackSequence(s: SpecializeContext): SpecializeResult {
  const seq = s.peek(1);
  if (seq === null) return { fail: "OTHER" };
  if (isExactTuple(seq)) {
    if (seq.items.length !== s.oparg) return { fail: "EXPECTED_ERROR" };
    return { form: seq.items.length === 2 ? "UNPACK_SEQUENCE_TWO_TUPLE" : "UNPACK_SEQUENCE_TUPLE" };
  }
  if (isExactList(seq)) {
    if (seq.items.length !== s.oparg) return { fail: "EXPECTED_ERROR" };
    return { form: "UNPACK_SEQUENCE_LIST" };
  }
  return { fail: unpackSequenceFailKind(seq) };
}

/** unpack_sequence_fail_kind: PySequence_Check (has sq_item, not a dict), then PyIter_Check */
function unpackSequenceFailKind(seq: PyValue): string {
  if (isExactStr(seq) || seq instanceof PyRange) return "UNPACK_SEQUENCE_SEQUENCE";
  if (isIterator(seq)) return "UNPACK_SEQUENCE_ITERATOR";
  return "OTHER";
}
const isIterator = (v: PyValue): boolean =>
  v instanceof PySeqIter || v instanceof PyRangeIter || v instanceof PyDictIter || v instanceof PyEnumerate || v instanceof PyZip;

// ------------------------------------------------------------------ STORE_SUBSCR

function specializeStoreSubscr(s: SpecializeContext): SpecializeResult {
  const sub = s.peek(1);
  const container = s.peek(2);
  if (sub === null || container === null) return { fail: "OTHER" };
  if (isExactList(container)) {
    if (isExactInt(sub)) {
      if (isNonNegativeCompact(sub) && sub < container.items.length) return { form: "STORE_SUBSCR_LIST_INT" };
      return { fail: "OUT_OF_RANGE" };
    }
    if (isSlice(sub)) return { fail: "SUBSCR_LIST_SLICE" };
    return { fail: "OTHER" };
  }
  if (isExactDict(container)) return { form: "STORE_SUBSCR_DICT" };
  // store_subscr_fail_kind: dict subclasses, buffers and Python __setitem__ are outside the subset
  return { fail: "OTHER" };
}

// ------------------------------------------------------------------ FOR_ITER

function specializeForIter(s: SpecializeContext): SpecializeResult {
  const it = s.peek(1);
  if (it === null) return { fail: "OTHER" };
  if (isListIter(it)) return { form: "FOR_ITER_LIST" };
  if (isTupleIter(it)) return { form: "FOR_ITER_TUPLE" };
  if (isRangeIter(it)) return { form: "FOR_ITER_RANGE" };
  // FOR_ITER_GEN: generators are outside the subset
  return { fail: classifyIterator(it) };
}

/** _PySpecialization_ClassifyIterator (statistics only) */
function classifyIterator(it: PyValue): string {
  if (it instanceof PyDictIter) return it.kind === "keys" ? "ITER_DICT_KEYS" : it.kind === "values" ? "ITER_DICT_VALUES" : "ITER_DICT_ITEMS";
  if (it instanceof PySeqIter && it.kind === "str_ascii_iterator") {
    // CPython picks the iterator type by the string's kind: ASCII strings get _PyUnicodeASCIIIter_Type
    const str = it.seq as string | null;
    return str !== null && /[^\x00-\x7f]/.test(str) ? "ITER_STRING" : "ITER_ASCII_STRING";
  }
  if (it instanceof PyEnumerate) return "ITER_ENUMERATE";
  if (it instanceof PyZip) return "ITER_ZIP";
  return "OTHER"; // longrange_iterator and anything else
}

// ------------------------------------------------------------------ CONTAINS_OP

function specializeContainsOp(s: SpecializeContext): SpecializeResult {
  const container = s.peek(1);
  if (container === null) return { fail: "OTHER" };
  if (isExactDict(container)) return { form: "CONTAINS_OP_DICT" };
  // CONTAINS_OP_SET: sets and frozensets are outside the subset
  if (isExactStr(container)) return { fail: "CONTAINS_OP_STR" };
  if (isExactList(container)) return { fail: "CONTAINS_OP_LIST" };
  if (isExactTuple(container)) return { fail: "CONTAINS_OP_TUPLE" };
  if (container instanceof PyType) return { fail: "CONTAINS_OP_USER_CLASS" };
  return { fail: "OTHER" };
}

registerSpecializer("UNPACK_SEQUENCE", specializeUnpackSequence);
registerSpecializer("STORE_SUBSCR", specializeStoreSubscr);
registerSpecializer("FOR_ITER", specializeForIter);
registerSpecializer("CONTAINS_OP", specializeContainsOp);
