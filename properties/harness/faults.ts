/**
 * The fault catalog: named, test-only engine faults (never on by default), each modeled on a real
 * CPython bug class (../shared/reference/cpython-tiers.md) or a class of our own. `tierdiff
 * selftest` and the bounded self-test in `npm test` run the differential fuzzer against each and
 * require it to be found: a harness that cannot find these cannot be trusted to find real ones.
 */
import fc from "fast-check";
import type { FunctionCacheFaults } from "../../engine/tier1/funccache.ts";
import type { Tier2Faults } from "../../engine/tier2/params.ts";
import { differentialProperty, runGeneratedCase, sourceText, type GeneratedCase } from "./fuzz.ts";
import { CaseFailure } from "./case.ts";
import { EventCommand, type EventSpec } from "./event-arbs.ts";
import { minimize } from "./minimize.ts";
import type { ProgramAst } from "../ast/types.ts";

export interface Fault {
  readonly name: string;
  readonly description: string;
  /** the CPython issue/PR it models, or "own" */
  readonly models: string;
  readonly cache?: FunctionCacheFaults;
  readonly tier2?: Tier2Faults;
}

export const FAULT_CATALOG: readonly Fault[] = [
  { name: "cache-no-clear-on-func-dealloc", models: "gh-108253", description: "function-version cache slot not cleared when its function is deallocated (dangling borrowed pointer)", cache: { noClearOnFuncDealloc: true } },
  { name: "cache-no-clear-on-code-assign", models: "gh-108253 / PR #108296", description: "slot left naming a function whose __code__ was replaced", cache: { noClearOnCodeAssign: true } },
  { name: "cache-no-clear-on-defaults-assign", models: "gh-117045", description: "slot left naming a function whose __defaults__ were replaced", cache: { noClearOnDefaultsAssign: true } },
  { name: "cache-no-clear-on-code-dealloc", models: "PR #117028", description: "slot's code pointer not cleared when the code object is deallocated", cache: { noClearOnCodeDealloc: true } },
  { name: "cache-lookup-ownership-leak", models: "PR #110593", description: "the version lookup returns a new reference callers treat as borrowed (leak)", cache: { lookupIncrefs: true } },
  { name: "t2-no-exit-room", models: "gh-117434", description: "no room reserved for the final exit at max trace length (trace buffer overflow)", tier2: { noExitRoomReserved: true } },
  { name: "t2-trace-stack-overflow", models: "gh-117180", description: "calls followed past TRACE_STACK_SIZE (trace stack overflow)", tier2: { noTraceStackCheck: true } },
  { name: "t2-needed-set-ip-removed", models: "gh-113657", description: "remove_unneeded_uops drops the _SET_IPs erroring/escaping uops need (stale frame location)", tier2: { dropNeededSetIp: true } },
  { name: "t2-running-executor-ignores-invalidation", models: "gh-109369", description: "a running executor does not notice its invalidation (_CHECK_VALIDITY always passes)", tier2: { ignoreInvalidation: true } },
  { name: "t2-linked-executors-leak", models: "gh-120501 / gh-139540", description: "side-exit executors not released when their parent is freed or unlinked (leak)", tier2: { leakLinkedExecutors: true } },
  { name: "t2-reoptimize-after-invalidation", models: "gh-126892", description: "the backedge counter is not reset when an executor is invalidated (re-optimized at once)", tier2: { reoptimizeImmediately: true } },
  { name: "t2-guard-proven-by-wrong-operand", models: "own", description: "the abstract interpreter drops _GUARD_TOS_X/_GUARD_NOS_X when the OTHER operand is known to be X", tier2: { guardProvenByOtherOperand: true } },
  { name: "t2-watcher-misses-delete", models: "own", description: "the globals dict watcher ignores deletions (a deleted global stays promoted)", tier2: { watcherMissesDelete: true } },
  { name: "t2-side-exit-off-by-one", models: "own", description: "a side exit resumes tier 1 one code unit past its target", tier2: { exitOffByOne: true } },
  { name: "t2-type-change-not-invalidating", models: "own", description: "modifying a class does not invalidate executors that depend on its type version", tier2: { noTypeInvalidation: true } },
  { name: "t2-init-shim-skipped", models: "own", description: "an __init__ inlined by CALL_ALLOC_AND_ENTER_INIT returns its None to the caller instead of the new instance", tier2: { initShimSkipped: true } },
];

