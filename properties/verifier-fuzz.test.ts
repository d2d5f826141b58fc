/**
 * Verifier robustness: on random code-unit arrays and on randomly mutated valid programs (opcode and
 * oparg flips, truncation, insertions, exception table and table-size edits), verifyProgram either
 * accepts or throws a VerifyError — never another error, never its internal-error safety net.
 * Programs it accepts must also round-trip through the assembler.
 *
 * Seeds for mutation: a hand-written program below plus the corpus programs (real CPython 3.14
 * bytecode, corpus/cases/*.tda).
 *
 * Deterministic: fixed seed, printed; FUZZ_SEED=<n> overrides it, FUZZ_RUNS=<n> the runs per property.
 */
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { CodeDef, None, type Const, type ExceptionTableEntry, type ProgramDef } from "../engine/bytecode/code.ts";
import { KNOWN_OPCODES, op } from "../engine/bytecode/testing.ts";
import { VerifyError, verifyProgram } from "../engine/bytecode/verify.ts";
import { parseProgram, printProgram } from "../engine/bytecode/asm.ts";
import { disassembleProgram } from "../engine/bytecode/dis.ts";
import { listCases } from "../corpus/cases.ts";
import { fuzzParams } from "./params.ts";
import { readFileSync } from "node:fs";

const { runs: RUNS, seed: SEED } = fuzzParams(3000, 0x5eed1);
console.log(`verifier-fuzz: seed ${SEED}, ${RUNS} runs per property (FUZZ_SEED / FUZZ_RUNS to change)`);

/** Valid programs to mutate (they verify; checked below). */
const SEEDS = [
  `.module __main__ file=m.py
.code <module> id=0 stacksize=5
.consts @1, None, 'lib', (1, 2)
.names f, lib, print
.body
  1    RESUME 0
       LOAD_CONST 0
       MAKE_FUNCTION
       STORE_NAME f
  2    LOAD_SMALL_INT 0
       LOAD_CONST 1
       IMPORT_NAME lib
       STORE_NAME lib
  3    LOAD_NAME print
       PUSH_NULL
       LOAD_NAME f
       PUSH_NULL
       LOAD_CONST 3
       CALL 1
       CALL 1
       POP_TOP
       LOAD_CONST 1
       RETURN_VALUE
.end
.code f id=1 argcount=1 flags=OPTIMIZED|NEWLOCALS stacksize=4 firstlineno=5
.consts None, @2, 'x'
.names ValueError, len
.localsplus xs:local|arg_pos|arg_kw, i:local, e:local, g:local, c:cell
.body
  --   MAKE_CELL c
   5   RESUME 0
   6   LOAD_SMALL_INT 0
       STORE_DEREF c
       LOAD_FAST c
       BUILD_TUPLE 1
       LOAD_CONST 1
       MAKE_FUNCTION
       SET_FUNCTION_ATTRIBUTE 8
       STORE_FAST g
   7   LOAD_FAST xs
       GET_ITER
  L1:  FOR_ITER L2
       STORE_FAST i
   8   LOAD_FAST_LOAD_FAST 1
       BINARY_OP 0
       POP_JUMP_IF_FALSE L8
       NOT_TAKEN
  L8:  JUMP_BACKWARD L1
  L2:  END_FOR
       POP_ITER
   9   NOP
  L3:  LOAD_GLOBAL 3
       LOAD_FAST xs
       CALL 1
       RETURN_VALUE
  --  L4: PUSH_EXC_INFO
  10   LOAD_GLOBAL 0
       CHECK_EXC_MATCH
       POP_JUMP_IF_FALSE L6
       NOT_TAKEN
       STORE_FAST e
  11  L5: LOAD_CONST 2
       LOAD_FAST e
       BUILD_STRING 2
       POP_TOP
  L9:  POP_EXCEPT
       LOAD_CONST 0
       RETURN_VALUE
  --  L6: RERAISE 0
  L7:  COPY 3
       POP_EXCEPT
       RERAISE 1
.exceptiontable
  L3 to L4 -> L4 [0]
  L4 to L5 -> L7 [1] lasti
  L5 to L9 -> L7 [1] lasti
  L6 to L7 -> L7 [1] lasti
.end
.code g id=2 qualname=f.<locals>.g flags=OPTIMIZED|NEWLOCALS|NESTED stacksize=2 firstlineno=12
.consts 1
.localsplus c:free
.body
  --   COPY_FREE_VARS 1
  12   RESUME 0
       LOAD_DEREF c
       LOAD_CONST 0
       BINARY_OP 13
       STORE_DEREF c
       LOAD_DEREF c
       RETURN_VALUE
.end
.module lib file=lib.py
.code <module> id=3 stacksize=4
.consts None, 2.5, slice(1, None, None)
.names x, y
.body
  1    RESUME 0
       LOAD_CONST 1
       LOAD_SMALL_INT 2
       BUILD_LIST 2
       COPY 1
       STORE_NAME x
       LOAD_CONST 2
       BINARY_OP 26
       UNPACK_SEQUENCE 1
       STORE_NAME y
       LOAD_NAME x
       LOAD_NAME y
       COMPARE_OP 88
       POP_JUMP_IF_TRUE L1
       NOT_TAKEN
       LOAD_CONST 0
       RETURN_VALUE
  L1:  LOAD_CONST 0
       RETURN_VALUE
.end
`,
];

