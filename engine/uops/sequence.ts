/**
 * Specialized forms of UNPACK_SEQUENCE, STORE_SUBSCR, FOR_ITER and CONTAINS_OP (Python/bytecodes.c,
 * CPython 3.14). Value semantics come from engine/runtime; what is modeled here is each uop's guards,
 * stack discipline and release order, which CPython's specialized uops do not always share with the
 * generic path: STORE_SUBSCR_LIST_INT releases the list before the replaced item, STORE_SUBSCR_DICT
 * steals key and value (_PyDict_SetItem_Take2) and releases the dict last (both observable through
 * __del__ and checked against CPython 3.14.2).
 *
 * Not defined: CONTAINS_OP_SET (sets are outside the subset) and FOR_ITER_GEN (so are generators).
 */
import { PyList, PyTuple, PyDict, PySeqIter, PyRangeIter, type PyValue } from "../runtime/objects.ts";
import { InternalError } from "../runtime/heap.ts";
import * as I from "../runtime/int.ts";
import type { PyInt } from "../runtime/primitive.ts";
import { jumpTarget } from "../bytecode/instructions.ts";
import { instrAt } from "../vm/code-info.ts";
import { defineUop, defineMacro, OK, DEOPT, EXIT, F_DEOPT, F_EXIT, F_ERROR, F_ESCAPES, F_JUMP, F_TIER1_ONLY, type UopContext } from "./table.ts";
import { push, pop, peek } from "./stack.ts";
import { isNonNegativeCompact } from "./binary.ts"; // also defines the shared _GUARD_TOS_* / _GUARD_NOS_* guards

// ------------------------------------------------------------------ UNPACK_SEQUENCE

/** (seq -- val1, val0): item 0 ends on top */
defineUop("_UNPACK_SEQUENCE_TWO_TUPLE", { inputs: 1, outputs: 2, flags: F_DEOPT | F_ESCAPES }, (c) => {
  const seq = peek(c, 1) as PyTuple;
  if (seq.items.length !== 2) return DEOPT;
  pop(c);
  const val0 = c.rt.newRef(seq.items[0]!);
  const val1 = c.rt.newRef(seq.items[1]!);
  c.rt.decref(seq);
  push(c, val1);
  push(c, val0);
  return OK;
});
/** (seq -- values[oparg]), pushed from the last item down, then DECREF_INPUTS */
function unpackItems(name: string): void {
  defineUop(name, { inputs: 1, outputs: (o) => o, flags: F_DEOPT }, (c, oparg) => {
    const seq = peek(c, 1) as PyTuple | PyList;
    if (seq.items.length !== oparg) return DEOPT;
    pop(c);
    const items = seq.items;
    for (let i = oparg; --i >= 0; ) push(c, c.rt.newRef(items[i]!));
    c.rt.decref(seq);
    return OK;
  });
}
unpackItems("_UNPACK_SEQUENCE_TUPLE");
unpackItems("_UNPACK_SEQUENCE_LIST");
defineMacro("UNPACK_SEQUENCE_TWO_TUPLE", ["_GUARD_TOS_TUPLE", 1, "_UNPACK_SEQUENCE_TWO_TUPLE"]);
defineMacro("UNPACK_SEQUENCE_TUPLE", ["_GUARD_TOS_TUPLE", 1, "_UNPACK_SEQUENCE_TUPLE"]);
defineMacro("UNPACK_SEQUENCE_LIST", ["_GUARD_TOS_LIST", 1, "_UNPACK_SEQUENCE_LIST"]);

// ------------------------------------------------------------------ STORE_SUBSCR

/**
 * (value, list, sub --): 0 <= sub < len(list) or deopt; the list steals `value`; then the list is
 * closed, and the replaced item released last (the generic path releases it first).
 */
defineUop("_STORE_SUBSCR_LIST_INT", { inputs: 3, outputs: 0, flags: F_DEOPT | F_ESCAPES }, (c) => {
  const sub = peek(c, 1);
  const list = peek(c, 2) as PyList;
  if (!isNonNegativeCompact(sub) || sub >= list.items.length) return DEOPT;
  pop(c);
  pop(c);
  const value = pop(c);
  const old = list.items[sub]!;
  list.items[sub] = value;
  c.rt.decref(list);
  c.rt.decref(old);
  return OK;
});
/**
 * (value, dict, sub --): _PyDict_SetItem_Take2 steals key and value (a replaced value is released,
 * then the key reference when the key was already there; an unhashable key releases key then
 * value), then the dict is closed.
 */
