/**
 * Running, minimizing and saving stored cases (corpus/store.ts CaseData): the bridge between the
 * corpus and the fuzzing harness. A stored case runs exactly like the differential property runs
 * a generated one (properties/harness/fuzz.ts runGeneratedCase): every configuration side by
 * side, outcomes compared after start, every event and teardown, invariants checked throughout.
 */
import fc from "fast-check";
import type { ProgramDef } from "../engine/bytecode/code.ts";
import { CodeDef, CO_NEWLOCALS } from "../engine/bytecode/code.ts";
import { parseProgram, printProgram } from "../engine/bytecode/asm.ts";
import type { ProgramAst, Stmt } from "../properties/ast/types.ts";
import { compileProgram } from "../properties/ast/codegen.ts";
import { CaseFailure, CaseRun, Discard, type CaseContext } from "../properties/harness/case.ts";
import { caseArb, namesOf, runGeneratedCase, sourceText, type GeneratedCase } from "../properties/harness/fuzz.ts";
import { EventCommand, resolveEvent, type EventSpec, type Names } from "../properties/harness/event-arbs.ts";
import { minimize } from "../properties/harness/minimize.ts";
import { applyEvent } from "../properties/harness/events.ts";
import type { Coverage } from "../properties/harness/coverage.ts";
import {
  caseName, encodeToken, faultSwitches, saveCorpusFile, CORPUS_FORMAT, TIERDIFF_VERSION,
  type CaseData, type CorpusFile, type RecordedFailure, type SaveResult, type StoreFs,
} from "./store.ts";

/** The harness's step budget per case (runGeneratedCase's default). */
export const CASE_STEP_BUDGET = 200_000;

export interface CompiledCase {
  readonly program: ProgramDef;
  readonly names: Names;
  /** Python source (AST cases) */
  readonly source?: string;
}

/**
 * The functions and classes of an AST-less program's __main__ that events can name: module-level
 * code objects (a function's code has CO_NEWLOCALS, a class body's has not; lambdas and
 * comprehensions are skipped).
 */
export function asmNames(program: ProgramDef): Names {
  const main = program.modules[0];
  const functions: { name: string; arity: number }[] = [];
  const classes: string[] = [];
  for (const c of main?.code.consts ?? []) {
    if (!(c instanceof CodeDef) || c.qualname.includes(".") || c.qualname.startsWith("<")) continue;
    if ((c.flags & CO_NEWLOCALS) !== 0) functions.push({ name: c.qualname, arity: c.argcount });
    else classes.push(c.qualname);
  }
  return { functions, classes };
}

/** Compile a case's program (code generator for an AST, assembler for assembly text). */
export function compileCase(c: CaseData): CompiledCase {
  if (c.program !== undefined) {
    const ast = c.program;
    return {
      program: compileProgram(ast),
      names: namesOf(ast),
      get source() {
        return sourceText(ast);
      },
    };
  }
  const program = parseProgram(c.assembly ?? "", "<corpus case>");
  const src = program.modules.filter((m) => m.source !== undefined).map((m) => (program.modules.length > 1 ? `# ---- module ${m.name} (${m.filename})\n` : "") + m.source).join("\n");
  return { program, names: asmNames(program), ...(src !== "" ? { source: src } : {}) };
}

export type Verdict =
  | { readonly status: "passes" }
  | { readonly status: "discarded"; readonly reason: string }
  | { readonly status: "fails"; readonly failure: CaseFailure };

export interface RunCaseOptions {
  /** fault switch names to run with (default: none — NOT the case's recorded faults) */
  readonly faults?: readonly string[];
  readonly coverage?: Coverage;
  readonly stepBudget?: number;
}

/**
 * Run a case once on every configuration. Mirrors runGeneratedCase (same context, same phases,
 * same coverage statuses), but reports why a case was discarded and takes assembly programs too.
 * A program the code generator or assembler rejects throws (CodegenError / AsmError).
 */
export function runCase(c: CaseData, opts: RunCaseOptions = {}): Verdict {
  const compiled = compileCase(c);
  const switches = faultSwitches(opts.faults ?? []);
  const ctx: CaseContext = {
    program: compiled.program,
    get source() {
      return compiled.source;
    },
    params: c.params,
    names: compiled.names,
    stepBudget: opts.stepBudget ?? CASE_STEP_BUDGET,
    ...switches,
    ...(opts.coverage !== undefined ? { coverage: opts.coverage } : {}),
  };
  try {
    const run = new CaseRun(ctx);
    run.start();
    for (const e of c.events) run.apply(resolveEvent(e, run.names));
    run.finish();
    opts.coverage?.count(opts.coverage.statuses, "compared");
    return { status: "passes" };
  } catch (e) {
    if (e instanceof Discard) {
      opts.coverage?.count(opts.coverage.statuses, e.status);
      return { status: "discarded", reason: e.reason };
    }
    if (e instanceof CaseFailure) return { status: "fails", failure: e };
    throw e;
  }
}