const seeds: ProgramDef[] = [
  ...SEEDS.map((t) => parseProgram(t, "seed.tda")),
  ...listCases().map((c) => parseProgram(readFileSync(c.asmPath, "utf8"), c.asmPath)),
];

/** The verifier's contract: accept, or a VerifyError that is not the internal-error safety net. */
function check(p: ProgramDef): "ok" | "rejected" {
  try {
    verifyProgram(p);
  } catch (e) {
    if (!(e instanceof VerifyError)) throw new Error(`verifier threw a non-VerifyError: ${String(e)}`);
    if (e.message.includes("internal error")) throw new Error(`verifier internal error: ${e.message}`);
    return "rejected";
  }
  // accepted programs are well-formed enough for the tools to handle them exactly
  const text = printProgram(p);
  const q = parseProgram(text);
  expect(printProgram(q)).toBe(text);
  expect(typeof disassembleProgram(p)).toBe("string");
  return "ok";
}

interface Fields {
  units: Uint16Array;
  lines: readonly (number | undefined)[];
  consts: readonly Const[];
  names: readonly string[];
  lp: readonly string[];
  kinds: readonly number[];
  table: readonly ExceptionTableEntry[];
  stacksize: number;
  argcount: number;
  flags: number;
}
function withFields(c: CodeDef, f: Partial<Fields>): CodeDef {
  return new CodeDef(c.name, c.qualname, c.filename, c.firstlineno, f.argcount ?? c.argcount, c.posonlyargcount, c.kwonlyargcount, f.flags ?? c.flags,
    f.stacksize ?? c.stacksize, f.units ?? c.units, f.consts ?? c.consts, f.names ?? c.names, f.lp ?? c.localsplusnames, f.kinds ?? c.localspluskinds,
    f.table ?? c.exceptiontable, f.lines ?? c.lines);
}

// ---------------------------------------------------------------------------------------------
// Random code objects

const unitArb = fc.oneof(
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...KNOWN_OPCODES), fc.integer({ min: 0, max: 4 })).map(([o, a]) => o | (a << 8)) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }).map((a) => op("EXTENDED_ARG", a)) },
  { weight: 2, arbitrary: fc.constant(0) },
);
const entryArb = fc.record({ start: fc.integer({ min: -1, max: 30 }), end: fc.integer({ min: -1, max: 30 }), target: fc.integer({ min: -1, max: 30 }), depth: fc.integer({ min: -1, max: 4 }), lasti: fc.boolean() });
const kindArb = fc.constantFrom(0x20, 0x26, 0x22, 0x24, 0x28, 0x30, 0x60, 0x40, 0x80, 0x01, 0);
const constArb: fc.Arbitrary<Const> = fc.oneof(fc.constant(None), fc.integer(), fc.string({ maxLength: 3 }), fc.boolean(), fc.constant(2n ** 70n));

