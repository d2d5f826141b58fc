/**
 * Test helpers for the program arbitraries: compile a generated program with tierdiff's code
 * generator, verify it and run it on the reference interpreter; classify what went wrong.
 */
import type { ProgramAst } from "../ast/types.ts";
import { compileProgram } from "../ast/codegen.ts";
import { verifyProgram } from "../../engine/bytecode/verify.ts";
import { runReference, type RunResult } from "../../oracles/reference/run.ts";

/** The step budget the generated programs must fit in (the harness's per-run budget). */
export const STEP_BUDGET = 200_000;

/**
 * Internal errors of the engines that generated programs are known to hit, with what triggers
 * them. They are engine bugs, not generator bugs: counted and printed by the tests, never blamed
 * on the generators. Remove an entry once the engine is fixed.
 */
export const KNOWN_ENGINE_BUGS: readonly { readonly pattern: RegExp; readonly what: string }[] = [
  // (none at the moment; e.g. the EXTENDED_ARG jump-target bug these programs found is fixed, and
  // pinned by corpus/cases/extended_arg_jump.py)
];

export const knownEngineBug = (internalError: string | undefined): string | undefined =>
  internalError === undefined ? undefined : KNOWN_ENGINE_BUGS.find((b) => b.pattern.test(internalError))?.what;

export type RunClass =
  | { readonly kind: "codegen-error" | "verify-error"; readonly reason: string }
  | { readonly kind: "ran"; readonly result: RunResult };

/** Compile (codegen), verify, run on the reference interpreter with STEP_BUDGET. */
export function compileAndRun(p: ProgramAst): RunClass {
  let prog;
  try {
    prog = compileProgram(p);
  } catch (e) {
    return { kind: "codegen-error", reason: String(e) };
  }
  try {
    verifyProgram(prog);
  } catch (e) {
    return { kind: "verify-error", reason: String(e) };
  }
  return { kind: "ran", result: runReference(prog, { stepBudget: STEP_BUDGET }) };
}

/** A label for the status table: the outcome status, or the compile stage that failed. */
export function statusOf(r: RunClass): string {
  if (r.kind !== "ran") return r.kind;
  const o = r.result.outcome;
  if (o.status === "internal-error" && knownEngineBug(o.internalError) !== undefined) return "internal-error (known engine bug)";
  return o.status;
}

/** Is the run acceptable as a generated program's (ok or a Python exception)? */
export const isValidRun = (r: RunClass): boolean =>
  r.kind === "ran" && (r.result.outcome.status === "ok" || r.result.outcome.status === "exception");

/** Failure the generators are to blame for (or an unknown engine bug): anything but ok / exception / a known engine bug. */
export function generatorFailure(r: RunClass): string | undefined {
  if (r.kind !== "ran") return `${r.kind}: ${r.reason}`;
  const o = r.result.outcome;
  if (o.status === "ok" || o.status === "exception") return undefined;
  if (o.status === "internal-error" && knownEngineBug(o.internalError) !== undefined) return undefined;
  return `${o.status}: ${o.internalError ?? ""}`;
}