/**
 * A failure without its phase: "invariant broken in t1[borrowed]", "t1[weak] differs from the
 * reference", "internal error in t1[borrowed]", "leak after teardown in ref". The minimizer keeps
 * a deletion only while the case fails the same way (events may move, so the phase may change).
 */
export function failureKind(what: string): string {
  return what.replace(/ (?:at|after) (?:start|teardown|event \d+: .*)$/s, "");
}

export function recordFailure(f: CaseFailure): RecordedFailure {
  return { kind: failureKind(f.what), what: f.what, report: f.report };
}

/** The events of a generated case (fast-check wraps its commands). */
export function eventSpecsOf(g: GeneratedCase): EventSpec[] {
  return [...g.commands].map((c) => ((c as unknown as { cmd?: EventCommand }).cmd ?? (c as EventCommand)).spec);
}

export function caseFromGenerated(g: GeneratedCase, faults: readonly string[] = []): CaseData {
  return { program: g.program, events: eventSpecsOf(g), params: g.params, faults: [...faults] };
}

export function generatedFromCase(c: CaseData): GeneratedCase {
  if (c.program === undefined) throw new Error("generatedFromCase: an assembly case has no AST");
  return { program: c.program, params: c.params, commands: c.events.map((e) => new EventCommand(e)) };
}

/**
 * The case the differential property (caseArb) generates at a fast-check seed and path — the
 * same value `fc.assert(differentialProperty(), {seed, path})` runs (tested in
 * corpus/store.test.ts). `tierdiff fuzz` generates its cases this way.
 */
export function caseAtSeed(seed: number, path: string): GeneratedCase {
  const v = fc.sample(caseArb(), { seed, path, numRuns: 1 })[0];
  if (v === undefined) throw new Error(`no case at seed ${seed} path ${path}`);
  return v;
}

/**
 * fast-check's own shrinking of the case at (seed, path) under the fault switches: replays that
 * case and shrinks it while it fails. Returns undefined when it does not fail.
 */
export function shrinkAtSeed(seed: number, path: string, faults: readonly string[]): GeneratedCase | undefined {
  const sw = faultSwitches(faults);
  const r = fc.check(fc.property(caseArb(), (c) => {
    runGeneratedCase(c, sw);
  }), { seed, path, numRuns: 1 });
  return r.failed && r.counterexample !== null ? r.counterexample[0] : undefined;
}

/** Statements of a program AST, counted recursively (a case's size). */
export function statementCount(p: ProgramAst): number {
  const count = (b: readonly Stmt[]): number => b.reduce((n, s) => {
    let k = 1;
    if (s.k === "if") k += count(s.body) + count(s.orelse);
    else if (s.k === "while" || s.k === "for" || s.k === "def" || s.k === "class") k += count(s.body);
    else if (s.k === "try") k += count(s.body) + s.handlers.reduce((m, h) => m + count(h.body), 0) + count(s.orelse ?? []) + count(s.final ?? []);
    return n + k;
  }, 0);
  return p.modules.reduce((n, m) => n + count(m.body), 0);
}

/** A case's size for humans: statements (AST) or instructions (assembly). */
export function caseSize(c: CaseData): string {
  if (c.program !== undefined) return `${statementCount(c.program)} stmts`;
  const lines = (c.assembly ?? "").split("\n").filter((l) => /^\s+(?:\S+\s+)?(?:L\d+:\s+)?[A-Z_]{3,}/.test(l) && !l.trim().startsWith("."));
  return `${lines.length} instrs`;
}

/**
 * Minimize a failing case while it keeps failing with the same kind (under `faults`): deletes
 * statements (AST cases) and events. Returns the smaller case (or the same one).
 */
