/**
 * Tier-2 uops (Python/bytecodes.c `tier2 op(...)` and the ops the trace projector substitutes for
 * tier-1 jumps, `replaced` ops in Tools/cases_generator), plus the two tier-1 instructions that
 * enter tier 2: JUMP_BACKWARD_JIT (`_JIT`, the backedge counter) and ENTER_EXECUTOR.
 *
 * Guards that replace jumps pop/peek like the ops they replace and EXIT when the trace's assumed
 * direction is wrong; the exit's target (the other direction) is recorded by the projector
 * (engine/tier2/project.ts). Executor-control uops (_START_EXECUTOR, _SET_IP, _CHECK_VALIDITY,
 * _EXIT_TRACE, _JUMP_TO_TOP, _DEOPT, _LOAD_CONST_INLINE...) act on the executor itself: the
 * executor loop (engine/tier2/run.ts) runs them; their table entries carry the metadata (flags,
 * stack effects) the projector and optimizer read, and refuse to run anywhere else.
 */
import { PyNoneType, PyList, PyTuple, PySeqIter, PyRangeIter, type PyValue } from "../runtime/objects.ts";
import { InternalError } from "../runtime/heap.ts";
import * as ops from "../runtime/ops.ts";
import {
  defineUop, defineMacro, OK, EXIT, DEOPT, ENTER, F_DEOPT, F_EXIT, F_ERROR, F_ESCAPES, F_PURE, F_JUMP, F_TIER1_ONLY, F_TIER2_ONLY,
  type UopContext, type Signal,
} from "./table.ts";
import { push, pop, peek } from "./stack.ts";
import "./sequence.ts";

// ------------------------------------------------------------------ tier 1: entering tier 2

// op(_JIT, (--)): count the backedge; when the counter triggers, project and install an executor
// at this JUMP_BACKWARD_JIT and enter it (GOTO_TIER_TWO).
defineUop("_JIT", { inputs: 0, outputs: 0, flags: F_ERROR | F_ESCAPES | F_TIER1_ONLY }, (c) => (c.vm.backedge(c) ? ENTER : OK));
defineMacro("JUMP_BACKWARD_JIT", [1, "_CHECK_PERIODIC", "JUMP_BACKWARD_NO_INTERRUPT", "_JIT"]);
// inst(ENTER_EXECUTOR, (--)): the tier-1 loop runs executor #oparg of this code object
defineUop("ENTER_EXECUTOR", { inputs: 0, outputs: 0, flags: F_TIER1_ONLY }, () => ENTER);
defineMacro("ENTER_EXECUTOR", ["ENTER_EXECUTOR"]);

// ------------------------------------------------------------------ executor control (run by the executor loop)

function controlOnly(name: string): () => Signal {
  return () => {
    throw new InternalError(`${name} is an executor-control uop: only the tier-2 executor loop runs it`, "invariant");
  };
}
/** Control uops by name: the executor loop dispatches on these kinds instead of calling fn. */
export const CONTROL_KIND: Readonly<Record<string, number>> = {
  _START_EXECUTOR: 1, _MAKE_WARM: 2, _SET_IP: 3, _CHECK_VALIDITY: 4, _EXIT_TRACE: 5, _JUMP_TO_TOP: 6, _DEOPT: 7,
  _LOAD_CONST_INLINE: 8, _LOAD_CONST_INLINE_BORROW: 8, _CHECK_FUNCTION: 9, _NOP: 10, _CHECK_STACK_SPACE_OPERAND: 10,
};
const control: [string, { inputs: number; outputs: number; cache?: number; flags: number }][] = [
  ["_START_EXECUTOR", { inputs: 0, outputs: 0, cache: 4, flags: F_TIER2_ONLY }],
  ["_MAKE_WARM", { inputs: 0, outputs: 0, flags: F_TIER2_ONLY }],
  ["_SET_IP", { inputs: 0, outputs: 0, cache: 4, flags: F_TIER2_ONLY }],
  ["_CHECK_VALIDITY", { inputs: 0, outputs: 0, flags: F_DEOPT | F_TIER2_ONLY }],
  ["_EXIT_TRACE", { inputs: 0, outputs: 0, cache: 4, flags: F_ESCAPES | F_TIER2_ONLY }],
  ["_JUMP_TO_TOP", { inputs: 0, outputs: 0, flags: F_JUMP | F_TIER2_ONLY }],
  ["_DEOPT", { inputs: 0, outputs: 0, flags: F_TIER2_ONLY }],
  // globals promotion (Python/optimizer_analysis.c remove_globals): the value, BORROWED — the
  // dict watcher invalidates the executor before the dict can drop it
  ["_LOAD_CONST_INLINE", { inputs: 0, outputs: 1, cache: 4, flags: F_PURE | F_TIER2_ONLY }],
  ["_LOAD_CONST_INLINE_BORROW", { inputs: 0, outputs: 1, cache: 4, flags: F_PURE | F_TIER2_ONLY }],
  // the frame's function still has the version the promoted globals were read through
  ["_CHECK_FUNCTION", { inputs: 0, outputs: 0, cache: 2, flags: F_DEOPT | F_TIER2_ONLY }],
  ["_NOP", { inputs: 0, outputs: 0, flags: F_PURE | F_TIER2_ONLY }],
  // one stack-space check for the whole trace (no data stack is modeled: always passes)
  ["_CHECK_STACK_SPACE_OPERAND", { inputs: 0, outputs: 0, cache: 2, flags: F_DEOPT | F_TIER2_ONLY }],
];
for (const [name, spec] of control) defineUop(name, spec, controlOnly(name));

