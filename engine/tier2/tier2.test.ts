// Tier 2 end to end (engine/tier2/tier2.ts, optimize.ts, executor.ts), on programs compiled by real
// CPython 3.14 (pyodide), each run on the reference interpreter and on tier 2 with all optimizer
// passes and with none — outcome, step count and leak check must agree (engine/tier2/testing.ts):
//  - the seed's typing.cast superblock (003_9a39640f9931ab7f.txt) after optimization;
//  - exits: DEOPT, EXIT through a branch guard, FOR_ITER exhaustion, errors raised inside a trace
//    (tracebacks, i.e. frames and instruction pointers, equal), stitching and its chain-depth limit;
//  - invalidation triggers: globals and builtins dicts rebound, class attribute changed, code
//    deallocated, invalidateAll(); an invalidated executor is detached and unlinked; executors
//    are heap objects (the leak check sees them);
//  - events in the middle of a trace: a __del__ that rebinds a global or assigns __code__ while a
//    superblock runs, a function (and its inlined code) freed mid-trace, a class attribute changed
//    from inside a callee — checked with probe(), which runs checkExecutors() mid-run;
//  - the executor invariant checker: each check passes normally and fails on a constructed violation.
import { beforeAll, describe, expect, test } from "vitest";
import "../tier1/engine.ts";
import { getPyodide } from "../../oracles/cpython/pyodide.ts";
import { checkExecutors } from "../../oracles/invariants/executors.ts";
import type { ProgramDef } from "../bytecode/code.ts";
import { OPMAP } from "../bytecode/opcodes.ts";
import { PyCode, PyDict, PyFunction, PyModule, PyType, type PyValue } from "../runtime/objects.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { instrsOf } from "../vm/code-info.ts";
import type { ExecutorObject } from "./executor.ts";
import { ALL_PASSES, NO_PASSES, type Tier2Faults } from "./params.ts";
import type { Tier2 } from "./tier2.ts";
import {
  APPLY_LOOP, compile, executorsOf, expectAgrees, expectSubsequence, formatExecutor, HELPER_MAKE, hotLoop, indent, names, runBoth, runRef, runT2,
  runT2Agreeing, straightLineAdds, type T2Run,
} from "./testing.ts";

beforeAll(async () => {
  await getPyodide();
}, 60_000);

const JUMP_BACKWARD_JIT = OPMAP["JUMP_BACKWARD_JIT"]!;
const ENTER_EXECUTOR = OPMAP["ENTER_EXECUTOR"]!;

function mainGlobal(rt: Runtime, name: string): PyValue | undefined {
  const m = rt.modules.get("__main__") as PyModule | undefined;
  return m?.dict.store.getStr(name);
}
function mainFunction(rt: Runtime, name: string): PyFunction {
  const f = mainGlobal(rt, name);
  if (!(f instanceof PyFunction)) throw new Error(`no function ${name}`);
  return f;
}
/** Installed executors of `code` (code object of a live function). */
function installedIn(t2: Tier2, code: PyCode): ExecutorObject[] {
  return [...t2.installed()].filter((x) => x.code === code).map((x) => x.executor);
}
/** The executor installed first in the code of __main__'s function `f`. */
const installedInF = (t2: Tier2, rt: Runtime): ExecutorObject => installedIn(t2, mainFunction(rt, "f").code)[0]!;
/** An invalidated executor is detached: its instruction is the JUMP_BACKWARD_JIT again, with a fresh backedge counter. */
function expectDetached(t2: Tier2, e: ExecutorObject): void {
  expect(e.valid).toBe(false);
  expect(e.installedAt).toBeNull();
  expect(e.code.units[e.start]! & 0xff).toBe(JUMP_BACKWARD_JIT);
  expect(e.code.units[e.start + 1]).toBe(t2.backedgeCounter());
  expect([...t2.installed()].some((x) => x.executor === e)).toBe(false);
  expect(e.linkedFrom.size).toBe(0);
  for (const other of t2.live) for (const x of other.exits) expect(x.executor).not.toBe(e);
}

// ---------------------------------------------------------------------------------------------

