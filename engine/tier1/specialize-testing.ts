/**
 * Test helpers for the specializer tests: run one Python source on tier 1 (compiled by CPython
 * 3.14.2 through the pyodide oracle) and in CPython itself, and read back what each left behind —
 * stdout and the specialized instruction names of every code object, as
 * dis.get_instructions(code, adaptive=True) lists them. The reusable part lives in
 * oracles/cpython/adaptive.ts (the fidelity check and the CLI use it too); it is re-exported here.
 */
import { OPNAME } from "../bytecode/opcodes.ts";
import { PyFunction, type PyModule } from "../runtime/objects.ts";
import { instrsOf } from "../vm/code-info.ts";

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

/**
 * For each function `fns` of `mod`: its instructions of a family (`family` tests the opcode name),
 * as "OPNAME(name) value/backoff" with the counter of the first cache unit — the shape the attr and
 * global tests compare with CPython. `nameOf` picks the instruction's name from co_names.
 */
export function familyStates(mod: PyModule, fns: readonly string[], family: RegExp, nameOf: (op: string, oparg: number, names: readonly string[]) => string): Record<string, string[]> {
  const state: Record<string, string[]> = {};
  for (const n of fns) {
    const f = mod.dict.store.getStr(n);
    if (!(f instanceof PyFunction)) throw new Error(`${n} is not a function`);
    state[n] = [];
    for (const ins of instrsOf(f.code.def)) {
      if (ins === undefined) continue;
      const op = OPNAME[f.code.units[ins.offset]! & 0xff]!;
      if (!family.test(op)) continue;
      const c = f.code.units[ins.offset + 1]!;
      state[n].push(`${op}(${nameOf(op, ins.oparg, f.code.def.names)}) ${c >> 4}/${c & 15}`);
    }
  }
  return state;
}
