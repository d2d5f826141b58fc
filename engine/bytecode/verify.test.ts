/**
 * The verifier accepts valid programs and rejects each class of malformed input with its exact
 * message: one test per check. Malformed code is written in assembly (`.raw` where the symbolic form
 * cannot say it) or built as CodeDefs directly.
 */
import { describe, expect, test } from "vitest";
import { parseProgram } from "./asm.ts";
import { CodeDef, None, type Const, type ExceptionTableEntry, type ProgramDef } from "./code.ts";
import { OPMAP } from "./opcodes.ts";
import { VerifyError, verifyCode, verifyProgram, maxStackDepth } from "./verify.ts";

const op = (name: string, arg = 0): number => OPMAP[name]! | (arg << 8);

interface FnOpts {
  consts?: string;
  names?: string;
  localsplus?: string;
  stacksize?: number;
  attrs?: string;
  table?: string[];
}
/** A __main__ module whose code object `f` has the given body lines (first instruction at +0). */
function fn(lines: string[], o: FnOpts = {}): ProgramDef {
  const parts = [
    ".module __main__ file=t.py",
    `.code f id=0 stacksize=${o.stacksize ?? 4}${o.attrs ? " " + o.attrs : ""}`,
    `.consts ${o.consts ?? "None"}`,
    `.names ${o.names ?? "x"}`,
    o.localsplus === "" ? "" : `.localsplus ${o.localsplus ?? "a:local, b:local"}`,
    ".body",
    ...lines.map((l) => "  " + l),
  ];
  if (o.table) parts.push(".exceptiontable", ...o.table.map((l) => "  " + l));
  parts.push(".end", "");
  return parseProgram(parts.join("\n"), "t.tda");
}
/** The VerifyError message for a program (fails the test if it verifies or throws anything else). */
function rejects(p: ProgramDef): string {
  try {
    verifyProgram(p);
  } catch (e) {
    expect(e).toBeInstanceOf(VerifyError);
    return (e as VerifyError).message;
  }
  throw new Error("program was accepted");
}
const ret = ["LOAD_CONST 0", "RETURN_VALUE"];

function code(units: number[], o: Partial<{ consts: Const[]; lp: string[]; kinds: number[]; lines: (number | undefined)[]; table: ExceptionTableEntry[]; argcount: number; posonly: number; flags: number; stacksize: number }> = {}): CodeDef {
  return new CodeDef("f", "f", "t.py", 1, o.argcount ?? 0, o.posonly ?? 0, 0, o.flags ?? 0, o.stacksize ?? 2, Uint16Array.from(units),
    o.consts ?? [None], ["x"], o.lp ?? ["a"], o.kinds ?? [0x20], o.table ?? [], o.lines ?? units.map(() => undefined));
}
const main = (c: CodeDef): ProgramDef => ({ formatVersion: 1, modules: [{ name: "__main__", filename: "t.py", code: c }] });
const okCode = (): CodeDef => code([op("LOAD_CONST", 0), op("RETURN_VALUE")]);

