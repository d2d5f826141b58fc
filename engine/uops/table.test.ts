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
import facts from "./cpython314-facts.json" with { type: "json" };

const S = (samples as unknown as { samples: Record<string, [number | null, number | null][]> }).samples;

interface FactPart { uop?: string; unused?: number; rewind?: number; flush?: unknown }
interface Facts {
  macros: Record<string, { parts: FactPart[] }>;
  uops: Record<string, { inputs?: string[] | null; outputs?: string[] | null }>;
}
const FACTS = facts as unknown as Facts;

/** Size of a stack item spec like "args[oparg]" or "null[oparg & 1]" (evaluated for one oparg). */
function itemSize(spec: string, oparg: number): number | undefined {
  const m = /\[(.*)\]$/.exec(spec);
  if (m === null) return 1;
  const expr = m[1]!.replace(/\boparg\b/g, String(oparg));
  if (!/^[\d\s+\-*&|()<>]+$/.test(expr)) return undefined;
  return Function(`"use strict"; return (${expr});`)() as number;
}
function cpythonEffect(parts: readonly FactPart[], oparg: number): number | undefined {
  let e = 0;
  for (const p of parts) {
    if (p.uop === undefined) continue;
    const u = FACTS.uops[p.uop];
    if (u === undefined || !Array.isArray(u.inputs) || !Array.isArray(u.outputs)) return undefined;
    for (const x of u.outputs) { const n = itemSize(x, oparg); if (n === undefined) return undefined; e += n; }
    for (const x of u.inputs) { const n = itemSize(x, oparg); if (n === undefined) return undefined; e -= n; }
  }
  return e;
}
/** merge consecutive unused/N, as CPython writes `unused/1 + unused/1` for named skips */
function normalize(parts: readonly string[]): string {
  const out: string[] = [];
  for (const p of parts) {
    const m = /^unused\/(\d+)$/.exec(p);
    const last = out.length > 0 ? /^unused\/(\d+)$/.exec(out[out.length - 1]!) : null;
    if (m !== null && last !== null) out[out.length - 1] = `unused/${Number(last[1]) + Number(m[1])}`;
    else out.push(p);
  }
  return out.join(" + ");
}
/** Deliberate differences from CPython's spelling, each with its reason (kept short on purpose). */
const KNOWN_SPELLING_DIFFERENCES: Readonly<Record<string, string>> = {};

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

  test("every macro's stack effect, derived from its uops, equals CPython 3.14's (from its own uop metadata)", () => {
    const bad: string[] = [];
    for (const m of allMacros()) {
      const f = FACTS.macros[m.name];
      if (f === undefined) continue;
      // a frame-pushing form leaves the call's result to the callee's return: CPython's metadata
      // counts it there, our table counts it at the _PUSH_FRAME (documented convention)
      const pushesFrame = f.parts.some((p) => p.uop === "_PUSH_FRAME");
      const baseFacts = FACTS.macros[m.base];
      for (let oparg = 0; oparg < 8; oparg++) {
        const cpy = cpythonEffect(f.parts, oparg);
        if (cpy === undefined) continue;
        // a specialized form is only installed where its stack shape is the base's (fixed-arity
        // forms like CALL_LEN exist for one oparg); superinstructions that also consume the next
        // instruction's operand (CALL_LIST_APPEND, BINARY_OP_INPLACE_ADD_UNICODE) are skipped too
        if (m.base !== m.name && baseFacts !== undefined) {
          const cpyBase = cpythonEffect(baseFacts.parts, oparg);
          if (cpyBase === undefined || cpy + (pushesFrame ? 1 : 0) !== cpyBase) continue;
        }
        const ours = macroStackEffect(m, oparg);
        if (ours !== cpy + (pushesFrame ? 1 : 0)) bad.push(`${m.name} oparg=${oparg}: table ${ours}, CPython ${cpy}`);
      }
    }
    expect(bad).toEqual([]);
  });

  test("macro spellings (uop sequence and unused cache entries) are CPython 3.14's", () => {
    const bad: string[] = [];
    for (const m of allMacros()) {
      const f = FACTS.macros[m.name];
      if (f === undefined) {
        bad.push(`${m.name}: not a CPython 3.14 instruction`);
        continue;
      }
      const ours = normalize(m.spelling);
      // `flush` parts are code-generator markers, `rewind/N` re-reads N cache units (our unused/-N)
      const cpy = normalize(f.parts.filter((p) => p.flush === undefined && (p.uop !== undefined || p.unused !== undefined || p.rewind !== undefined))
        .map((p) => (p.uop !== undefined ? p.uop : p.unused !== undefined ? `unused/${p.unused}` : `unused/-${p.rewind}`)));
      if (ours !== cpy && KNOWN_SPELLING_DIFFERENCES[m.name] === undefined) bad.push(`${m.name}: ours ${ours} | CPython ${cpy}`);
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
