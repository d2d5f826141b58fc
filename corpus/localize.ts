/**
 * Replay with divergence localization (`tierdiff replay`).
 *
 * Every configuration counts the same steps (one per instruction executed) for the same program
 * and events, and each stops with a snapshot of its frames (engine/vm/snapshot.ts) when its step
 * budget runs out. So a divergence is localized by bisection over the step budget: run every
 * configuration with exactly k steps and compare what they did (outcomes of the phases so far,
 * the frames where they stopped, the invariants at that point); the smallest k where they
 * differ is the step that made them part. The report names the phase (start, event, teardown)
 * after which the outcomes first differ, the step, the instruction being executed (and its
 * specialized form in tier 1), the frames, locals and stack that differ on both sides, the
 * invariant that broke, and a dis listing around the instruction; `--trace` adds the snapshots of
 * the last steps before the divergence side by side. The output never depends on time or
 * addresses: replaying twice prints the same bytes.
 */
import { CodeDef, type ProgramDef } from "../engine/bytecode/code.ts";
import { disassembleOne, disInstructions, opnameOf } from "../engine/bytecode/dis.ts";
import type { FrameSnapshot } from "../engine/vm/snapshot.ts";
import { formatExecutor, LEFT_MARK } from "../engine/tier2/executor.ts";
import { compareOutcomes } from "../oracles/outcome.ts";
import type { PhaseResult } from "../oracles/session.ts";
import { formatLeaks, type Leak } from "../oracles/invariants/leaks.ts";
import { CaseRun } from "../properties/harness/case.ts";
import { applyEvent, eventSource } from "../properties/harness/events.ts";
import { resolveEvent } from "../properties/harness/event-arbs.ts";
import { describeError } from "../oracles/reference/run.ts";
import { CASE_STEP_BUDGET, caseSize, compileCase, runCase, type CompiledCase, type Verdict } from "./case-run.ts";
import { caseName, encodeToken, faultSwitches, type CaseData } from "./store.ts";

interface ConfigRun {
  readonly name: string;
  readonly phases: PhaseResult[];
  /** steps counted after each phase */
  readonly steps: number[];
  /** frames where the budget ran out (null: it did not) */
  readonly frames: readonly FrameSnapshot[] | null;
  /** the phase in which the budget ran out */
  readonly stoppedIn: number | null;
  /** invariant problems checked where the budget ran out */
  readonly invariantsAtStop: readonly string[];
  readonly leaks: readonly Leak[];
  /** adaptive (specialized) code units per code object, when the configuration has them */
  readonly adaptive?: (code: CodeDef) => Uint16Array | undefined;
  /** tier 2: listings of the live executors of a function (as `run --executors` prints them) */
  readonly executorsOf?: (qualname: string) => string[];
}

interface Probe {
  readonly budget: number;
  readonly configs: ConfigRun[];
}

export interface Difference {
  readonly config: string;
  readonly what: string;
  readonly ref?: string;
  readonly other?: string;
}

/** Phases: 0 = start, 1..n = the events, n + 1 = teardown. */
function phaseLabel(c: CaseData, compiled: CompiledCase, p: number): string {
  if (p === 0) return "start";
  if (p > c.events.length) return "teardown";
  return `event ${p}: ${eventSource(resolveEvent(c.events[p - 1]!, compiled.names))}`;
}

/** Run every configuration through phases 0..last with a step budget (exact: the same for all). */
function probe(c: CaseData, compiled: CompiledCase, faults: readonly string[], budget: number, exact: boolean, last: number): Probe {
  const sw = faultSwitches(faults);
  const run = new CaseRun({
    program: compiled.program, params: c.params, names: compiled.names, stepBudget: budget,
    ...(exact ? { exactBudget: true } : {}), ...sw,
  });
  const configs = run.engines.map((engine, i): ConfigRun => {
    const s = run.sessions[i]!;
    const phases: PhaseResult[] = [];
    const steps: number[] = [];
    let leaks: readonly Leak[] = [];
    let stoppedIn: number | null = null;
    let invariantsAtStop: readonly string[] = [];
    for (let p = 0; p <= last; p++) {
      let r: PhaseResult;
      if (p === 0) r = s.start();
      else if (p <= c.events.length) {
        const e = resolveEvent(c.events[p - 1]!, compiled.names);
        r = s.step(() => applyEvent(s, engine, e));
      } else {
        const f = s.finish();
        leaks = f.leaks;
        r = f;
      }
      phases.push(r);
      steps.push(engine.steps());
      if (stoppedIn === null && s.budgetFrames !== null) {
        stoppedIn = p;
        try {
          invariantsAtStop = engine.checkInvariants();
        } catch (e) {
          invariantsAtStop = [`invariant checker failed: ${describeError(e)}`];
        }
      }
    }
    const t1 = engine.tier1;
    const t2 = t1?.tier2 ?? null;
    return {
      name: engine.name, phases, steps, frames: s.budgetFrames, stoppedIn, invariantsAtStop, leaks,
      ...(t1 !== undefined ? { adaptive: (code: CodeDef) => t1.adaptive.get(code) } : {}),
      ...(t2 !== null ? { executorsOf: (q: string) => [...t2.live].filter((e) => e.code.def.qualname === q).map((e, i) => formatExecutor(e, `executor ${i}`)) } : {}),
    };
  });
  return { budget, configs };
}

