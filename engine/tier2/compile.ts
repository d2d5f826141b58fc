/**
 * An executor's uop list as ONE JavaScript function (what CPython's JIT does with copy-and-patch
 * stencils, Python/jit.c, done here with `new Function`). tier2.ts's loop used to dispatch every uop
 * through one switch and one megamorphic call site — about three times as many dispatches as tier
 * 1, whose macros are compiled the same way (engine/uops/table.ts compileMacro) — so tier 2 was
 * slower than tier 1. Here each uop is a call site that always calls the same uop function (V8
 * inlines it), control uops are a few inline statements, and constants (oparg, operand, target) are
 * literals.
 *
 * The semantics are the table's: kind-0 uops run their `fn` from engine/uops; control uops
 * (CONTROL_KIND in engine/uops/tier2.ts) are spelled here and nowhere else. The function runs
 * from the first uop (straight-line code in a loop: _JUMP_TO_TOP is `continue`) until a uop
 * deopts or exits, or _EXIT_TRACE/_DEOPT/_CHECK_VALIDITY leaves; it returns `index * 8 + signal`
 * and tier2.ts handles exits and stitching. Frames pushed and popped inside the trace are entered
 * here, through tier2.ts's enterPushed/popReturned.
 *
 * An executor is interpreted (interpretTrace: the same kinds, one uop at a time) until it is hot
 * (Tier2Params.compileAfter entries or loop-backs): most executors the fuzzer makes run a few
 * times and die. Step counting is the same in both: an instruction's steps are added at the uop
 * they start at, which is remembered (st.counted) so an exit back to that instruction can take
 * its step back.
 */
import type { Runtime } from "../runtime/runtime.ts";
import type { PyValue } from "../runtime/objects.ts";
import type { Frame } from "../vm/frame.ts";
import { DEOPT, EXIT, F_FRAME, OK, PUSHED, RETURNED, type UopContext } from "../uops/table.ts";
import type { ExecutorObject, TraceUop } from "./executor.ts";

/** Where the running executor counted the last instruction (shared by one tier2.enter() call). */
export interface StepMark {
  counted: TraceUop | null;
  countedFrame: Frame | null;
}

/** Runs an executor from its first uop in frame `f` (ctx.f === f); returns `index * 8 + signal`
 *  (the frame it left in is host.current). */
export type CompiledTrace = (st: StepMark, f: Frame) => number;

/** What generated code calls back into (fixed per tier-2 engine). */
export interface TraceRuntime {
  readonly rt: Runtime;
  /** the engine's step counter and budget (Tier2Host) */
  readonly host: { steps: number; readonly stepBudget: number };
  /** the uop context shared with tier 1 */
  readonly ctx: UopContext;
  /** the step budget ran out at uop `u` (which counted steps) in `f`: stop at the instruction tier
   *  1 would have stopped at, and throw BudgetExhausted */
  budgetExhausted(f: Frame, u: TraceUop): never;
  /** read a borrowed pointer like C (engine/tier1/versions.ts decodeBorrowed) */
  decodeBorrowed(rt: Runtime, operand: number): PyValue;
  /** Tier2Params.compileAfter: compiling costs tens of microseconds per executor (new Function);
   *  the fuzzer makes thousands of short-lived executors that would pay it for nothing
   *  (measured: 101 -> 87 cases/s when every executor was compiled) */
  readonly compileAfter: number;
  /** the fault "running executor ignores invalidation" (gh-109369): _CHECK_VALIDITY passes */
  readonly ignoreInvalidation: boolean;
  /** a uop pushed ctx.pushed at the call at `target` (returning to `next`): enter it and return it,
   *  or null at the recursion limit (tier 1 raises RecursionError at the call) */
  enterPushed(f: Frame, target: number, next: number): Frame | null;
  /** a uop returned ctx.retval from `f`: pop `f` and return the caller, the value on its stack */
  popReturned(f: Frame): Frame;
}

/** The signal code returned when control ran past the last uop (a projector bug). */
export const RAN_OFF_END = 7;
/** interpretTrace's answer when the executor became hot at _JUMP_TO_TOP: compile it, run it from the top */
export const HOT = -1;
/**
 * The same uops, one at a time (tier2.ts's loop before compile.ts): used until the executor is
 * hot. Kind by kind it does exactly what compileTrace's generated code does below.
 */
