// Trace projection (engine/tier2/project.ts), rule by rule:
//  - the TABLE: for every instruction CPython 3.14 can trace (_PyOpcode_macro_expansion non-null in
//    engine/uops/cpython314-facts.json), the uops our projector emits for it equal CPython's
//    expansion; NO_TIER2_EXPANSION is exactly the set of instructions CPython cannot trace;
//  - each PROJECTION RULE on a real program (compiled by CPython 3.14 through pyodide), read off the
//    RAW projection (before the optimizer) captured by engine/tier2/testing.ts: loop closing,
//    branch following with the 16-bit history, low confidence, inner loops, JUMP_FORWARD, calls and
//    returns through the function-version cache, recursion, unknown callee, __code__ replaced,
//    trace-stack overflow, max trace length with the reserved exit, short traces dropped,
//    unsupported instructions.
// Every run is also compared with the reference interpreter (outcome, steps, leaks).
import { beforeAll, describe, expect, test } from "vitest";
import "../tier1/engine.ts"; // defines the whole uop table (tier 1 and tier 2) before project.ts reads it
import facts from "../uops/cpython314-facts.json" with { type: "json" };
import { getPyodide } from "../../oracles/cpython/pyodide.ts";
import { allMacros, macroNamed } from "../uops/table.ts";
import { instrsOf } from "../vm/code-info.ts";
import { PyCode } from "../runtime/objects.ts";
import type { ProgramDef } from "../bytecode/code.ts";
import { NO_TIER2_EXPANSION, tier2UopsOf } from "./project.ts";
import type { TraceUop } from "./executor.ts";
import {
  APPLY_LOOP, compile, expectSubsequence, HELPER_MAKE, hotLoop, names, runBoth, runRef, runT2, runT2Agreeing, straightLineAdds, SUM_LOOP,
  type BothOptions, type Made, type T2Run,
} from "./testing.ts";
import { ALL_PASSES, MIN_MAX_TRACE_LENGTH, NO_PASSES, tier2Params } from "./params.ts";

beforeAll(async () => {
  await getPyodide();
}, 60_000);

// ---------------------------------------------------------------------------------------------
// the table

interface ExpansionRow { uop: string; size: string | number; offset: number }
const MACROS = (facts as unknown as { macros: Record<string, { tier2Expansion: ExpansionRow[] | null }> }).macros;

/**
 * CPython's rows as the uop names a trace holds:
 *  - OPERAND1_* rows are the SECOND operand of the uop of the row before (one uop, not two);
 *  - OPARG_REPLACED rows name the ORIGINAL uop; the translator substitutes it. The substitutes are
 *    written here from Python/optimizer.c (3.14), independently of project.ts:
 *    _PyUOp_Replacements for the FOR_ITER family, and BRANCH_TO_GUARD for _POP_JUMP_IF_FALSE/TRUE
 *    (jump likely -> the guard that the jump is taken, unlikely -> the guard that it is not).
 */
const CPYTHON_REPLACEMENTS: Readonly<Record<string, string>> = {
  _ITER_JUMP_RANGE: "_GUARD_NOT_EXHAUSTED_RANGE", _ITER_JUMP_LIST: "_GUARD_NOT_EXHAUSTED_LIST",
  _ITER_JUMP_TUPLE: "_GUARD_NOT_EXHAUSTED_TUPLE", _FOR_ITER: "_FOR_ITER_TIER_TWO", _ITER_NEXT_LIST: "_ITER_NEXT_LIST_TIER_TWO",
};
const CPYTHON_BRANCH: Readonly<Record<string, readonly [notLikely: string, likely: string]>> = {
  _POP_JUMP_IF_FALSE: ["_GUARD_IS_TRUE_POP", "_GUARD_IS_FALSE_POP"],
  _POP_JUMP_IF_TRUE: ["_GUARD_IS_FALSE_POP", "_GUARD_IS_TRUE_POP"],
};
function cpythonUops(rows: readonly ExpansionRow[], jumpLikely: boolean): string[] {
  const out: string[] = [];
  for (const r of rows) {
    if (typeof r.size === "string" && r.size.startsWith("OPERAND1")) {
      expect(out[out.length - 1], `an OPERAND1 row follows its own uop (${r.uop})`).toBe(r.uop);
      continue;
    }
    if (r.size === "OPARG_REPLACED") {
      const branch = CPYTHON_BRANCH[r.uop];
      const sub = branch !== undefined ? branch[jumpLikely ? 1 : 0] : CPYTHON_REPLACEMENTS[r.uop];
      expect(sub, `no known replacement for ${r.uop}`).toBeDefined();
      out.push(sub!);
      continue;
    }
    out.push(r.uop);
  }
  return out;
}
/**
 * Deliberate differences, each with its reason. A superinstruction is ONE uop in tierdiff's table
 * (LOAD_FAST_LOAD_FAST reads both halves of its oparg), where CPython's expansion lists the uop
 * twice with OPARG_TOP / OPARG_BOTTOM.
 */
