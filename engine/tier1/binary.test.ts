// BINARY_OP's specialized forms on tier 1, each driven IN (second execution with CPython's default
// thresholds), OUT (a guard fails: the generic path runs, a miss is counted) and back IN or on to
// another form (the 53rd miss ends the cooldown and re-specializes). Every program also runs in
// CPython 3.14.2 (pyodide), which must leave the same specialized instruction behind.
import { describe, expect, test } from "vitest";
import { bothAdaptive, driver, formsOf } from "./specialize-testing.ts";
import { BINARYOP_EXTEND_DESCRS, isCompactInt } from "../uops/binary.ts";
import { macroNamed, readCache } from "../uops/table.ts";
import { disInstructions } from "../bytecode/dis.ts";
import { CACHE_FORMAT } from "../bytecode/opcodes.generated.ts";
import "./families.ts";

const ADD = "def f(a, b):\n    return a + b\n";

/** The form BINARY_OP in f ends as, on tier 1 and in CPython (which must agree). */
async function formAfter(defs: string, phases: readonly (readonly [string, number])[], family = "BINARY_OP") {
  const { t1, cpython } = await bothAdaptive(driver(defs, "f", phases));
  const got = formsOf(t1, "f", family);
  expect(got).toEqual(formsOf(cpython, "f", family));
  expect(t1.stdout).toBe(cpython.stdout);
  return { form: got.length === 1 ? got[0] : got, stats: t1.run.engine.stats.of(family), t1 };
}

/** The BINARY_OP's 4-unit descr cache entry in f after the run. */
function descrCache(r: { t1: { run: { engine: { adaptive: Map<{ qualname: string }, Uint16Array> } } } }): number {
  for (const [def, units] of r.t1.run.engine.adaptive) {
    if (def.qualname !== "f") continue;
    const at = disInstructions(units).find((i) => i.base === "BINARY_OP")!.offset;
    return readCache(units, at + 2, 4);
  }
  throw new Error("f did not run");
}

