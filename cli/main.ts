/**
 * tierdiff command line. Every command has --help; bad flags and bad input files give one clear
 * line on stderr and exit status 2 — never a stack trace. Exit statuses of `run`:
 * 0 ok, 1 uncaught Python exception (like python3), 2 usage or input error, 3 step budget
 * exhausted, 4 internal error in the engine (a bug: please report it), 5 configurations disagree.
 */
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs, UsageError } from "./args.ts";
import { loadProgram, LoadError } from "./load.ts";
import { formatTraceback, formatUnraisable } from "./traceback.ts";
import { runReference, formatLeaks, type RunResult } from "../oracles/reference/run.ts";
import { runTier1 } from "../engine/tier1/run.ts";
import { passesOf, tier2ParamsProblem } from "../engine/tier2/params.ts";
import { cmdSelftest, SELFTEST_HELP } from "./selftest.ts";
import { compareOutcomes } from "../oracles/outcome.ts";
import { VerifyError } from "../engine/bytecode/verify.ts";
import { AsmError, printProgram } from "../engine/bytecode/asm.ts";
import { disassembleProgram } from "../engine/bytecode/dis.ts";
import { FUZZ_HELP, REPLAY_HELP, CORPUS_HELP } from "./help-corpus.ts";

const EXIT = { ok: 0, exception: 1, usage: 2, budget: 3, internal: 4, diverged: 5 } as const;

interface Command {
  readonly summary: string;
  readonly help: string;
  readonly run?: (argv: readonly string[]) => Promise<number>;
  /** what issue builds it, for commands not built yet */
  readonly planned?: string;
}

