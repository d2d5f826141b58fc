/**
 * Helpers for the bytecode tests (asm.test.ts, dis.test.ts, properties/verifier-fuzz.test.ts):
 * building code units, comparing programs field by field, and the assembler round trip.
 * Test support only: nothing in the engine imports this module.
 */
import { expect } from "vitest";
import { CodeDef, ConstSlice, ConstTuple, type Const, type ProgramDef } from "./code.ts";
import { PyFloat } from "../runtime/primitive.ts";
import { OPMAP, OPNAME } from "./opcodes.ts";
import { parseProgram, printProgram } from "./asm.ts";

/** The code unit of instruction `name` with oparg `arg` (no EXTENDED_ARG: `arg` must fit a byte). */
export const op = (name: string, arg = 0): number => OPMAP[name]! | (arg << 8);

/** Every opcode number that has a name (supported or not). */
export const KNOWN_OPCODES: readonly number[] = OPNAME.map((_, i) => i).filter((i) => OPNAME[i] !== undefined);

/**
 * Field-by-field equality of programs (NaN == NaN, -0.0 != 0.0, sharing of code objects: a code object
 * that occurs twice in `a` must be matched by one code object in `b`, compared once). Returns
 * undefined if equal, else where they first differ.
 */
export function sameProgram(a: ProgramDef, b: ProgramDef): string | undefined {
  if (a.formatVersion !== b.formatVersion) return "formatVersion";
  if (a.modules.length !== b.modules.length) return "module count";
  const seen = new Map<CodeDef, CodeDef>();
  const konst = (x: Const, y: Const, at: string): string | undefined => {
    if (x instanceof PyFloat) return y instanceof PyFloat && Object.is(x.v, y.v) ? undefined : at;
    if (x instanceof ConstTuple) {
      if (!(y instanceof ConstTuple) || x.items.length !== y.items.length) return at;
      for (let i = 0; i < x.items.length; i++) {
        const r = konst(x.items[i]!, y.items[i]!, `${at}[${i}]`);
        if (r) return r;
      }
      return undefined;
    }
    if (x instanceof ConstSlice) {
      if (!(y instanceof ConstSlice)) return at;
      return konst(x.start, y.start, at) ?? konst(x.stop, y.stop, at) ?? konst(x.step, y.step, at);
    }
    if (x instanceof CodeDef) return y instanceof CodeDef ? code(x, y, at) : at;
    return x === y ? undefined : `${at}: ${String(x)} != ${String(y)}`;
  };
  const code = (x: CodeDef, y: CodeDef, at: string): string | undefined => {
    const prev = seen.get(x);
    if (prev) return prev === y ? undefined : `${at}: sharing differs`;
    seen.set(x, y);
    const w = `${at}/${x.qualname}`;
    for (const f of ["name", "qualname", "filename", "firstlineno", "argcount", "posonlyargcount", "kwonlyargcount", "flags", "stacksize"] as const) {
      if (x[f] !== y[f]) return `${w}.${f}: ${String(x[f])} != ${String(y[f])}`;
    }
    if (x.units.length !== y.units.length || x.units.some((u, i) => u !== y.units[i])) return `${w}.units: ${[...x.units]} != ${[...y.units]}`;
    if (x.lines.length !== y.lines.length || x.lines.some((l, i) => l !== y.lines[i])) return `${w}.lines`;
    for (const f of ["names", "localsplusnames", "localspluskinds"] as const) {
      if (JSON.stringify(x[f]) !== JSON.stringify(y[f])) return `${w}.${f}`;
    }
    if (JSON.stringify(x.exceptiontable) !== JSON.stringify(y.exceptiontable)) return `${w}.exceptiontable`;
    if (x.consts.length !== y.consts.length) return `${w}.consts length`;
    for (let i = 0; i < x.consts.length; i++) {
      const r = konst(x.consts[i]!, y.consts[i]!, `${w}.consts[${i}]`);
      if (r) return r;
    }
    return undefined;
  };
  for (let i = 0; i < a.modules.length; i++) {
    const x = a.modules[i]!;
    const y = b.modules[i]!;
    if (x.name !== y.name || x.filename !== y.filename || x.source !== y.source) return `module ${i} header`;
    const r = code(x.code, y.code, x.name);
    if (r) return r;
  }
  return undefined;
}

/** parse(print(p)) equals p and printing is canonical; returns the text. */
export function roundTrip(p: ProgramDef, filename = "rt.tda"): string {
  const text = printProgram(p);
  const q = parseProgram(text, filename);
  expect(sameProgram(p, q)).toBeUndefined();
  expect(printProgram(q)).toBe(text);
  return text;
}
