/**
 * Helpers for the tier-2 tests (tier2.test.ts, project.test.ts). Test support only: nothing in the
 * engine imports this module.
 *
 *  - compile(): Python source -> ProgramDef through real CPython 3.14 (pyodide), memoized;
 *  - a capture hook on Tier2's private `optimize`: every projection is recorded with the RAW trace
 *    the projector produced (projected a second time, read-only, before the optimizer touches it:
 *    projection only reads code units and the function-version cache) and the executor made from
 *    it (or null: discarded). Executors are freed at teardown, their fields stay readable;
 *  - a `probe(label)` builtin installed in every run (the reference's is a no-op), so a program can
 *    ask for checkExecutors() and a snapshot of tier 2's state in the MIDDLE of a run — e.g. from a
 *    __del__ that runs while a superblock executes;
 *  - runT2 / runRef: whole runs with the same protocol as runTier1 / runReference; runT2Agreeing
 *    and runBoth check a tier-2 run against the reference (expectAgrees);
 *  - program texts shared by the tests: hotLoop() (the `def f(n)` loop most of them tier up),
 *    SUM_LOOP, straightLineAdds(), HELPER_MAKE / APPLY_LOOP (a closure whose code can be freed).
 */
import { expect } from "vitest";
import type { ProgramDef } from "../bytecode/code.ts";
import { importPython } from "../../oracles/cpython/import.ts";
import { runWith, formatLeaks, type RunResult } from "../../oracles/reference/run.ts";
import { ReferenceInterpreter } from "../../oracles/reference/interp.ts";
import { compareOutcomes } from "../../oracles/outcome.ts";
import { checkExecutors } from "../../oracles/invariants/executors.ts";
import { createRuntime } from "../runtime/builtins.ts";
import { InternalError } from "../runtime/heap.ts";
import { None, PyBuiltin, PyCode, type PyValue } from "../runtime/objects.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { Frame } from "../vm/frame.ts";
import { Tier1Engine } from "../tier1/engine.ts";
import type { FunctionCacheVariant } from "../tier1/funccache.ts";
import { Tier2 } from "./tier2.ts";
import { projectTrace, type Projection } from "./project.ts";
import { formatExecutor, type ExecutorObject } from "./executor.ts";
import { ALL_PASSES, NO_PASSES, type OptimizerPasses, type Tier2Faults, type Tier2Params } from "./params.ts";

/** Small thresholds, as the fuzzer uses: loops tier up after 3 backedges, exits warm after 3. */
export const FAST: Partial<Tier2Params> = { backedgeThreshold: 3, backedgeBackoff: 2, sideExitThreshold: 3, sideExitBackoff: 2 };
/** runBoth's configurations; "all" compiles every executor at once, "none" interprets each until
 *  it is hot (compileAfter 16), so both ways of running an executor (compile.ts) are tested. */
export const PASS_CONFIGS: readonly (readonly [string, OptimizerPasses, number])[] = [["all", ALL_PASSES, 0], ["none", NO_PASSES, 16]];

// ------------------------------------------------------------------ compiling

/** `text` with every line indented by `spaces` (to put Python code inside a block). */
export const indent = (text: string, spaces: number): string => text.split("\n").map((l) => `${" ".repeat(spaces)}${l}`).join("\n");

/** `text` without the line break a template literal starts with and without trailing white space. */
const trimmed = (text: string): string => text.replace(/^\n/, "").trimEnd();

/**
 * A program around one hot loop: `def f(n)` sets `a = 0`, runs `body` in `for i in range(n)` and
 * returns `a`; the module prints `f(n)`. `body` is written unindented (a template literal may start
 * with a line break); `before` / `after` are module code around `f` and its call.
 */
export function hotLoop(body: string, opts: { readonly n?: number; readonly before?: string; readonly after?: string } = {}): string {
  const before = opts.before !== undefined ? `${trimmed(opts.before)}\n` : "";
  const after = opts.after !== undefined ? `${trimmed(opts.after)}\n` : "";
  return `
${before}def f(n):
    a = 0
    for i in range(n):
${indent(trimmed(body), 8)}
    return a
print(f(${opts.n ?? 40}))
${after}`;
}

/** The smallest hot loop: one function, one `for` over a range, one add. */
export const SUM_LOOP = hotLoop("a += i");

/**
 * Module `helper` of the code-freeing tests: make() returns a new closure `inner`. Once the module
 * has run and `helper.make` is rebound, inner's code lives only as long as the functions made.
 */
export const HELPER_MAKE = `
def make():
    def inner(x):
        return x + 1
    return inner
`;

/** `run(h, n)`: a loop that calls `h` on its accumulator, so its trace inlines whatever `h` is. */
export const APPLY_LOOP = `def run(h, n):
    a = 0
    for i in range(n):
        a = h(a)
    return a`;

