/** Running a whole program on tier 1 with the shared outcome protocol (oracles/reference/run.ts runWith). */
import type { ProgramDef } from "../bytecode/code.ts";
import { createRuntime } from "../runtime/builtins.ts";
import { None } from "../runtime/objects.ts";
import { InternalError } from "../runtime/heap.ts";
import { Tier1Engine, type Tier1Options } from "./engine.ts";
import { runWith, type RunResult } from "../../oracles/reference/run.ts";

export interface Tier1RunResult extends RunResult {
  readonly engine: Tier1Engine;
}

export function runTier1(program: ProgramDef, opts: Tier1Options & { readonly beforeTeardown?: (e: Tier1Engine) => void } = {}): Tier1RunResult {
  const rt = createRuntime();
  const engine = new Tier1Engine(rt, program, opts);
  const r = runWith(rt, () => {
    const main = program.modules[0];
    if (main === undefined) throw new InternalError("program has no modules");
    try {
      rt.decref(engine.execModule(main.name, "__main__"));
    } finally {
      // e.g. `run --executors`: executors are freed with their code objects at teardown
      opts.beforeTeardown?.(engine);
    }
  }, () => {
    const e = engine.excInfo;
    engine.excInfo = None;
    rt.decref(e);
  }, () => engine.steps);
  return { ...r, engine };
}
