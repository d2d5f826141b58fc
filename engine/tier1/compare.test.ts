// COMPARE_OP's specialized forms on tier 1: in (second execution), out (guard fails: miss, generic
// path), and the re-specialization at the 53rd miss; each program also runs in CPython 3.14.2
// (pyodide), which must leave the same form behind and print the same results.
import { describe, expect, test } from "vitest";
import { bothAdaptive, driver, formsOf } from "./specialize-testing.ts";
import { COMPARE_MASKS } from "../uops/compare.ts";
import "./families.ts";

async function formAfter(defs: string, phases: readonly (readonly [string, number])[]) {
  const { t1, cpython } = await bothAdaptive(driver(defs, "print(f", phases.map(([a, n]) => [`${a})`, n] as const)));
  const got = formsOf(t1, "f", "COMPARE_OP");
  expect(got).toEqual(formsOf(cpython, "f", "COMPARE_OP"));
  expect(t1.stdout).toBe(cpython.stdout);
  return { form: got[0], stats: t1.run.engine.stats.of("COMPARE_OP") };
}
const cmp = (op: string): string => `def f(a, b):\n    return a ${op} b\n`;

describe("COMPARE_OP specialization", () => {
  test("ints: compact operands only; a non-compact operand deopts, then the specializer refuses", async () => {
    expect((await formAfter(cmp("<"), [["1, 2", 1]])).form).toBe("COMPARE_OP");
    expect((await formAfter(cmp("<"), [["1, 2", 2]])).form).toBe("COMPARE_OP_INT");
    const out = await formAfter(cmp("<"), [["1, 2", 2], ["2**40, 3", 52]]);
    expect(out.form).toBe("COMPARE_OP_INT");
    expect(out.stats).toMatchObject({ success: 1, miss: 52 });
    const refused = await formAfter(cmp("<"), [["1, 2", 2], ["2**40, 3", 53]]);
    expect(refused.form).toBe("COMPARE_OP");
    expect(refused.stats).toMatchObject({ failure: 1, failureKinds: { COMPARE_OP_BIG_INT: 1 } });
    expect((await formAfter(cmp("<"), [["2**40, 3", 2]])).form).toBe("COMPARE_OP");
    expect((await formAfter(cmp("<"), [["-(2**30) + 1, 2**30 - 1", 2]])).form).toBe("COMPARE_OP_INT");
  });

  test("every operator through the mask, with bool() results (oparg & 16) and without", async () => {
    for (const op of ["<", "<=", "==", "!=", ">", ">="]) {
      expect((await formAfter(cmp(op), [["1, 2", 2], ["2, 2", 1], ["3, 2", 1]])).form).toBe("COMPARE_OP_INT");
      expect((await formAfter(cmp(op), [["1.5, 2.5", 2], ["2.5, 2.5", 1], ["3.5, 2.5", 1], ["float('nan'), 1.0", 1]])).form).toBe("COMPARE_OP_FLOAT");
      const asBool = `def f(a, b):\n    if a ${op} b:\n        return 'y'\n    return 'n'\n`;
      expect((await formAfter(asBool, [["1, 2", 2], ["2, 2", 1], ["3, 2", 1]])).form).toBe("COMPARE_OP_INT");
    }
  });

  test("floats <-> ints: each re-specializes after the cooldown", async () => {
    expect((await formAfter(cmp("<"), [["1.5, 2.5", 2], ["1, 2", 53]])).form).toBe("COMPARE_OP_INT");
    expect((await formAfter(cmp("<"), [["1, 2", 2], ["1.5, 2.5", 53]])).form).toBe("COMPARE_OP_FLOAT");
    const mixed = await formAfter(cmp("<"), [["1, 2.5", 2]]);
    expect(mixed.form).toBe("COMPARE_OP");
    expect(mixed.stats.failureKinds).toEqual({ COMPARE_OP_LONG_FLOAT: 1 });
    expect((await formAfter(cmp("<"), [["1.5, 2", 2]])).stats.failureKinds).toEqual({ COMPARE_OP_FLOAT_LONG: 1 });
  });

  test("strs: == and != only", async () => {
    expect((await formAfter(cmp("=="), [["'a', 'b'", 2], ["'a', 'a'", 1]])).form).toBe("COMPARE_OP_STR");
    expect((await formAfter(cmp("!="), [["'a', 'b'", 2], ["'a', 'a'", 1]])).form).toBe("COMPARE_OP_STR");
    const ord = await formAfter(cmp("<"), [["'a', 'b'", 2]]);
    expect(ord.form).toBe("COMPARE_OP");
    expect(ord.stats.failureKinds).toEqual({ COMPARE_OP_STRING: 1 });
    expect((await formAfter(cmp("=="), [["'a', 'b'", 2], ["1, 1", 53]])).form).toBe("COMPARE_OP_INT");
  });

  test("other operand types fail with CPython's kinds", async () => {
    const kinds: [string, string][] = [
      ["(1,), (2,)", "COMPARE_OP_TUPLE"], ["[1], [2]", "COMPARE_OP_LIST"], ["True, False", "COMPARE_OP_BOOL"],
      ["1, 'a'", "COMPARE_OP_DIFFERENT_TYPES"], ["None, None", "COMPARE_OP_BASEOBJECT"], ["{}, {}", "OTHER"],
    ];
    for (const [args, kind] of kinds) {
      const r = await formAfter(cmp("=="), [[args, 2]]);
      expect(r.form).toBe("COMPARE_OP");
      expect(r.stats.failureKinds).toEqual({ [kind]: 1 });
    }
  });

  test("the masks are compile.c's", () => {
    expect(COMPARE_MASKS).toEqual([2, 10, 8, 7, 4, 12]);
  });
});
