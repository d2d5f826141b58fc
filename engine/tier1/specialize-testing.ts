/**
 * Test helpers for the specializer tests: run one Python source on tier 1 (compiled by CPython
 * 3.14.2 through the pyodide oracle) and in CPython itself, and read back what each left behind —
 * stdout and the specialized instruction names of every code object, as
 * dis.get_instructions(code, adaptive=True) lists them. The reusable part lives in
 * oracles/cpython/adaptive.ts (the fidelity check and the CLI use it too); it is re-exported here.
 */
export {
  cpythonAdaptive,
  tier1Adaptive,
  bothAdaptive,
  onlyFamilies,
  formsOf,
  type AdaptiveRun,
  type Tier1AdaptiveRun,
} from "../../oracles/cpython/adaptive.ts";

/**
 * A program: `defs` (Python source defining the function under test), then straight-line calls
 * `call(args)` repeated as given — no loops in the driver, so the function's instructions are the
 * only ones of their family that run (statistics are per family).
 */
export function driver(defs: string, call: string, phases: readonly (readonly [args: string, times: number])[]): string {
  const lines = [defs.trimEnd()];
  for (const [args, times] of phases) for (let i = 0; i < times; i++) lines.push(`${call}(${args})`);
  return lines.join("\n") + "\n";
}