/** `a += 1` to `a += k`, a statement a line: a long straight-line loop body for hotLoop(). */
export const straightLineAdds = (k: number): string => Array.from({ length: k }, (_, j) => `a += ${j + 1}`).join("\n");

const compiled = new Map<string, Promise<ProgramDef>>();
/** Compile modules (the first is __main__) with CPython 3.14; a string is a single module `main`. */
export function compile(src: string | Readonly<Record<string, string>>): Promise<ProgramDef> {
  const files = typeof src === "string" ? { main: src } : src;
  const key = JSON.stringify(files);
  let p = compiled.get(key);
  if (p === undefined) {
    p = importPython(Object.entries(files).map(([name, source]) => ({ name, filename: `${name}.py`, source })));
    compiled.set(key, p);
  }
  return p;
}

// ------------------------------------------------------------------ capturing projections

export interface Made {
  /** the raw projection (before the optimizer) */
  readonly projection: Projection;
  /** the executor made from it, or null (discarded) */
  readonly executor: ExecutorObject | null;
  readonly code: PyCode;
  readonly qualname: string;
  /** code unit the projection started at (a JUMP_BACKWARD, or a side exit's target) */
  readonly start: number;
  readonly chainDepth: number;
}

let sink: Made[] | null = null;
type OptimizeFn = (this: Tier2, f: Frame, start: number, chainDepth: number) => ExecutorObject | null;
const proto = Tier2.prototype as unknown as { optimize: OptimizeFn };
const originalOptimize = proto.optimize;
proto.optimize = function (this: Tier2, f: Frame, start: number, chainDepth: number): ExecutorObject | null {
  let projection: Projection | null = null;
  if (sink !== null) {
    const host = (this as unknown as { host: { rt: Runtime; funcCache: Tier1Engine["funcCache"] } }).host;
    projection = projectTrace({ rt: host.rt, funcCache: host.funcCache, originalOpcode: (code, off) => this.originalOpcode(code, off) },
      f.code, f.func, start, chainDepth === 0, this.params, this.faults);
  }
  const e = originalOptimize.call(this, f, start, chainDepth);
  if (sink !== null && projection !== null) sink.push({ projection, executor: e, code: f.code, qualname: f.code.def.qualname, start, chainDepth });
  return e;
};

// ------------------------------------------------------------------ the probe builtin

export interface ProbeRecord {
  readonly label: string;
  /** checkExecutors() at that moment */
  readonly violations: readonly string[];
  /** tier 2's invalidation counts at that moment */
  readonly invalidations: ReadonlyMap<string, number>;
  readonly live: number;
  readonly installed: number;
  /** the probe was called while an executor ran (Tier2.enter is on the JS stack): mid-trace */
  readonly inTrace: boolean;
  /** what the test's own callback returned */
  readonly extra: unknown;
}

function installProbe(rt: Runtime, onProbe: (label: string) => void): void {
  const b = new PyBuiltin("probe", (_rt, args) => {
    onProbe(typeof args[0] === "string" ? args[0] : "");
    return None;
  }, "FAST");
  rt.dictSet(rt.builtins, "probe", b);
}

/** Is an executor running below us (Tier2.prototype.enter on the JS stack)? */
function insideExecutor(): boolean {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 1000;
  try {
    return /\bTier2\.enter\b/.test(new Error().stack ?? "");
  } finally {
    Error.stackTraceLimit = limit;
  }
}

// ------------------------------------------------------------------ runs

export interface T2Options {
  readonly passes?: OptimizerPasses;
  readonly params?: Partial<Tier2Params>;
  readonly faults?: Tier2Faults;
  readonly funcCacheVariant?: FunctionCacheVariant;
  /** called at every probe(label), BEFORE the executors are checked; its result is kept in the ProbeRecord */
  readonly onProbe?: (label: string, at: { readonly t2: Tier2; readonly rt: Runtime; readonly made: readonly Made[] }) => unknown;
  readonly stepBudget?: number;
}

export interface T2Run extends RunResult {
  readonly engine: Tier1Engine;
  readonly t2: Tier2;
  readonly made: readonly Made[];
  readonly probes: readonly ProbeRecord[];
}

/** runTier1 with tier 2 on (FAST thresholds unless overridden), capturing projections and probes. */
export function runT2(program: ProgramDef, opts: T2Options = {}): T2Run {
  const rt = createRuntime();
  const probes: ProbeRecord[] = [];
  const made: Made[] = [];
  let t2: Tier2 | null = null;
  installProbe(rt, (label) => {
    const t = t2!;
    const extra = opts.onProbe?.(label, { t2: t, rt, made });
    probes.push({ label, violations: checkExecutors(rt, t), invalidations: new Map(t.stats.invalidations), live: t.live.size, installed: [...t.installed()].length, inTrace: insideExecutor(), extra });
  });
  const engine = new Tier1Engine(rt, program, {
    ...(opts.stepBudget !== undefined ? { stepBudget: opts.stepBudget } : {}),
    ...(opts.funcCacheVariant !== undefined ? { funcCacheVariant: opts.funcCacheVariant } : {}),
    checkStackEffects: true,
    tier2: { params: { ...FAST, passes: opts.passes ?? ALL_PASSES, ...(opts.params ?? {}) }, faults: opts.faults ?? {} },
  });
  t2 = engine.tier2!;
  const saved = sink;
  sink = made;
  try {
    return { ...runMain(rt, program, engine), engine, t2, made, probes };
  } finally {
    sink = saved;
  }
}