// ------------------------------------------------------------------ guards replacing branches

function guardPop(name: string, passes: (v: PyValue) => boolean): void {
  defineUop(name, { inputs: 1, outputs: 0, flags: F_EXIT | F_TIER2_ONLY }, (c) => {
    const v = pop(c);
    const ok = passes(v);
    c.rt.decref(v);
    return ok ? OK : EXIT;
  });
}
// The compiler guarantees a bool before POP_JUMP_IF_TRUE/FALSE (TO_BOOL); tier 1 tests identity
// with True/False, and so do these.
guardPop("_GUARD_IS_TRUE_POP", (v) => v === true);
guardPop("_GUARD_IS_FALSE_POP", (v) => v === false);
guardPop("_GUARD_IS_NONE_POP", (v) => v instanceof PyNoneType);
guardPop("_GUARD_IS_NOT_NONE_POP", (v) => !(v instanceof PyNoneType));

// ------------------------------------------------------------------ FOR_ITER in tier 2

/**
 * _GUARD_NOT_EXHAUSTED_X replace _ITER_JUMP_X: an exhausted iterator leaves the trace through a
 * side exit to the instruction after the loop's END_FOR (its POP_ITER). tierdiff's tier-1 list
 * and tuple iterators drop their sequence when found exhausted; the guards do the same before
 * exiting, so tier 1 and tier 2 release objects in the same order.
 */
function seqExhausted(c: UopContext): boolean {
  const it = peek(c, 1) as PySeqIter;
  const seq = it.seq as PyList | PyTuple | null;
  if (seq !== null && it.index < seq.items.length) return false;
  if (seq !== null) {
    it.seq = null;
    c.rt.decref(seq);
  }
  return true;
}
defineUop("_GUARD_NOT_EXHAUSTED_LIST", { inputs: 1, outputs: 1, flags: F_EXIT | F_TIER2_ONLY }, (c) => (seqExhausted(c) ? EXIT : OK));
defineUop("_GUARD_NOT_EXHAUSTED_TUPLE", { inputs: 1, outputs: 1, flags: F_EXIT | F_TIER2_ONLY }, (c) => (seqExhausted(c) ? EXIT : OK));
defineUop("_GUARD_NOT_EXHAUSTED_RANGE", { inputs: 1, outputs: 1, flags: F_EXIT | F_TIER2_ONLY }, (c) =>
  (peek(c, 1) as PyRangeIter).remaining <= 0 ? EXIT : OK,
);
defineUop("_ITER_NEXT_LIST_TIER_TWO", { inputs: 1, outputs: 2, flags: F_EXIT | F_ESCAPES | F_TIER2_ONLY }, (c) => {
  const it = peek(c, 1) as PySeqIter;
  const seq = it.seq as PyList | null;
  if (seq === null || it.index >= seq.items.length) return DEOPT;
  push(c, c.rt.newRef(seq.items[it.index++]!));
  return OK;
});
// _FOR_ITER_TIER_TWO: the generic next; exhaustion is a side exit past the END_FOR
defineUop("_FOR_ITER_TIER_TWO", { inputs: 1, outputs: 2, flags: F_EXIT | F_ERROR | F_ESCAPES | F_TIER2_ONLY }, (c) => {
  const x = ops.iterNext(c.rt, peek(c, 1));
  if (x === undefined) return EXIT;
  push(c, x);
  return OK;
});