function sameFrames(a: readonly FrameSnapshot[] | null, b: readonly FrameSnapshot[] | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The first phase where the configurations differ in a probe, and how (null: they agree). */
function compareProbe(pr: Probe): { phase: number; diffs: Difference[] } | null {
  const ref = pr.configs[0]!;
  for (let p = 0; p < ref.phases.length; p++) {
    const diffs: Difference[] = [];
    pr.configs.forEach((cfg, i) => {
      const r = cfg.phases[p]!;
      if (r.outcome.status === "internal-error") diffs.push({ config: cfg.name, what: "internal error", other: r.outcome.internalError ?? "" });
      for (const v of r.invariants) diffs.push({ config: cfg.name, what: "invariant broken", other: v });
      if (cfg.stoppedIn === p) for (const v of cfg.invariantsAtStop) diffs.push({ config: cfg.name, what: "invariant broken", other: v });
      if (p === ref.phases.length - 1 && cfg.leaks.length > 0 && cfg.stoppedIn === null) diffs.push({ config: cfg.name, what: "leak after teardown", other: formatLeaks(cfg.leaks) });
      if (i === 0) return;
      for (const d of compareOutcomes(ref.phases[p]!.outcome, r.outcome)) diffs.push({ config: cfg.name, what: `outcome field ${d.field}`, ref: d.left, other: d.right });
      if (ref.stoppedIn === p && cfg.stoppedIn === p && !sameFrames(ref.frames, cfg.frames)) diffs.push({ config: cfg.name, what: "frames" });
    });
    if (diffs.length > 0) {
      const seen = new Set<string>();
      return { phase: p, diffs: diffs.filter((d) => !seen.has(JSON.stringify(d)) && seen.add(JSON.stringify(d)) !== undefined) };
    }
    const st = ref.phases[p]!.outcome.status;
    if (st === "budget" || st === "unsupported" || st === "internal-error") return null;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Presentation

function allCode(program: ProgramDef): CodeDef[] {
  const out: CodeDef[] = [];
  const visit = (c: CodeDef): void => {
    out.push(c);
    for (const k of c.consts) if (k instanceof CodeDef) visit(k);
  };
  for (const m of program.modules) visit(m.code);
  return out;
}

function codeOf(program: ProgramDef, qualname: string): CodeDef | undefined {
  return allCode(program).find((c) => c.qualname === qualname);
}

function opAt(code: CodeDef | undefined, byteOffset: number, units?: Uint16Array): string {
  if (code === undefined) return "?";
  const u = units ?? code.units;
  const ins = disInstructions(code.units).find((x) => x.offset * 2 === byteOffset);
  if (ins === undefined) return "?";
  return opnameOf((u[ins.offset] ?? 0) & 0xff);
}

function clip(s: string, n = 160): string {
  return s.length > n ? s.slice(0, n - 1) + "…" : s;
}

/** An executor listing cut to its header, the uops around the one where control left it, and its exits. */
function clipExecutor(s: string, radius = 10): string {
  const lines = s.split("\n");
  const at = lines.findIndex((l) => l.includes(LEFT_MARK));
  if (at < 0) return clipLines(s, 40);
  const head = lines.findIndex((l) => /^\s+#\s+uop/.test(l)) + 1;
  const firstExit = lines.findIndex((l) => /^\s+exit #\d+:/.test(l));
  const uopsEnd = firstExit < 0 ? lines.length : firstExit;
  const from = Math.max(head, at - radius);
  const to = Math.min(uopsEnd, at + radius + 1);
  return [
    ...lines.slice(0, head),
    ...(from > head ? [`  … (${from - head} uops before)`] : []),
    ...lines.slice(from, to),
    ...(to < uopsEnd ? [`  … (${uopsEnd - to} uops after)`] : []),
    ...lines.slice(uopsEnd),
  ].join("\n");
}

function clipLines(s: string, n: number): string {
  const lines = s.split("\n");
  return lines.length <= n ? s : [...lines.slice(0, n), `… (${lines.length - n} more lines)`].join("\n");
}

function frameChain(fs: readonly FrameSnapshot[]): string {
  return [...fs].reverse().map((f) => `${f.function}+${f.offset}`).join(" > ");
}

function localsText(f: FrameSnapshot): string {
  const parts = Object.entries(f.locals).filter(([, v]) => v !== "<unbound>").map(([k, v]) => `${k}=${v}`);
  return parts.length === 0 ? "-" : parts.join(" ");
}

/** How two frame stacks differ, field by field (innermost frame first). */
export function frameDiffLines(refName: string, a: readonly FrameSnapshot[], name: string, b: readonly FrameSnapshot[]): string[] {
  const out: string[] = [];
  const w = Math.max(refName.length, name.length);
  const pair = (label: string, x: string, y: string): void => {
    out.push(`      ${label}`);
    out.push(`        ${refName.padEnd(w)}  ${clip(x)}`);
    out.push(`        ${name.padEnd(w)}  ${clip(y)}`);
  };
  if (a.length !== b.length) pair("frame depth", `${a.length} (${frameChain(a)})`, `${b.length} (${frameChain(b)})`);
  for (let j = 0; j < Math.min(a.length, b.length); j++) {
    const x = a[j]!;
    const y = b[j]!;
    const at = `frame ${j}${j === 0 ? " (innermost)" : ""}`;
    if (x.function !== y.function || x.offset !== y.offset) pair(`${at}: position`, `${x.function}+${x.offset}`, `${y.function}+${y.offset}`);
    const names = [...new Set([...Object.keys(x.locals), ...Object.keys(y.locals)])];
    for (const n of names) if (x.locals[n] !== y.locals[n]) pair(`${at} ${x.function}: local ${n}`, x.locals[n] ?? "(absent)", y.locals[n] ?? "(absent)");
    if (JSON.stringify(x.stack) !== JSON.stringify(y.stack)) pair(`${at} ${x.function}: stack`, `[${x.stack.join(", ")}]`, `[${y.stack.join(", ")}]`);
  }
  return out;
}

/** dis listing of `code` around a byte offset (marked -->), `radius` instructions each side. */
function listingAround(code: CodeDef, byteOffset: number, units?: Uint16Array, radius = 4): string[] {
  const text = disassembleOne(code, { lasti: byteOffset / 2, showOffsets: true, ...(units !== undefined ? { adaptiveUnits: units } : {}) });
  const lines = text.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("ExceptionTable") && !/^\s+L\d+ to L\d+/.test(l));
  const at = lines.findIndex((l) => l.includes("-->"));
  if (at < 0) return lines.slice(0, 2 * radius + 1);
  return lines.slice(Math.max(0, at - radius), at + radius + 1);
}

export interface ReplayOptions {
  /** fault switch names to run with (default: the case's own) */
  readonly faults?: readonly string[];
  readonly trace?: boolean;
  /** what the case was loaded from, for the header */
  readonly source?: string;
}

export interface ReplayResult {
  readonly verdict: Verdict["status"];
  readonly text: string;
}

/** Replay a case and write the report (deterministic text). */
export function replayCase(c: CaseData, opts: ReplayOptions = {}): ReplayResult {
  const faults = opts.faults ?? c.faults;
  const compiled = compileCase(c);
  const out: string[] = [];
  const name = caseName(c);
  out.push(`replay   ${opts.source ?? "token"}`);
  out.push(`case     ${name}: ${caseSize(c)}, ${c.events.length} event(s); parameters warmup=${c.params.warmup} cooldown=${c.params.cooldown} function cache=${c.params.funcCacheVariant}`);
  const recorded = c.faults.length > 0 ? ` (recorded with the case: ${c.faults.join(", ")})` : "";
  out.push(`faults   ${faults.length > 0 ? faults.join(", ") : "none"}${faults.join() !== c.faults.join() ? recorded : ""}`);
  if (c.events.length > 0) {
    out.push("events");
    c.events.forEach((e, i) => out.push(`  ${i + 1}. ${eventSource(resolveEvent(e, compiled.names))}`));
  }
  const verdict = runCase(c, { faults });
  if (verdict.status === "passes") {
    out.push("result   PASSES: every configuration agrees after every phase and the invariants hold");
  } else if (verdict.status === "discarded") {
    out.push(`result   NOT COMPARED (discarded like the fuzzer does): ${verdict.reason}`);
  } else {
    out.push(`result   FAILS: ${verdict.failure.what}`);
    out.push(...localize(c, compiled, faults, opts.trace === true));
    out.push("", "failure report", verdict.failure.report.trimEnd());
  }
  out.push("", `token    ${encodeToken({ ...c, faults: [...faults].sort() })}`);
  return { verdict: verdict.status, text: out.join("\n") + "\n" };
}

function localize(c: CaseData, compiled: CompiledCase, faults: readonly string[], trace: boolean): string[] {
  const out: string[] = [];
  const last = c.events.length + 1;
  const full = probe(c, compiled, faults, CASE_STEP_BUDGET, false, last);
  const cmp = compareProbe(full);
  if (cmp === null) {
    out.push("phase    (the configurations agree on a re-run with every phase: a nondeterministic failure?)");
    return out;
  }
  const P = cmp.phase;
  const before = Array.from({ length: P }, (_, p) => phaseLabel(c, compiled, p));
  out.push(`phase    the configurations first differ after ${phaseLabel(c, compiled, P)}${before.length > 0 ? ` (agreeing before it: ${before.map((b) => b.split(":")[0]).join(", ")})` : ""}`);
  const refSteps = full.configs[0]!.steps[P]!;
  let lo = 0;
  let hi = refSteps;
  let probes = 1;
  const at = (k: number, lastPhase = P): Probe => {
    probes++;
    return probe(c, compiled, faults, k, true, lastPhase);
  };
  let hiProbe = at(hi);
  if (compareProbe(hiProbe) === null) {
    out.push(`step     the configurations still agree after all ${refSteps} steps up to the end of that phase: the difference appears only when the phase is compared as a whole`);
    return out;
  }
  let loProbe = at(0);
  if (compareProbe(loProbe) !== null) {
    hi = 0;
    hiProbe = loProbe;
  } else {
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      const p = at(mid);
      if (compareProbe(p) === null) {
        lo = mid;
        loProbe = p;
      } else {
        hi = mid;
        hiProbe = p;
      }
    }
  }
  const diff = compareProbe(hiProbe)!;
  // a difference that needs no instruction: with exactly `hi` steps, stopping right after the
  // phase holding step hi still agrees, so what differs comes later, outside bytecode (an event
  // the harness applies, a deallocation it causes, teardown)
  const fullSteps = full.configs[0]!.steps;
  const stepPhase = Math.max(0, fullSteps.findIndex((n) => n >= hi));
  const outside = hi > 0 && hiProbe.configs[0]!.stoppedIn === null && stepPhase < P && compareProbe(at(hi, stepPhase)) === null;
  out.push("");
  out.push(`divergence (bisection over the step budget: ${probes} runs of every configuration)`);
  const ref = loProbe.configs[0]!;
  const where = outside ? undefined : ref.frames?.[0];
  if (hi === 0) out.push("  the configurations already differ before the first step");
  else if (outside) {
    out.push(`  no instruction is involved: every configuration agrees after all ${hi} steps, up to the end of ${phaseLabel(c, compiled, stepPhase).split(":")[0]};`);
    out.push(`  they differ once ${phaseLabel(c, compiled, P)} is done without running bytecode: the event itself (applied by the harness), what it deallocates, or teardown`);
  } else {
    out.push(`  they agree for ${hi - 1} step(s); step ${hi} is where they part${diff.phase !== P ? ` (in ${phaseLabel(c, compiled, diff.phase)})` : ""}`);
    if (where !== undefined) {
      const code = codeOf(compiled.program, where.function);
      const forms = loProbe.configs.map((cfg) => `${cfg.name}: ${opAt(code, where.offset, code !== undefined ? cfg.adaptive?.(code) : undefined)}`);
      out.push(`  step ${hi} executes ${where.function}+${where.offset} (${forms.join(", ")}), call stack ${frameChain(ref.frames ?? [])}`);
    } else {
      out.push(`  step ${hi} is the first step of ${phaseLabel(c, compiled, diff.phase)}`);
    }
  }
  const refHi = hiProbe.configs[0]!;
  const after = outside ? phaseLabel(c, compiled, P).split(":")[0] : `step ${hi}`;
  // configurations that differ from the reference the same way share one block
  const blockLines = (cfg: ConfigRun, label: string): string[] => {
    const lines: string[] = [];
    const w = Math.max(refHi.name.length, label.length);
    for (const d of diff.diffs.filter((x) => x.config === cfg.name)) {
      if (d.what === "frames") {
        lines.push("    frames differ:");
        lines.push(...frameDiffLines(refHi.name, refHi.frames ?? [], label, cfg.frames ?? []));
      } else if (d.ref !== undefined) {
        lines.push(`    ${d.what}`);
        lines.push(`      ${refHi.name.padEnd(w)}  ${clip(d.ref, 300)}`);
        lines.push(`      ${label.padEnd(w)}  ${clip(d.other ?? "", 300)}`);
      } else {
        lines.push(`    ${d.what}: ${clip(d.other ?? "", 600).split("\n").join("\n      ")}`);
      }
    }
    if (lines.length > 0 && cfg.frames !== null && cfg.stoppedIn === diff.phase) lines.push(`    stopped at ${frameChain(cfg.frames)}`);
    return lines;
  };
  const blocks: { cfgs: ConfigRun[]; key: string }[] = [];
  for (const cfg of hiProbe.configs) {
    const key = blockLines(cfg, "\u0000").join("\n");
    if (key === "") continue;
    const same = cfg === refHi ? undefined : blocks.find((b) => b.key === key && b.cfgs[0] !== refHi);
    if (same !== undefined) same.cfgs.push(cfg);
    else blocks.push({ cfgs: [cfg], key });
  }
  for (const b of blocks) {
    const names = b.cfgs.map((x) => x.name);
    out.push(`  ${names.join(", ")}${b.cfgs[0] === refHi ? "" : " vs ref"} after ${after}:`);
    out.push(...blockLines(b.cfgs[0]!, names.length === 1 ? names[0]! : "each"));
  }
  if (where !== undefined) {
    const code = codeOf(compiled.program, where.function);
    if (code !== undefined) {
      out.push("");
      out.push(`listing of ${where.function} around +${where.offset} (ref)`);
      out.push(...listingAround(code, where.offset).map((l) => "  " + l));
      // configurations whose specialized listing is the same share one
      const groups = new Map<string, string[]>();
      for (const cfg of loProbe.configs) {
        const units = cfg.adaptive?.(code);
        if (units === undefined) continue;
        const text = listingAround(code, where.offset, units).map((l) => "  " + l).join("\n");
        groups.set(text, [...(groups.get(text) ?? []), cfg.name]);
      }
      for (const [text, names] of groups) {
        out.push(`as ${names.join(", ")} had specialized it before step ${hi}`);
        out.push(text);
      }
    }
  }
  // tier 2: the executors of that function in the configurations that part from the reference
  if (where !== undefined) {
    const differing = new Set(diff.diffs.map((d) => d.config));
    const shown = new Map<string, string[]>();
    for (const cfg of hiProbe.configs) {
      if (!differing.has(cfg.name) || cfg.executorsOf === undefined) continue;
      const text = cfg.executorsOf(where.function).map((x) => clipExecutor(x)).join("\n");
      if (text !== "") shown.set(text, [...(shown.get(text) ?? []), cfg.name]);
    }
    for (const [text, names] of shown) {
      out.push("", `executors of ${where.function} in ${names.join(", ")} after step ${hi}`);
      out.push(...text.split("\n").map((l) => "  " + l));
    }
  }
  if (trace) out.push("", ...traceLines(c, compiled, faults, hi, P));
  return out;
}

/** Snapshots of every configuration for the last steps up to the divergence, side by side. */
function traceLines(c: CaseData, compiled: CompiledCase, faults: readonly string[], k: number, P: number): string[] {
  const out = [`trace: where every configuration is after each of the steps ${Math.max(0, k - 5)}..${k} (next instruction | locals | stack); * marks a difference from ref`];
  for (let s = Math.max(0, k - 5); s <= k; s++) {
    const pr = probe(c, compiled, faults, s, true, P);
    const ref = pr.configs[0]!;
    const w = Math.max(...pr.configs.map((x) => x.name.length));
    out.push(`  after ${s} step(s):`);
    for (const cfg of pr.configs) {
      const f = cfg.frames?.[0];
      const mark = cfg !== ref && !sameFrames(cfg.frames, ref.frames) ? "*" : " ";
      if (f === undefined) {
        const st = cfg.stoppedIn === null ? cfg.phases[cfg.phases.length - 1]!.outcome.status : "budget";
        out.push(`   ${mark}${cfg.name.padEnd(w)}  (not stopped in a frame: phase status ${st})`);
        continue;
      }
      const code = codeOf(compiled.program, f.function);
      const op = opAt(code, f.offset, code !== undefined ? cfg.adaptive?.(code) : undefined);
      out.push(clip(`   ${mark}${cfg.name.padEnd(w)}  ${`${f.function}+${f.offset} ${op}`.padEnd(40)} | ${localsText(f)} | [${f.stack.join(", ")}]`, 200));
    }
  }
  return out;
}