const COMMANDS: Record<string, Command> = {
  run: {
    summary: "run a program (.py or tierdiff assembly) and print its output like python3",
    help: `usage: tierdiff run <program> [--config ref|t1|t2|all] [--threshold N] [--passes P] [--compile-after N] [--executors]
                    [--cpython] [--json] [--stats] [--budget N] [--leaks] [-m module.py ...]

Runs <program> on the chosen configuration. A .py file is compiled by real CPython 3.14
(pyodide, offline) and run unchanged; any other file is read as tierdiff assembly.
The program's print output goes to stdout, byte-identical to CPython's; an uncaught
exception is printed as a traceback on stderr (exit status 1).

  --config C       configuration(s) to run: ref (reference interpreter), t1 (tier 1,
                   the specializing adaptive interpreter), t2 (tier 2 on top of tier 1:
                   hot loops become executors) or all (every configuration, compared;
                   stdout printed once when they agree, a divergence summary on stderr
                   and exit 5 when they do not)
  --threshold N    tier 2: backedge and side-exit threshold (CPython 3.14: 4096, the default;
                   small values put short programs' loops on tier 2)
  --passes P       tier 2 optimizer passes: all (default), none, globals, types, removeUnneeded
  --compile-after N  tier 2: entries + loop-backs an executor is interpreted for before it is
                   compiled to one JavaScript function (default 16; 0 compiles at once)
  --executors      tier 2: print every executor at the end of the program (before teardown)
                   like _opcode.get_executor: uop, oparg, target, operand; stop reason, exits
                   and their temperatures, dependencies, what the optimizer removed
  --stats          print tier 1's specialization statistics per family (and tier 2's:
                   traces, stop reasons, exits, invalidations, removals) on stderr
  --cpython        also run the program in real CPython 3.14 (pyodide, offline) and compare
                   its outcome with every configuration's (exit 5 when any differs); needs
                   Python source: a .py file or a .tda written by import-py
  --json           print the whole outcome (value, stdout, exception, __del__ order,
                   globals) as JSON on stdout instead
  --budget N       step budget: instructions executed before giving up (default 10000000);
                   exhausting it exits with status 3
  --leaks          report objects that survived teardown on stderr (and exit 4 if any)
  --module F.py    an extra Python module the program can import (repeatable; .py only)

exit status: 0 ok, 1 uncaught exception, 2 usage/input error, 3 budget exhausted,
             4 internal engine error or leak, 5 configurations disagree

example: tierdiff run corpus/cases/closures.py --json`,
    run: cmdRun,
  },
  dis: {
    summary: "print a CPython-dis-style listing of a program",
    help: `usage: tierdiff dis <program> [--asm] [--adaptive] [--caches]

Prints a listing of every code object in the style of CPython's dis module.
  --asm        print the program as editable tierdiff assembly instead (what 'import-py' writes)
  --adaptive   run the program on tier 1 first and list the specialized instructions it left
               behind, like dis.dis(adaptive=True) (code that never ran is listed as loaded)
  --caches     also print the inline cache entries (dis show_caches=True)

example: tierdiff dis corpus/cases/closures.tda`,
    run: cmdDis,
  },
  "import-py": {
    summary: "compile Python source with real CPython 3.14 into a tierdiff program",
    help: `usage: tierdiff import-py <file.py> [-o out.tda] [--module other.py ...]

Compiles <file.py> (and any --module files it imports) with CPython 3.14 (pyodide, offline)
and writes the code objects, unchanged, as tierdiff assembly (stdout, or -o FILE).
Constructs outside the supported subset are rejected with the line, construct and opcode.

example: tierdiff import-py prog.py -o prog.tda`,
    run: cmdImport,
  },
  fidelity: {
    summary: "compare tier 1's specialized instructions with CPython 3.14's after the same run",
    help: `usage: tierdiff fidelity <program>... [--min PERCENT] [--json]

Specializer fidelity: runs each program once in real CPython 3.14 (pyodide, offline) and once
on tier 1 (a fresh runtime per program), then compares, per code object and instruction by
instruction, the specialized opname each left behind (what dis.dis(adaptive=True) shows, e.g.
LOAD_ATTR_INSTANCE_VALUE or BINARY_OP_ADD_INT). The program's module body is the warm-up: it
calls its functions as often as it likes. A <program> is a .py file or a directory holding
main.py and the modules it imports.

Prints one line per program (agreement over the instructions of specializable families), every
disagreement as  file:qualname+offset: cpython=X tierdiff=Y , the instructions not compared and
why (a LOAD_CONST of a string that earlier programs in the same CPython process interned
immortal: its form depends on that history, tier 1 models a fresh interpreter), and the overall
agreement. Notes flag runs that diverged (different output, tier 1 did not finish).

  --min PERCENT  the threshold for the overall agreement (default 95)
  --json         print the reports as JSON instead

exit status: 0 agreement >= threshold, 1 below it, 2 usage/input error (bad flag, unreadable
             file, construct outside the subset, tier 1 ran out of budget), 4 internal engine error

example: tierdiff fidelity corpus/fidelity/*.py corpus/fidelity/modules --min 99`,
    run: cmdFidelity,
  },
  // fuzz, replay, corpus: help texts next to their code; loaded on use (they pull in the harness)
  fuzz: {
    summary: "fuzzing campaigns in worker threads (status lines, failures saved to the corpus)",
    help: FUZZ_HELP,
    run: async (argv) => (await import("./fuzz.ts")).cmdFuzz(argv),
  },
  replay: {
    summary: "replay a saved failure or token and localize the divergence",
    help: REPLAY_HELP,
    run: async (argv) => (await import("./replay.ts")).cmdReplay(argv),
  },
  corpus: {
    summary: "add, list and minimize corpus cases (corpus/found)",
    help: CORPUS_HELP,
    run: async (argv) => (await import("./corpus-cmd.ts")).cmdCorpus(argv),
  },
  selftest: { summary: "run the fuzzer against the fault catalog and print what it found", help: SELFTEST_HELP, run: cmdSelftest },
  bench: {
    summary: "benchmarks: python3, pyodide, ref, t1, t2 side by side (iterations/s, checksums)",
    help: `usage: tierdiff bench [--programs a,b] [--seconds S] [--smoke] [--json]

Benchmarks (never a test: nothing fails on speed; numbers vary with the machine and its load).
For each program in corpus/bench/*.py (each defines bench(n) returning a checksum), measures
iterations/s with the same n on: python3 (the machine's, if present), pyodide (CPython 3.14
in WebAssembly), ref (reference interpreter), t1 (tier 1), and tier 2's columns "t2 (all
passes)" and "t2 (no passes)" (n/a until issue 5). Each engine runs one warm-up call of
bench(n/10), then one timed call of bench(n). The table shows iterations/s, the ratio of each
engine against python3 (against pyodide when there is no python3) and whether every engine
returned the same checksum. Then the differential fuzzing throughput (cases/s) and the
function-version-cache variants' hit rates on the corpus. Progress goes to stderr.

  --programs a,b   only these programs (names of corpus/bench/*.py without .py)
  --seconds S      target time per measurement (default 1): n is scaled so tier 1's timed
                   call lasts about S seconds (python3 usually finishes sooner); the fuzz
                   throughput is measured for about S seconds too
  --smoke          quick check instead of a measurement: n = each program's own N (no
                   calibration), 5 fuzz cases
  --json           print the results as JSON on stdout instead of the table

exit status: 0 done, 2 usage error, 5 an engine returned a different checksum

example: tierdiff bench --programs fib,calls --seconds 0.5`,
    // loaded on use: the benchmark pulls in the fuzzing harness
    run: async (argv) => (await import("./bench.ts")).cmdBench(argv),
  },
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}${c.planned !== undefined ? "  [not built yet]" : ""}`);
  return `usage: tierdiff <command> [options]   (tierdiff <command> --help for details)\n\ncommands:\n${rows.join("\n")}\n`;
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const cmd = COMMANDS[name];
  if (cmd === undefined) {
    process.stderr.write(`tierdiff: unknown command '${name}'\n${usage()}`);
    return EXIT.usage;
  }
  if (cmd.run === undefined) {
    process.stderr.write(`tierdiff ${name}: not built yet (planned in ${cmd.planned})\n`);
    return EXIT.usage;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(cmd.help + "\n");
    return EXIT.ok;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError || e instanceof LoadError || e instanceof VerifyError || e instanceof AsmError || isImportError(e)) {
      process.stderr.write(`${(e as Error).message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`tierdiff ${name}: internal error (a tierdiff bug, please report it): ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    return EXIT.internal;
  }
}

function isImportError(e: unknown): boolean {
  return e instanceof Error && e.name === "ImportPyError";
}

const CONFIGS = ["ref", "t1", "t2"] as const;
type Config = (typeof CONFIGS)[number];
const PASS_CHOICES = ["all", "none", "globals", "types", "removeUnneeded"] as const;

interface T2Choice {
  readonly threshold: number;
  readonly passes: (typeof PASS_CHOICES)[number];
  readonly compileAfter: number;
}

function runConfig(config: Config, program: Parameters<typeof runReference>[0], budget: number | undefined, t2: T2Choice): RunResult & { stats?: string; executors?: string } {
  const opts = budget !== undefined ? { stepBudget: budget } : {};
  if (config === "ref") return runReference(program, opts);
  if (config === "t1") {
    const r = runTier1(program, opts);
    return { ...r, stats: r.engine.stats.format() };
  }
  let executors = "";
  const passes = passesOf(t2.passes);
  const r = runTier1(program, {
    ...opts,
    tier2: { params: { backedgeThreshold: t2.threshold, sideExitThreshold: t2.threshold, ...(t2.threshold < 64 ? { backedgeBackoff: 2, sideExitBackoff: 2 } : {}), passes, compileAfter: t2.compileAfter } },
    beforeTeardown: (e) => {
      executors = e.tier2!.listing();
    },
  });
  return { ...r, stats: `${r.engine.stats.format()}${r.engine.tier2!.stats.format()}\n`, executors };
}

async function cmdRun(argv: readonly string[]): Promise<number> {
  const a = parseArgs(argv, { config: "string", json: "boolean", budget: "int", leaks: "boolean", module: "string", m: "string", stats: "boolean", cpython: "boolean", executors: "boolean", threshold: "int", passes: "string", "compile-after": "int" }, "run");
  if (a.positional.length !== 1) throw new UsageError("tierdiff run: expected exactly one program file (see 'tierdiff run --help')");
  const requested = (a.flags.get("config") as string | undefined) ?? "ref";
  let configs: Config[];
  if (requested === "all") configs = [...CONFIGS];
  else if ((CONFIGS as readonly string[]).includes(requested)) configs = [requested as Config];
  else throw new UsageError(`tierdiff run: unknown configuration '${requested}' (expected ref, t1, t2 or all)`);
  const passes = (a.flags.get("passes") as string | undefined) ?? "all";
  if (!(PASS_CHOICES as readonly string[]).includes(passes)) throw new UsageError(`tierdiff run: unknown --passes '${passes}' (expected ${PASS_CHOICES.join(", ")})`);
  const threshold = (a.flags.get("threshold") as number | undefined) ?? 4096;
  if (threshold < 1 || threshold > 4096) throw new UsageError(`tierdiff run: --threshold must be between 1 and 4096, got ${threshold}`);
  if (a.flags.get("executors") === true && !configs.includes("t2")) throw new UsageError("tierdiff run: --executors needs --config t2 or all");
  const compileAfter = (a.flags.get("compile-after") as number | undefined) ?? 16;
  const problem = tier2ParamsProblem({ compileAfter });
  if (problem !== undefined) throw new UsageError(`tierdiff run: --compile-after: ${problem}`);
  const t2choice: T2Choice = { threshold, passes: passes as T2Choice["passes"], compileAfter };
  const extra = [a.flags.get("module"), a.flags.get("m")].filter((x): x is string => typeof x === "string");
  const program = await loadProgram(a.positional[0]!, extra);
  const budget = a.flags.get("budget") as number | undefined;
  const results = configs.map((c) => ({ config: c, ...runConfig(c, program, budget, t2choice) }));
  if (a.flags.get("executors") === true) for (const r of results) if (r.executors !== undefined) process.stderr.write(`executors at the end of the program [${r.config}]\n${r.executors}\n`);
  const first = results[0]!;
  const o = first.outcome;
  const disagreements: { config: string; diffs: ReturnType<typeof compareOutcomes> }[] = results.slice(1).map((r) => ({ config: r.config as string, diffs: compareOutcomes(o, r.outcome) })).filter((d) => d.diffs.length > 0);
  if (a.flags.get("cpython") === true) {
    // real CPython 3.14 (pyodide) runs the same Python source; every configuration is compared with it
    const missing = program.modules.filter((m) => m.source === undefined).map((m) => m.name);
    if (missing.length > 0) throw new UsageError(`tierdiff run --cpython: no Python source for module(s) ${missing.join(", ")} (run a .py file, or a .tda written by import-py)`);
    const { runInCPython } = await import("../oracles/cpython/run.ts");
    const cpy = await runInCPython(program.modules.map((m) => ({ name: m.name, filename: m.filename, source: m.source! })));
    for (const r of results) {
      const diffs = compareOutcomes(cpy, r.outcome);
      if (diffs.length > 0) disagreements.push({ config: `cpython vs ${r.config}`, diffs });
    }
    if (disagreements.length === 0) process.stderr.write(`tierdiff run: CPython 3.14 agrees with ${configs.join(", ")}\n`);
  }
  const leakText = a.flags.get("leaks") === true ? results.filter((r) => r.leaks.length > 0).map((r) => `[${r.config}]\n${formatLeaks(r.leaks)}\n`).join("") : "";
  if (a.flags.get("json") === true) {
    const doc = results.map((r) => ({ config: r.config, ...r.outcome, leaks: r.leaks, steps: r.steps }));
    process.stdout.write(JSON.stringify(doc.length === 1 ? doc[0] : doc, null, 2) + "\n");
  } else {
    process.stdout.write(o.stdout);
    process.stderr.write(formatUnraisable(o));
    if (o.exception !== undefined) process.stderr.write(formatTraceback(o.exception));
  }
  if (a.flags.get("stats") === true) for (const r of results) if (r.stats !== undefined) process.stderr.write(`specialization statistics [${r.config}]\n${r.stats}`);
  process.stderr.write(leakText);
  if (disagreements.length > 0) {
    for (const d of disagreements) {
      const [left, right] = d.config.startsWith("cpython vs ") ? ["cpython", d.config.slice(11)] : [first.config as string, d.config];
      process.stderr.write(`tierdiff run: ${left} and ${right} DISAGREE:\n`);
      for (const x of d.diffs) process.stderr.write(`  ${x.field}\n    ${left}: ${x.left}\n    ${right}: ${x.right}\n`);
    }
    return EXIT.diverged;
  }
  if (o.status === "budget") {
    process.stderr.write(`tierdiff run: step budget exhausted after ${first.steps} instructions (raise it with --budget)\n`);
    return EXIT.budget;
  }
  if (o.status === "unsupported") {
    process.stderr.write(`tierdiff run: ${o.internalError}\n`);
    return EXIT.internal;
  }
  if (o.status === "internal-error") {
    process.stderr.write(`tierdiff run: internal error in the engine (a bug): ${o.internalError}\n`);
    return EXIT.internal;
  }
  if (leakText !== "") return EXIT.internal;
  return o.status === "exception" ? EXIT.exception : EXIT.ok;
}

async function cmdDis(argv: readonly string[]): Promise<number> {
  const a = parseArgs(argv, { asm: "boolean", adaptive: "boolean", caches: "boolean", budget: "int" }, "dis");
  if (a.positional.length !== 1) throw new UsageError("tierdiff dis: expected exactly one program file (see 'tierdiff dis --help')");
  const program = await loadProgram(a.positional[0]!);
  if (a.flags.get("asm") === true) {
    process.stdout.write(printProgram(program));
    return EXIT.ok;
  }
  const showCaches = a.flags.get("caches") === true;
  if (a.flags.get("adaptive") === true) {
    const budget = a.flags.get("budget") as number | undefined;
    const r = runTier1(program, budget !== undefined ? { stepBudget: budget } : {});
    process.stdout.write(disassembleProgram(program, { showCaches, adaptiveOf: (c) => r.engine.adaptive.get(c) }));
    return EXIT.ok;
  }
  process.stdout.write(disassembleProgram(program, { showCaches }));
  return EXIT.ok;
}

async function cmdImport(argv: readonly string[]): Promise<number> {
  const a = parseArgs(argv, { o: "string", output: "string", module: "string" }, "import-py");
  if (a.positional.length !== 1 || !a.positional[0]!.endsWith(".py")) throw new UsageError("tierdiff import-py: expected exactly one .py file (see 'tierdiff import-py --help')");
  const extra = typeof a.flags.get("module") === "string" ? [a.flags.get("module") as string] : [];
  const program = await loadProgram(a.positional[0]!, extra);
  const text = printProgram(program);
  const out = (a.flags.get("o") ?? a.flags.get("output")) as string | undefined;
  if (out === undefined) process.stdout.write(text);
  else writeFileSync(out, text);
  return EXIT.ok;
}

/** A fidelity program: a .py file, or a directory with main.py (the entry) and the modules it imports. */
function fidelityFiles(path: string): { files: string[]; paths: string[] } {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    throw new LoadError(`tierdiff: cannot read '${path}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (!isDir) {
    if (!path.endsWith(".py")) throw new UsageError(`tierdiff fidelity: '${path}' is not a .py file or a directory with main.py`);
    return { files: [path], paths: [path] };
  }
  const py = readdirSync(path).filter((f) => f.endsWith(".py")).sort();
  if (!py.includes("main.py")) throw new UsageError(`tierdiff fidelity: directory '${path}' has no main.py`);
  const files = ["main.py", ...py.filter((f) => f !== "main.py")].map((f) => join(path, f));
  return { files, paths: files };
}

