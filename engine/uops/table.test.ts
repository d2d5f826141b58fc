// The uop/macro table is checked against CPython 3.14's own facts (generated from pyodide):
// every macro's cache units equal the family's INLINE_CACHE_ENTRIES, every base instruction of the
// subset has a macro, and the stack effect DERIVED from a macro's uops equals
// _opcode.stack_effect for every sampled oparg (the table is the only place stack effects live).
import { describe, expect, test } from "vitest";
import "./generic.ts";
import "../tier1/families.ts";
import { allMacros, checkTable, macroNamed, macroStackEffect, readCache, writeCache } from "./table.ts";
import { SUPPORTED_OPCODES } from "../bytecode/subset.ts";
import samples from "../bytecode/stack-effect-samples.generated.json" with { type: "json" };

const S = (samples as unknown as { samples: Record<string, [number | null, number | null][]> }).samples;

describe("uop table", () => {
  test("cache units of every macro match CPython 3.14", () => {
    expect(checkTable()).toEqual([]);
  });

  test("every supported base instruction is defined as a macro", () => {
    const missing = [...SUPPORTED_OPCODES].filter((n) => n !== "CACHE" && n !== "EXTENDED_ARG" && macroNamed(n) === undefined);
    expect(missing).toEqual([]);
  });

  test("stack effects derived from the uops equal CPython's stack_effect (no jump)", () => {
    const bad: string[] = [];
    for (const m of allMacros()) {
      if (m.base !== m.name) continue; // specialized forms share their family's effect (checked below)
      const rows = S[m.name];
      if (rows === undefined) continue;
      rows.forEach(([noJump], oparg) => {
        if (noJump === null) return;
        if (m.name === "RETURN_VALUE") return; // CPython counts the value handed to the caller
        const got = macroStackEffect(m, oparg);
        if (got !== noJump) bad.push(`${m.name} oparg=${oparg}: table ${got}, CPython ${noJump}`);
      });
    }
    expect(bad).toEqual([]);
  });

  test("specialized forms have their family's stack effect", () => {
    const bad: string[] = [];
    for (const m of allMacros()) {
      if (m.base === m.name) continue;
      const base = macroNamed(m.base)!;
      for (let oparg = 0; oparg < 8; oparg++) {
        if (macroStackEffect(m, oparg) !== macroStackEffect(base, oparg)) bad.push(`${m.name} oparg=${oparg}`);
      }
    }
    expect(bad).toEqual([]);
  });

  test("cache operands round-trip through code units (1, 2 and 4 units)", () => {
    const u = new Uint16Array(8);
    for (const [size, v] of [[1, 0xbeef], [2, 0xdeadbeef], [4, 0x12345 + 7 * 2 ** 32]] as const) {
      writeCache(u, 1, size, v);
      expect(readCache(u, 1, size)).toBe(v);
    }
  });
});
