/**
 * `tierdiff bench` (issue 7): a BENCHMARK, never a test — nothing here fails on speed, machines are
 * shared and noisy. For every program in corpus/bench/*.py (each defines `def bench(n):` doing n
 * iterations of its workload and returning a checksum, plus a module-level default `N = ...`), it
 * measures iterations per second with the same n on every engine, one process invocation (or one
 * fresh runtime) per program and engine:
 *   python3   the machine's `python3 -c ...` (if there is one): exec the source, one warm-up call,
 *             then `bench(n)` timed with time.perf_counter
 *   pyodide   CPython 3.14 in WebAssembly (the oracle's already-loaded instance), the same Python
 *             timing code through runPython
 *   ref, t1   the reference interpreter and tier 1: the module runs as __main__ in a Session
 *             (oracles/session.ts), then `bench` is called through the runtime's call protocol
 *             twice — warm-up, then timed with performance.now() around the call alone
 *   t2 ...    tier 2 on top of tier 1 (CPython's thresholds), all optimizer passes / none
 * Every engine must produce the same checksum (repr of bench(n)); a mismatch is printed loudly
 * and the command exits 5. n is calibrated on tier 1 so its timed call lasts about --seconds.
 * Then: differential fuzzing throughput and the function-cache variants' hit rates on the corpus
 * (properties/harness/bench-stats.ts, shared with scripts/bench-fuzz.mts and
 * scripts/funccache-hitrates.mts).
 */
import { readdirSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { cpus, loadavg, platform, arch } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, UsageError } from "./args.ts";
import { loadProgram } from "./load.ts";
import type { ProgramDef } from "../engine/bytecode/code.ts";
import { createRuntime } from "../engine/runtime/builtins.ts";
import type { PyValue } from "../engine/runtime/objects.ts";
import { Tier1Engine } from "../engine/tier1/engine.ts";
import { ReferenceInterpreter } from "../oracles/reference/interp.ts";
import { Session, interpreterHandle, type EngineHandle } from "../oracles/session.ts";
import { ALL_PASSES, NO_PASSES } from "../engine/tier2/params.ts";
import { fuzzThroughput, funcCacheHitRates, formatHitRates, type FuzzThroughput, type HitRateRow } from "../properties/harness/bench-stats.ts";

export const BENCH_DIR = fileURLToPath(new URL("../corpus/bench/", import.meta.url));

/** Engine columns, in table order. */
export const ENGINES = ["python3", "pyodide", "ref", "t1", "t2 (all passes)", "t2 (no passes)"] as const;
export type EngineName = (typeof ENGINES)[number];

export type Measurement =
  | { readonly status: "ok"; readonly seconds: number; readonly itersPerSec: number; readonly checksum: string; readonly ratio?: number }
  | { readonly status: "n/a"; readonly reason: string }
  | { readonly status: "error"; readonly error: string };

export interface ProgramResult {
  readonly name: string;
  readonly n: number;
  readonly warmup: number;
  readonly engines: Record<EngineName, Measurement>;
  /** every engine that ran returned the same checksum */
  readonly checksumOk: boolean;
  readonly checksum: string | undefined;
}

export interface BenchReport {
  readonly machine: { platform: string; arch: string; cpus: number; cpuModel: string; node: string; loadavg: number[]; python3: string | null; pyodide: string };
  readonly secondsTarget: number;
  readonly smoke: boolean;
  /** the engine the ratios are against */
  readonly baseline: EngineName | null;
  readonly programs: readonly ProgramResult[];
  readonly fuzz: FuzzThroughput;
  readonly funcCache: readonly HitRateRow[];
}

const BIG_BUDGET = Number.MAX_SAFE_INTEGER;

function progress(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}

// ------------------------------------------------------------------ programs

export interface BenchProgram {
  readonly name: string;
  readonly path: string;
  readonly source: string;
  /** the program's own default n */
  readonly defaultN: number;
}

export function listBenchPrograms(dir: string = BENCH_DIR): BenchProgram[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".py"))
    .sort()
    .map((f) => {
      const path = join(dir, f);
      const source = readFileSync(path, "utf8");
      const m = /^N = ([0-9_]+)\s*$/m.exec(source);
      if (m === null || !/^def bench\(n\):/m.test(source)) throw new UsageError(`tierdiff bench: ${path} must define 'def bench(n):' and a module-level 'N = <int>'`);
      return { name: f.slice(0, -3), path, source, defaultN: Number(m[1]!.replace(/_/g, "")) };
    });
}