describe("accepts valid programs", () => {
  // (the program covering every supported instruction is verified in asm.test.ts, CPython's own
  // code for a corpus covering them all in dis.test.ts)
  test("unreachable code is allowed (but still checked statically)", () => {
    verifyProgram(fn([...ret, "POP_TOP", "POP_TOP", "BINARY_OP 0", ...ret]));
    expect(rejects(fn([...ret, "BINARY_OP 99", ...ret]))).toBe("f+4 BINARY_OP 99: unknown binary operator (there are 27)");
  });
  test("a loop, a handler, nested code, several modules", () => {
    const p = parseProgram(`.module __main__ file=m.py
.code <module> id=0 stacksize=2
.consts @1, None
.names f, lib
.body
  MAKE_FUNCTION 
.end
`.replace("  MAKE_FUNCTION \n", "  LOAD_CONST 0\n  MAKE_FUNCTION\n  STORE_NAME f\n  LOAD_SMALL_INT 0\n  LOAD_CONST 1\n  IMPORT_NAME lib\n  STORE_NAME lib\n  LOAD_CONST 1\n  RETURN_VALUE\n") +
      `.code f id=1 argcount=1 stacksize=3
.consts None
.names print
.localsplus xs:local|arg_pos|arg_kw, i:local
.body
       LOAD_FAST xs
       GET_ITER
  L1:  FOR_ITER L2
       STORE_FAST i
       JUMP_BACKWARD L1
  L2:  END_FOR
       POP_ITER
  L3:  LOAD_CONST 0
       RETURN_VALUE
  L4:  PUSH_EXC_INFO
       POP_EXCEPT
       POP_TOP
       POP_TOP
       JUMP_BACKWARD_NO_INTERRUPT L3
.exceptiontable
  L1 to L2 -> L4 [1]
.end
.module lib file=lib.py
.code <module> id=2 stacksize=1
.consts None
.body
  LOAD_CONST 0
  RETURN_VALUE
.end
`);
    verifyProgram(p);
    expect(maxStackDepth(p.modules[0]!.code.consts[0] as CodeDef)).toBe(3);
  });
});

describe("program level", () => {
  test("at least one module", () => expect(rejects({ formatVersion: 1, modules: [] })).toBe("program: a program needs at least one module"));
  test("first module is __main__", () =>
    expect(rejects({ formatVersion: 1, modules: [{ name: "lib", filename: "l.py", code: okCode() }] })).toBe("program: the first module must be __main__ (found lib)"));
  test("unique module names", () =>
    expect(rejects({ formatVersion: 1, modules: [{ name: "__main__", filename: "a.py", code: okCode() }, { name: "__main__", filename: "b.py", code: okCode() }] })).toBe(
      "program: duplicate module name __main__",
    ));
  test("format version", () => expect(rejects({ formatVersion: 2, modules: [] })).toBe("program: unsupported format version 2 (expected 1)"));
  test("module without a code object", () =>
    expect(rejects({ formatVersion: 1, modules: [{ name: "__main__", filename: "a.py", code: {} as CodeDef }] })).toBe("program: module __main__ has no code object"));
  test("errors in other modules and nested code name them", () => {
    const bad = code([op("LOAD_FAST", 5), op("RETURN_VALUE")]);
    const nested = new CodeDef("g", "f.<locals>.g", "t.py", 1, 0, 0, 0, 0, 1, bad.units, [None], [], ["a"], [0x20], [], [undefined, undefined]);
    expect(rejects({ formatVersion: 1, modules: [{ name: "__main__", filename: "a.py", code: okCode() }, { name: "lib", filename: "l.py", code: bad }] })).toBe(
      "lib:f+0 LOAD_FAST 5: local index 5 out of range (co_nlocalsplus=1)",
    );
    expect(rejects(main(code([op("LOAD_CONST", 0), op("RETURN_VALUE")], { consts: [nested] })))).toBe("f.<locals>.g+0 LOAD_FAST 5: local index 5 out of range (co_nlocalsplus=1)");
    expect(() => verifyCode(bad, "pkg:")).toThrow("pkg:f+0 LOAD_FAST 5: local index 5 out of range (co_nlocalsplus=1)");
  });
});