export function faultNamed(name: string): Fault | undefined {
  return FAULT_CATALOG.find((f) => f.name === name);
}

export interface SelftestRow {
  readonly fault: Fault;
  readonly found: boolean;
  /** runs to the first failure (or runs made without one) */
  readonly runs: number;
  readonly seconds: number;
  /** what broke: the CaseFailure's summary line */
  readonly what: string;
  /** shrunk size: non-empty source lines + events */
  readonly lines: number;
  readonly events: number;
  /** the shrunk failing case (program, events, parameters), for a replay token */
  readonly shrunk?: { readonly program: ProgramAst; readonly events: readonly EventSpec[]; readonly params: GeneratedCase["params"] };
}

/** Fuzz against one fault until the first failure (at most `runs` cases), then shrink it. */
export function selftestFault(fault: Fault, runs: number, seed: number, timeLimitMs?: number): SelftestRow {
  const t0 = performance.now();
  const opts = { ...(fault.cache !== undefined ? { faults: fault.cache } : {}), ...(fault.tier2 !== undefined ? { tier2Faults: fault.tier2 } : {}) };
  const r = fc.check(differentialProperty(opts), { numRuns: runs, seed, ...(timeLimitMs !== undefined ? { interruptAfterTimeLimit: timeLimitMs } : {}) });
  if (!r.failed || r.counterexample === null) {
    return { fault, found: false, runs: r.numRuns, seconds: (performance.now() - t0) / 1000, what: "", lines: 0, events: 0 };
  }
  const ce = r.counterexample[0] as GeneratedCase;
  const kind = (e: unknown): string => (e instanceof CaseFailure ? e.what.split(" ").slice(0, 2).join(" ") : "other");
  const want = kind(r.errorInstance);
  const specs = [...ce.commands].map((c) => ((c as unknown as { cmd?: EventCommand }).cmd ?? (c as EventCommand)).spec);
  const fails = (program: ProgramAst, evs: readonly EventSpec[]): boolean => {
    try {
      runGeneratedCase({ program, params: ce.params, commands: evs.map((e) => new EventCommand(e)) }, opts);
      return false;
    } catch (e) {
      return kind(e) === want;
    }
  };
  const m = minimize(ce.program, specs, fails, 400);
  const lines = sourceText(m.program).split("\n").filter((l) => l.trim() !== "").length;
  const what = r.errorInstance instanceof CaseFailure ? r.errorInstance.what : String(r.errorInstance);
  return { fault, found: true, runs: r.numRuns, seconds: (performance.now() - t0) / 1000, what, lines, events: m.events.length, shrunk: { program: m.program, events: m.events, params: ce.params } };
}

export function formatSelftest(rows: readonly SelftestRow[]): string {
  const head = `${"fault".padEnd(42)} ${"found".padEnd(5)} ${"runs".padStart(5)} ${"seconds".padStart(7)}  shrunk to          first failure`;
  return [head, ...rows.map((r) => `${r.fault.name.padEnd(42)} ${(r.found ? "yes" : "NO").padEnd(5)} ${String(r.runs).padStart(5)} ${r.seconds.toFixed(1).padStart(7)}  ${r.found ? `${r.lines} lines + ${r.events} ev`.padEnd(18) : "-".padEnd(18)} ${r.what.split("\n")[0]!.slice(0, 70)}`)].join("\n");
}