describe("BINARY_OP specialization: in, out, in", () => {
  test("warm-up: the first execution counts down, the second specializes", async () => {
    expect((await formAfter(ADD, [["1, 2", 1]])).form).toBe("BINARY_OP");
    const r = await formAfter(ADD, [["1, 2", 2]]);
    expect(r.form).toBe("BINARY_OP_ADD_INT");
    expect(r.stats).toMatchObject({ success: 1, failure: 0, deferred: 1, miss: 0 });
  });

  test("int -> float: 52 misses keep ADD_INT, the 53rd re-specializes; and back", async () => {
    const out52 = await formAfter(ADD, [["1, 2", 2], ["1.5, 2.5", 52]]);
    expect(out52.form).toBe("BINARY_OP_ADD_INT");
    expect(out52.stats).toMatchObject({ success: 1, miss: 52, deferred: 53, deopt: 0 });
    const out53 = await formAfter(ADD, [["1, 2", 2], ["1.5, 2.5", 53]]);
    expect(out53.form).toBe("BINARY_OP_ADD_FLOAT");
    expect(out53.stats).toMatchObject({ success: 2, miss: 53, deferred: 53, deopt: 1 });
    const back = await formAfter(ADD, [["1, 2", 2], ["1.5, 2.5", 53], ["1, 2", 53]]);
    expect(back.form).toBe("BINARY_OP_ADD_INT");
    expect(back.stats).toMatchObject({ success: 3, miss: 106, deopt: 2 });
  });

  test.each([
    ["-", "SUBTRACT"],
    ["*", "MULTIPLY"],
  ])("int and float %s", async (op, name) => {
    const defs = `def f(a, b):\n    return a ${op} b\n`;
    expect((await formAfter(defs, [["3, 2", 2]])).form).toBe(`BINARY_OP_${name}_INT`);
    expect((await formAfter(defs, [["3, 2", 2], ["1.5, 2.5", 53]])).form).toBe(`BINARY_OP_${name}_FLOAT`);
    expect((await formAfter(defs, [["1.5, 2.5", 2], ["3, 2", 52]])).form).toBe(`BINARY_OP_${name}_FLOAT`);
  });

  test("huge ints still take the int forms (no compactness condition in 3.14)", async () => {
    expect((await formAfter(ADD, [["10**40, 10**40", 2]])).form).toBe("BINARY_OP_ADD_INT");
    expect((await formAfter(ADD, [["1, 2", 2], ["10**40, 2**100", 60]])).stats.miss).toBe(0);
  });

  test("str concatenation; bool operands are not exact ints", async () => {
    expect((await formAfter(ADD, [["'a', 'b'", 2]])).form).toBe("BINARY_OP_ADD_UNICODE");
    expect((await formAfter(ADD, [["'a', 'b'", 2], ["1, 2", 53]])).form).toBe("BINARY_OP_ADD_INT");
    const b = await formAfter(ADD, [["True, False", 2]]);
    expect(b.form).toBe("BINARY_OP");
    expect(b.stats.failureKinds).toEqual({ BINARY_OP_ADD_OTHER: 1 });
    const m = await formAfter(ADD, [["1, True", 2]]);
    expect(m.stats.failureKinds).toEqual({ BINARY_OP_ADD_DIFFERENT_TYPES: 1 });
  });

  test("in-place str concatenation into the left operand's local (superinstruction with STORE_FAST)", async () => {
    const inplace = "def f(a, b):\n    a += b\n    return a\n";
    const r = await formAfter(inplace, [["'x', 'y'", 3]]);
    expect(r.form).toBe("BINARY_OP_INPLACE_ADD_UNICODE");
    expect(r.t1.stdout).toBe("");
    // the target local must hold the left operand; otherwise a DEOPT miss, then ADD_UNICODE
    const other = "def f(a, b, c):\n    s = a\n    s = c + b\n    return s\n";
    expect((await formAfter(other, [["'x', 'y', 'x'", 2]])).form).toBe("BINARY_OP_INPLACE_ADD_UNICODE");
    const out = await formAfter(other, [["'x', 'y', 'x'", 2], ["'x', 'y', 'z'", 52]]);
    expect(out.form).toBe("BINARY_OP_INPLACE_ADD_UNICODE");
    expect(out.stats.miss).toBe(52);
    expect((await formAfter(other, [["'x', 'y', 'x'", 2], ["'x', 'y', 'z'", 53]])).form).toBe("BINARY_OP_ADD_UNICODE");
    // a loop building a string: the value lands in the local and the STORE_FAST is skipped
    const loop = "def f(n):\n    s = ''\n    for i in range(n):\n        s += 'ab'\n    print(s)\n";
    expect((await formAfter(loop, [["4", 1], ["2", 1]])).form).toBe("BINARY_OP_INPLACE_ADD_UNICODE");
  });

  test("subscripts: list, tuple, str by non-negative compact int; dict; list slice", async () => {
    const sub = "def f(a, i):\n    return a[i]\n";
    expect((await formAfter(sub, [["[1, 2, 3], 1", 2]])).form).toBe("BINARY_OP_SUBSCR_LIST_INT");
    expect((await formAfter(sub, [["(1, 2), 0", 2]])).form).toBe("BINARY_OP_SUBSCR_TUPLE_INT");
    expect((await formAfter(sub, [["'abc', 2", 2]])).form).toBe("BINARY_OP_SUBSCR_STR_INT");
    expect((await formAfter(sub, [["{1: 2}, 1", 2]])).form).toBe("BINARY_OP_SUBSCR_DICT");
    expect((await formAfter(sub, [["{1: 2}, 1", 2], ["[5], 0", 53]])).form).toBe("BINARY_OP_SUBSCR_LIST_INT");
    // negative index: DEOPT miss; at the 53rd the specializer refuses (OUT_OF_RANGE) and restarts
    // the counter with backoff (value 1, backoff 1), which the generic path advances at once to 0:
    // the next in-range execution specializes again
    const neg = await formAfter(sub, [["[1, 2, 3], 1", 2], ["[1, 2, 3], -1", 53]]);
    expect(neg.form).toBe("BINARY_OP");
    expect(neg.stats).toMatchObject({ success: 1, miss: 53, failure: 1, failureKinds: { OUT_OF_RANGE: 1 } });
    expect((await formAfter(sub, [["[1, 2, 3], 1", 2], ["[1, 2, 3], -1", 54]])).form).toBe("BINARY_OP");
    expect((await formAfter(sub, [["[1, 2, 3], 1", 2], ["[1, 2, 3], -1", 53], ["[1, 2, 3], 1", 1]])).form).toBe("BINARY_OP_SUBSCR_LIST_INT");
    // index past the end: DEOPT, the generic path raises IndexError
    const past = "def f(a, i):\n    try:\n        return a[i]\n    except IndexError:\n        return 'E'\n";
    const p = await formAfter(past, [["(1, 2), 0", 2], ["(1, 2), 5", 3]]);
    expect(p.form).toBe("BINARY_OP_SUBSCR_TUPLE_INT");
    expect(p.stats.miss).toBe(3);
    // a non-ASCII character deopts, but the specializer picks STR_INT again after the cooldown;
    // the re-dispatched form deopts at once on the same operands: 52 misses + 2 on the 53rd run
    const na = await formAfter(sub, [["'ab', 1", 2], ["'\\u00e9a', 0", 53]]);
    expect(na.form).toBe("BINARY_OP_SUBSCR_STR_INT");
    expect(na.stats).toMatchObject({ success: 2, miss: 54, deopt: 1 });
    const slice = "def f(a):\n    return a[::2]\n";
    expect((await formAfter(slice, [["[1, 2, 3]", 2]])).form).toBe("BINARY_OP_SUBSCR_LIST_SLICE");
    const s = await formAfter(slice, [["[1, 2, 3]", 2], ["'abcd'", 53]]);
    expect(s.form).toBe("BINARY_OP");
    expect(s.stats.failureKinds).toEqual({ BINARY_OP_SUBSCR_STRING_SLICE: 1 });
  });

  test("KeyError from BINARY_OP_SUBSCR_DICT", async () => {
    const defs = "def f(d, k):\n    try:\n        return d[k]\n    except KeyError as e:\n        print('KeyError', e)\n";
    const r = await formAfter(defs, [["{1: 2}, 1", 2], ["{1: 2}, 3", 2]]);
    expect(r.form).toBe("BINARY_OP_SUBSCR_DICT");
    expect(r.t1.stdout).toBe("KeyError 3\nKeyError 3\n");
  });

  test("BINARY_OP_EXTEND: float and compact int mixes, compact int bitwise ops", async () => {
    expect((await formAfter(ADD, [["1.5, 2", 2]])).form).toBe("BINARY_OP_EXTEND");
    expect((await formAfter(ADD, [["2, 1.5", 2]])).form).toBe("BINARY_OP_EXTEND");
    // the guard of the cached descriptor fails for int + float: at the 53rd miss the other descriptor
    const swap = await formAfter(ADD, [["1.5, 2", 2], ["2, 1.5", 53]]);
    expect(swap.form).toBe("BINARY_OP_EXTEND");
    expect(swap.stats).toMatchObject({ success: 2, miss: 53 });
    const div = "def f(a, b):\n    return a / b\n";
    expect((await formAfter(div, [["1.5, 2", 2]])).form).toBe("BINARY_OP_EXTEND");
    const divz = "def f(a, b):\n    try:\n        return a / b\n    except ZeroDivisionError:\n        print('Z')\n";
    const z = await formAfter(divz, [["1.5, 2", 2], ["1.5, 0", 3]]);
    expect(z.form).toBe("BINARY_OP_EXTEND");
    expect(z.stats.miss).toBe(3);
    expect(z.t1.stdout).toBe("Z\nZ\nZ\n");
    const z0 = await formAfter(divz, [["1.5, 0", 2]]);
    expect(z0.form).toBe("BINARY_OP");
    expect(z0.stats.failureKinds).toEqual({ BINARY_OP_TRUE_DIVIDE_DIFFERENT_TYPES: 1 });
    const or = "def f(a, b):\n    return a | b\n";
    expect((await formAfter(or, [["6, 3", 2]])).form).toBe("BINARY_OP_EXTEND");
    const big = await formAfter(or, [["6, 3", 2], ["2**40, 1", 53]]);
    expect(big.form).toBe("BINARY_OP");
    expect(big.stats.failureKinds).toEqual({ BINARY_OP_OR_INT: 1 });
    // the descriptor is cached as its table index + 1; re-specializing first clears it (NULL)
    expect(descrCache(await formAfter(or, [["6, 3", 2]]))).toBe(1);
    expect(descrCache(big)).toBe(0);
    expect(descrCache(await formAfter(ADD, [["1.5, 2", 2], ["2, 1.5", 53]]))).toBe(11);
    // NaN is excluded by the guards; in-place float += int has no descriptor
    const nan = await formAfter(ADD, [["float('nan'), 1", 2]]);
    expect(nan.form).toBe("BINARY_OP");
    expect(nan.stats.failureKinds).toEqual({ BINARY_OP_ADD_DIFFERENT_TYPES: 1 });
    const iadd = "def f(a, b):\n    a += b\n    return a\n";
    expect((await formAfter(iadd, [["1.5, 2", 2]])).form).toBe("BINARY_OP");
    expect((await formAfter("def f(a, b):\n    a ^= b\n    return a\n", [["6, 3", 2]])).form).toBe("BINARY_OP_EXTEND");
  });

  test("operators without a form fail with CPython's kinds", async () => {
    const kinds: [string, string, string][] = [
      ["//", "7, 2", "BINARY_OP_FLOOR_DIVIDE"],
      ["%", "7, 2", "BINARY_OP_REMAINDER"],
      ["**", "7, 2", "BINARY_OP_POWER"],
      ["<<", "7, 2", "BINARY_OP_LSHIFT"],
      [">>", "7, 2", "BINARY_OP_RSHIFT"],
      ["/", "7, 2", "BINARY_OP_TRUE_DIVIDE_OTHER"],
      ["/", "7.5, 2.5", "BINARY_OP_TRUE_DIVIDE_FLOAT"],
      ["*", "'ab', 2", "BINARY_OP_MULTIPLY_DIFFERENT_TYPES"],
      ["+", "[1], [2]", "BINARY_OP_ADD_OTHER"],
      ["&", "True, False", "BINARY_OP_AND_OTHER"],
    ];
    for (const [op, args, kind] of kinds) {
      const r = await formAfter(`def f(a, b):\n    return a ${op} b\n`, [[args, 2]]);
      expect(r.form).toBe("BINARY_OP");
      expect(r.stats.failureKinds).toEqual({ [kind]: 1 });
    }
  });
});