defineUop("_STORE_SUBSCR_DICT", { inputs: 3, outputs: 0, flags: F_ERROR | F_ESCAPES }, (c) => {
  const sub = pop(c);
  const dict = pop(c) as PyDict;
  const value = pop(c);
  try {
    c.rt.dictSet(dict, sub, value); // takes new references; releasing ours models the steal
  } catch (e) {
    c.rt.decref(sub);
    c.rt.decref(value);
    c.rt.decref(dict);
    throw e;
  }
  c.rt.decref(sub);
  c.rt.decref(value);
  c.rt.decref(dict);
  return OK;
});
defineMacro("STORE_SUBSCR_LIST_INT", ["_GUARD_TOS_INT", "_GUARD_NOS_LIST", 1, "_STORE_SUBSCR_LIST_INT"]);
defineMacro("STORE_SUBSCR_DICT", ["_GUARD_NOS_DICT", 1, "_STORE_SUBSCR_DICT"]);

// ------------------------------------------------------------------ CONTAINS_OP

/** (left, right -- b): PyDict_Contains, DECREF_INPUTS (the dict, then the key), result ^ oparg */
defineUop("_CONTAINS_OP_DICT", { inputs: 2, outputs: 1, flags: F_ERROR | F_ESCAPES }, (c, oparg) => {
  const right = pop(c) as PyDict;
  const left = pop(c);
  let found: boolean;
  try {
    found = c.rt.dictGet(right, left) !== undefined;
  } finally {
    c.rt.decref(right);
    c.rt.decref(left);
  }
  push(c, found !== (oparg === 1));
  return OK;
});
defineMacro("CONTAINS_OP_DICT", ["_GUARD_TOS_DICT", 1, "_CONTAINS_OP_DICT"]);

// ------------------------------------------------------------------ FOR_ITER

/**
 * The _ITER_JUMP_X ops end the instruction when the iterator is exhausted (JUMPBY(oparg + 1);
 * DISPATCH()): execution continues after the loop's END_FOR, at its POP_ITER. The tier-1 loop runs
 * every uop of a macro, so the jump op records the target and the _ITER_NEXT_X op that follows
 * performs it instead of producing a value.
 */
// One pending exit suffices (it was a WeakMap by context, looked up on every iteration): the
// _ITER_NEXT_X that consumes it is the very next uop of the same macro, nothing runs in between.
let exhaustedIn: UopContext | null = null;
let exhaustedTarget = 0;
function exitLoop(c: UopContext): void {
  exhaustedIn = c;
  exhaustedTarget = jumpTarget(instrAt(c.f, c.offset))! + 1;
}
/** In _ITER_NEXT_X: true (and the jump taken) when _ITER_JUMP_X found the iterator exhausted. */
function tookExit(c: UopContext): boolean {
  if (exhaustedIn !== c) return false;
  exhaustedIn = null;
  c.next = exhaustedTarget;
  return true;
}

/**
 * Is this range iterator CPython's range_iterator (C longs) rather than a longrange_iterator?
 * range_iter() (Objects/rangeobject.c) makes a fast one when start, stop and step fit in a C long
 * (32 bits on the oracle build), the length fits too and start + len * step cannot overflow. The
 * runtime's iterator keeps (next, remaining, step); next + remaining * step is invariant while it
 * runs, so it stands for the stop bound. The classification is made once per iterator, as the type
 * is fixed at creation (an iterator first seen part-way through a range that started below
 * -2**31 would be misclassified: the runtime does not record the original start).
 */