const randomCode = fc
  .record({
    units: fc.array(unitArb, { maxLength: 30 }),
    lines: fc.array(fc.option(fc.nat(9), { nil: undefined }), { maxLength: 30 }),
    consts: fc.array(constArb, { maxLength: 4 }),
    names: fc.array(fc.constantFrom("x", "y", "print"), { maxLength: 3 }),
    kinds: fc.array(kindArb, { maxLength: 4 }),
    table: fc.array(entryArb, { maxLength: 3 }),
    stacksize: fc.nat(8),
    argcount: fc.nat(2),
    flags: fc.constantFrom(0, 3, 0x13, 0x1000000),
  })
  .map((r) =>
    new CodeDef("f", "f", "t.py", 1, r.argcount, 0, 0, r.flags, r.stacksize, Uint16Array.from(r.units), r.consts, r.names,
      r.kinds.map((_, i) => `v${i}`), r.kinds, r.table, r.units.map((_, i) => r.lines[i])),
  );

// ---------------------------------------------------------------------------------------------
// Mutations of valid programs

type Mutation = (c: CodeDef, r: () => number) => CodeDef;
const pick = <T,>(xs: readonly T[], r: () => number): T => xs[r() % xs.length]!;
const MUTATIONS: readonly Mutation[] = [
  // opcode flip
  (c, r) => {
    if (c.units.length === 0) return c;
    const u = Uint16Array.from(c.units);
    const i = r() % u.length;
    u[i] = (u[i]! & 0xff00) | pick(KNOWN_OPCODES, r);
    return withFields(c, { units: u });
  },
  // oparg flip
  (c, r) => {
    if (c.units.length === 0) return c;
    const u = Uint16Array.from(c.units);
    const i = r() % u.length;
    u[i] = (u[i]! & 0xff) | ((r() & 0xff) << 8);
    return withFields(c, { units: u });
  },
  // small oparg change (stays plausible)
  (c, r) => {
    if (c.units.length === 0) return c;
    const u = Uint16Array.from(c.units);
    const i = r() % u.length;
    u[i] = (u[i]! + ((r() % 5) - 2) * 256) & 0xffff;
    return withFields(c, { units: u });
  },
  // truncate (line table follows, or not)
  (c, r) => {
    const n = r() % (c.units.length + 1);
    return withFields(c, { units: c.units.slice(0, n), lines: r() % 4 === 0 ? c.lines : c.lines.slice(0, n) });
  },
  // insert a random unit
  (c, r) => {
    const i = r() % (c.units.length + 1);
    const u = [...c.units];
    u.splice(i, 0, r() % 2 ? pick(KNOWN_OPCODES, r) : r() & 0xffff);
    const l = [...c.lines];
    l.splice(i, 0, undefined);
    return withFields(c, { units: Uint16Array.from(u), lines: l });
  },
  // delete a unit
  (c, r) => {
    if (c.units.length === 0) return c;
    const i = r() % c.units.length;
    const u = [...c.units];
    u.splice(i, 1);
    const l = [...c.lines];
    l.splice(i, 1);
    return withFields(c, { units: Uint16Array.from(u), lines: l });
  },
  // exception table edits
  (c, r) => {
    const t = [...c.exceptiontable];
    if (t.length > 0 && r() % 3 !== 0) {
      const i = r() % t.length;
      const e = { ...t[i]! };
      const f = pick(["start", "end", "target", "depth"] as const, r);
      e[f] = e[f] + (r() % 7) - 3;
      if (r() % 5 === 0) e.lasti = !e.lasti;
      t[i] = e;
    } else if (t.length > 0 && r() % 2) t.splice(r() % t.length, 1);
    else t.push({ start: r() % (c.units.length + 2), end: r() % (c.units.length + 2), target: r() % (c.units.length + 2), depth: r() % 4, lasti: r() % 2 === 0 });
    return withFields(c, { table: t });
  },
  // shrink tables (indexes go out of range)
  (c, r) => {
    switch (r() % 3) {
      case 0: return withFields(c, { consts: c.consts.slice(0, Math.max(0, c.consts.length - 1)) });
      case 1: return withFields(c, { names: c.names.slice(0, Math.max(0, c.names.length - 1)) });
      default: return withFields(c, { lp: c.localsplusnames.slice(0, -1), kinds: r() % 2 ? c.localspluskinds.slice(0, -1) : c.localspluskinds });
    }
  },
  // fields
  (c, r) => {
    switch (r() % 4) {
      case 0: return withFields(c, { stacksize: Math.max(0, c.stacksize + (r() % 5) - 3) });
      case 1: return withFields(c, { argcount: r() % 6 });
      case 2: return withFields(c, { flags: c.flags ^ (1 << r() % 28) });
      default: {
        const k = [...c.localspluskinds];
        if (k.length) k[r() % k.length] = pick([0x20, 0x40, 0x80, 0x60, 0x01, 0x10], r);
        return withFields(c, { kinds: k });
      }
    }
  },
];

