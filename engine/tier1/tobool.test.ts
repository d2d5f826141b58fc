// TO_BOOL's specialized forms on tier 1: in (second execution), out (guard fails: miss, generic
// path), and the re-specialization at the 53rd miss; each program also runs in CPython 3.14.2
// (pyodide), which must leave the same form behind and print the same results.
import { describe, expect, test } from "vitest";
import { bothAdaptive, driver, formsOf } from "./specialize-testing.ts";
import "./families.ts";

const NOT = "def f(x):\n    return not x\n";

async function formAfter(defs: string, phases: readonly (readonly [string, number])[]) {
  const { t1, cpython } = await bothAdaptive(driver(defs, "print(f", phases.map(([a, n]) => [`${a})`, n] as const)));
  const got = formsOf(t1, "f", "TO_BOOL");
  expect(got).toEqual(formsOf(cpython, "f", "TO_BOOL"));
  expect(t1.stdout).toBe(cpython.stdout);
  return { form: got[0], stats: t1.run.engine.stats.of("TO_BOOL") };
}

describe("TO_BOOL specialization", () => {
  test.each([
    ["True", "TO_BOOL_BOOL", "1", "TO_BOOL_INT"],
    ["0", "TO_BOOL_INT", "[]", "TO_BOOL_LIST"],
    ["[1]", "TO_BOOL_LIST", "None", "TO_BOOL_NONE"],
    ["None", "TO_BOOL_NONE", "''", "TO_BOOL_STR"],
    ["'a'", "TO_BOOL_STR", "False", "TO_BOOL_BOOL"],
  ])("%s -> %s, then %s -> %s after 53 misses", async (inArg, inForm, outArg, outForm) => {
    expect((await formAfter(NOT, [[inArg, 1]])).form).toBe("TO_BOOL");
    const r = await formAfter(NOT, [[inArg, 2]]);
    expect(r.form).toBe(inForm);
    expect(r.stats).toMatchObject({ success: 1, deferred: 1 });
    const out = await formAfter(NOT, [[inArg, 2], [outArg, 52]]);
    expect(out.form).toBe(inForm);
    expect(out.stats.miss).toBe(52);
    const next = await formAfter(NOT, [[inArg, 2], [outArg, 53]]);
    expect(next.form).toBe(outForm);
    expect(next.stats).toMatchObject({ success: 2, miss: 53, deopt: 1 });
  });

  test("both truth values of each form, in conditions", async () => {
    const cond = "def f(x):\n    if x:\n        return 'T'\n    return 'F'\n";
    for (const [a, b] of [["True", "False"], ["3", "0"], ["[1]", "[]"], ["'s'", "''"], ["2**100", "-0"]]) {
      await formAfter(cond, [[a!, 2], [b!, 1]]);
    }
  });

  test("other types fail with CPython's kinds", async () => {
    for (const [arg, kind] of [["{}", "TO_BOOL_DICT"], ["1.5", "TO_BOOL_FLOAT"], ["()", "TO_BOOL_TUPLE"], ["range(2)", "OTHER"], ["len", "OTHER"]] as const) {
      const r = await formAfter(NOT, [[arg, 2]]);
      expect(r.form).toBe("TO_BOOL");
      expect(r.stats.failureKinds).toEqual({ [kind]: 1 });
    }
  });

  test("instances of Python classes: TO_BOOL_ALWAYS_TRUE, guarded by the class's type version", async () => {
    const defs = [
      "class C:",
      "    def __del__(self):",
      "        print('del C')",
      "class D:",
      "    pass",
      "class E(Exception):",
      "    pass",
      "def f(x):",
      "    return not x",
    ].join("\n");
    expect((await formAfter(defs, [["C()", 2]])).form).toBe("TO_BOOL_ALWAYS_TRUE");
    expect((await formAfter(defs, [["E()", 2]])).form).toBe("TO_BOOL_ALWAYS_TRUE");
    // another class: its version differs, the guard exits; after 53 misses D's version is cached
    const other = await formAfter(defs, [["C()", 2], ["D()", 52]]);
    expect(other.form).toBe("TO_BOOL_ALWAYS_TRUE");
    expect(other.stats).toMatchObject({ success: 1, miss: 52 });
    const d = await formAfter(defs, [["C()", 2], ["D()", 53], ["D()", 3]]);
    expect(d.stats).toMatchObject({ success: 2, miss: 53, deopt: 1 });
    const builtin = await formAfter(defs, [["ValueError()", 2]]);
    expect(builtin.form).toBe("TO_BOOL");
    expect(builtin.stats.failureKinds).toEqual({ OTHER: 1 });
    expect((await formAfter(defs, [["C", 2]])).stats.failureKinds).toEqual({ OTHER: 1 });
  });

  test("TO_BOOL_ALWAYS_TRUE misses once the class is modified (type_modified drops its version)", async () => {
    const src = [
      "class C:",
      "    pass",
      "def f(x):",
      "    return not x",
      "c = C()",
      "print(f(c), f(c), f(c))",
      "C.attr = 1",
      "print(f(c), f(c))",
    ].join("\n") + "\n";
    const { t1, cpython } = await bothAdaptive(src);
    expect(formsOf(t1, "f", "TO_BOOL")).toEqual(["TO_BOOL_ALWAYS_TRUE"]);
    expect(formsOf(cpython, "f", "TO_BOOL")).toEqual(["TO_BOOL_ALWAYS_TRUE"]);
    expect(t1.stdout).toBe(cpython.stdout);
    expect(t1.run.engine.stats.of("TO_BOOL")).toMatchObject({ success: 1, miss: 2 });
  });
});