const fastRange = new WeakMap<PyRangeIter, boolean>();
const LONG_MAX = 2 ** 31 - 1;
const fitsLong = (x: PyInt): boolean => typeof x === "number" && x >= -LONG_MAX - 1 && x <= LONG_MAX;
export function isFastRangeIter(it: PyRangeIter): boolean {
  let fast = fastRange.get(it);
  if (fast === undefined) {
    const end = I.add(it.next, I.mul(it.remaining, it.step));
    fast = fitsLong(it.next) && fitsLong(it.step) && fitsLong(it.remaining) && fitsLong(end);
    fastRange.set(it, fast);
  }
  return fast;
}
export const isListIter = (v: PyValue): v is PySeqIter => v instanceof PySeqIter && v.kind === "list_iterator";
export const isTupleIter = (v: PyValue): v is PySeqIter => v instanceof PySeqIter && v.kind === "tuple_iterator";
export const isRangeIter = (v: PyValue): v is PyRangeIter => v instanceof PyRangeIter && isFastRangeIter(v);

function iterCheck(name: string, test: (v: PyValue) => boolean): void {
  defineUop(name, { inputs: 1, outputs: 1, flags: F_EXIT }, (c) => (test(peek(c, 1)) ? OK : EXIT));
}
iterCheck("_ITER_CHECK_LIST", isListIter);
iterCheck("_ITER_CHECK_TUPLE", isTupleIter);
iterCheck("_ITER_CHECK_RANGE", isRangeIter);

/**
 * list and tuple iterators: at the end the iterator drops its sequence (as the generic next does).
 * The _ITER_JUMP_X ops (and _ITER_NEXT_LIST) are `replaced` ops: tier 2 uses _GUARD_NOT_EXHAUSTED_X
 * (and _ITER_NEXT_LIST_TIER_TWO) instead.
 */
function iterJumpSeq(name: string): void {
  defineUop(name, { inputs: 1, outputs: 1, flags: F_ESCAPES | F_JUMP | F_TIER1_ONLY }, (c) => {
    const it = peek(c, 1) as PySeqIter;
    const seq = it.seq as PyList | PyTuple | null;
    if (seq === null || it.index >= seq.items.length) {
      if (seq !== null) {
        it.seq = null;
        c.rt.decref(seq);
      }
      exitLoop(c);
    }
    return OK;
  });
}
/** CPython's metadata gives _ITER_NEXT_LIST DEOPT | ESCAPES | JUMP (from its free-threaded branch); tier 2 replaces it */
function iterNextSeq(name: string, flags: number): void {
  defineUop(name, { inputs: 1, outputs: 2, flags }, (c) => {
    if (tookExit(c)) return OK;
    const it = peek(c, 1) as PySeqIter;
    const seq = it.seq as PyList | PyTuple | null;
    if (seq === null || it.index >= seq.items.length) throw new InternalError(`${c.f.def.qualname}+${c.offset * 2}: ${name} on an exhausted iterator`, "invariant");
    push(c, c.rt.newRef(seq.items[it.index++]!));
    return OK;
  });
}
iterJumpSeq("_ITER_JUMP_LIST");
iterNextSeq("_ITER_NEXT_LIST", F_DEOPT | F_ESCAPES | F_JUMP | F_TIER1_ONLY);
iterJumpSeq("_ITER_JUMP_TUPLE");
iterNextSeq("_ITER_NEXT_TUPLE", 0);

defineUop("_ITER_JUMP_RANGE", { inputs: 1, outputs: 1, flags: F_ESCAPES | F_JUMP | F_TIER1_ONLY }, (c) => {
  const r = peek(c, 1) as PyRangeIter;
  if (r.remaining <= 0) exitLoop(c);
  return OK;
});
/** value = start; start += step; len -= 1 (PyLong_FromLong may fail: ERROR) */
defineUop("_ITER_NEXT_RANGE", { inputs: 1, outputs: 2, flags: F_ERROR }, (c) => {
  if (tookExit(c)) return OK;
  const r = peek(c, 1) as PyRangeIter;
  const value = r.next;
  r.next = I.add(value, r.step);
  r.remaining = I.sub(r.remaining, 1);
  push(c, value);
  return OK;
});

defineMacro("FOR_ITER_LIST", [1, "_ITER_CHECK_LIST", "_ITER_JUMP_LIST", "_ITER_NEXT_LIST"]);
defineMacro("FOR_ITER_TUPLE", [1, "_ITER_CHECK_TUPLE", "_ITER_JUMP_TUPLE", "_ITER_NEXT_TUPLE"]);
defineMacro("FOR_ITER_RANGE", [1, "_ITER_CHECK_RANGE", "_ITER_JUMP_RANGE", "_ITER_NEXT_RANGE"]);