// ------------------------------------------------------------------ CPython (python3 and pyodide)

/** The same timing code for python3 and pyodide: a JSON string as the last expression (pyodide's
 *  runPython returns it) or printed (python3 -c). */
function pythonTimingCode(p: BenchProgram, n: number, warmup: number, printIt: boolean): string {
  const call = `_tierdiff_time(${JSON.stringify(p.source)}, ${JSON.stringify(basename(p.path))}, ${n}, ${warmup})`;
  // JSON string literals are valid Python string literals for these (BMP) sources
  return `import json, time

def _tierdiff_time(source, filename, n, warmup):
    ns = {"__name__": "tierdiff_bench"}
    exec(compile(source, filename, "exec"), ns)
    bench = ns["bench"]
    bench(warmup)
    t0 = time.perf_counter()
    result = bench(n)
    seconds = time.perf_counter() - t0
    return json.dumps({"checksum": repr(result), "seconds": seconds})

${printIt ? `print(${call})` : call}
`;
}

function parseTiming(text: string, n: number): Measurement {
  const j = JSON.parse(text) as { checksum: string; seconds: number };
  return { status: "ok", seconds: j.seconds, itersPerSec: n / j.seconds, checksum: j.checksum };
}

function python3Version(): string | null {
  const r = spawnSync("python3", ["--version"], { encoding: "utf8" });
  if (r.error !== undefined || r.status !== 0) return null;
  return (r.stdout || r.stderr).trim();
}

function measurePython3(p: BenchProgram, n: number, warmup: number): Measurement {
  const r = spawnSync("python3", ["-c", pythonTimingCode(p, n, warmup, true)], { encoding: "utf8", maxBuffer: 1 << 20 });
  if (r.error !== undefined) return { status: "n/a", reason: "python3: not found" };
  if (r.status !== 0) return { status: "error", error: `python3 exited ${r.status}: ${r.stderr.trim().split("\n").pop() ?? ""}` };
  try {
    return parseTiming(r.stdout.trim().split("\n").pop() ?? "", n);
  } catch (e) {
    return { status: "error", error: `python3: unreadable output: ${String(e)}` };
  }
}

interface Pyodide {
  runPython(code: string, options?: { globals?: unknown }): unknown;
}

async function measurePyodide(py: Pyodide, p: BenchProgram, n: number, warmup: number): Promise<Measurement> {
  const ns = py.runPython("dict()") as { destroy(): void };
  try {
    const out = py.runPython(pythonTimingCode(p, n, warmup, false), { globals: ns });
    return parseTiming(String(out), n);
  } catch (e) {
    return { status: "error", error: `pyodide: ${e instanceof Error ? e.message.trim().split("\n").pop() : String(e)}` };
  } finally {
    ns.destroy();
  }
}

// ------------------------------------------------------------------ tierdiff engines

type EngineKind = "ref" | "t1" | "t2 (all passes)" | "t2 (no passes)";

function engineHandle(kind: EngineKind, program: ProgramDef): EngineHandle {
  const rt = createRuntime();
  // t1/t2: CPython's tier-up parameters (TIER2_THRESHOLD 4096) and function-cache variant, no probes
  const interp = kind === "ref" ? new ReferenceInterpreter(rt, program, { stepBudget: BIG_BUDGET })
    : new Tier1Engine(rt, program, { stepBudget: BIG_BUDGET, ...(kind === "t1" ? {} : { tier2: { params: { passes: kind === "t2 (all passes)" ? ALL_PASSES : NO_PASSES } } }) });
  return interpreterHandle(rt, interp, program);
}

/** A program loaded into one engine: call bench(n) and time the call alone. */
class EngineRun {
  readonly session: Session;
  private readonly bench: PyValue;

  constructor(kind: EngineKind, program: ProgramDef) {
    this.session = new Session(engineHandle(kind, program));
    const start = this.session.start().outcome;
    if (start.status !== "ok") throw new Error(`module body: ${start.status}${start.exception !== undefined ? ` ${start.exception.type}: ${start.exception.message}` : ""}${start.internalError !== undefined ? ` ${start.internalError}` : ""}`);
    const b = this.session.rt.modules.get("__main__")?.dict.store.getStr("bench");
    if (b === undefined) throw new Error("the program defines no bench()");
    this.bench = b;
  }