async function cmdFidelity(argv: readonly string[]): Promise<number> {
  const a = parseArgs(argv, { json: "boolean", min: "string" }, "fidelity");
  if (a.positional.length === 0) throw new UsageError("tierdiff fidelity: expected one or more programs (.py files or directories with main.py; see 'tierdiff fidelity --help')");
  const minText = (a.flags.get("min") as string | undefined) ?? "95";
  if (!/^\d+(\.\d+)?$/.test(minText) || Number(minText) > 100) throw new UsageError(`tierdiff fidelity: option '--min' needs a percentage between 0 and 100, got '${minText}'`);
  const min = Number(minText);
  // every argument is checked before pyodide loads
  const inputs = a.positional.map((p) => ({ program: p, ...fidelityFiles(p) }));
  const { readPythonFiles } = await import("../oracles/cpython/import.ts");
  const { checkFidelity, formatFidelity, summarize } = await import("../oracles/cpython/adaptive.ts");
  const reports = [];
  for (const inp of inputs) {
    let modules;
    try {
      modules = readPythonFiles(inp.files);
    } catch (e) {
      throw new LoadError(`tierdiff: cannot read '${inp.program}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    reports.push(await checkFidelity({ program: inp.program, modules, paths: inp.paths }));
  }
  const s = summarize(reports);
  const ok = s.agreement >= min;
  if (a.flags.get("json") === true) {
    process.stdout.write(JSON.stringify({ agreement: s.agreement, agree: s.agree, compared: s.compared, min, ok, programs: reports }, null, 2) + "\n");
  } else {
    process.stdout.write(formatFidelity(reports, min));
  }
  if (reports.some((r) => r.status === "internal-error")) return EXIT.internal;
  const bad = reports.find((r) => r.status === "unsupported" || r.status === "budget");
  if (bad !== undefined) {
    process.stderr.write(`tierdiff fidelity: ${bad.program}: tier 1 could not run it to the end (${bad.status}); fidelity programs must stay inside the subset and the step budget\n`);
    return EXIT.usage;
  }
  return ok ? EXIT.ok : EXIT.exception;
}