describe("code object fields", () => {
  test("localspluskinds matches localsplusnames", () =>
    expect(rejects(main(code([op("RETURN_VALUE")], { lp: ["a", "b"], kinds: [0x20] })))).toBe("f: localspluskinds has 1 entries but localsplusnames has 2"));
  test("arguments fit in the locals", () =>
    expect(rejects(main(code([op("RETURN_VALUE")], { argcount: 2 })))).toBe("f: 2 arguments but only 1 locals"));
  test("posonlyargcount <= argcount", () =>
    expect(rejects(main(code([op("RETURN_VALUE")], { argcount: 0, posonly: 1 })))).toBe("f: co_posonlyargcount (1) exceeds co_argcount (0)"));
  test("known flags only", () => expect(rejects(main(code([op("RETURN_VALUE")], { flags: 0x1000000 })))).toBe("f: unknown co_flags bits 0x1000000"));
  test("no generator or coroutine flags", () =>
    expect(rejects(main(code([op("RETURN_VALUE")], { flags: 0x23 })))).toBe("f: co_flags 0x20 mark a generator or coroutine (outside the supported subset)"));
  test("local kinds", () =>
    expect(rejects(main(code([op("RETURN_VALUE")], { kinds: [0x01] })))).toBe("f: localsplus entry 0 ('a') has invalid kind 0x1"));
  test("free variables come last", () =>
    expect(rejects(main(code([op("RETURN_VALUE")], { lp: ["c", "a"], kinds: [0x80, 0x20] })))).toBe(
      "f: localsplus entry 1 ('a') follows a free variable (free variables must come last)",
    ));
  test("one line entry per code unit", () =>
    expect(rejects(main(code([op("LOAD_CONST", 0), op("RETURN_VALUE")], { lines: [1] })))).toBe("f: line table has 1 entries for 2 code units"));
  test("integer fields", () => expect(rejects(main(code([op("RETURN_VALUE")], { stacksize: -1 })))).toBe("f: co_stacksize is not a non-negative integer (-1)"));
  test("canonical int constants", () => {
    expect(rejects(main(code([op("RETURN_VALUE")], { consts: [5n] })))).toBe("f: co_consts[0]: int constant 5n is not canonical (use a number)");
    expect(rejects(main(code([op("RETURN_VALUE")], { consts: [2 ** 60] })))).toBe(
      "f: co_consts[0]: int constant 1152921504606846976 is not a safe integer (use a bigint)",
    );
    expect(rejects(main(code([op("RETURN_VALUE")], { consts: [-0] })))).toBe("f: co_consts[0]: int constant is -0");
  });
});

describe("instructions", () => {
  test("unknown opcode", () => expect(rejects(fn([".raw 0x00d5", ...ret]))).toBe("f+0 <213>: unknown opcode 213"));
  test("unsupported instruction, naming the construct", () =>
    expect(rejects(fn(["YIELD_VALUE 0", ...ret]))).toBe("f+0 YIELD_VALUE 0: outside the supported subset (generator (yield))"));
  test("unsupported instruction without a known construct", () =>
    expect(rejects(fn(["EXIT_INIT_CHECK", ...ret]))).toBe("f+0 EXIT_INIT_CHECK: outside the supported subset"));
  test("specialized instruction names its base form", () =>
    expect(rejects(fn(["LOAD_CONST_IMMORTAL 0", "RETURN_VALUE"]))).toBe(
      "f+0 LOAD_CONST_IMMORTAL 0: specialized instruction (programs contain base instructions only: use LOAD_CONST)",
    ));
  test("instrumented instruction", () => expect(rejects(fn(["INSTRUMENTED_LINE", ...ret]))).toBe("f+0 INSTRUMENTED_LINE: instrumented instruction"));
  test("truncated instruction (caches run off the end)", () =>
    expect(rejects(fn([...ret, ".raw 0x015c 0x0000"]))).toBe("f+4 LOAD_GLOBAL 1: truncated: 4 inline cache units run past the end of the code"));
  test("trailing EXTENDED_ARG", () =>
    expect(rejects(fn([...ret, ".raw 0x0145"]))).toBe("f+4 EXTENDED_ARG 1: EXTENDED_ARG at the end of the code (no instruction follows)"));
  test("at most 3 EXTENDED_ARG prefixes", () =>
    expect(rejects(fn([".raw 0x0045 0x0045 0x0045 0x0045 0x0052", "RETURN_VALUE"]))).toBe("f+8 LOAD_CONST 0: too many EXTENDED_ARG prefixes (4)"));
  test("EXTENDED_ARG before an instruction without argument", () =>
    expect(rejects(fn([".raw 0x0145 0x001b", ...ret]))).toBe("f+2 NOP: EXTENDED_ARG prefix on an instruction without argument"));
  test("nonzero oparg on an instruction without argument", () =>
    expect(rejects(fn([".raw 0x051b", ...ret]))).toBe("f+0 NOP: nonzero oparg 5 on an instruction without argument"));
  test("nonzero inline cache units", () =>
    expect(rejects(fn(["LOAD_SMALL_INT 1", ".raw 0x0027 0x0000 0x0001 0x0000", ...ret]))).toBe(
      "f+2 TO_BOOL: nonzero inline cache unit at +6 (program files carry zeroed caches)",
    ));
  test("negative oparg after EXTENDED_ARG overflow", () =>
    expect(rejects(fn([".raw 0xff45 0x0045 0x0045 0x0033", ...ret]))).toBe("f+6 BUILD_TUPLE -16777216: oparg is negative (EXTENDED_ARG overflow)"));
  test("reachable CACHE", () =>
    expect(rejects(fn(["CACHE", ...ret]))).toBe("f+0 CACHE: reachable CACHE instruction (executing an inline cache entry is fatal)"));
});