describe("the seed's typing.cast example (003_9a39640f9931ab7f.txt)", () => {
  test("after optimization: guards, _PUSH_FRAME of cast, the callee's body, _RETURN_VALUE, back in the caller, exit", async () => {
    const p = await compile(`
def cast(typ, val):
    return val

def main():
    x = 0
    n = 0
    for i in range(40):
        x = cast(int, x)
        if unpredictable:
            n += 1
    return n

unpredictable = True
print(main())
`);
    const { all, none } = runBoth(p);
    const e = executorsOf(all.made, "main")[0]!;
    console.log(`${formatExecutor(e, "typing.cast superblock, all passes")}\n`);
    expect(e.stopReason).toBe("closed loop");
    const n = names(e);
    // the shape, in order
    expectSubsequence(n, [
      "_START_EXECUTOR", "_MAKE_WARM",
      "_ITER_CHECK_RANGE", "_GUARD_NOT_EXHAUSTED_RANGE", "_ITER_NEXT_RANGE", "_STORE_FAST", // for i in range(40)
      "_CHECK_FUNCTION", "_LOAD_CONST_INLINE", "_PUSH_NULL_CONDITIONAL", // cast (a promoted global)
      "_LOAD_CONST_INLINE_BORROW", "_PUSH_NULL_CONDITIONAL", // int (a promoted builtin)
      "_LOAD_FAST_BORROW", // x
      "_CHECK_FUNCTION_VERSION", "_CHECK_FUNCTION_EXACT_ARGS", "_INIT_CALL_PY_EXACT_ARGS", "_SAVE_RETURN_OFFSET", "_PUSH_FRAME",
      "_RESUME_CHECK", "_LOAD_FAST_BORROW", "_RETURN_VALUE", // cast's body
      "_STORE_FAST", // x = ...
      "_LOAD_CONST_INLINE_BORROW", "_GUARD_IS_TRUE_POP", // if unpredictable (promoted True; the guard exits to the other side)
      "_BINARY_OP_ADD_INT", "_STORE_FAST", "_CHECK_PERIODIC", "_JUMP_TO_TOP",
    ], "typing.cast superblock");
    // globals promoted: no global load left; one _CHECK_FUNCTION replaces the per-load version guards
    expect(n.filter((x) => x.startsWith("_LOAD_GLOBAL") || x === "_GUARD_GLOBALS_VERSION")).toEqual([]);
    expect(n.filter((x) => x === "_CHECK_FUNCTION").length).toBe(1);
    // the stack-space checks are merged into one at the start
    expect(n.filter((x) => x === "_CHECK_STACK_SPACE")).toEqual([]);
    expect(n.filter((x) => x === "_CHECK_STACK_SPACE_OPERAND").length).toBe(1);
    // operands: the callee's function, the caller's function on return, the promoted values
    const push = e.uops.find((u) => u.name === "_PUSH_FRAME")!;
    expect(push.operandNote).toBe("<function cast> (borrowed)");
    const ret = e.uops.find((u) => u.name === "_RETURN_VALUE")!;
    expect(ret.operandNote).toBe("<function main> (borrowed)");
    expect(e.uops.filter((u) => u.promoted !== undefined).map((u) => String(u.promoted!.key))).toEqual(["cast", "int", "unpredictable"]);
    // the callee's body runs in cast's code, one frame deeper
    const body = e.uops.slice(e.uops.indexOf(push) + 1, e.uops.indexOf(ret));
    expect(body.length).toBeGreaterThan(0);
    expect(body.every((u) => u.depth === 1 && u.code.def.qualname === "cast")).toBe(true);
    // dependencies: the callee's code, the globals and builtins dicts
    expect([...e.dependencies].map((d) => (d instanceof PyCode ? `code ${d.def.qualname}` : d instanceof PyDict ? "dict" : "?")).sort()).toEqual(["code cast", "dict", "dict"]);
    // the optimizer shortened it: the unoptimized executor is the same trace, longer
    const plain = executorsOf(none.made, "main")[0]!;
    expect(plain.uops.length).toBeGreaterThan(e.uops.length);
    expectSubsequence(names(plain), ["_LOAD_GLOBAL_MODULE", "_GUARD_GLOBALS_VERSION", "_LOAD_GLOBAL_BUILTINS", "_PUSH_FRAME", "_RESUME_CHECK", "_RETURN_VALUE", "_LOAD_GLOBAL_MODULE", "_GUARD_IS_TRUE_POP", "_JUMP_TO_TOP"], "unoptimized");
    // it ran the whole loop in one execution and left when range was exhausted
    expect(e.executions).toBe(1);
    expect(all.t2.stats.exits.get("_GUARD_NOT_EXHAUSTED_RANGE")).toBe(1);
  });
});

/** A loop with a branch taken every fourth iteration: its exit warms up and gets a stitched trace. */
const EVERY_FOURTH_LOOP = hotLoop(`
if i % 4 == 0:
    a += 10
a += 1
`, { n: 60 });

// ---------------------------------------------------------------------------------------------