export function interpretTrace(e: ExecutorObject, tr: TraceRuntime, st: StepMark, f: Frame): number {
  const uops = e.uops;
  const { rt, host } = tr;
  const c = tr.ctx;
  for (let pc = 0; ;) {
    const u = uops[pc];
    if (u === undefined) return uops.length * 8 + RAN_OFF_END;
    if (u.steps !== 0) {
      host.steps += u.steps;
      st.counted = u;
      st.countedFrame = f;
      if (host.steps > host.stepBudget) tr.budgetExhausted(f, u);
    }
    switch (u.kind) {
      case 0: {
        c.offset = u.target;
        c.next = u.next;
        const sig = u.uop.fn(c, u.oparg, u.operand);
        if (sig === OK) break;
        if (sig === PUSHED && (u.uop.flags & F_FRAME) !== 0) {
          const g = tr.enterPushed(f, u.target, u.next);
          if (g === null) return pc * 8 + PUSHED;
          f = g;
          break;
        }
        if (sig === RETURNED && (u.uop.flags & F_FRAME) !== 0) {
          f = tr.popReturned(f);
          break;
        }
        return pc * 8 + sig;
      }
      case 3: // _SET_IP
        f.ip = u.target;
        break;
      case 4: // _CHECK_VALIDITY
        if (!e.valid && !tr.ignoreInvalidation) return pc * 8 + DEOPT;
        break;
      case 5: // _EXIT_TRACE
        return pc * 8 + EXIT;
      case 6: // _JUMP_TO_TOP
        if (++e.warmth > tr.compileAfter) return HOT;
        pc = 0;
        continue;
      case 7: // _DEOPT
        return pc * 8 + DEOPT;
      case 8: { // _LOAD_CONST_INLINE(_BORROW)
        const v = tr.decodeBorrowed(rt, u.operand);
        rt.incref(v);
        f.stack.push(v);
        break;
      }
      case 9: // _CHECK_FUNCTION
        if (f.func === null || f.func.funcVersion !== u.operand) return pc * 8 + DEOPT;
        break;
      default:
        break;
    }
    pc++;
  }
}

export function compileTrace(e: ExecutorObject, tr: TraceRuntime): CompiledTrace {
  const uops = e.uops;
  const fns: unknown[] = [];
  const lines: string[] = [];
  const leave = (i: number, sig: number): string => `return ${i * 8 + sig};`;
  let lastTarget = -1;
  let lastNext = -1;
  uops.forEach((u, i) => {
    lines.push(`    /* ${i} ${u.name} */`);
    if (u.steps !== 0) {
      lines.push(`      host.steps += ${u.steps}; st.counted = T[${i}]; st.countedFrame = f;`);
      lines.push(`      if (host.steps > host.stepBudget) tr.budgetExhausted(f, T[${i}]);`);
    }
    switch (u.kind) {
      case 0: {
        fns.push(u.uop.fn);
        // control reaches uop i only from uop i - 1, and uop 0 from entry or _JUMP_TO_TOP
        if (i === 0 || lastTarget !== u.target) lines.push(`      c.offset = ${u.target};`);
        if (i === 0 || lastNext !== u.next) lines.push(`      c.next = ${u.next};`);
        lastTarget = u.target;
        lastNext = u.next; // (no uop a trace runs moves c.next)
        lines.push(`      sig = U${fns.length - 1}(c, ${u.oparg}, ${u.operand});`);
        if ((u.uop.flags & F_FRAME) !== 0) {
          // calls and returns stay in the trace (the frame bookkeeping is tier2.ts's, shared)
          lines.push(`      if (sig === ${PUSHED}) { g = tr.enterPushed(f, ${u.target}, ${u.next}); if (g === null) return ${i * 8 + PUSHED}; f = g; }`);
          lines.push(`      else if (sig === ${RETURNED}) f = tr.popReturned(f);`);
          lines.push(`      else if (sig !== ${OK}) return ${i * 8} + sig;`);
        } else {
          lines.push(`      if (sig !== ${OK}) return ${i * 8} + sig;`);
        }
        break;
      }
      case 3: // _SET_IP
        lines.push(`      f.ip = ${u.target};`);
        break;
      case 4: // _CHECK_VALIDITY: a running executor notices invalidation here
        if (!tr.ignoreInvalidation) lines.push(`      if (!exec.valid) ${leave(i, DEOPT)}`);
        break;
      case 5: // _EXIT_TRACE
        lines.push(`      ${leave(i, EXIT)}`);
        break;
      case 6: // _JUMP_TO_TOP
        lines.push(`      continue;`);
        break;
      case 7: // _DEOPT
        lines.push(`      ${leave(i, DEOPT)}`);
        break;
      case 8: // _LOAD_CONST_INLINE(_BORROW): a borrowed pointer, read like C (use-after-free detected)
        lines.push(`      v = tr.decodeBorrowed(rt, ${u.operand}); rt.incref(v); f.stack.push(v);`);
        break;
      case 9: // _CHECK_FUNCTION
        lines.push(`      if (f.func === null || f.func.funcVersion !== ${u.operand}) ${leave(i, DEOPT)}`);
        break;
      default: // _START_EXECUTOR, _MAKE_WARM, _NOP, _CHECK_STACK_SPACE_OPERAND: nothing at run time
        break;
    }
  });
  const name = `trace_${e.code.def.qualname.replace(/[^A-Za-z0-9_]/g, "_")}_${e.start * 2}`;
  const body = [
    `return function ${name}(st, f) {`,
    `  let sig = 0, v, g;`,
    `  for (;;) {`,
    ...lines,
    `    return ${uops.length * 8 + RAN_OFF_END};`,
    `  }`,
    `};`,
  ].join("\n");
  const params = fns.map((_, i) => `U${i}`);
  const make = new Function(...params, "T", "exec", "tr", "rt", "host", "c", body) as (...a: unknown[]) => CompiledTrace;
  return make(...fns, uops, e, tr, tr.rt, tr.host, tr.ctx);
}
