/**
 * Running a whole program and collecting its Outcome (oracles/outcome.ts) — the protocol every
 * engine configuration and the CPython oracle (oracles/cpython/run.ts) follow:
 *  1. the first module runs as `__main__`; others run on first `import`;
 *  2. stdout is captured; an uncaught exception is recorded with its traceback;
 *  3. final globals of every executed module are recorded (dunder names left out);
 *  4. the uncaught exception is released, then modules are torn down in reverse order of first
 *     execution with CPython's _PyModule_ClearDict algorithm (Objects/moduleobject.c): names
 *     starting with one underscore are set to None first, then every other name but __builtins__;
 *  5. the modules and the builtins dict are released and the leak check runs.
 * __del__ calls anywhere (including teardown) are recorded in order.
 */
import type { ProgramDef } from "../../engine/bytecode/code.ts";
import { InternalError } from "../../engine/runtime/heap.ts";
import { PyException, PyModule, None } from "../../engine/runtime/objects.ts";
import { createRuntime } from "../../engine/runtime/builtins.ts";
import { Runtime } from "../../engine/runtime/runtime.ts";
import { Unsupported, repr } from "../../engine/runtime/ops.ts";
import type { Outcome, ExceptionOutcome, TracebackEntry } from "../outcome.ts";
import { formatLeaks, type Leak } from "../invariants/leaks.ts";
import { Session } from "../session.ts";
import { ReferenceInterpreter, type ReferenceOptions } from "./interp.ts";
import type { FrameSnapshot } from "../../engine/vm/snapshot.ts";

export interface RunResult {
  readonly outcome: Outcome;
  readonly leaks: readonly Leak[];
  readonly steps: number;
  readonly runtime: Runtime;
  /** where every frame stood when the step budget ran out (null: it did not) */
  readonly budgetFrames: readonly FrameSnapshot[] | null;
}

export function exceptionOutcome(rt: Runtime, exc: PyException): ExceptionOutcome {
  const tb: TracebackEntry[] = [];
  for (let t = exc.traceback; t !== null; t = t.next) {
    tb.push({ func: t.frame.qualname, offset: t.lasti, line: t.line, file: t.frame.filename });
  }
  return { type: exc.type.qualname, message: safeStr(() => rt.excMessage(exc)), traceback: tb };
}

function safeStr(f: () => string): string {
  try {
    return f();
  } catch {
    return "<exception str() failed>";
  }
}

export function moduleGlobals(rt: Runtime): Record<string, [string, string][]> {
  const out: Record<string, [string, string][]> = {};
  for (const [name, mod] of rt.modules) {
    out[name] = mod.dict.store
      .entryList()
      .filter((e) => typeof e.key === "string" && !/^__.*__$/.test(e.key))
      .map((e) => [e.key as string, safeStr(() => repr(rt, e.value))]);
  }
  return out;
}

/** _PyModule_ClearDict: underscore names to None, then everything but __builtins__. */
export function clearModuleDict(rt: Runtime, mod: PyModule): void {
  const d = mod.dict;
  const pass = (pick: (k: string) => boolean): void => {
    for (const e of d.store.entryList()) {
      const k = e.key;
      if (typeof k !== "string" || !pick(k)) continue;
      const cur = d.store.getStr(k);
      if (cur === undefined || cur === None) continue;
      rt.dictSet(d, k, None);
    }
  };
  pass((k) => k.startsWith("_") && !k.startsWith("__"));
  pass((k) => k !== "__builtins__");
}

export function runReference(program: ProgramDef, opts: ReferenceOptions = {}): RunResult {
  const rt = createRuntime();
  const interp = new ReferenceInterpreter(rt, program, opts);
  return runWith(rt, () => {
    const main = program.modules[0];
    if (main === undefined) throw new InternalError("program has no modules");
    const mod = interp.execModule(main.name, "__main__");
    rt.decref(mod);
  }, () => {
    const e = interp.excInfo;
    interp.excInfo = None;
    rt.decref(e);
  }, () => interp.steps);
}

/**
 * Shared by every engine configuration: run `body` as a Session's start phase, then tear down and
 * check leaks (oracles/session.ts); the outcome merges both phases (teardown's prints and __del__
 * calls follow the program's).
 */
export function runWith(rt: Runtime, body: () => void, resetState: () => void, steps: () => number): RunResult {
  const session = new Session({ rt, execMain: body, resetExcInfo: resetState, steps, checkInvariants: () => [] });
  const a = session.start().outcome;
  const budgetFrames = session.budgetFrames;
  const b = session.finish();
  const z = b.outcome;
  const outcome: Outcome = {
    status: z.status === "internal-error" ? "internal-error" : a.status,
    value: a.value,
    stdout: a.stdout + z.stdout,
    ...(a.exception !== undefined ? { exception: a.exception } : {}),
    delOrder: [...a.delOrder, ...z.delOrder],
    unraisable: [...a.unraisable, ...z.unraisable],
    globals: a.globals,
    ...(a.internalError !== undefined || z.internalError !== undefined ? { internalError: a.internalError ?? z.internalError! } : {}),
  };
  return { outcome, leaks: b.leaks, steps: steps(), runtime: rt, budgetFrames };
}

export function describeError(e: unknown): string {
  if (e instanceof InternalError) return `${e.category}: ${e.message}`;
  if (e instanceof Unsupported) return e.message;
  if (e instanceof Error) return `${e.name}: ${e.message}\n${(e.stack ?? "").split("\n").slice(1, 6).join("\n")}`;
  return String(e);
}

export { formatLeaks };