describe("oparg ranges", () => {
  const cases: [string, string[], string, FnOpts?][] = [
    ["LOAD_CONST index", ["LOAD_CONST 1", "RETURN_VALUE"], "f+0 LOAD_CONST 1: constant index out of range (len(co_consts)=1)"],
    ["name index", ["LOAD_SMALL_INT 1", "STORE_NAME 1", ...ret], "f+2 STORE_NAME 1: name index 1 out of range (len(co_names)=1)"],
    ["LOAD_GLOBAL uses oparg>>1", ["LOAD_GLOBAL 2", "RETURN_VALUE"], "f+0 LOAD_GLOBAL 2: name index 1 (oparg>>1) out of range (len(co_names)=1)"],
    ["LOAD_ATTR uses oparg>>1", ["LOAD_SMALL_INT 1", "LOAD_ATTR 3", "RETURN_VALUE"], "f+2 LOAD_ATTR 3: name index 1 (oparg>>1) out of range (len(co_names)=1)"],
    ["local index", ["LOAD_FAST 7", "RETURN_VALUE"], "f+0 LOAD_FAST 7: local index 7 out of range (co_nlocalsplus=2)"],
    ["pair: high half", ["LOAD_FAST_LOAD_FAST 0x21".replace("0x21", "33"), "POP_TOP", "RETURN_VALUE"], "f+0 LOAD_FAST_LOAD_FAST 33: local index 2 (oparg>>4) out of range (co_nlocalsplus=2)"],
    ["pair: low half", ["STORE_FAST_STORE_FAST 18", ...ret], "f+0 STORE_FAST_STORE_FAST 18: local index 2 (oparg&15) out of range (co_nlocalsplus=2)"],
    ["deref of a plain local", ["LOAD_DEREF 0", "RETURN_VALUE"], "f+0 LOAD_DEREF 0: 'a' is not a cell or free variable"],
    ["MAKE_CELL of a free variable", ["MAKE_CELL 1", ...ret], "f+0 MAKE_CELL 1: 'c' is not a cell variable", { localsplus: "a:local, c:free" }],
    ["COPY_FREE_VARS counts the free variables", ["COPY_FREE_VARS 2", ...ret], "f+0 COPY_FREE_VARS 2: oparg must equal the number of free variables (1)", { localsplus: "a:local, c:free" }],
    ["BINARY_OP", ["LOAD_SMALL_INT 1", "LOAD_SMALL_INT 1", "BINARY_OP 27", "RETURN_VALUE"], "f+4 BINARY_OP 27: unknown binary operator (there are 27)"],
    ["COMPARE_OP", ["LOAD_SMALL_INT 1", "LOAD_SMALL_INT 1", "COMPARE_OP 192", "RETURN_VALUE"], "f+4 COMPARE_OP 192: unknown comparison (oparg>>5 must be < 6)"],
    ["COMPARE_OP mask", ["LOAD_SMALL_INT 1", "LOAD_SMALL_INT 1", "COMPARE_OP 0", "RETURN_VALUE"], "f+4 COMPARE_OP 0: comparison mask 0 does not match '<' (expected 2)"],
    ["IS_OP", ["LOAD_SMALL_INT 1", "LOAD_SMALL_INT 1", "IS_OP 2", "RETURN_VALUE"], "f+4 IS_OP 2: oparg must be 0 or 1"],
    ["CONTAINS_OP", ["LOAD_SMALL_INT 1", "LOAD_SMALL_INT 1", "CONTAINS_OP 2", "RETURN_VALUE"], "f+4 CONTAINS_OP 2: oparg must be 0 or 1"],
    ["CONVERT_VALUE", ["LOAD_SMALL_INT 1", "CONVERT_VALUE 0", "RETURN_VALUE"], "f+2 CONVERT_VALUE 0: oparg must be 1 (str), 2 (repr) or 3 (ascii)"],
    ["SET_FUNCTION_ATTRIBUTE", ["LOAD_SMALL_INT 1", "LOAD_SMALL_INT 1", "SET_FUNCTION_ATTRIBUTE 3", "RETURN_VALUE"], "f+4 SET_FUNCTION_ATTRIBUTE 3: oparg must be one of 1, 2, 4, 8, 16"],
    ["LOAD_COMMON_CONSTANT", ["LOAD_COMMON_CONSTANT 5", "RETURN_VALUE"], "f+0 LOAD_COMMON_CONSTANT 5: oparg must be < 5"],
    ["RAISE_VARARGS", ["RAISE_VARARGS 3"], "f+0 RAISE_VARARGS 3: oparg must be 0, 1 or 2"],
    ["RERAISE", ["LOAD_SMALL_INT 1", "RERAISE 2"], "f+2 RERAISE 2: oparg must be 0 or 1"],
    ["COPY 0", ["LOAD_SMALL_INT 1", "COPY 0", "RETURN_VALUE"], "f+2 COPY 0: oparg must be >= 1"],
    ["SWAP 1", ["LOAD_SMALL_INT 1", "SWAP 1", "RETURN_VALUE"], "f+2 SWAP 1: oparg must be >= 2"],
    ["LIST_APPEND 0", ["LOAD_SMALL_INT 1", "LIST_APPEND 0", "RETURN_VALUE"], "f+2 LIST_APPEND 0: oparg must be >= 1"],
    ["BUILD_SLICE", ["LOAD_SMALL_INT 1", "BUILD_SLICE 1", "RETURN_VALUE"], "f+2 BUILD_SLICE 1: oparg must be 2 or 3"],
    ["RESUME range", ["RESUME 8", ...ret], "f+0 RESUME 8: oparg must be < 8"],
    ["RESUME location", ["RESUME 1", ...ret], "f+0 RESUME 1: RESUME after yield/await (location bits != 0) is outside the supported subset"],
    ["LOAD_SMALL_INT", ["LOAD_SMALL_INT 256", "RETURN_VALUE"], "f+2 LOAD_SMALL_INT 256: oparg must be < 256"],
  ];
  for (const [name, lines, message, opts] of cases) test(name, () => expect(rejects(fn(lines, opts))).toBe(message));
});

