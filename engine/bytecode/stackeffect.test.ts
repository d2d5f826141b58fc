import { describe, expect, test } from "vitest";
import samplesFile from "./stack-effect-samples.generated.json" with { type: "json" };
import { stackEffect, stackInputs, stackOutputs } from "./stackeffect.ts";
import { SUPPORTED_OPCODES } from "./subset.ts";
import { SPECIALIZATIONS } from "./opcodes.ts";

const samples = (samplesFile as unknown as { samples: Record<string, [number | null, number | null][]> }).samples;

describe("stackEffect matches CPython 3.14 _opcode.stack_effect", () => {
  for (const name of [...SUPPORTED_OPCODES].sort()) {
    // CACHE is not a real instruction for stack_effect (the generator skips it): effect 0.
    if (name === "CACHE") {
      test("CACHE", () => expect(stackEffect("CACHE", 0, false)).toBe(0));
      continue;
    }
    test(name, () => {
      const rows = samples[name];
      expect(rows, `no samples for ${name}`).toBeDefined();
      rows!.forEach(([noJump, jump], oparg) => {
        if (noJump !== null) expect(stackEffect(name, oparg, false), `${name} ${oparg} jump=False`).toBe(noJump);
        if (jump !== null) expect(stackEffect(name, oparg, true), `${name} ${oparg} jump=True`).toBe(jump);
      });
    });
  }

  test("every supported opcode has samples (or is CACHE)", () => {
    for (const name of SUPPORTED_OPCODES) if (name !== "CACHE") expect(samples[name], name).toBeDefined();
  });

  test("FOR_ITER: +1 on both edges (compiler model: the jump target END_FOR pops)", () => {
    expect(stackEffect("FOR_ITER", 5, true)).toBe(1);
    expect(stackEffect("FOR_ITER", 5, false)).toBe(1);
  });

  test("specialized names use their base form", () => {
    for (const [base, forms] of Object.entries(SPECIALIZATIONS)) {
      if (!SUPPORTED_OPCODES.has(base)) continue;
      for (const f of forms) for (const a of [0, 1, 3]) expect(stackEffect(f, a, false)).toBe(stackEffect(base, a, false));
    }
  });

  test("inputs - outputs agree with the net effect; inputs detect underflow that the net hides", () => {
    for (const name of SUPPORTED_OPCODES)
      for (let a = 0; a < 20; a++) expect(stackOutputs(name, a) - stackInputs(name, a)).toBe(stackEffect(name, a, false));
    expect(stackInputs("UNPACK_SEQUENCE", 3)).toBe(1);
    expect(stackInputs("CALL", 2)).toBe(4);
    expect(stackInputs("COPY", 3)).toBe(3);
    expect(stackInputs("RERAISE", 1)).toBe(2);
  });

  test("unsupported opcodes throw", () => {
    expect(() => stackEffect("YIELD_VALUE", 0, false)).toThrow(/unsupported opcode YIELD_VALUE/);
    expect(() => stackEffect("NOPE", 0, false)).toThrow();
  });
});
