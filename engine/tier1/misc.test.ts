// LOAD_CONST and RESUME rewrite themselves on their first execution (no counter, no specializer):
// LOAD_CONST to LOAD_CONST_IMMORTAL / LOAD_CONST_MORTAL by the constant's immortality, RESUME to
// RESUME_CHECK. Checked against CPython 3.14.2 (pyodide) on the same programs.
import { describe, expect, test } from "vitest";
import { bothAdaptive, formsOf } from "./specialize-testing.ts";
import { isImmortalConst } from "../uops/misc.ts";
import { None, PyFloat, PyTuple } from "../runtime/objects.ts";
import "./families.ts";

describe("RESUME", () => {
  test("RESUME_CHECK after the first execution, in functions and module code; code that never ran keeps RESUME", async () => {
    const { t1, cpython } = await bothAdaptive("def f():\n    return 1\ndef g():\n    return 2\nf()\n");
    for (const r of [t1, cpython]) {
      expect(formsOf(r, "f", "RESUME")).toEqual(["RESUME_CHECK"]);
      expect(formsOf(r, "g", "RESUME")).toEqual(["RESUME"]);
      expect(formsOf(r, "<module>", "RESUME")).toEqual(["RESUME_CHECK"]);
    }
    expect(t1.run.engine.stats.of("RESUME")).toMatchObject({ success: 0, failure: 0, miss: 0 });
  });
});

describe("LOAD_CONST", () => {
  test("rewritten on the first execution by immortality, as CPython; a constant never loaded stays LOAD_CONST", async () => {
    const src = [
      "def f(flag):",
      "    a = None; b = 1000; c = 'abc'; d = 'a b'; e = 1.5; g = (1, 2); h = -5; i = 10**30",
      "    j = ''; k = '\\u00e9'; l = 'zzqq_not_a_name'; m = 'self'; n = True; o = (); p = -1000; q = 'x'",
      "    r = 'flag'; s = 'ab c'; t = '\\u0101'; u = 256; v = 257; w = 'print'; x = 2.5e300",
      "    if flag:",
      "        return 'never'",
      "    def inner():",
      "        pass",
      "    return [a, b, c, d, e, g, h, i, j, k, l, m, n, o, p, q, r, s, t, u, v, w, x]",
      "print(f(False))",
      "print(f(False))",
    ].join("\n");
    const { t1, cpython } = await bothAdaptive(src + "\n");
    expect(t1.stdout).toBe(cpython.stdout);
    expect(formsOf(t1, "f", "LOAD_CONST")).toEqual(formsOf(cpython, "f", "LOAD_CONST"));
    expect(formsOf(t1, "f", "LOAD_CONST")).toContain("LOAD_CONST");
    expect(formsOf(t1, "f", "LOAD_CONST").filter((n) => n === "LOAD_CONST_IMMORTAL").length).toBeGreaterThan(5);
    expect(t1.run.engine.stats.of("LOAD_CONST")).toMatchObject({ success: 0, failure: 0, miss: 0 });
  });

  test("identifiers of the source are immortal (the parser interns NAMEs); other strings only when CPython has them", async () => {
    const src = [
      "class Zorkqq:",
      "    pass",
      "def f(qqkw=1):",
      "    qqlocal = 1",
      "    return ['Zorkqq', 'zorkqq_lit', 'qqkw', 'qqattr', 'qqlocal', 'qqkwarg', f.__name__]",
      "def g(**kw):",
      "    return kw",
      "print(f(), g(qqkwarg=1))",
    ].join("\n");
    const { t1, cpython } = await bothAdaptive(src + "\n");
    expect(t1.stdout).toBe(cpython.stdout);
    expect(formsOf(t1, "f", "LOAD_CONST")).toEqual(formsOf(cpython, "f", "LOAD_CONST"));
    expect(formsOf(t1, "<module>", "LOAD_CONST")).toEqual(formsOf(cpython, "<module>", "LOAD_CONST"));
  });

  test("isImmortalConst", () => {
    for (const v of [None, true, false, -5, 0, 256, "", "a", "\u00ff", "self", "print", new PyTuple([])]) expect(isImmortalConst(v)).toBe(true);
    for (const v of [-6, 257, 2n ** 70n, new PyFloat(0), "\u0101", "a b", "zzqq_not_a_name", new PyTuple([1])]) expect(isImmortalConst(v)).toBe(false);
    expect(isImmortalConst("zzqq_not_a_name", (s) => s === "zzqq_not_a_name")).toBe(true);
    expect(isImmortalConst("not a name", () => true)).toBe(false);
  });
});