export function minimizeCase(c: CaseData, faults: readonly string[], kind: string, maxAttempts = 1000): { case: CaseData; attempts: number } {
  const failsSame = (cand: CaseData): boolean => {
    const v = runCase(cand, { faults });
    return v.status === "fails" && failureKind(v.failure.what) === kind;
  };
  if (c.program !== undefined) {
    const m = minimize(c.program, c.events, (p, e) => failsSame({ ...c, program: p, events: e }), maxAttempts);
    return { case: { ...c, program: m.program, events: [...m.events] }, attempts: m.attempts };
  }
  // an assembly program: events only
  let events = [...c.events];
  let attempts = 0;
  for (let i = events.length - 1; i >= 0 && attempts < maxAttempts; i--) {
    const cand = events.filter((_, j) => j !== i);
    attempts++;
    if (failsSame({ ...c, events: cand })) events = cand;
  }
  return { case: { ...c, events }, attempts };
}

export interface FileMeta {
  readonly origin: string;
  readonly note?: string;
  readonly failure: RecordedFailure | null;
  readonly seedToken?: string;
  /** ISO date (tests fix it) */
  readonly date?: string;
}

export function makeCorpusFile(c: CaseData, meta: FileMeta): CorpusFile {
  const compiled = compileCase(c);
  return {
    format: CORPUS_FORMAT,
    name: caseName(c),
    tierdiff: TIERDIFF_VERSION,
    date: meta.date ?? new Date().toISOString(),
    origin: meta.origin,
    ...(meta.note !== undefined ? { note: meta.note } : {}),
    failure: meta.failure,
    token: encodeToken(c),
    ...(meta.seedToken !== undefined ? { seedToken: meta.seedToken } : {}),
    ...(compiled.source !== undefined ? { python: compiled.source } : {}),
    case: c,
    asm: c.assembly ?? printProgram(compiled.program),
  };
}

export interface SavedFailure extends SaveResult {
  readonly case: CaseData;
  readonly token: string;
  readonly failure: RecordedFailure;
  readonly minimizerAttempts: number;
}

/**
 * A failure found by `npm test` or `tierdiff fuzz`: minimize the case while it fails the same way
 * (under the faults it was found with), then save it to the corpus. Returns undefined when the
 * case does not fail when re-run (a nondeterministic failure: reported by the caller).
 */
export function saveFailure(c: CaseData, opts: { dir: string; origin: string; seedToken?: string; maxAttempts?: number; fs?: StoreFs; date?: string }): SavedFailure | undefined {
  const first = runCase(c, { faults: c.faults });
  if (first.status !== "fails") return undefined;
  const kind = failureKind(first.failure.what);
  const m = minimizeCase(c, c.faults, kind, opts.maxAttempts);
  const again = runCase(m.case, { faults: c.faults });
  const failure = recordFailure(again.status === "fails" ? again.failure : first.failure);
  const small = again.status === "fails" ? m.case : c;
  const file = makeCorpusFile(small, {
    origin: opts.origin, failure,
    ...(opts.seedToken !== undefined ? { seedToken: opts.seedToken } : {}),
    ...(opts.date !== undefined ? { date: opts.date } : {}),
  });
  const saved = saveCorpusFile(opts.dir, file, opts.fs !== undefined ? { fs: opts.fs } : {});
  return { ...saved, case: small, token: file.token, failure, minimizerAttempts: m.attempts };
}

/**
 * Why a case cannot be in the corpus (null: it can): its program must compile and pass the
 * verifier, and the reference interpreter must run every phase (start, the events, teardown)
 * without an internal error, within the step budget and inside the modeled subset.
 */
export function rejectReason(c: CaseData): string | null {
  let compiled: CompiledCase;
  try {
    compiled = compileCase(c);
  } catch (e) {
    return `the program does not compile: ${(e as Error).message}`;
  }
  let run: CaseRun;
  try {
    run = new CaseRun({ program: compiled.program, params: c.params, names: compiled.names, stepBudget: CASE_STEP_BUDGET });
  } catch (e) {
    return `${(e as Error).name === "VerifyError" ? "" : "cannot set up the run: "}${(e as Error).message}`;
  }
  const s = run.sessions[0]!;
  const engine = run.engines[0]!;
  const results = [s.start()];
  for (const e of c.events) {
    const ev = resolveEvent(e, compiled.names);
    results.push(s.step(() => applyEvent(s, engine, ev)));
  }
  results.push(s.finish());
  for (const r of results) {
    const o = r.outcome;
    if (o.status === "internal-error") return `the reference interpreter fails on it (internal error): ${o.internalError ?? ""}`;
    if (o.status === "unsupported") return `it uses something tierdiff does not model: ${o.internalError ?? ""}`;
    if (o.status === "budget") return `the reference runs out of its step budget (${CASE_STEP_BUDGET} steps): such cases are never compared`;
  }
  return null;
}