  /** one call of bench(n): its checksum (repr of the result) and the seconds the call took */
  call(n: number): { checksum: string; seconds: number } {
    let seconds = 0;
    const rt = this.session.rt;
    const r = this.session.step(() => {
      const t0 = performance.now();
      const v = rt.call(this.bench, [n], []);
      seconds = (performance.now() - t0) / 1000;
      return v;
    }).outcome;
    if (r.status !== "ok") throw new Error(`bench(${n}): ${r.status}${r.exception !== undefined ? ` ${r.exception.type}: ${r.exception.message}` : ""}${r.internalError !== undefined ? ` ${r.internalError}` : ""}`);
    return { checksum: r.value, seconds };
  }

  /** teardown and leak check (problems as text, empty when fine) */
  finish(): string {
    const f = this.session.finish();
    if (f.outcome.status !== "ok") return `teardown: ${f.outcome.status} ${f.outcome.internalError ?? ""}`;
    return f.leaks.length > 0 ? `${f.leaks.length} object(s) leaked` : "";
  }
}

function measureEngine(kind: EngineKind, program: ProgramDef, n: number, warmup: number): Measurement {
  try {
    const run = new EngineRun(kind, program);
    run.call(warmup);
    const r = run.call(n);
    const problem = run.finish();
    if (problem !== "") progress(`  ${kind}: ${problem}`);
    return { status: "ok", seconds: r.seconds, itersPerSec: n / r.seconds, checksum: r.checksum };
  } catch (e) {
    return { status: "error", error: `${kind}: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** Choose n so that tier 1's timed bench(n) lasts about `seconds` (probes grow n geometrically). */
function calibrate(program: ProgramDef, seconds: number): number {
  const run = new EngineRun("t1", program);
  try {
    const probeTarget = seconds / 5;
    // the first calls are dominated by one-time costs (V8 compiling the engine, tier 1
    // specializing): not part of the estimate
    run.call(1);
    run.call(2);
    let n = 1;
    let t = run.call(n).seconds;
    for (let probes = 1; (t < probeTarget || probes < 3) && n < 1e9; probes++) {
      const grow = t <= 0 ? 10 : Math.min(10, Math.max(2, probeTarget / t));
      n = Math.ceil(n * grow);
      t = run.call(n).seconds;
    }
    return Math.max(1, Math.round((n * seconds) / Math.max(t, 1e-9)));
  } finally {
    run.finish();
  }
}

// ------------------------------------------------------------------ the command

export async function cmdBench(argv: readonly string[]): Promise<number> {
  const a = parseArgs(argv, { programs: "string", seconds: "string", json: "boolean", smoke: "boolean" }, "bench");
  if (a.positional.length > 0) throw new UsageError(`tierdiff bench: unexpected argument '${a.positional[0]}' (see 'tierdiff bench --help')`);
  const secondsText = a.flags.get("seconds") as string | undefined;
  const seconds = secondsText === undefined ? 1 : Number(secondsText);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) throw new UsageError(`tierdiff bench: option '--seconds' needs a positive number of seconds, got '${secondsText}'`);
  const smoke = a.flags.get("smoke") === true;
  const json = a.flags.get("json") === true;
  const all = listBenchPrograms();
  let programs = all;
  const wanted = a.flags.get("programs") as string | undefined;
  if (wanted !== undefined) {
    const names = wanted.split(",").map((s) => s.trim()).filter((s) => s !== "");
    const unknown = names.filter((x) => !all.some((p) => p.name === x));
    if (names.length === 0 || unknown.length > 0) throw new UsageError(`tierdiff bench: unknown program(s) '${unknown.join(",") || wanted}' (available: ${all.map((p) => p.name).join(", ")})`);
    programs = names.map((x) => all.find((p) => p.name === x)!);
  }

  const python3 = python3Version();
  if (python3 === null) progress("python3: not found (its column stays empty; ratios are against pyodide)");
  progress("loading pyodide (CPython 3.14, WebAssembly)");
  const { getPyodide } = await import("../oracles/cpython/pyodide.ts");
  const py = (await getPyodide()) as unknown as Pyodide;
  const pyodideVersion = `CPython ${String(py.runPython("import sys; sys.version.split()[0]"))} (pyodide, wasm32)`;

  const results: ProgramResult[] = [];
  for (const [i, p] of programs.entries()) {
    const program = await loadProgram(p.path);
    let n: number;
    if (smoke) n = p.defaultN;
    else {
      progress(`[${i + 1}/${programs.length}] ${p.name}: calibrating n on t1 (about ${seconds} s per timed call)`);
      n = calibrate(program, seconds);
    }
    const warmup = Math.max(1, Math.ceil(n / 10));
    progress(`[${i + 1}/${programs.length}] ${p.name}: n = ${n} (warm-up ${warmup})`);
    const engines = {} as Record<EngineName, Measurement>;
    const note = (e: EngineName, m: Measurement): void => {
      engines[e] = m;
      progress(`  ${e.padEnd(8)} ${m.status === "ok" ? `${m.seconds.toFixed(3)} s, ${fmtRate(m.itersPerSec)} iterations/s` : m.status === "n/a" ? "not found" : `ERROR ${m.error}`}`);
    };
    note("python3", python3 === null ? { status: "n/a", reason: "python3: not found" } : measurePython3(p, n, warmup));
    note("pyodide", await measurePyodide(py, p, n, warmup));
    note("ref", measureEngine("ref", program, n, warmup));
    note("t1", measureEngine("t1", program, n, warmup));
    note("t2 (all passes)", measureEngine("t2 (all passes)", program, n, warmup));
    note("t2 (no passes)", measureEngine("t2 (no passes)", program, n, warmup));
    const sums = ENGINES.flatMap((e) => {
      const m = engines[e];
      return m.status === "ok" ? [[e, m.checksum] as const] : m.status === "error" ? [[e, `<${m.error}>`] as const] : [];
    });
    const checksumOk = sums.length > 0 && sums.every(([, c]) => c === sums[0]![1]);
    if (!checksumOk) {
      process.stderr.write(`\n!!! tierdiff bench: CHECKSUM MISMATCH in ${p.name} (n = ${n}) — the engines disagree:\n`);
      for (const [e, c] of sums) process.stderr.write(`!!!   ${e.padEnd(8)} ${c}\n`);
      process.stderr.write("\n");
    }
    results.push({ name: p.name, n, warmup, engines, checksumOk, checksum: sums[0]?.[1] });
  }

  const baseline: EngineName | null = results.some((r) => r.engines.python3.status === "ok") ? "python3" : results.some((r) => r.engines.pyodide.status === "ok") ? "pyodide" : null;
  const withRatios = results.map((r) => {
    const base = baseline === null ? undefined : r.engines[baseline];
    if (base === undefined || base.status !== "ok") return r;
    const engines = { ...r.engines };
    for (const e of ENGINES) {
      const m = engines[e];
      if (m.status === "ok") engines[e] = { ...m, ratio: m.itersPerSec / base.itersPerSec };
    }
    return { ...r, engines };
  });

  progress(smoke ? "differential fuzz throughput (smoke: 5 cases)" : `differential fuzz throughput (about ${seconds} s)`);
  const fuzz = smoke ? fuzzThroughput({ cases: 5 }) : fuzzThroughput({ seconds, minCases: 10, progress: (d) => progress(`  ${d} cases`) });
  progress("function-version-cache hit rates on the corpus");
  const funcCache = funcCacheHitRates();

  const report: BenchReport = {
    machine: { platform: platform(), arch: arch(), cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "?", node: process.version, loadavg: loadavg().map((x) => Math.round(x * 100) / 100), python3, pyodide: pyodideVersion },
    secondsTarget: seconds,
    smoke,
    baseline,
    programs: withRatios,
    fuzz,
    funcCache,
  };
  process.stdout.write(json ? JSON.stringify(report, null, 2) + "\n" : formatReport(report));
  return results.every((r) => r.checksumOk) ? 0 : 5;
}

// ------------------------------------------------------------------ output

function fmtRate(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toPrecision(3)}M`;
  if (x >= 1e3) return `${(x / 1e3).toPrecision(3)}k`;
  return x.toPrecision(3);
}

function cell(m: Measurement, baseline: EngineName | null, e: EngineName): string {
  if (m.status === "n/a") return m.reason === "python3: not found" ? "" : m.reason;
  if (m.status === "error") return "ERROR";
  return e === baseline || m.ratio === undefined ? fmtRate(m.itersPerSec) : `${fmtRate(m.itersPerSec)} (${fmtRatio(m.ratio)})`;
}

function fmtRatio(r: number): string {
  return `${r >= 10 ? r.toFixed(0) : r >= 0.1 ? r.toFixed(2) : r.toFixed(3)}x`;
}

function geomean(xs: readonly number[]): number {
  return Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
}

export function formatReport(r: BenchReport): string {
  const m = r.machine;
  const out: string[] = [];
  out.push(`tierdiff bench: iterations/s (higher is better), same n on every engine; in parentheses: against ${r.baseline ?? "(no baseline)"}`);
  out.push(`machine: ${m.platform} ${m.arch}, ${m.cpus} x ${m.cpuModel}, node ${m.node}, load average ${m.loadavg.join(" ")}`);
  out.push(`python3: ${m.python3 ?? "not found"}; pyodide: ${m.pyodide}`);
  out.push(r.smoke ? "smoke run: n = each program's N, not calibrated (not a measurement)" : `n calibrated so tier 1's timed call lasts about ${r.secondsTarget} s; one warm-up call of bench(n/10) first`);
  out.push("");
  const header = ["program", "n", ...ENGINES, "checksum"];
  const rows = r.programs.map((p) => [p.name, String(p.n), ...ENGINES.map((e) => cell(p.engines[e], r.baseline, e)), p.checksumOk ? `ok ${truncate(p.checksum ?? "", 14)}` : "MISMATCH"]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  out.push(line(header));
  for (const row of rows) out.push(line(row));
  const t1 = r.programs.flatMap((p) => (p.engines.t1.status === "ok" && p.engines.t1.ratio !== undefined ? [[p.name, p.engines.t1.ratio] as const] : []));
  if (t1.length > 0 && r.baseline !== null) {
    const met = t1.filter(([, x]) => x >= 0.5).length;
    out.push("");
    const target = r.baseline === "python3" ? `${met} of ${t1.length} program(s) at the target >= 0.5x` : "the target (>= 0.5x python3) is not assessed without python3";
    out.push(`tier 1 vs ${r.baseline}: geometric mean ${fmtRatio(geomean(t1.map(([, x]) => x)))}, min ${fmtRatio(Math.min(...t1.map(([, x]) => x)))}, max ${fmtRatio(Math.max(...t1.map(([, x]) => x)))}; ${target}`);
  }
  const t1ref = r.programs.flatMap((p) => (p.engines.t1.status === "ok" && p.engines.ref.status === "ok" ? [p.engines.t1.itersPerSec / p.engines.ref.itersPerSec] : []));
  if (t1ref.length > 0) out.push(`tier 1 vs reference: geometric mean ${fmtRatio(geomean(t1ref))}`);
  // issue 5's speed target: tier 2's uop execution at least as fast as tier 1 (same run, same n)
  for (const e of ["t2 (all passes)", "t2 (no passes)"] as const) {
    const t2t1 = r.programs.flatMap((p) => { const a = p.engines[e]; const b = p.engines.t1; return a.status === "ok" && b.status === "ok" ? [a.itersPerSec / b.itersPerSec] : []; });
    if (t2t1.length === 0) continue;
    out.push(`${e} vs tier 1: geometric mean ${fmtRatio(geomean(t2t1))}, min ${fmtRatio(Math.min(...t2t1))}, max ${fmtRatio(Math.max(...t2t1))}; ${t2t1.filter((x) => x >= 1).length} of ${t2t1.length} program(s) at the target >= 1x`);
  }
  const bad = r.programs.filter((p) => !p.checksumOk);
  if (bad.length > 0) out.push(`CHECKSUM MISMATCH: ${bad.map((p) => p.name).join(", ")} (details on stderr)`);
  out.push("");
  const f = r.fuzz;
  out.push(`differential fuzz throughput: ${f.casesPerSecond.toFixed(0)} cases/s on one core (target >= 1000); ${f.cases} cases (seed ${f.seed}), ${f.failures} failures, ${f.discarded} discarded`);
  out.push(`  per case: generation ${f.generationMs.toFixed(2)} ms, code generation ${f.codegenMs.toFixed(2)} ms, run+compare (incl. codegen) ${f.runMs.toFixed(2)} ms`);
  out.push("");
  out.push("function-version cache on the corpus (lookups at specialized Python calls):");
  out.push(formatHitRates(r.funcCache).trimEnd().replace(/^/gm, "  "));
  return out.join("\n") + "\n";
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}