describe("jumps", () => {
  test("target outside the code", () =>
    expect(rejects(fn(["JUMP_FORWARD L1", ...ret, "L1:"]))).toBe("f+0 JUMP_FORWARD 2: jump target +6 is outside the code"));
  test("target inside an instruction's caches", () =>
    expect(rejects(fn([".raw 0x024d", "LOAD_SMALL_INT 1", "TO_BOOL", "RETURN_VALUE"]))).toBe("f+0 JUMP_FORWARD 2: jump target +6 is not an instruction boundary"));
  test("target between an EXTENDED_ARG prefix and its instruction", () =>
    expect(rejects(fn([".raw 0x014d", "LOAD_CONST 300", "RETURN_VALUE"], { consts: Array.from({ length: 301 }, () => "None").join(", ") }))).toBe(
      "f+0 JUMP_FORWARD 1: jump target +4 is not an instruction boundary",
    ));
  test("FOR_ITER targets its END_FOR", () =>
    expect(rejects(fn(["LOAD_FAST a", "GET_ITER", "L1: FOR_ITER L2", "STORE_FAST b", "JUMP_BACKWARD L1", "L2: POP_ITER", ...ret]))).toBe(
      "f+4 FOR_ITER 3: FOR_ITER target +14 must be an END_FOR (found POP_ITER)",
    ));
});