describe("exits", () => {
  test("DEOPT: a failing DEOPT uop returns to tier 1 at its instruction (list index turning negative)", async () => {
    const p = await compile(`
def f(xs):
    t = 0
    for i in range(40):
        t += xs[29 - i]
    return t
print(f(list(range(40))))
`);
    const { all, none } = runBoth(p);
    for (const t of [all, none]) {
      // i = 30..39: each time the executor is re-entered at the backedge and deopts again
      expect(t.t2.stats.exits.get("deopt")).toBe(10);
      const e = executorsOf(t.made, "f")[0]!;
      expect(names(e)).toContain("_BINARY_OP_SUBSCR_LIST_INT");
    }
  });

  test("EXIT through a branch guard whose branch flips after warm-up: the exit goes to the other side", async () => {
    // (no else: both sides meet before the one JUMP_BACKWARD, so the executor keeps being entered)
    const p = await compile(hotLoop(`
if i < 25:
    a += 1
a += 100
`));
    const { all, none } = runBoth(p, { params: { backedgeThreshold: 20 } });
    for (const t of [all, none]) {
      const e = executorsOf(t.made, "f")[0]!;
      expect(e.stopReason).toBe("closed loop");
      const guard = e.uops.find((u) => u.name === "_GUARD_IS_TRUE_POP")!;
      const target = instrsOf(guard.code.def)[guard.target]!.target!;
      expect(guard.exit!.target).toBe(target);
      // taken for i = 25..39; warm at the third time (threshold 3): a trace is stitched to it
      // there and the exit leads into it from then on (i = 27..39)
      expect(guard.exit!.taken).toBe(15);
      expect(t.t2.stats.exits.get("_GUARD_IS_TRUE_POP")).toBe(15);
      const side = t.made.filter((m) => m.chainDepth === 1);
      expect(side.length).toBe(1);
      expect(side[0]!.start).toBe(target);
      expect(side[0]!.executor!.executions).toBe(13);
      expect(t.t2.stats.stitched).toBe(1);
    }
  });

  test("FOR_ITER exhaustion leaves the trace past END_FOR; lists and tuples release their items in tier 1's order", async () => {
    // the iterators hold the only reference to their list / tuple: exhaustion frees it (and its Ds)
    const p = await compile(`
class D:
    def __init__(self, name):
        self.name = name
    def __del__(self):
        print("del", self.name)
def items(k):
    return [D("a" + str(k)), D("b" + str(k)), 1, 2, 3, 4, 5, 6]
def f(n):
    t = 0
    for i in range(n):
        t += i
    return t
def g(k):
    t = 0
    for d in items(k):
        t += 1
    print("list done")
    for x in tuple(items(k + 100)):
        t += 1
    print("tuple done")
    return t
print(f(30))
for k in range(6):
    print(g(k))
`);
    const { all, none } = runBoth(p);
    for (const t of [all, none]) {
      expect(t.t2.stats.exits.get("_GUARD_NOT_EXHAUSTED_RANGE")).toBeGreaterThan(0);
      expect(t.t2.stats.exits.get("_GUARD_NOT_EXHAUSTED_LIST")).toBeGreaterThan(0);
      expect(t.t2.stats.exits.get("_GUARD_NOT_EXHAUSTED_TUPLE")).toBeGreaterThan(0);
      const e = executorsOf(t.made, "f")[0]!;
      const guard = e.uops.find((u) => u.name === "_GUARD_NOT_EXHAUSTED_RANGE")!;
      const ins = instrsOf(guard.code.def);
      // the exit resumes at the POP_ITER after the loop's END_FOR
      expect(ins[guard.exit!.target]!.name).toBe("POP_ITER");
      expect(ins[guard.exit!.target - 1]!.name).toBe("END_FOR");
    }
    // (list and tuple deallocation release their items last to first)
    expect(all.outcome.stdout).toContain("del b5\ndel a5\nlist done\ndel b105\ndel a105\ntuple done");
  });

  test("an error raised inside a trace (in an inlined callee) has tier 1's frames, instruction pointers and traceback", async () => {
    const p = await compile(`
def div(a, b):
    q = a // b
    return q
def f(n):
    t = 0
    for i in range(n):
        t += div(100, 30 - i)
    return t
def g():
    try:
        return f(40)
    except ZeroDivisionError as e:
        print("caught", e)
        return -1
print(g())
print(f(40))
`);
    const { ref, all, none } = runBoth(p);
    expect(ref.outcome.exception?.type).toBe("ZeroDivisionError");
    expect(ref.outcome.exception!.traceback.map((x) => x.func)).toEqual(["<module>", "f", "div"]);
    for (const t of [all, none]) {
      const e = executorsOf(t.made, "f")[0]!;
      expect(names(e)).toContain("_PUSH_FRAME");
      expect(e.executions).toBeGreaterThan(0);
    }
  });

  test("stitching: warm side exits get linked executors; the chain depth limit is respected", async () => {
    // a long loop body and a short max trace length: the loop is covered by a chain of traces
    const p = await compile(hotLoop(straightLineAdds(8), { n: 60 }));
    const ref = runRef(p);
    for (const passes of [ALL_PASSES, NO_PASSES]) {
      const free = runT2Agreeing(p, { passes, params: { maxTraceLength: 24, maxChainDepth: 10 } }, ref, "chain depth 10");
      expect(free.t2.stats.stitched).toBeGreaterThan(1);
      const deepest = Math.max(...free.made.filter((m) => m.executor !== null).map((m) => m.chainDepth));
      expect(deepest).toBeGreaterThan(2);
      for (const limit of [1, 2]) {
        const t = runT2Agreeing(p, { passes, params: { maxTraceLength: 24, maxChainDepth: limit } }, ref, `chain depth ${limit}`);
        expect(t.t2.stats.stitched).toBeGreaterThan(0);
        expect(Math.max(...t.made.filter((m) => m.executor !== null).map((m) => m.chainDepth))).toBe(limit);
        expect(t.t2.stats.discards.get("chain too deep")).toBeGreaterThan(0);
      }
    }
  });

  test("an exit back to the loop's JUMP_BACKWARD links the executor installed there (the loop stays in tier 2)", async () => {
    // the branch makes the loop trace end early; the side-exit trace reaches the backedge, which is
    // not its own start ('inner loop'), and exits to it: the ENTER_EXECUTOR of the loop's executor
    const p = await compile(`
def f(n):
    t = 0
    for i in range(n):
        if i % 2 == 0:
            t += i
        else:
            t -= 1
        if i % 3 == 0:
            t += 2
    return t
print(f(200))
probe("end")
`);
    const seen: string[] = [];
    const { all, none } = runBoth(p, {
      onProbe: (_label, { t2 }) => {
        // (the loop has two backedges, each with its executor installed)
        const toInstalled = [...t2.live].flatMap((e) => e.exits.filter((x) => x.executor !== null && x.executor.chainDepth === 0).map((x) => ({ owner: e, x })));
        expect(toInstalled.length, t2.stats.format()).toBeGreaterThan(0);
        for (const { x } of toInstalled) expect(x.target).toBe(x.executor!.start);
        expect(toInstalled.some(({ x }) => x.taken > 10)).toBe(true);
        seen.push(formatExecutor(toInstalled[0]!.owner, "side-exit executor"));
      },
    });
    for (const t of [all, none]) expect(t.t2.stats.linkedInstalled).toBeGreaterThan(0);
    expect(seen.length).toBe(2);
    for (const listing of seen) expect(listing).toContain("linked to the executor installed there");
  });

  test("a stitched executor is linked to its exit stub, held by it alone, and released with it", async () => {
    const p = await compile(EVERY_FOURTH_LOOP + 'probe("linked")\n');
    const seen: string[] = [];
    const { all, none } = runBoth(p, {
      params: { backedgeThreshold: 20 },
      onProbe: (_l, { t2, rt }) => {
        const main = installedInF(t2, rt);
        const stubs = main.exits.filter((x) => x.executor !== null);
        expect(stubs.length).toBeGreaterThan(0);
        for (const x of stubs) {
          expect(x.executor!.valid).toBe(true);
          expect(x.executor!.linkedFrom.has(x)).toBe(true);
          expect(x.executor!.chainDepth).toBe(main.chainDepth + 1);
          expect(x.executor!.installedAt).toBeNull(); // not in co_executors: held by the stub only
        }
        seen.push("ok");
      },
    });
    expect(seen).toEqual(["ok", "ok"]);
    for (const t of [all, none]) {
      expect(t.made.some((m) => m.chainDepth > 0 && m.executor !== null)).toBe(true);
      expect(t.made.every((m) => m.executor === null || m.executor.freed)).toBe(true); // and no leak (expectAgrees)
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe("executors compiled to one function (compile.ts)", () => {
  const LONG_LOOP = hotLoop("a = a + i * 2", { n: 300 });
  test("compileAfter 0 compiles an executor at its first entry; a huge compileAfter never compiles; same results", async () => {
    const p = await compile(LONG_LOOP);
    const ref = runRef(p);
    const at0 = runT2Agreeing(p, { params: { compileAfter: 0 } }, ref, "compileAfter 0");
    const ran = at0.made.filter((m) => m.executor !== null && m.executor.executions > 0);
    expect(ran.length).toBeGreaterThan(0);
    expect(ran.every((m) => m.executor!.compiled !== null)).toBe(true);
    const never = runT2Agreeing(p, { params: { compileAfter: 1e9 } }, ref, "compileAfter 1e9");
    expect(never.made.some((m) => m.executor !== null && m.executor.executions > 0)).toBe(true);
    expect(never.made.every((m) => m.executor === null || m.executor.compiled === null)).toBe(true);
  });

  test("an interpreted loop that gets hot is compiled at _JUMP_TO_TOP and goes on compiled, in the same execution", async () => {
    const p = await compile(LONG_LOOP);
    const t = runT2Agreeing(p, { params: { compileAfter: 16 } }, runRef(p), "compileAfter 16");
    const root = t.made.find((m) => m.executor !== null && m.chainDepth === 0)!.executor!;
    expect(root.executions).toBe(1); // entered once, looped inside
    expect(root.compiled).not.toBeNull();
    expect(root.warmth).toBe(17);
  });

  test("the step budget runs out inside compiled code at the same step as the reference", async () => {
    const p = await compile(LONG_LOOP);
    for (const budget of [200, 1001, 2001]) {
      const ref = runRef(p, undefined, budget);
      expect(ref.outcome.status, `ref steps ${ref.steps} stdout ${ref.outcome.stdout}`).toBe("budget");
      for (const compileAfter of [0, 16]) {
        const t = runT2(p, { stepBudget: budget, params: { compileAfter } });
        expect(t.outcome.status, `budget ${budget}, compileAfter ${compileAfter}`).toBe("budget");
        expect(t.steps, `budget ${budget}, compileAfter ${compileAfter}`).toBe(ref.steps);
        expect(t.budgetFrames, `budget ${budget}, compileAfter ${compileAfter}`).toEqual(ref.budgetFrames);
        expect(t.made.some((m) => m.executor?.compiled != null)).toBe(true);
      }
    }
  });

  test("at EVERY step budget, tier 1 and tier 2 stop where the reference does (steps, frames), also inside instructions the optimizer emptied", async () => {
    // NOT_TAKEN and proven guards leave instructions with no uops: their steps move to the next
    // uop kept (stepTargets), and a budget running out among them must stop at the right one;
    // BINARY_OP_INPLACE_ADD_UNICODE must not skip its STORE_FAST (CPython's SKIP_OVER), or tier 1
    // and 2 would count one instruction fewer per concatenation
    const branchy = await compile(hotLoop(`
a += 1
if i % 3 == 0:
    a += 2
`, { n: 60 }));
    const strcat = await compile(`
def f(n):
    s = ""
    for i in range(n):
        s = s + "x"
    return len(s)
print(f(30))
`);
    let merged = 0;
    for (const p of [branchy, strcat]) {
      const full = runRef(p);
      for (let budget = 1; budget <= full.steps; budget++) {
        const ref = runRef(p, undefined, budget);
        const configs = [["all", ALL_PASSES, {}], ["no", NO_PASSES, {}], ["tier 1 only", NO_PASSES, { backedgeThreshold: 4096 }]] as const;
        for (const [name, passes, params] of configs) {
          const t = runT2(p, { stepBudget: budget, passes, params: { compileAfter: budget % 2 === 0 ? 0 : 16, ...params } });
          const what = `budget ${budget}, ${name} passes`;
          expect(t.outcome.status, what).toBe(ref.outcome.status);
          expect(t.steps, what).toBe(ref.steps);
          expect(t.budgetFrames, what).toEqual(ref.budgetFrames);
          if (budget === full.steps) merged += t.made.flatMap((m) => m.executor?.uops ?? []).filter((u) => u.stepTargets !== undefined && u.steps > 1).length;
        }
      }
    }
    expect(merged).toBeGreaterThan(0);
  });
});

describe("optimizer passes", () => {
  test("promoted list and tuple globals are typed by the abstract interpreter: their guards go and the trace is kept", async () => {
    const p = await compile(`
TABLE = [5, 3, 8, 1]
PAIR = (1, 2)
def f(n):
    t = 0
    for i in range(n):
        t += TABLE[i % 4] + PAIR[i % 2]
    return t
print(f(40))
`);
    const { all, none } = runBoth(p);
    let sum = 0;
    for (let i = 0; i < 40; i++) sum += [5, 3, 8, 1][i % 4]! + [1, 2][i % 2]!;
    expect(all.outcome.stdout).toBe(`${sum}\n`);
    // a promoted constant of a container type used to be an "other" symbol: the list guard was a
    // contradiction and every trace was dropped
    expect(all.t2.stats.discards.get("optimizer contradiction") ?? 0).toBe(0);
    const kept = all.made.filter((m) => m.executor !== null && m.chainDepth === 0);
    expect(kept.length).toBeGreaterThan(0);
    const raw = names(kept[0]!.projection);
    const opt = names(kept[0]!.executor!);
    expect(raw).toContain("_GUARD_NOS_LIST");
    expect(opt).not.toContain("_GUARD_NOS_LIST");
    expect(opt).not.toContain("_GUARD_NOS_TUPLE");
    expect(names(none.made.find((m) => m.executor !== null && m.chainDepth === 0)!.executor!)).toContain("_GUARD_NOS_LIST");
  });
});

describe("invalidation", () => {
  test("a promoted global rebound: the watched globals dict invalidates the executor, which is detached", async () => {
    const p = await compile(`
K = 1
def f(n):
    t = 0
    for i in range(n):
        t += K
    return t
print(f(30))
probe("before")
K = 5
probe("after")
print(f(30))
`);
    let exec: ExecutorObject | null = null;
    const { all, none } = runBoth(p, {
      onProbe: (label, { t2, rt }) => {
        const code = mainFunction(rt, "f").code;
        if (label === "before") {
          exec = installedIn(t2, code)[0]!;
          expect(exec.valid).toBe(true);
          rt.incref(exec); // keep it readable (and checked by the leak check: released below)
        } else if (t2.params.passes.globals) {
          expect(t2.stats.invalidations.get("watched dict modified")).toBe(1);
          expectDetached(t2, exec!);
          rt.decref(exec!);
        } else {
          // without the globals pass nothing is watched: the executor stays, its guards read K anew
          expect(t2.stats.invalidations.size).toBe(0);
          expect(installedIn(t2, code)).toEqual([exec]);
          rt.decref(exec!);
        }
      },
    });
    expect(all.probes.map((x) => x.installed)).toEqual([1, 0]);
    expect(none.probes.map((x) => x.installed)).toEqual([1, 1]);
    // f re-tiered after the invalidation, with the new value promoted
    const fs = executorsOf(all.made, "f");
    expect(fs.length).toBe(2);
    expect(fs[1]!.uops.some((u) => u.promoted !== undefined && u.operandNote === "5 (borrowed)")).toBe(true);
  });

  test("builtins rebound (the builtins dict itself) and shadowed by a global: both invalidate", async () => {
    const p = await compile(`
def fake(x):
    return 7
def f(n):
    t = 0
    for i in range(n):
        t += abs(i - 100)
    return t
print(f(30))
probe("rebind builtin")
print(f(30))
probe("restore builtin")
print(f(30))
abs = fake
probe("shadowed")
print(f(30))
del abs
print(f(30))
`);
    // probe() rebinds builtins.abs from outside Python, identically in the reference
    let saved: PyValue | null = null;
    const edit = (label: string, rt: Runtime): void => {
      if (label === "rebind builtin") {
        saved = rt.builtins.store.getStr("abs")!;
        rt.dictSet(rt.builtins, "abs", mainGlobal(rt, "fake")!);
      } else if (label === "restore builtin") {
        rt.dictSet(rt.builtins, "abs", saved!);
      }
    };
    const { ref, all, none } = runBoth(p, {
      onRefProbe: edit,
      onProbe: (label, { t2, rt }) => {
        const deps = [...t2.live].filter((e) => e.valid && e.dependencies.has(rt.builtins));
        edit(label, rt);
        if (!t2.params.passes.globals) return;
        // abs promoted from the builtins dict: the executor depends on it (and on the globals dict,
        // whose keys must keep not shadowing it); each change invalidates it
        expect(t2.stats.invalidations.get("watched dict modified")).toBe({ "rebind builtin": 1, "restore builtin": 2, shadowed: 3 }[label]);
        expect(installedIn(t2, mainFunction(rt, "f").code)).toEqual([]);
        if (label === "shadowed") return; // (the global was assigned before this probe ran)
        expect(deps.length).toBe(1);
        expectDetached(t2, deps[0]!);
      },
    });
    expect(ref.outcome.stdout.split("\n").slice(0, 5)).toEqual(["2565", "210", "2565", "210", "2565"]);
    // (after the shadowing, f's LOAD_GLOBAL_BUILTIN guards a stale globals version until tier 1
    // respecializes: nothing is promoted, so `del abs` has nothing to invalidate)
    expect(all.t2.stats.invalidations.get("watched dict modified")).toBe(3);
    expect(none.t2.stats.invalidations.get("watched dict modified") ?? 0).toBe(0);
  });

  test("a class attribute changed: the type watcher invalidates executors that guard the type's version", async () => {
    const p = await compile(`
class C:
    k = 1
def f(c, n):
    t = 0
    for i in range(n):
        t += c.k
    return t
c = C()
print(f(c, 30))
probe("before")
C.k = 7
probe("after")
print(f(c, 30))
`);
    const { all, none } = runBoth(p, {
      onProbe: (label, { t2, rt }) => {
        const code = mainFunction(rt, "f").code;
        if (label === "before") {
          const e = installedIn(t2, code)[0]!;
          expect(names(e)).toContain("_GUARD_TYPE_VERSION");
          expect([...e.dependencies].some((d) => d instanceof PyType && d.qualname === "C")).toBe(t2.params.passes.types);
        } else {
          expect(t2.stats.invalidations.get("type modified") ?? 0).toBe(t2.params.passes.types ? 1 : 0);
          expect(installedIn(t2, code).length).toBe(t2.params.passes.types ? 0 : 1);
        }
      },
    });
    expect(all.outcome.stdout).toBe("30\n210\n");
    // without the types pass the executor stays and its guard exits
    expect(none.t2.stats.exits.get("_GUARD_TYPE_VERSION")).toBeGreaterThan(0);
  });

  test("code deallocation: freeing a function whose code is inlined in a trace invalidates it ('code deallocated')", async () => {
    // helper's module code dies after the import; with make() gone, inner's code lives only as
    // long as the function g does
    const p = await compile({
      main: `
import helper
${APPLY_LOOP}
g = helper.make()
helper.make = None
print(run(g, 30))
probe("before")
g = None
probe("after")
print(run(abs, 30))
`,
      helper: HELPER_MAKE,
    });
    const { all, none } = runBoth(p, {
      onProbe: (label, { t2, rt }) => {
        const code = mainFunction(rt, "run").code;
        if (label === "before") {
          const e = installedIn(t2, code)[0]!;
          expect([...e.dependencies].some((d) => d instanceof PyCode && d.def.qualname === "make.<locals>.inner")).toBe(true);
          expect(t2.stats.invalidations.size).toBe(0);
        } else {
          expect(t2.stats.invalidations.get("code deallocated")).toBe(1);
          expect(installedIn(t2, code)).toEqual([]);
          expect(code.units.some((_, i) => (code.units[i]! & 0xff) === ENTER_EXECUTOR && instrsOf(code.def)[i] !== undefined)).toBe(false);
        }
      },
    });
    for (const t of [all, none]) expect(t.probes.map((x) => x.violations)).toEqual([[], []]);
  });

  test("invalidateAll (sys._clear_internal_caches): every executor invalid and detached; the loop re-tiers", async () => {
    const p = await compile(`
def f(n):
    t = 0
    for i in range(n):
        t += i
        probe(str(i))
    return t
print(f(40))
print(f(40))
`);
    // probe() runs inside the superblock (CALL_BUILTIN_FAST); at i = 20 it clears everything
    const { all, none } = runBoth(p, {
      onProbe: (label, { t2, made }) => {
        if (label !== "20") return;
        const live = [...t2.live].filter((e) => e.valid);
        t2.invalidateAll();
        for (const e of live) expectDetached(t2, e);
        expect([...t2.installed()]).toEqual([]);
        expect(made.length).toBeGreaterThan(0);
      },
    });
    for (const t of [all, none]) {
      expect(t.probes.find((x) => x.label === "20")!.inTrace).toBe(true);
      expect(t.t2.stats.invalidations.get("clear internal caches")).toBeGreaterThan(0);
      // the running executor noticed at its next _CHECK_VALIDITY and left (a deopt), then f re-tiered
      expect(t.t2.stats.exits.get("deopt (invalidated)")).toBeGreaterThan(0);
      expect(executorsOf(t.made, "f").length).toBeGreaterThan(1);
    }
  });

  test("a side-exit executor invalidated on its own is unlinked from its exit; the parent stays installed", async () => {
    // only the exit path reads the global K: the stitched trace depends on the globals dict, the main one does not
    const p = await compile(hotLoop(`
if i % 4 == 0:
    a += K
a += 1
`, { n: 60, before: "K = 10", after: `
probe("before")
K = 20
probe("after")
print(f(60))
` }));
    let side: ExecutorObject | null = null;
    const { all } = runBoth(p, {
      params: { backedgeThreshold: 20 },
      onProbe: (label, { t2, rt }) => {
        if (!t2.params.passes.globals) return;
        const main = installedInF(t2, rt);
        if (label === "before") {
          const stub = main.exits.find((x) => x.executor !== null)!;
          side = stub.executor!;
          expect(side.dependencies.has(mainFunction(rt, "f").globals)).toBe(true);
          expect(main.dependencies.size).toBe(0);
          rt.incref(side);
        } else {
          expect(main.valid).toBe(true);
          expect(main.exits.every((x) => x.executor === null)).toBe(true);
          expect(side!.valid).toBe(false);
          expect(side!.linkedFrom.size).toBe(0);
          rt.decref(side!);
        }
      },
    });
    expect(all.t2.stats.invalidations.get("watched dict modified")).toBeGreaterThan(0);
  });

  test("executors are heap objects: the leak check sees a linked executor that is not released (gh-120501 fault)", async () => {
    const p = await compile(EVERY_FOURTH_LOOP);
    const ok = runT2Agreeing(p, { params: { backedgeThreshold: 20 } }, runRef(p), "no fault");
    expect(ok.t2.stats.stitched).toBeGreaterThan(0);
    const bad = runT2(p, { params: { backedgeThreshold: 20 }, faults: { leakLinkedExecutors: true } });
    expect(bad.leaks.length).toBeGreaterThan(0);
    expect(bad.leaks.map((l) => JSON.stringify(l)).join("\n")).toMatch(/executor/);
  });
});

// ---------------------------------------------------------------------------------------------

describe("events in the middle of a trace", () => {
  /** A list with one D (whose __del__ does `action`) at index 20: `ds[i] = 0` inside the loop frees it mid-trace. */
  const withDel = (action: string, body: string, pre = ""): string => `
${pre}
class D:
    def __del__(self):
${indent(action, 8)}
        probe("del")
def f(ds):
    t = 0
    for i in range(len(ds)):
${indent(body, 8)}
        ds[i] = 0
    return t
ds = []
for j in range(40):
    if j == 20:
        ds.append(D())
    else:
        ds.append(j)
print(f(ds))
`;
  /** The D was freed while f's executor ran: tier 1 had handed control to f's superblock. */
  const ranInTrace = (t: T2Run): void => {
    const e = executorsOf(t.made, "f")[0]!;
    expect(e.executions).toBeGreaterThan(0);
    expect(t.probes.length).toBe(1);
    expect(t.probes[0]!.inTrace, "the __del__ ran inside Tier2.enter").toBe(true);
  };

  test("a __del__ rebinds a promoted global while the superblock runs", async () => {
    const p = await compile(withDel("global K\nK = K + 100", "t += K", "K = 1"));
    const { ref, all, none } = runBoth(p);
    expect(ref.outcome.stdout).toBe(`${21 * 1 + 19 * 101}\n`); // K changes after the add of i = 20
    for (const t of [all, none]) ranInTrace(t);
    // with promotion: invalidated at the rebinding, noticed at the next _CHECK_VALIDITY
    expect(all.probes[0]!.invalidations.get("watched dict modified")).toBe(1);
    expect(all.t2.stats.exits.get("deopt (invalidated)")).toBeGreaterThan(0);
  });

  test("a __del__ assigns a function's __code__ while the superblock that inlines it runs", async () => {
    const p = await compile(withDel("g.__code__ = h.__code__", "t += g(i)", "def g(x):\n    return x + 1\ndef h(x):\n    return x + 1000"));
    const { ref, all, none } = runBoth(p);
    expect(ref.outcome.stdout).toBe(`${[...Array(40).keys()].reduce((s, i) => s + i + (i <= 20 ? 1 : 1000), 0)}\n`);
    for (const t of [all, none]) {
      ranInTrace(t);
      // g's version was cleared: the trace's _CHECK_FUNCTION_VERSION exits from then on
      expect(t.t2.stats.exits.get("_CHECK_FUNCTION_VERSION")).toBeGreaterThan(0);
    }
  });

  test("a __del__ frees a function whose code is inlined in the running superblock", async () => {
    const p = await compile({
      main: withDel("global g\ng = k", "t += g(i)", "import helper\ndef k(x):\n    return x + 1000\ng = helper.make()\nhelper.make = None"),
      helper: HELPER_MAKE,
    });
    const { all, none } = runBoth(p);
    for (const t of [all, none]) {
      ranInTrace(t);
      // the executor that inlined inner is invalid by the time __del__ returns: through the
      // globals watcher (g rebound, all passes) or through code deallocation (no passes)
      const inv = t.probes[0]!.invalidations;
      expect(t.t2.params.passes.globals ? inv.get("watched dict modified") : inv.get("code deallocated")).toBe(1);
      expect(t.t2.stats.exits.get("deopt (invalidated)")).toBe(1);
    }
  });

  test("a class attribute changed from inside an inlined callee", async () => {
    // bump() changes C.k from i = 30 on: first in tier 1 after the guard's exit, then inside
    // the side-exit trace stitched to that exit (it runs bump's remaining code)
    const p = await compile(`
class C:
    k = 1
def bump(i):
    if i >= 30:
        C.k = i
        probe("bump")
    return i
def f(n):
    c = C()
    t = 0
    for i in range(n):
        t += c.k
        bump(i)
    return t
print(f(60))
`);
    const { all, none } = runBoth(p);
    for (const t of [all, none]) {
      expect(t.probes.length).toBe(30);
      // most of them from the stitched trace that runs bump's `C.k = i`
      expect(t.probes.filter((x) => x.inTrace).length).toBeGreaterThan(10);
      expect(t.t2.stats.exits.get("_GUARD_TYPE_VERSION")).toBeGreaterThan(0);
    }
    expect(all.t2.stats.invalidations.get("type modified")).toBeGreaterThan(0);
    // and unconditionally, every iteration, inside the trace
    const q = await compile(`
class C:
    k = 1
def bump(i):
    C.k = i
    return i
def f(n):
    c = C()
    t = 0
    for i in range(n):
        t += c.k
        bump(i)
        probe("it")
    return t
print(f(40))
`);
    const r = runBoth(q);
    for (const t of [r.all, r.none]) {
      expect(names(executorsOf(t.made, "f")[0]!)).toContain("_STORE_ATTR");
      expect(t.probes.filter((x) => x.inTrace).length).toBeGreaterThan(10);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe("the executor invariant checker (oracles/invariants/executors.ts)", () => {
  const LOOP = `
K = [1]
class C:
    k = 1
def f(c, n):
    t = 0
    for i in range(n):
        t += c.k + len(K)
        if i % 4 == 0:
            t += 1
    return t
c = C()
print(f(c, 60))
probe("check")
print(f(c, 60))
`;
  /** Run LOOP; at probe("check"), `poke` breaks something, the checker must report `expected`, `undo` repairs it. */
  async function violation(poke: (at: { t2: Tier2; rt: Runtime; e: ExecutorObject }) => () => void, expected: RegExp): Promise<void> {
    const p = await compile(LOOP);
    const ref = runRef(p);
    for (const passes of [ALL_PASSES, NO_PASSES]) {
      let found: string[] | null = null;
      runT2Agreeing(p, {
        passes,
        params: { backedgeThreshold: 20 },
        onProbe: (_l, { t2, rt }) => {
          const e = installedInF(t2, rt);
          expect(checkExecutors(rt, t2)).toEqual([]);
          const undo = poke({ t2, rt, e });
          found = checkExecutors(rt, t2);
          undo();
          expect(checkExecutors(rt, t2)).toEqual([]);
        },
      }, ref, "after the repair");
      expect(found, `passes ${JSON.stringify(passes)}`).not.toBeNull();
      expect(found!.join("\n")).toMatch(expected);
    }
  }

  test("an installed executor must be valid", () => violation(({ e }) => {
    e.valid = false;
    return () => (e.valid = true);
  }, /is installed but invalid/));

  test("the instruction must be ENTER_EXECUTOR naming it", () => violation(({ e }) => {
    const unit = e.code.units[e.start]!;
    e.code.units[e.start] = e.installedAt!.unit;
    return () => (e.code.units[e.start] = unit);
  }, /is not ENTER_EXECUTOR/));

  test("it must not be installed in a freed code object", () => violation(({ e }) => {
    e.code.freed = true;
    return () => (e.code.freed = false);
  }, /installed in a freed code object/));

  test("a freed executor must not be listed", () => violation(({ e }) => {
    e.freed = true;
    return () => (e.freed = false);
  }, /was freed but is still listed/));

  test("a valid executor must not depend on a freed object", () => violation(({ e, rt }) => {
    const dep = rt.alloc(new PyDict());
    (e.dependencies as Set<object>).add(dep);
    rt.decref(dep);
    return () => (e.dependencies as Set<object>).delete(dep);
  }, /depends on a freed dict/));

  test("a side exit must not link an invalid executor", () => violation(({ e }) => {
    const stub = e.exits.find((x) => x.executor !== null)!;
    stub.executor!.valid = false;
    return () => (stub.executor!.valid = true);
  }, /a side exit links a invalid executor/));

  /**
   * Run `p` (LOOP edited) on tier 2 with `faults`: at probe("unwatch") the watcher of f's globals
   * dict is removed by hand; at any other probe `atCheck` runs, the checker's findings are kept, and
   * invalidateAll() repairs tier 2 before f runs again.
   */
  function checkedAfterEdit(p: ProgramDef, opts: { faults?: Tier2Faults; atCheck?: (t2: Tier2) => void }): { t: T2Run; found: string[] } {
    let found: string[] = [];
    const t = runT2(p, {
      params: { backedgeThreshold: 20 },
      faults: opts.faults,
      onProbe: (label, { t2, rt }) => {
        if (label === "unwatch") {
          const g = mainFunction(rt, "f").globals;
          expect(t2.isWatched(g)).toBe(true);
          g.store.watcher = undefined;
          return;
        }
        opts.atCheck?.(t2);
        found = checkExecutors(rt, t2);
        t2.invalidateAll(); // repair before f runs again
      },
    });
    return { t, found };
  }
  /** checkedAfterEdit on LOOP with `edit` in place of its probe("check"): the checker must report `expected`; once repaired the run agrees with the reference. */
  async function reportedAfterEdit(edit: string, expected: RegExp, faults: Tier2Faults = {}): Promise<void> {
    const p = await compile(LOOP.replace('probe("check")', edit));
    const ref = runRef(p);
    const { t, found } = checkedAfterEdit(p, { faults });
    expectAgrees(ref, { ...t, probes: [] }, "repaired");
    expect(found.join("\n")).toMatch(expected);
  }

  test("a promoted global rebound with the dict's watcher removed by hand (a heap value: the old one is freed)", () => reportedAfterEdit(
    'probe("unwatch")\nK = [2, 3]\nprobe("check")',
    /promoted global K is a dangling borrowed pointer \(freed\)|promoted global K was rebound/,
  ));

  // promoted values that are not heap objects (ints, strs: tierdiff's value table, generation 0) are compared by identity
  test("a promoted global holding an int rebound with the watcher removed by hand is reported", async () => {
    const p = await compile(LOOP.replace("K = [1]", "K = 1").replace("len(K)", "K").replace('probe("check")', 'probe("unwatch")\nK = 2\nprobe("check")'));
    let stale = 0;
    const { t, found } = checkedAfterEdit(p, {
      atCheck: (t2) => {
        // K = 1 is promoted in a valid executor, and now stale
        stale = [...t2.live].filter((e) => e.valid).flatMap((e) => e.uops.filter((u) => u.promoted !== undefined && String(u.promoted.key) === "K" && u.operandNote === "1 (borrowed)")).length;
      },
    });
    expect(t.outcome.status).toBe("ok");
    expect(stale).toBeGreaterThan(0);
    expect(found.join("\n")).toMatch(/promoted global K was rebound/);
  });

  test("a promoted global deleted while the watcher misses deletions (fault)", () => reportedAfterEdit(
    // the value stays alive (c.keep) so the deletion is what the checker sees, not a freed value
    'c.keep = K\ndel K\nprobe("check")\nK = [1]',
    /promoted global K was deleted from its dict without invalidating the executor/,
    { watcherMissesDelete: true },
  ));

  test("a class modified while type invalidation is off (fault)", () => reportedAfterEdit(
    'C.k = 2\nprobe("check")',
    /depends on class C, modified .* without invalidating it/,
    { noTypeInvalidation: true },
  ));
});
