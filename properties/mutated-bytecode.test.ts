// Property: take the corpus programs (real CPython 3.14 bytecode), mutate instructions and
// opargs at random; whatever the verifier accepts must run on the reference interpreter and on
// tier 1 without an internal error, with the same outcome (a JS exception or a detected engine inconsistency). Bytecode that CPython
// itself would crash on ends as "unsupported" (undefined behaviour), never as an internal error.
// Reproducible: the seed is printed by fast-check on failure; FUZZ_SEED / FUZZ_RUNS override.
import { test, expect } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { listCases } from "../corpus/cases.ts";
import { parseProgram } from "../engine/bytecode/asm.ts";
import { verifyProgram, VerifyError } from "../engine/bytecode/verify.ts";
import { CodeDef, type ProgramDef } from "../engine/bytecode/code.ts";
import { decode } from "../engine/bytecode/instructions.ts";
import { SUPPORTED_OPCODES } from "../engine/bytecode/subset.ts";
import { OPMAP } from "../engine/bytecode/opcodes.ts";
import { runReference } from "../oracles/reference/run.ts";
import { runTier1 } from "../engine/tier1/run.ts";
import { compareOutcomes } from "../oracles/outcome.ts";
import { fuzzParams } from "./params.ts";

const programs: ProgramDef[] = listCases().map((c) => parseProgram(readFileSync(c.asmPath, "utf8"), c.asmPath));
const OPCODES = [...SUPPORTED_OPCODES].filter((n) => n !== "CACHE" && n !== "EXTENDED_ARG").map((n) => OPMAP[n]!);

function allCodes(c: CodeDef, out: CodeDef[] = []): CodeDef[] {
  out.push(c);
  for (const k of c.consts) if (k instanceof CodeDef) allCodes(k, out);
  return out;
}

function withUnits(root: CodeDef, target: CodeDef, units: Uint16Array): CodeDef {
  const consts = root.consts.map((k) => (k instanceof CodeDef ? withUnits(k, target, units) : k));
  const u = root === target ? units : root.units;
  return new CodeDef(root.name, root.qualname, root.filename, root.firstlineno, root.argcount, root.posonlyargcount,
    root.kwonlyargcount, root.flags, root.stacksize, u, consts, root.names, root.localsplusnames, root.localspluskinds,
    root.exceptiontable, root.lines);
}

interface Mutation {
  readonly program: number;
  readonly code: number;
  readonly edits: readonly { readonly instr: number; readonly kind: "opcode" | "oparg"; readonly value: number }[];
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  program: fc.nat(programs.length - 1),
  code: fc.nat(1000),
  // mostly small oparg changes (they keep the stack shape, so the verifier accepts many of them),
  // sometimes an opcode swap; shrinking goes toward one edit with small values
  edits: fc.array(
    fc.record({
      instr: fc.nat(10_000),
      kind: fc.oneof({ weight: 3, arbitrary: fc.constant("oparg" as const) }, { weight: 1, arbitrary: fc.constant("opcode" as const) }),
      value: fc.oneof({ weight: 3, arbitrary: fc.nat(7) }, { weight: 1, arbitrary: fc.nat(255) }),
    }),
    { minLength: 1, maxLength: 2 },
  ),
});

function apply(m: Mutation): ProgramDef {
  const p = programs[m.program]!;
  const mod = p.modules[0]!;
  const codes = allCodes(mod.code);
  const target = codes[m.code % codes.length]!;
  const units = target.units.slice();
  const instrs = decode(units);
  for (const e of m.edits) {
    const ins = instrs[e.instr % instrs.length]!;
    const u = units[ins.offset]!;
    units[ins.offset] = e.kind === "opcode" ? (u & 0xff00) | OPCODES[e.value % OPCODES.length]! : (u & 0xff) | (e.value << 8);
  }
  return { formatVersion: p.formatVersion, modules: [{ ...mod, code: withUnits(mod.code, target, units) }, ...p.modules.slice(1)] };
}

const { runs, seed } = fuzzParams(300);

test(`verifier-accepted mutations of CPython bytecode never make the reference throw internally (seed ${seed}, ${runs} runs)`, () => {
  let accepted = 0;
  fc.assert(
    fc.property(mutation, (m) => {
      const prog = apply(m);
      try {
        verifyProgram(prog);
      } catch (e) {
        if (e instanceof VerifyError) return true;
        throw e;
      }
      accepted++;
      const r = runReference(prog, { stepBudget: 20_000 });
      expect(r.outcome.status, r.outcome.internalError).not.toBe("internal-error");
      // tier 1 runs the same mutated bytecode: no internal error, and (where the reference gave a
      // comparable outcome) the same outcome — shapes no compiler emits reach its specializations
      const t = runTier1(prog, { stepBudget: 40_000, params: { warmupValue: 0, cooldownValue: 1 } });
      expect(t.outcome.status, t.outcome.internalError).not.toBe("internal-error");
      if (r.outcome.status === "ok" || r.outcome.status === "exception") {
        const d = compareOutcomes(r.outcome, t.outcome);
        expect(d, JSON.stringify(d)).toEqual([]);
      }
      return true;
    }),
    { numRuns: runs, seed },
  );
  // the property must actually exercise the interpreter, not only the verifier
  expect(accepted).toBeGreaterThan(runs / 20);
});