describe("a freshly specialized instruction that deopts at once", () => {
  // CPython 3.14 picks BINARY_OP_SUBSCR_STR_INT for 'é'[0] and BINARY_OP_SUBSCR_LIST_INT for [1][5]
  // (the specializer does not look at the character or the length); re-dispatched, the form deopts
  // at once and the generic path runs (the engine treats it like any miss).
  test("'\u00e9a'[0] and [1][5] on their second execution: same form as CPython, generic result", async () => {
    const src = "def f(s, i):\n    try:\n        return s[i]\n    except IndexError:\n        return 'oob'\n" +
      "print(f('\u00e9a', 0), f('\u00e9a', 0), f([1], 5), f([1], 5))\n";
    const { t1, cpython } = await bothAdaptive(src);
    expect(t1.error).toBeNull();
    expect(t1.stdout).toBe(cpython.stdout);
    expect(formsOf(t1, "f", "BINARY_OP")).toEqual(formsOf(cpython, "f", "BINARY_OP"));
  });
});

describe("BINARY_OP_EXTEND descriptor table", () => {
  test("CPython's 14 entries in order; the cache holds index + 1 in the 4-unit descr entry", () => {
    expect(BINARYOP_EXTEND_DESCRS.map((d) => `${d.oparg}:${d.guardName}:${d.actionName}`)).toEqual([
      "7:compactlongs_guard:compactlongs_or", "1:compactlongs_guard:compactlongs_and", "12:compactlongs_guard:compactlongs_xor",
      "20:compactlongs_guard:compactlongs_or", "14:compactlongs_guard:compactlongs_and", "25:compactlongs_guard:compactlongs_xor",
      "0:float_compactlong_guard:float_compactlong_add", "10:float_compactlong_guard:float_compactlong_subtract",
      "11:nonzero_float_compactlong_guard:float_compactlong_true_div", "5:float_compactlong_guard:float_compactlong_multiply",
      "0:compactlong_float_guard:compactlong_float_add", "10:compactlong_float_guard:compactlong_float_subtract",
      "11:nonzero_compactlong_float_guard:compactlong_float_true_div", "5:compactlong_float_guard:compactlong_float_multiply",
    ]);
    expect(CACHE_FORMAT["BINARY_OP"]).toEqual({ counter: 1, descr: 4 });
    const m = macroNamed("BINARY_OP_EXTEND")!;
    // unused/1 + _GUARD_BINARY_OP_EXTEND + rewind/-4 + _BINARY_OP_EXTEND: both ops read units 1..4
    expect(m.parts.map((p) => [p.uop.name, p.cacheOffset])).toEqual([["_GUARD_BINARY_OP_EXTEND", 1], ["_BINARY_OP_EXTEND", 1]]);
    expect(m.cacheUnits).toBe(5);
    expect(isCompactInt(2 ** 30 - 1)).toBe(true);
    expect(isCompactInt(2 ** 30)).toBe(false);
  });
});