describe("exception table", () => {
  const body = ["L1: NOP", "L2: LOAD_CONST 0", "L3: RETURN_VALUE", "L4: PUSH_EXC_INFO", "L5: RERAISE 0", "L6:"];
  const t = (...entries: string[]): string => rejects(fn(body, { table: entries }));
  test("start < end", () => expect(t("L2 to L2 -> L4 [0]")).toBe("f: exception table entry 0: empty range +2 to +2"));
  test("end within the code", () => expect(t("L1 to 9 -> L4 [0]")).toBe("f: exception table entry 0: end +18 is past the end of the code"));
  test("start on an instruction boundary", () =>
    expect(rejects(fn(["LOAD_SMALL_INT 1", "L1: TO_BOOL", "RETURN_VALUE", "L2: PUSH_EXC_INFO", "RERAISE 0"], { table: ["2 to L2 -> L2 [0]"] }))).toBe(
      "f: exception table entry 0: start +4 is not an instruction boundary",
    ));
  test("end on an instruction boundary", () =>
    expect(rejects(fn(["L1: LOAD_SMALL_INT 1", "TO_BOOL", "RETURN_VALUE", "L2: PUSH_EXC_INFO", "RERAISE 0"], { table: ["L1 to 3 -> L2 [0]"] }))).toBe(
      "f: exception table entry 0: end +6 is not an instruction boundary",
    ));
  test("target within the code", () => expect(t("L1 to L2 -> L6 [0]")).toBe("f: exception table entry 0: target +10 is outside the code"));
  test("target on an instruction boundary", () =>
    expect(rejects(fn(["L1: LOAD_SMALL_INT 1", "L2: TO_BOOL", "RETURN_VALUE"], { table: ["L1 to L2 -> 2 [0]"] }))).toBe(
      "f: exception table entry 0: target +4 is not an instruction boundary",
    ));
  test("depth >= 0", () => expect(t("L1 to L2 -> L4 [-1]")).toBe("f: exception table entry 0: fields must be non-negative integers and a boolean lasti"));
  test("entries sorted and non-overlapping", () => {
    expect(t("L1 to L3 -> L4 [0]", "L2 to L3 -> L4 [0]")).toBe("f: exception table entry 1: entries must be sorted and must not overlap");
    expect(t("L2 to L3 -> L4 [0]", "L1 to L2 -> L4 [0]")).toBe("f: exception table entry 1: entries must be sorted and must not overlap");
  });
  test("handler depth consistent among entries", () =>
    expect(t("L1 to L2 -> L4 [0]", "L2 to L3 -> L4 [0] lasti")).toBe("f+2 LOAD_CONST 0: inconsistent stack depth at +6: 2 on this path, 1 on another"));
  test("handler depth within the stack at the covered instruction", () =>
    expect(t("L1 to L2 -> L4 [1]")).toBe("f+0 NOP: exception handler depth 1 exceeds the stack depth 0"));
});