const KNOWN_DIFFERENCES: Readonly<Record<string, string>> = {
  LOAD_FAST_LOAD_FAST: "_LOAD_FAST_LOAD_FAST vs _LOAD_FAST _LOAD_FAST",
  LOAD_FAST_BORROW_LOAD_FAST_BORROW: "_LOAD_FAST_BORROW_LOAD_FAST_BORROW vs _LOAD_FAST_BORROW _LOAD_FAST_BORROW",
  STORE_FAST_LOAD_FAST: "_STORE_FAST_LOAD_FAST vs _STORE_FAST _LOAD_FAST",
  STORE_FAST_STORE_FAST: "_STORE_FAST_STORE_FAST vs _STORE_FAST _STORE_FAST",
};

describe("the projector's table against CPython 3.14's _PyOpcode_macro_expansion", () => {
  test("every traceable instruction expands to CPython's uops (both branch directions)", () => {
    const diffs: Record<string, string> = {};
    let compared = 0;
    for (const [name, f] of Object.entries(MACROS)) {
      if (f.tier2Expansion === null) continue;
      const m = macroNamed(name);
      if (m === undefined) continue; // not in tierdiff's subset
      for (const likely of [false, true]) {
        const ours = tier2UopsOf(m, likely);
        const theirs = cpythonUops(f.tier2Expansion, likely);
        compared++;
        if (ours === null) diffs[name] = `no expansion here vs ${theirs.join(" ")}`;
        else if (ours.join(" ") !== theirs.join(" ")) diffs[name] = `${ours.join(" ")} vs ${theirs.join(" ")}`;
      }
    }
    expect(compared).toBeGreaterThan(250); // ~140 instructions of the subset, two directions each
    expect(diffs).toEqual(KNOWN_DIFFERENCES);
  });

  test("the branch guard follows the likely side", () => {
    expect(tier2UopsOf(macroNamed("POP_JUMP_IF_FALSE")!, true)).toEqual(["_GUARD_IS_FALSE_POP"]);
    expect(tier2UopsOf(macroNamed("POP_JUMP_IF_FALSE")!, false)).toEqual(["_GUARD_IS_TRUE_POP"]);
    expect(tier2UopsOf(macroNamed("POP_JUMP_IF_TRUE")!, true)).toEqual(["_GUARD_IS_TRUE_POP"]);
    // tierdiff keeps CPython's macro (_IS_NONE + the TRUE guard); CPython 3.14's translator special-
    // cases POP_JUMP_IF_NONE itself (BRANCH_TO_GUARD's 4 rows) and emits one _GUARD_IS_NONE_POP.
    // Equivalent behaviour, different spelling (noted in the report, not enforced here).
    expect(tier2UopsOf(macroNamed("POP_JUMP_IF_NONE")!, true)).toEqual(["_IS_NONE", "_GUARD_IS_TRUE_POP"]);
    expect(tier2UopsOf(macroNamed("FOR_ITER_LIST")!, false)).toEqual(["_ITER_CHECK_LIST", "_GUARD_NOT_EXHAUSTED_LIST", "_ITER_NEXT_LIST_TIER_TWO"]);
    // the specializing uop is dropped
    expect(tier2UopsOf(macroNamed("BINARY_OP")!, false)).toEqual(["_BINARY_OP"]);
  });

  test("NO_TIER2_EXPANSION is exactly the set of instructions CPython cannot trace", () => {
    const ours = new Set(allMacros().map((m) => m.name));
    const cpythonNull = Object.entries(MACROS).filter(([, f]) => f.tier2Expansion === null).map(([n]) => n);
    // every name in the set is one CPython cannot trace
    for (const n of NO_TIER2_EXPANSION) expect(cpythonNull, n).toContain(n);
    // and, for the instructions tierdiff defines, the set is all of them
    expect([...NO_TIER2_EXPANSION].filter((n) => ours.has(n)).sort()).toEqual(cpythonNull.filter((n) => ours.has(n)).sort());
    // and tier2UopsOf agrees: null exactly there
    for (const m of allMacros()) {
      const cp = MACROS[m.name];
      if (cp === undefined) continue;
      expect(tier2UopsOf(m, false) === null, m.name).toBe(cp.tier2Expansion === null);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// projection rules on real programs

const backedgeMade = (made: readonly Made[], qualname: string): Made[] => made.filter((m) => m.qualname === qualname && m.chainDepth === 0);
const last = <T>(xs: readonly T[]): T => xs[xs.length - 1]!;
/** the instruction (by name) at code unit `off` of a projection's code */
function opAt(code: PyCode, off: number): string {
  return instrsOf(code.def)[off]!.name;
}
const uopsOf = (m: Made): readonly TraceUop[] => m.projection.uops;
/** runBoth; for each tier-2 run (all passes, then none), the first trace projected at `qualname`'s backedge. */
function firstProjections(p: ProgramDef, qualname: string, opts: BothOptions = {}): { t: T2Run; m: Made }[] {
  const { all, none } = runBoth(p, opts);
  return [all, none].map((t) => ({ t, m: backedgeMade(t.made, qualname)[0]! }));
}

describe("projection rules", () => {
  test("a loop closed back to its head ends with _JUMP_TO_TOP (stop reason 'closed loop')", async () => {
    const p = await compile(SUM_LOOP);
    const { all, none } = runBoth(p);
    for (const t of [all, none]) {
      const m = backedgeMade(t.made, "f");
      expect(m.length).toBe(1);
      expect(m[0]!.projection.stopReason).toBe("closed loop");
      expect(last(names(m[0]!.projection))).toBe("_JUMP_TO_TOP");
      expect(names(m[0]!.projection).slice(0, 2)).toEqual(["_START_EXECUTOR", "_MAKE_WARM"]);
      const e = m[0]!.executor!;
      expect(last(names(e))).toBe("_JUMP_TO_TOP");
      // the trace begins at the loop head (the FOR_ITER the JUMP_BACKWARD jumps to)
      expect(opAt(m[0]!.code, uopsOf(m[0]!)[2]!.target)).toBe("FOR_ITER");
      expect(t.t2.stats.stopReasons.get("closed loop")).toBe(1);
      // it ran: one execution looped 37 times and left at the range's exhaustion
      expect(e.executions).toBe(1);
      expect(t.t2.stats.exits.get("_GUARD_NOT_EXHAUSTED_RANGE")).toBe(1);
    }
  });

  test("branches follow the side the 16-bit history says is likely, with a guard whose exit is the other side", async () => {
    // `if i >= 0` is never taken as a jump (POP_JUMP_IF_FALSE falls through); `if i < 0` always jumps
    const p = await compile(hotLoop(`
if i >= 0:
    a += 1
if i < 0:
    a += 2
else:
    a += 3
`));
    // 20 warm-up backedges: the history (initially 0x5555, 8 of 16) has become one-sided
    for (const { t, m } of firstProjections(p, "f", { params: { backedgeThreshold: 20 } })) {
      expect(m.projection.stopReason).toBe("closed loop");
      const guards = uopsOf(m).filter((u) => u.name.startsWith("_GUARD_IS_"));
      expect(guards.map((u) => u.name)).toEqual(["_GUARD_IS_TRUE_POP", "_GUARD_IS_FALSE_POP"]);
      const ins = instrsOf(m.code.def);
      const [notJumping, jumping] = guards as [TraceUop, TraceUop];
      // not taken: the trace goes on with the next instruction; the exit goes to the jump target
      expect(ins[notJumping.target]!.name).toBe("POP_JUMP_IF_FALSE");
      expect(notJumping.exit!.target).toBe(ins[notJumping.target]!.target);
      const afterNot = uopsOf(m)[uopsOf(m).indexOf(notJumping) + 1]!;
      expect(afterNot.target).toBe(ins[notJumping.target]!.next);
      // taken: the trace goes on at the jump target; the exit goes to the fall-through side
      expect(jumping.exit!.target).toBe(ins[jumping.target]!.next);
      const afterJump = uopsOf(m)[uopsOf(m).indexOf(jumping) + 1]!;
      expect(afterJump.target).toBe(ins[jumping.target]!.target);
      // the guards' exits are never taken (the branches never flip)
      expect(t.t2.stats.exits.get("_GUARD_IS_TRUE_POP") ?? 0).toBe(0);
      expect(t.t2.stats.exits.get("_GUARD_IS_FALSE_POP") ?? 0).toBe(0);
    }
  });

  test("confidence: two 50/50 branches bring it below 333 and the trace stops ('low confidence')", async () => {
    const p = await compile(hotLoop(`
if i % 2 == 0:
    a += 1
if i % 2 == 1:
    a += 2
a += 5
`));
    for (const { t, m } of firstProjections(p, "f", { params: { backedgeThreshold: 20 } })) {
      expect(m.projection.stopReason).toBe("low confidence");
      expect(m.projection.stopDetail).toBe("confidence 250"); // 1000 * (8+2)/20 * (8+2)/20
      expect(m.executor).not.toBeNull();
      // the first branch gets its guard; the trace ends AT the second (confidence 500 -> 250)
      expect(uopsOf(m).filter((u) => u.name.startsWith("_GUARD_IS_")).length).toBe(1);
      expect(opAt(m.code, last(uopsOf(m)).target)).toMatch(/^POP_JUMP_IF_/);
      expect(last(names(m.projection))).toBe("_EXIT_TRACE");
      // the exits taken half the time warm up and get their own traces
      expect(t.t2.stats.exits.get("_GUARD_IS_TRUE_POP")).toBeGreaterThan(0);
      expect(t.t2.stats.stitched).toBeGreaterThan(0);
    }
    // with the cutoff lowered to 200 the same loop closes
    const low = runT2Agreeing(p, { params: { backedgeThreshold: 20, confidenceCutoff: 200 } }, runRef(p), "cutoff 200");
    expect(backedgeMade(low.made, "f")[0]!.projection.stopReason).toBe("closed loop");
  });

  test("confidence: a branch that always goes one way still takes 10% off; the trace stops at the 11th such branch", async () => {
    // translate_bytecode_to_trace: likely ? c * (bits + 2) / 20 : c * (18 - bits) / 20 (integer division)
    const ifs = Array.from({ length: 14 }, (_, k) => `if i < 0:\n    a += ${k}`).join("\n");
    const p = await compile(hotLoop(`${ifs}\na += 1`));
    let c = 1000;
    let kept = 0;
    while (Math.trunc((c * 18) / 20) >= 333) {
      c = Math.trunc((c * 18) / 20);
      kept++;
    }
    expect(kept).toBe(10);
    for (const { m } of firstProjections(p, "f", { params: { backedgeThreshold: 20 } })) {
      expect(m.projection.stopReason).toBe("low confidence");
      expect(m.projection.stopDetail).toBe(`confidence ${Math.trunc((c * 18) / 20)}`);
      // the trace ends AT the 11th branch (its exit goes back to it), which gets no guard
      expect(uopsOf(m).filter((u) => u.name === "_GUARD_IS_FALSE_POP").length).toBe(kept);
      expect(opAt(m.code, last(uopsOf(m)).target)).toMatch(/^POP_JUMP_IF_/);
    }
  });

  test("an inner loop's backedge ends an outer loop's trace ('inner loop')", async () => {
    const p = await compile(hotLoop(`
for j in range(3):
    a += j
a += 1
`));
    const { all, none } = runBoth(p);
    for (const t of [all, none]) {
      const fs = backedgeMade(t.made, "f");
      // the inner loop tiers up first and closes on itself
      expect(fs[0]!.projection.stopReason).toBe("closed loop");
      const outer = fs.filter((m) => m.projection.stopReason === "inner loop");
      expect(outer.length).toBeGreaterThan(0);
      for (const m of outer) {
        expect(last(names(m.projection))).toBe("_EXIT_TRACE");
        // the exit is at the inner loop's JUMP_BACKWARD (now an ENTER_EXECUTOR of the inner trace)
        expect(last(uopsOf(m)).target).toBe(fs[0]!.start);
      }
    }
  });

  test("JUMP_FORWARD is followed: the trace continues at its target", async () => {
    const p = await compile(hotLoop(`
if i >= 0:
    a = 1
else:
    a = 2
a += i
`));
    const { none } = runBoth(p, { params: { backedgeThreshold: 20 } });
    const m = backedgeMade(none.made, "f")[0]!;
    expect(m.projection.stopReason).toBe("closed loop");
    const ins = instrsOf(m.code.def);
    const u = uopsOf(m);
    const at = u.findIndex((x) => ins[x.target]!.name === "JUMP_FORWARD");
    expect(at, names(m.projection).join(" ")).toBeGreaterThan(0);
    const jf = ins[u[at]!.target]!;
    // only the per-instruction _CHECK_VALIDITY/_SET_IP for it, then the instruction at its target
    expect(u.filter((x) => x.target === jf.offset).map((x) => x.name)).toEqual(["_CHECK_VALIDITY", "_SET_IP"]);
    expect(u[at + 2]!.target).toBe(jf.target);
    expect(ins[jf.target!]!.name).toBe("LOAD_FAST_BORROW_LOAD_FAST_BORROW");
  });

  test("calls are followed through the function-version cache: _PUSH_FRAME, the callee's body, _RETURN_VALUE, the caller again", async () => {
    const p = await compile(hotLoop(`
a = add1(a)
a += 2
`, {
      before: `
def add1(x):
    y = x + 1
    return y
`,
    }));
    for (const { m } of firstProjections(p, "f")) {
      expect(m.projection.stopReason).toBe("closed loop");
      const u = uopsOf(m);
      const push = u.findIndex((x) => x.name === "_PUSH_FRAME");
      const ret = u.findIndex((x) => x.name === "_RETURN_VALUE");
      expect(push).toBeGreaterThan(0);
      expect(ret).toBeGreaterThan(push);
      // CPython's operand convention: the callee's function (borrowed), and on return the caller's
      expect(u[push]!.operandNote).toBe("<function add1> (borrowed)");
      expect(u[ret]!.operandNote).toBe("<function f> (borrowed)");
      // the callee's body, one frame deeper, in the callee's code
      const body = u.slice(push + 1, ret);
      expect(body.every((x) => x.depth === 1 && x.code.def.qualname === "add1")).toBe(true);
      expectSubsequence(body.map((x) => x.name), ["_RESUME_CHECK", "_LOAD_FAST_BORROW", "_BINARY_OP_ADD_INT", "_STORE_FAST", "_LOAD_FAST_BORROW"], "callee body");
      // _RETURN_VALUE is the callee's instruction; it is recorded at the depth it returns to
      expect(u[ret]!.code.def.qualname).toBe("add1");
      expect(u[ret]!.depth).toBe(0);
      // back in the caller at the instruction after the CALL (STORE_FAST a), the loop closes
      const after = u.slice(ret + 1);
      expect(after.every((x) => x.depth === 0 && x.code.def.qualname === "f")).toBe(true);
      expect(after.find((x) => x.name !== "_CHECK_VALIDITY" && x.name !== "_SET_IP")!.name).toBe("_STORE_FAST");
      expect(after[0]!.target).toBe(u[push]!.next);
      expect(last(names(m.projection))).toBe("_JUMP_TO_TOP");
      // the callee's code is a dependency
      expect([...m.projection.dependencies].some((d) => d instanceof PyCode && d.def.qualname === "add1")).toBe(true);
    }
  });

  test("the code-only cache variant still follows the call, with the code object tagged |1 as the operand", async () => {
    const p = await compile(hotLoop("a = add1(a)", {
      before: `
def add1(x):
    return x + 1
`,
    }));
    const t = runT2Agreeing(p, { funcCacheVariant: "code-only", passes: NO_PASSES }, runRef(p), "code-only");
    const m = backedgeMade(t.made, "f")[0]!;
    expect(m.projection.stopReason).toBe("closed loop");
    const push = uopsOf(m).find((x) => x.name === "_PUSH_FRAME")!;
    expect(push.operandNote).toBe("<code add1>|1 (borrowed)");
  });

  test("a recursive call stops the trace right after its _PUSH_FRAME ('recursive call')", async () => {
    const p = await compile(hotLoop("a += r(2)", {
      before: `
def r(n):
    if n <= 0:
        return 0
    return r(n - 1) + 1
`,
    }));
    for (const { m } of firstProjections(p, "f")) {
      expect(m.projection.stopReason).toBe("recursive call");
      expect(m.projection.stopDetail).toBe("r");
      const n = names(m.projection);
      // f -> r followed once; r -> r not: _PUSH_FRAME then the exit in the callee's first instruction
      expect(n.filter((x) => x === "_PUSH_FRAME").length).toBe(2);
      expect(n.slice(-2)).toEqual(["_PUSH_FRAME", "_EXIT_TRACE"]);
      const exit = last(uopsOf(m));
      expect(exit.depth).toBe(2);
      expect(exit.exit!.target).toBe(0);
      expect(m.executor).not.toBeNull();
      // the trace runs (and exits into r's frame) every iteration
      expect(m.executor!.executions).toBeGreaterThan(30);
    }
  });

  test("a callee whose version is no longer in the function-version cache stops the trace ('unknown callee')", async () => {
    // helper's module code is freed after the import; once make() is gone, inner's code is held
    // only by the function `g` — freeing g frees its code, and code_dealloc empties the cache slot
    // of its version. run()'s CALL still holds that version (it deopts, then waits out its
    // cooldown) when its backedge fires: the projector finds neither function nor code.
    const p = await compile({
      main: `
import helper
def other(x):
    return x + 2
${APPLY_LOOP}
g = helper.make()
print(run(g, 2))
helper.make = None
g = None
print(run(other, 20))
`,
      helper: HELPER_MAKE,
    });
    for (const { m } of firstProjections(p, "run", { params: { backedgeThreshold: 4 } })) {
      expect(m.projection.stopReason).toBe("unknown callee");
      expect(m.projection.stopDetail).toMatch(/not in the function-version cache/);
      expect(names(m.projection).slice(-2)).toEqual(["_PUSH_FRAME", "_EXIT_TRACE"]);
    }
  });

  test("after f.__code__ is replaced, the projector does not follow the call into the new code", async () => {
    // the CALL keeps f's OLD version; the cache slot of that version lost the function (its
    // version was cleared) but keeps the old code object: the trace follows the OLD code (as a
    // code|1 operand), and _CHECK_FUNCTION_VERSION before it exits every time — never runs it.
    // ("callee code changed", CPython's co_version != func_version bail-out, cannot happen here: the
    // cache returns a code object only when its co_version equals the version looked up.)
    const p = await compile(`
def f(x):
    return x + 1
def g(x):
    return x + 100
def run(n):
    a = 0
    for i in range(n):
        a = f(a)
    return a
print(run(2))
f.__code__ = g.__code__
print(run(30))
`);
    for (const { t, m } of firstProjections(p, "run", { params: { backedgeThreshold: 4 } })) {
      const push = uopsOf(m).find((x) => x.name === "_PUSH_FRAME");
      expect(push?.operandNote).toBe("<code f>|1 (borrowed)");
      expect(uopsOf(m).some((x) => x.code.def.qualname === "g")).toBe(false);
      expect(t.t2.stats.exits.get("_CHECK_FUNCTION_VERSION")).toBeGreaterThan(0);
      expect(t.t2.stats.stopReasons.get("callee code changed") ?? 0).toBe(0);
    }
  });

  test("calls nested deeper than traceStackSize discard the trace ('trace stack overflow'); within it they are followed", async () => {
    const p = await compile(hotLoop("a = g1(a)", {
      before: `
def g4(x):
    return x + 1
def g3(x):
    return g4(x)
def g2(x):
    return g3(x)
def g1(x):
    return g2(x)
`,
    }));
    // f -> g1 -> g2 -> g3 -> g4: four frames pushed. CPython's TRACE_STACK_PUSH bails when
    // trace_stack_depth >= TRACE_STACK_SIZE: a size of 4 takes the four, 3 does not.
    const ref = runRef(p);
    for (const size of [2, 3]) {
      const t = runT2Agreeing(p, { params: { traceStackSize: size }, passes: ALL_PASSES }, ref, `traceStackSize ${size}`);
      expect(t.t2.stats.created).toBe(0);
      expect(t.t2.stats.discards.get("trace stack overflow")).toBeGreaterThan(0);
      for (const m of t.made) {
        expect(m.executor).toBeNull();
        expect(m.projection.uops).toEqual([]);
      }
    }
    for (const size of [4, 5]) {
      const t = runT2Agreeing(p, { params: { traceStackSize: size }, passes: ALL_PASSES }, ref, `traceStackSize ${size}`);
      const m = backedgeMade(t.made, "f")[0]!;
      expect(m.projection.stopReason).toBe("closed loop");
      expect(Math.max(...uopsOf(m).map((u) => u.depth))).toBe(4);
    }
  });

  test("max trace length: 'trace too long', the trace ends with its exit and never exceeds the maximum", async () => {
    const p = await compile(hotLoop(straightLineAdds(6)));
    const ref = runRef(p);
    for (const max of [20, 30, 41]) {
      for (const passes of [ALL_PASSES, NO_PASSES]) {
        const t = runT2Agreeing(p, { params: { maxTraceLength: max }, passes }, ref, `max ${max}`);
        expect(t.t2.stats.stopReasons.get("trace too long")).toBeGreaterThan(0);
        for (const m of t.made) {
          expect(m.projection.uops.length).toBeLessThanOrEqual(max);
          if (m.projection.stopReason === "trace too long") {
            expect(names(m.projection).slice(-3)).toEqual(["_CHECK_VALIDITY", "_SET_IP", "_EXIT_TRACE"]);
          }
        }
        // the long loop is stitched together from side-exit traces
        expect(t.t2.stats.stitched).toBeGreaterThan(0);
      }
    }
  });

  test("max trace length down to the smallest buffer: no overflow, same outcome; smaller ones rejected", async () => {
    const p = await compile(SUM_LOOP);
    const ref = runRef(p);
    for (let max = MIN_MAX_TRACE_LENGTH; max <= 9; max++) {
      const t = runT2Agreeing(p, { params: { maxTraceLength: max, minTraceLength: 0 } }, ref, `max ${max}`);
      expect(t.made.length).toBeGreaterThan(0);
      for (const m of t.made) expect(m.projection.uops.length).toBeLessThanOrEqual(max);
    }
    expect(() => tier2Params({ maxTraceLength: MIN_MAX_TRACE_LENGTH - 1 })).toThrow(/maxTraceLength must be an integer from 5 to/);
    expect(() => tier2Params({ backedgeThreshold: 0 })).toThrow(/backedgeThreshold/);
  });

  test("traces under minTraceLength uops are dropped", async () => {
    const p = await compile(SUM_LOOP);
    const t = runT2Agreeing(p, { params: { minTraceLength: 1000 } }, runRef(p), "min 1000");
    expect(t.made.length).toBeGreaterThan(0);
    expect(t.made.every((m) => m.executor === null)).toBe(true);
    expect(t.t2.stats.created).toBe(0);
    expect(t.t2.stats.discards.get("too short")).toBe(t.made.length);
    // at the default 5 the same loop gets its executor
    const d = runT2(p);
    expect(d.t2.stats.created).toBe(1);
  });

  test("an unsupported instruction ends the trace; a trace that would start with one is empty and dropped", async () => {
    // RAISE_VARARGS has no tier-2 expansion
    const p = await compile(hotLoop(`
a += 1
try:
    raise ValueError
except ValueError:
    a += 2
`));
    for (const { t, m } of firstProjections(p, "f")) {
      expect(m.projection.stopReason).toBe("unsupported instruction");
      expect(m.projection.stopDetail).toBe("RAISE_VARARGS");
      expect(opAt(m.code, last(uopsOf(m)).target)).toBe("RAISE_VARARGS");
      expect(last(names(m.projection))).toBe("_EXIT_TRACE");
      expect(m.executor!.executions).toBeGreaterThan(30);
      // the exit to the RAISE_VARARGS warms up; a trace projected there has no instruction: dropped
      const fromExit = t.made.filter((x) => x.chainDepth > 0);
      expect(fromExit.length).toBeGreaterThan(0);
      for (const s of fromExit) {
        expect(opAt(s.code, s.start)).toBe("RAISE_VARARGS");
        expect(s.projection.uops).toEqual([]);
        expect(s.executor).toBeNull();
      }
      expect(t.t2.stats.discards.get("too short")).toBe(fromExit.length);
    }
  });

  test("CALL_ALLOC_AND_ENTER_INIT is followed into __init__ (class by type version, then the function-version cache); the caller gets the instance", async () => {
    const p = await compile(hotLoop(`
a += 1
c = C(i)
a += c.x
`, {
      before: `
class C:
    def __init__(self, x):
        self.x = x
`,
    }));
    const both = firstProjections(p, "f");
    for (const { m } of both) {
      expect(m.projection.stopReason).toBe("closed loop");
      const us = uopsOf(m);
      expectSubsequence(names(m.projection), ["_CHECK_AND_ALLOCATE_OBJECT", "_CREATE_INIT_FRAME", "_PUSH_FRAME", "_STORE_ATTR_INSTANCE_VALUE", "_RETURN_VALUE", "_STORE_FAST", "_JUMP_TO_TOP"]);
      const push = us.find((u) => u.name === "_PUSH_FRAME")!;
      expect(push.operandNote).toBe("<function C.__init__> (borrowed)");
      expect(us.filter((u) => u.depth === 1).every((u) => u.code.def.qualname === "C.__init__")).toBe(true);
      expect(us.find((u) => u.name === "_RETURN_VALUE")!.operandNote).toBe("<function f> (borrowed)");
      expect(m.projection.dependencies.has(us.find((u) => u.depth === 1)!.code)).toBe(true);
    }
    // the optimized trace still guards the instance's type at c.x. (That the abstract interpreter
    // gives the caller an unknown symbol rather than __init__'s None is not observable yet: no
    // fold consumes a None symbol on this path — POP_JUMP_IF_NONE is _IS_NONE + a bool guard.)
    const all = both[0]!.t;
    expect(names(all.made.find((m) => m.chainDepth === 0)!.executor!)).toContain("_GUARD_TYPE_VERSION");
  });

  test("an inlined __init__ is guarded by its function version: replacing C.__init__.__code__ deopts into the new code", async () => {
    // the call's own guard is the class's type version, which a __code__ assignment does not change
    const p = await compile(`
class C:
    def __init__(self, x):
        self.x = x
def other(self, x):
    self.x = x * 100
def f(n):
    s = 0
    for i in range(n):
        c = C(i)
        s += c.x
    return s
print(f(50))
C.__init__.__code__ = other.__code__
print(f(50))
`);
    const { all, none } = runBoth(p);
    expect(all.outcome.stdout).toBe("1225\n122500\n");
    for (const t of [all, none]) {
      const n = names(backedgeMade(t.made, "f")[0]!.projection);
      expect(n[n.indexOf("_PUSH_FRAME") + 1]).toBe("_CHECK_FUNCTION");
      expect(t.t2.stats.exits.get("deopt")).toBeGreaterThan(0);
    }
  });

  test("an __init__ returning non-None inside a trace raises the shim's TypeError at the CALL, as tier 1 does", async () => {
    const p = await compile(`
BOX = [None]
CHOICES = (None, 7)
class C:
    def __init__(self, x):
        self.x = x
        return BOX[0]
def f(n):
    a = 0
    for i in range(n):
        BOX[0] = CHOICES[i // 31]
        c = C(i)
        a += c.x
    return a
def main():
    try:
        f(40)
    except TypeError as e:
        probe("caught")
        print("caught", e)
main()
`);
    const left: string[] = [];
    const { all, none } = runBoth(p, {
      onProbe: (_l, { t2 }) => {
        for (const e of t2.live) if (e.lastLeft !== null && e.lastLeft.index < 0) left.push(e.lastLeft.how);
      },
    });
    expect(all.outcome.stdout).toBe("caught __init__() should return None, not 'int'\n");
    for (const t of [all, none]) expect(backedgeMade(t.made, "f")[0]!.projection.stopReason).toBe("closed loop");
    // raised inside the executor (in both configurations), unwound from the caller's CALL
    expect(left.length).toBe(2);
    for (const how of left) expect(how).toMatch(/^an exception unwound out of it at f\+\d+$/);
  });
});