function countCodes(p: ProgramDef): number {
  const seen = new Set<CodeDef>();
  const visit = (c: CodeDef): void => {
    if (seen.has(c)) return;
    seen.add(c);
    for (const k of c.consts) if (k instanceof CodeDef) visit(k);
  };
  for (const m of p.modules) visit(m.code);
  return seen.size;
}

/** Apply `m` to the index-th code object of the program (pre-order, modulo their number), rebuilding its parents. */
function mutateProgram(p: ProgramDef, index: number, m: (c: CodeDef) => CodeDef): ProgramDef {
  index %= countCodes(p);
  let n = 0;
  const memo = new Map<CodeDef, CodeDef>();
  const visit = (c: CodeDef): CodeDef => {
    const hit = memo.get(c);
    if (hit) return hit;
    const mine = n++ === index;
    const consts = c.consts.map((k) => (k instanceof CodeDef ? visit(k) : k));
    let out = consts.some((k, i) => k !== c.consts[i]) ? withFields(c, { consts }) : c;
    if (mine) out = m(out);
    memo.set(c, out);
    return out;
  };
  return { formatVersion: p.formatVersion, modules: p.modules.map((mod) => ({ ...mod, code: visit(mod.code) })) };
}

describe("verifier fuzz", () => {
  test("the seed programs verify", () => {
    for (const s of seeds) expect(check(s)).toBe("ok");
  });

  test("random code units: accepted or VerifyError", () => {
    let rejected = 0;
    fc.assert(
      fc.property(randomCode, fc.boolean(), (code, asLib) => {
        const modules = asLib
          ? [{ name: "__main__", filename: "m.py", code: seeds[0]!.modules[0]!.code }, { name: "lib", filename: "lib.py", code }]
          : [{ name: "__main__", filename: "m.py", code }];
        if (check({ formatVersion: 1, modules }) === "rejected") rejected++;
      }),
      { seed: SEED, numRuns: RUNS },
    );
    expect(rejected).toBeGreaterThan(0);
  });

  test("mutated valid programs: accepted or VerifyError", () => {
    const counts = { ok: 0, rejected: 0 };
    fc.assert(
      fc.property(fc.nat(seeds.length - 1), fc.nat(40), fc.array(fc.tuple(fc.nat(MUTATIONS.length - 1), fc.nat()), { minLength: 1, maxLength: 3 }), fc.nat(), (s, target, muts, salt) => {
        let p = seeds[s]!;
        let x = salt | 1;
        const r = (): number => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0), x >>> 8);
        for (const [mi, m] of muts) {
          x = (x ^ m) | 1;
          p = mutateProgram(p, target, (c) => MUTATIONS[mi]!(c, r));
        }
        counts[check(p)]++;
      }),
      { seed: SEED + 1, numRuns: RUNS },
    );
    // both outcomes occur: the mutations are neither all fatal nor all harmless
    expect(counts.rejected).toBeGreaterThan(0);
    expect(counts.ok).toBeGreaterThan(0);
  });
});