/** runReference with the probe builtin (a no-op unless `onProbe` acts on the runtime, as the tier-2 run's does). */
export function runRef(program: ProgramDef, onProbe?: (label: string, rt: Runtime) => void, stepBudget?: number): RunResult {
  const rt = createRuntime();
  installProbe(rt, (label) => onProbe?.(label, rt));
  return runMain(rt, program, new ReferenceInterpreter(rt, program, stepBudget !== undefined ? { stepBudget } : {}));
}

/** What runMain needs of an engine: Tier1Engine and ReferenceInterpreter both have it. */
interface MainRunner {
  execModule(name: string, asName?: string): PyValue;
  excInfo: PyValue;
  readonly steps: number;
}

/** The run protocol of runTier1 / runReference (runWith): the program's first module as __main__. */
function runMain(rt: Runtime, program: ProgramDef, vm: MainRunner): RunResult {
  return runWith(rt, () => {
    const main = program.modules[0];
    if (main === undefined) throw new InternalError("program has no modules");
    rt.decref(vm.execModule(main.name, "__main__"));
  }, () => {
    const e = vm.excInfo;
    vm.excInfo = None;
    rt.decref(e);
  }, () => vm.steps);
}

/** runT2, checked against the reference run `ref` of the same program (expectAgrees, labelled `what`). */
export function runT2Agreeing(program: ProgramDef, opts: T2Options, ref: RunResult, what: string): T2Run {
  const t = runT2(program, opts);
  expectAgrees(ref, t, what);
  return t;
}

/** The tier-2 run agrees with the reference: same outcome, same step count, no leaks, and every probe found the executors clean. */
export function expectAgrees(ref: RunResult, t: T2Run, what: string): void {
  const d = compareOutcomes(ref.outcome, t.outcome);
  expect(d, `${what}: tier 2 vs reference\n${JSON.stringify(d, null, 2)}\n${t.t2.stats.format()}`).toEqual([]);
  expect(["ok", "exception"], `${what}: ${t.outcome.status} ${t.outcome.internalError ?? ""}`).toContain(t.outcome.status);
  expect(t.steps, `${what}: steps`).toBe(ref.steps);
  expect(t.leaks, `${what}: ${formatLeaks(t.leaks)}`).toEqual([]);
  for (const p of t.probes) expect(p.violations, `${what}: executor invariants at probe(${p.label})`).toEqual([]);
}

/** runBoth's options: runT2's but the passes, and a probe callback for the reference run. */
export type BothOptions = Omit<T2Options, "passes"> & { readonly onRefProbe?: (label: string, rt: Runtime) => void };

/** Run on the reference and on tier 2 with all passes and with none; each must agree. */
export function runBoth(program: ProgramDef, opts: BothOptions = {}): { ref: RunResult; all: T2Run; none: T2Run } {
  const ref = runRef(program, opts.onRefProbe);
  const [all, none] = PASS_CONFIGS.map(([name, passes, compileAfter]) =>
    runT2Agreeing(program, { ...opts, passes, params: { compileAfter, ...(opts.params ?? {}) } }, ref, `t2[${name}]`)) as [T2Run, T2Run];
  return { ref, all, none };
}

// ------------------------------------------------------------------ reading traces

/** uop names of an executor, or of a raw projection */
export const names = (x: ExecutorObject | Projection): string[] => x.uops.map((u) => u.name);

/** The executors made for code `qualname` (installed at a backedge unless `chainDepth` says otherwise). */
export function executorsOf(made: readonly Made[], qualname: string, chainDepth = 0): ExecutorObject[] {
  return made.filter((m) => m.qualname === qualname && m.chainDepth === chainDepth && m.executor !== null).map((m) => m.executor!);
}

/** Asserts that `wanted` occur in `seq` in this order (not necessarily adjacent); returns their indices. */
export function expectSubsequence(seq: readonly string[], wanted: readonly string[], what = ""): number[] {
  const at: number[] = [];
  let i = 0;
  for (const w of wanted) {
    while (i < seq.length && seq[i] !== w) i++;
    expect(i < seq.length, `${what}: ${w} (after ${wanted.slice(0, at.length).join(", ") || "the start"}) not found in\n${seq.join(" ")}`).toBe(true);
    at.push(i++);
  }
  return at;
}

export { formatExecutor, type PyValue };
