/**
 * COMPARE_OP's specialized forms (Python/bytecodes.c, CPython 3.14). They compute the comparison
 * outcome as one bit (COMPARISON_BIT: 1 unordered, 2 less, 4 greater, 8 equal) and test it against
 * the low 4 bits of the oparg, the mask the compiler derives from the operator (compile.c
 * compare_masks); the result is always a bool, so the `oparg & 16` (bool result) flag is moot.
 */
import { PyFloat } from "../runtime/objects.ts";
import { UndefinedBehavior } from "../runtime/ops.ts";
import { defineUop, defineMacro, OK, DEOPT, F_DEOPT, type UopContext } from "./table.ts";
import { push, pop, peek } from "./stack.ts";
import { isCompactInt } from "./binary.ts"; // also defines the shared _GUARD_TOS_* / _GUARD_NOS_* guards

export const COMPARISON_UNORDERED = 1;
export const COMPARISON_LESS_THAN = 2;
export const COMPARISON_GREATER_THAN = 4;
export const COMPARISON_EQUALS = 8;
export const COMPARISON_NOT_EQUALS = COMPARISON_UNORDERED | COMPARISON_LESS_THAN | COMPARISON_GREATER_THAN;
/** compile.c compare_masks, indexed by the operator (oparg >> 5: < <= == != > >=) */
export const COMPARE_MASKS: readonly number[] = [
  COMPARISON_LESS_THAN, COMPARISON_LESS_THAN | COMPARISON_EQUALS, COMPARISON_EQUALS, COMPARISON_NOT_EQUALS,
  COMPARISON_GREATER_THAN, COMPARISON_GREATER_THAN | COMPARISON_EQUALS,
];

/** COMPARISON_BIT(x, y): 1 << (2 * (x >= y) + (x <= y)) */
const comparisonBit = (x: number, y: number): number => 1 << (2 * (x >= y ? 1 : 0) + (x <= y ? 1 : 0));

/**
 * The specialized forms trust the mask; the generic form uses the operator. The compiler always
 * makes them agree; bytecode where they disagree behaves differently per tier in CPython, which
 * tierdiff treats as undefined (only mutated bytecode can get here).
 */
function mask(c: UopContext, oparg: number): number {
  const m = oparg & 15;
  if (m !== COMPARE_MASKS[oparg >> 5]) {
    throw new UndefinedBehavior(`${c.f.def.qualname}+${c.offset * 2}: COMPARE_OP ${oparg}: mask ${m} does not match the operator (specialized and generic forms disagree)`);
  }
  return m;
}

// floats and compact ints are values: closing the operands (_TyFloat_ExactDealloc...) is unobservable
defineUop("_COMPARE_OP_FLOAT", { inputs: 2, outputs: 1 }, (c, oparg) => {
  const m = mask(c, oparg);
  const r = pop(c) as PyFloat;
  const l = pop(c) as PyFloat;
  push(c, (comparisonBit(l.v, r.v) & m) !== 0);
  return OK;
});
defineUop("_COMPARE_OP_INT", { inputs: 2, outputs: 1, flags: F_DEOPT }, (c, oparg) => {
  const r = peek(c, 1);
  const l = peek(c, 2);
  if (!isCompactInt(l) || !isCompactInt(r)) return DEOPT;
  const m = mask(c, oparg);
  popTwo(c);
  push(c, (comparisonBit(l, r) & m) !== 0);
  return OK;
});
// == and != only (the specializer checks the operator)
defineUop("_COMPARE_OP_STR", { inputs: 2, outputs: 1 }, (c, oparg) => {
  const m = mask(c, oparg);
  const r = pop(c) as string;
  const l = pop(c) as string;
  push(c, ((COMPARISON_NOT_EQUALS + (l === r ? 1 : 0)) & m) !== 0);
  return OK;
});

defineMacro("COMPARE_OP_FLOAT", ["_GUARD_TOS_FLOAT", "_GUARD_NOS_FLOAT", 1, "_COMPARE_OP_FLOAT"]);
defineMacro("COMPARE_OP_INT", ["_GUARD_TOS_INT", "_GUARD_NOS_INT", 1, "_COMPARE_OP_INT"]);
defineMacro("COMPARE_OP_STR", ["_GUARD_TOS_UNICODE", "_GUARD_NOS_UNICODE", 1, "_COMPARE_OP_STR"]);

function popTwo(c: UopContext): void {
  pop(c);
  pop(c);
}