describe("stack depth", () => {
  test("underflow", () => expect(rejects(fn(["POP_TOP", ...ret]))).toBe("f+0 POP_TOP: stack underflow: needs 1 values, depth is 0"));
  test("underflow hidden by a positive net effect", () =>
    expect(rejects(fn(["UNPACK_SEQUENCE 3", ...ret]))).toBe("f+0 UNPACK_SEQUENCE 3: stack underflow: needs 1 values, depth is 0"));
  test("COPY/SWAP within the current depth", () => {
    expect(rejects(fn(["LOAD_SMALL_INT 1", "COPY 2", "RETURN_VALUE"]))).toBe("f+2 COPY 2: stack underflow: needs 2 values, depth is 1");
    expect(rejects(fn(["LOAD_SMALL_INT 1", "SWAP 2", "RETURN_VALUE"]))).toBe("f+2 SWAP 2: stack underflow: needs 2 values, depth is 1");
  });
  test("consistent depth where paths merge", () =>
    expect(rejects(fn(["LOAD_SMALL_INT 1", "POP_JUMP_IF_FALSE L1", "LOAD_SMALL_INT 2", "L1: LOAD_CONST 0", "RETURN_VALUE"]))).toBe(
      "f+6 LOAD_SMALL_INT 2: inconsistent stack depth at +8: 1 on this path, 0 on another",
    ));
  test("max depth <= co_stacksize", () =>
    expect(rejects(fn(["LOAD_SMALL_INT 1", "LOAD_SMALL_INT 2", "BUILD_TUPLE 2", "RETURN_VALUE"], { stacksize: 1 }))).toBe("f: stack depth reaches 2 but co_stacksize is 1"));
  test("no fall-through off the end", () => expect(rejects(fn(["LOAD_SMALL_INT 1", "POP_TOP"]))).toBe("f+2 POP_TOP: execution falls off the end of the code"));
  test("empty code", () => expect(rejects(fn([]))).toBe("f: code is empty"));
  test("handler entry depth counts lasti and the exception", () => {
    const p = fn(["L1: LOAD_SMALL_INT 1", "L2: RETURN_VALUE", "L3: COPY 3", "POP_EXCEPT", "RERAISE 1"], { table: ["L1 to L2 -> L3 [1] lasti"], stacksize: 3 });
    expect(rejects(p)).toBe("f+0 LOAD_SMALL_INT 1: exception handler depth 1 exceeds the stack depth 0");
    verifyProgram(fn(["LOAD_SMALL_INT 1", "L1: NOP", "L2: RETURN_VALUE", "L3: COPY 3", "POP_EXCEPT", "RERAISE 1"], { table: ["L1 to L2 -> L3 [1] lasti"], stacksize: 4 }));
    expect(rejects(fn(["LOAD_SMALL_INT 1", "L1: NOP", "L2: RETURN_VALUE", "L3: COPY 3", "POP_EXCEPT", "RERAISE 1"], { table: ["L1 to L2 -> L3 [1] lasti"], stacksize: 3 }))).toBe(
      "f: stack depth reaches 4 but co_stacksize is 3",
    );
  });
});

describe("never throws anything but VerifyError", () => {
  test("malformed objects", () => {
    const weird: unknown[] = [
      null, 1, {}, { formatVersion: 1 }, { formatVersion: 1, modules: [null] }, { formatVersion: 1, modules: [{ name: "__main__", filename: "a", code: null }] },
      main(Object.assign(Object.create(CodeDef.prototype) as object, { qualname: "q" }) as CodeDef),
      main(new CodeDef("f", "f", "t.py", 1, 0, 0, 0, 0, 1, [1, 2] as unknown as Uint16Array, [None], [], [], [], [], [])),
      main(new CodeDef("f", "f", "t.py", 1, 0, 0, 0, 0, 1, Uint16Array.from([op("RETURN_VALUE")]), [{} as Const], [], [], [], [], [undefined])),
      main(new CodeDef("f", "f", "t.py", 1, 0, 0, 0, 0, 1, Uint16Array.from([op("RETURN_VALUE")]), [None], [], [], [], [null as unknown as ExceptionTableEntry], [undefined])),
    ];
    for (const w of weird) {
      let thrown: unknown;
      try {
        verifyProgram(w as ProgramDef);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(VerifyError);
    }
  });
  test("the error carries its fields", () => {
    let e: unknown;
    try {
      verifyProgram(fn(["LOAD_FAST 7", "RETURN_VALUE"]));
    } catch (x) {
      e = x;
    }
    const v = e as VerifyError;
    expect([v.name, v.qualname, v.offset, v.opname, v.oparg, v.reason]).toEqual(["VerifyError", "f", 0, "LOAD_FAST", 7, "local index 7 out of range (co_nlocalsplus=2)"]);
    expect(String(v)).toBe("VerifyError: f+0 LOAD_FAST 7: local index 7 out of range (co_nlocalsplus=2)");
  });
});
