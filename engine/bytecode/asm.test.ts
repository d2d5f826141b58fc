/**
 * Assembly round trips: hand-written programs (every supported instruction, nested code, exception
 * tables, EXTENDED_ARG fixpoints, every constant kind), the `.raw` fallback for code the symbolic form
 * cannot express (so that any CodeDef round-trips), and parse errors with their messages.
 * CPython-produced code is round-tripped in dis.test.ts (the pyodide oracle).
 */
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { AsmError, parseProgram, printProgram } from "./asm.ts";
import { CodeDef, ConstSlice, ConstTuple, None, type Const, type ProgramDef } from "./code.ts";
import { PyFloat } from "../runtime/primitive.ts";
import { KNOWN_OPCODES, op, roundTrip } from "./testing.ts";
import { decode, jumpTarget } from "./instructions.ts";
import { SUPPORTED_OPCODES } from "./subset.ts";
import { verifyProgram } from "./verify.ts";

export const COVER = `# Every supported instruction at least once; verifies (stacksize computed by the assembler).
.program 1
.module __main__ file=cover.py
.code <module> id=0 flags=0
.consts None, 'hi', @1, (1, 2), 300, 2.5, 'f', @2
.names print, g, x, m, attr, f, C
.body
  1     RESUME 0
        NOP
        LOAD_CONST 0
        POP_TOP
        LOAD_SMALL_INT 5
        STORE_NAME x
        LOAD_NAME x
        STORE_GLOBAL g
        DELETE_GLOBAL g
        LOAD_COMMON_CONSTANT 2          (tuple)
        POP_TOP
        LOAD_LOCALS
        POP_TOP
  2     LOAD_GLOBAL 1                   (print + NULL)
        LOAD_CONST 1                    ('hi')
        CALL 1
        POP_TOP
        PUSH_NULL
        POP_TOP
  3     LOAD_SMALL_INT 0
        LOAD_CONST 0
        IMPORT_NAME m
        IMPORT_FROM attr
        STORE_NAME attr
        STORE_NAME m
  4     LOAD_NAME m
        LOAD_ATTR 9                     (attr + NULL|self)
        CALL 0
        POP_TOP
        LOAD_NAME m
        LOAD_ATTR 8                     (attr)
        LOAD_NAME m
        STORE_ATTR attr
        LOAD_NAME m
        DELETE_ATTR attr
  5     LOAD_CONST 3                    ((1, 2))
        LOAD_CONST 5                    (2.5)
        BUILD_TUPLE 2
        LOAD_CONST 2                    (code f)
        MAKE_FUNCTION
        SET_FUNCTION_ATTRIBUTE 1        (defaults)
        STORE_NAME f
  6     LOAD_BUILD_CLASS
        PUSH_NULL
        LOAD_CONST 7
        MAKE_FUNCTION
        LOAD_CONST 6
        CALL 2
        STORE_NAME C
        DELETE_NAME C
  7     LOAD_NAME f
        PUSH_NULL
        LOAD_SMALL_INT 1
        LOAD_SMALL_INT 2
        LOAD_CONST 6
        BUILD_TUPLE 1
        CALL_KW 2
        POP_TOP
        LOAD_CONST 0
        RETURN_VALUE
.end

.code f id=1 argcount=2 flags=OPTIMIZED|NEWLOCALS firstlineno=10
.consts None, @3, 'x', 1000, 3.5
.names ValueError, len
.localsplus a:local|arg_pos|arg_kw, b:local|arg_pos|arg_kw, i:local, e:local, k:local, c:cell
.body
  --    MAKE_CELL c
 10     RESUME 0
 11     LOAD_FAST_LOAD_FAST a, b
        BINARY_OP +
        STORE_DEREF c
        LOAD_FAST c
        BUILD_TUPLE 1
        LOAD_CONST 1
        MAKE_FUNCTION
        SET_FUNCTION_ATTRIBUTE 8        (closure)
        STORE_FAST k
 12     LOAD_FAST_BORROW_LOAD_FAST_BORROW a, b
        COMPARE_OP 18                   (bool(<))
        POP_JUMP_IF_FALSE L1
        NOT_TAKEN
        LOAD_FAST_CHECK i
        POP_TOP
 13 L1: LOAD_FAST_BORROW a
        LOAD_CONST 0
        IS_OP 1
        POP_JUMP_IF_TRUE L2
        NOT_TAKEN
        LOAD_FAST a
        POP_JUMP_IF_NONE L2
        NOT_TAKEN
        LOAD_FAST a
        POP_JUMP_IF_NOT_NONE L2
        NOT_TAKEN
        JUMP_FORWARD L2
 14 L2: LOAD_FAST a
        LOAD_FAST b
        CONTAINS_OP 0
        TO_BOOL
        UNARY_NOT
        UNARY_NEGATIVE
        UNARY_INVERT
        STORE_FAST i
 15     LOAD_FAST a
        GET_ITER
        LOAD_FAST_AND_CLEAR i
        SWAP 2
        BUILD_LIST 0
        SWAP 2
 L3:    FOR_ITER L4
        STORE_FAST_LOAD_FAST 34         (i, i)
        LIST_APPEND 2
        JUMP_BACKWARD L3
 L4:    END_FOR
        POP_ITER
        SWAP 2
        STORE_FAST i
        BUILD_MAP 0
        LOAD_SMALL_INT 1
        LOAD_SMALL_INT 2
        MAP_ADD 1
        BUILD_MAP 0
        DICT_UPDATE 1
        BUILD_LIST 0
        LOAD_CONST 0
        LIST_APPEND 1
        LOAD_FAST a
        LIST_EXTEND 1
        UNPACK_SEQUENCE 2
        STORE_FAST_STORE_FAST 1         (a, i)
        POP_TOP
        POP_TOP
 16     LOAD_FAST a
        LOAD_SMALL_INT 1
        LOAD_SMALL_INT 2
        BINARY_SLICE
        LOAD_FAST a
        LOAD_SMALL_INT 0
        LOAD_SMALL_INT 1
        STORE_SLICE
        LOAD_FAST a
        LOAD_SMALL_INT 0
        LOAD_SMALL_INT 1
        LOAD_SMALL_INT 2
        BUILD_SLICE 3
        BINARY_OP 26                    ([])
        LOAD_FAST a
        LOAD_SMALL_INT 0
        STORE_SUBSCR
        LOAD_FAST a
        LOAD_SMALL_INT 0
        DELETE_SUBSCR
 17     LOAD_FAST a
        CONVERT_VALUE 2                 (repr)
        FORMAT_SIMPLE
        LOAD_FAST b
        LOAD_CONST 2
        FORMAT_WITH_SPEC
        BUILD_STRING 2
        COPY 1
        POP_TOP
        STORE_FAST e
        DELETE_FAST e
 18     NOP
 L5:    LOAD_GLOBAL 3                   (len + NULL)
        LOAD_FAST a
        CALL 1
        RETURN_VALUE
 --  L6: PUSH_EXC_INFO
 19     LOAD_GLOBAL 0                   (ValueError)
        CHECK_EXC_MATCH
        POP_JUMP_IF_FALSE L8
        NOT_TAKEN
        STORE_FAST e
 20 L7: LOAD_DEREF c
        RAISE_VARARGS 1
 --  L8: RERAISE 0
 --  L9: COPY 3
        POP_EXCEPT
        RERAISE 1
 L10:   POP_EXCEPT
        JUMP_BACKWARD_NO_INTERRUPT L5
.exceptiontable
  L5 to L6 -> L6 [0]
  L6 to L7 -> L9 [1] lasti
  L7 to L8 -> L9 [1] lasti
  L8 to L9 -> L9 [1] lasti
.end

.code C id=2 argcount=0 flags=0 firstlineno=6
.consts 'C', None
.names __name__, __module__, __qualname__
.body
  6     RESUME 0
        LOAD_NAME __name__
        STORE_NAME __module__
        LOAD_CONST 0
        STORE_NAME __qualname__
        LOAD_CONST 1
        RETURN_VALUE
.end

.code g id=3 qualname=f.<locals>.g argcount=0 flags=OPTIMIZED|NEWLOCALS|NESTED firstlineno=11
.consts None
.names x
.localsplus __classdict__:local, c:free
.body
  --    COPY_FREE_VARS 1
 11     RESUME 0
        LOAD_FAST __classdict__
        LOAD_FROM_DICT_OR_DEREF c
        POP_TOP
        LOAD_DEREF c
        DELETE_DEREF c
        RETURN_VALUE
.end
`;

const one = (c: CodeDef, source?: string): ProgramDef => ({
  formatVersion: 1,
  modules: [source === undefined ? { name: "__main__", filename: "t.py", code: c } : { name: "__main__", filename: "t.py", code: c, source }],
});
function mk(units: number[], o: Partial<{ consts: Const[]; lines: (number | undefined)[]; table: CodeDef["exceptiontable"] }> = {}): CodeDef {
  return new CodeDef("f", "f", "t.py", 1, 0, 0, 0, 0, 2, Uint16Array.from(units), o.consts ?? [None], ["x"], ["a"], [0x20],
    o.table ?? [], o.lines ?? units.map(() => undefined));
}
/** A module whose body is `lines` (one instruction each) between RESUME and `LOAD_CONST 0; RETURN_VALUE`. */
function body(lines: string[], consts = "None"): string {
  return `.module __main__ file=t.py\n.code f id=0 stacksize=4\n.consts ${consts}\n.names x\n.localsplus a:local, b:local\n.body\n  RESUME 0\n${lines.map((l) => "  " + l).join("\n")}\n  LOAD_CONST 0\n  RETURN_VALUE\n.end\n`;
}
function unitsOf(text: string): number[] {
  return [...parseProgram(text).modules[0]!.code.units];
}
/** Every jump's decoded target is the unit its label stands at (the assembler's fixpoint is consistent). */
function jumpsLandOn(c: CodeDef, label: number): void {
  for (const ins of decode(c.units)) if (jumpTarget(ins) !== undefined) expect(jumpTarget(ins)).toBe(label);
}

describe("hand-written programs", () => {
  test("every supported instruction: assembles, verifies, round-trips", () => {
    const p = parseProgram(COVER, "cover.tda");
    verifyProgram(p);
    const seen = new Set<string>();
    const walk = (c: CodeDef): void => {
      for (const ins of decode(c.units)) seen.add(ins.name);
      for (const k of c.consts) if (k instanceof CodeDef) walk(k);
    };
    walk(p.modules[0]!.code);
    expect([...SUPPORTED_OPCODES].filter((n) => !seen.has(n))).toEqual(["EXTENDED_ARG", "CACHE"]);
    const text = roundTrip(p);
    expect(text).toContain("FOR_ITER                L4");
    expect(text).toContain("  L5 to L6 -> L6 [0]\n  L6 to L7 -> L9 [1] lasti");
    // stacksize was omitted in the source: computed like flowgraph.c stackdepth
    expect(p.modules[0]!.code.stacksize).toBe(5);
  });

  test("the printed form of the coverage program is stable and readable", () => {
    const text = printProgram(parseProgram(COVER));
    expect(text.startsWith("# tierdiff program (format 1)\n.program 1\n\n.module __main__ file=cover.py\n\n.code <module> id=0 firstlineno=1 argcount=0 flags=0 stacksize=5\n")).toBe(true);
    expect(text).toContain(".code g id=2 qualname=f.<locals>.g firstlineno=11 argcount=0 flags=OPTIMIZED|NEWLOCALS|NESTED stacksize=1\n");
    expect(text).toContain(".localsplus a:local|arg_pos|arg_kw, b:local|arg_pos|arg_kw, i:local, e:local, k:local, c:cell\n");
    expect(text).toContain("  --           MAKE_CELL                5 (c)\n\n  10           RESUME                   0\n");
    expect(text).toContain("               LOAD_CONST               1 (<code object g @2>)\n");
  });

  test("multiple modules, Python source, a shared code object, quoting", () => {
    const shared = new CodeDef("<module>", "<module>", "lib.py", 1, 0, 0, 0, 0, 1, Uint16Array.from([op("LOAD_CONST", 0), op("RETURN_VALUE")]),
      [None], [], [], [], [], [1, 1]);
    const fn = new CodeDef("odd name", "A.odd name", "other file.py", 3, 0, 0, 0, 0x3, 1, Uint16Array.from([op("LOAD_CONST", 0), op("RETURN_VALUE")]),
      [new ConstTuple([])], ["a.b", "it's"], [".0", "x y"], [0x30, 0x20], [], [3, 3]);
    const main = new CodeDef("<module>", "<module>", "main.py", 1, 0, 0, 0, 0, 1, Uint16Array.from([op("LOAD_CONST", 0), op("RETURN_VALUE")]),
      [shared, fn, shared], [], [], [], [], [undefined, 2]);
    const p: ProgramDef = {
      formatVersion: 1,
      modules: [
        { name: "__main__", filename: "main.py", code: main, source: "import lib\n\nx = 'a'  # c\n   \n  y = 1  \n" },
        { name: "lib", filename: "lib.py", code: shared },
        { name: "pkg.mod", filename: "pkg/mod.py", code: shared, source: "" },
      ],
    };
    const text = roundTrip(p);
    expect(text).toContain(".source\n| import lib\n|\n| x = 'a'  # c\n|    \n|   y = 1  \n|\n");
    expect(text).toContain(".module lib file=lib.py code=@1\n");
    expect(text).toContain(".code 'odd name' id=2 qualname='A.odd name' file='other file.py' firstlineno=3");
    expect(text).toContain(".names a.b, \"it's\"\n.localsplus '.0':local|hidden, 'x y':local\n");
    const q = parseProgram(text);
    expect(q.modules[1]!.code).toBe(q.modules[0]!.code.consts[0]);
    expect(q.modules[2]!.code).toBe(q.modules[1]!.code);
  });

  test("symbolic operands: locals, names, pairs, BINARY_OP symbols", () => {
    const c = parseProgram(body(["LOAD_FAST a", "LOAD_FAST_LOAD_FAST a, b", "BINARY_OP +=", "BINARY_OP []", "STORE_NAME x", "STORE_FAST_STORE_FAST b, a", "POP_TOP"])).modules[0]!.code;
    expect(decode(c.units).map((i) => [i.name, i.oparg]).slice(1, 7)).toEqual([
      ["LOAD_FAST", 0], ["LOAD_FAST_LOAD_FAST", 1], ["BINARY_OP", 13], ["BINARY_OP", 26], ["STORE_NAME", 0], ["STORE_FAST_STORE_FAST", 16],
    ]);
  });

  test("line numbers: carried forward, `--` for none, EXTENDED_ARG prefixes share the line, caches have none", () => {
    const consts = Array.from({ length: 300 }, (_, i) => String(i)).join(", ");
    const c = parseProgram(`.module __main__ file=t.py
.code f id=0 stacksize=2
.consts ${consts}
.body
  5  RESUME 0
     LOAD_CONST 299
 --  LOAD_GLOBAL 0
  7  RETURN_VALUE
.end
`.replace(".body", ".names x\n.body")).modules[0]!.code;
    expect([...c.units]).toEqual([op("RESUME"), op("EXTENDED_ARG", 1), op("LOAD_CONST", 43), op("LOAD_GLOBAL", 0), 0, 0, 0, 0, op("RETURN_VALUE")]);
    expect(c.lines).toEqual([5, 5, 5, undefined, undefined, undefined, undefined, undefined, 7]);
  });
});

describe("EXTENDED_ARG encoding", () => {
  test("LOAD_CONST 300 gets one prefix", () => {
    const consts = Array.from({ length: 301 }, (_, i) => String(i)).join(", ");
    const u = unitsOf(body(["LOAD_CONST 300", "POP_TOP"], consts));
    expect(u.slice(1, 4)).toEqual([op("EXTENDED_ARG", 1), op("LOAD_CONST", 44), op("POP_TOP")]);
    expect(unitsOf(body(["LOAD_CONST 70000", "POP_TOP"], consts)).slice(1, 4)).toEqual([op("EXTENDED_ARG", 1), op("EXTENDED_ARG", 0x11), op("LOAD_CONST", 0x70)]);
  });

  test("a forward jump over more than 255 units", () => {
    const text = body(["LOAD_CONST 0", "POP_JUMP_IF_FALSE L1", ...Array<string>(300).fill("NOP"), "L1: NOP"]);
    const c = parseProgram(text).modules[0]!.code;
    expect([...c.units].slice(2, 5)).toEqual([op("EXTENDED_ARG", 1), op("POP_JUMP_IF_FALSE", 300 - 256), 0]);
    jumpsLandOn(c, 5 + 300);
    verifyProgram(one(c));
    roundTrip(one(c));
  });

  test("forward distance 255 needs no prefix, 256 does", () => {
    const at = (n: number): number[] => unitsOf(body(["LOAD_CONST 0", "POP_JUMP_IF_FALSE L1", ...Array<string>(n).fill("NOP"), "L1: NOP"])).slice(2, 4);
    expect(at(255)).toEqual([op("POP_JUMP_IF_FALSE", 255), 0]);
    expect(at(256)).toEqual([op("EXTENDED_ARG", 1), op("POP_JUMP_IF_FALSE", 0)]);
  });

  test("a backward jump counts its own prefix: 252 NOPs -> 255, 253 NOPs -> 257 with a prefix", () => {
    // RESUME; L0: NOP; n x NOP; JUMP_BACKWARD L0 -- the distance is n + 3 (L0, the jump, its cache)
    const at = (n: number): { u: number[]; c: CodeDef } => {
      const c = parseProgram(body(["L0: NOP", ...Array<string>(n).fill("NOP"), "JUMP_BACKWARD L0"])).modules[0]!.code;
      return { u: [...c.units].slice(n + 2, n + 5), c };
    };
    expect(at(252).u).toEqual([op("JUMP_BACKWARD", 255), 0, op("LOAD_CONST", 0)]);
    const r = at(253);
    expect(r.u).toEqual([op("EXTENDED_ARG", 1), op("JUMP_BACKWARD", 1), 0]);
    jumpsLandOn(r.c, 1);
  });

  test("fixpoint: a backward jump's prefix pushes a forward jump over 255, which lengthens the backward jump", () => {
    // A = POP_JUMP_IF_FALSE L2 spans 253 NOPs and B; B = JUMP_BACKWARD L0 spans A. Without prefixes A's
    // distance is 255, but B's is 259, so B gets a prefix, A's distance becomes 256, A gets one too.
    const lines = ["L0: NOP", "LOAD_CONST 0", "POP_JUMP_IF_FALSE L2", ...Array<string>(253).fill("NOP"), "JUMP_BACKWARD L0", "L2: NOP"];
    const c = parseProgram(body(lines)).modules[0]!.code;
    const ins = decode(c.units);
    const a = ins.find((i) => i.name === "POP_JUMP_IF_FALSE")!;
    const b = ins.find((i) => i.name === "JUMP_BACKWARD")!;
    expect(b.offset - b.start).toBe(1);
    expect(a.offset - a.start).toBe(1);
    expect(a.oparg).toBe(256);
    expect(jumpTarget(a)).toBe(b.next);
    expect(jumpTarget(b)).toBe(1);
    verifyProgram(one(c));
    roundTrip(one(c));
  });
  test("a consistent but not least jump layout (as CPython's fixpoint may produce) still round-trips", () => {
    // A = POP_JUMP_IF_FALSE over 100 NOPs, B and 153 NOPs; B = JUMP_BACKWARD over 151 units, A and the
    // 100 NOPs. Both prefixed is consistent (A 256, B 257) but so is neither (A 255, B 255), which is
    // what the assembler finds; the printer then writes A raw, and B assembles prefixed again.
    const units = [op("RESUME"), ...Array<number>(150).fill(op("NOP")), op("LOAD_CONST", 0), op("EXTENDED_ARG", 1), op("POP_JUMP_IF_FALSE", 0), 0,
      ...Array<number>(100).fill(op("NOP")), op("EXTENDED_ARG", 1), op("JUMP_BACKWARD", 1), 0, ...Array<number>(153).fill(op("NOP")), op("LOAD_CONST", 0), op("RETURN_VALUE")];
    const c = mk(units, { lines: units.map((u, i) => (u === 0 || i === 0 ? undefined : 1)) });
    const ins = decode(c.units);
    expect(jumpTarget(ins.find((i) => i.name === "POP_JUMP_IF_FALSE")!)).toBe(411);
    expect(jumpTarget(ins.find((i) => i.name === "JUMP_BACKWARD")!)).toBe(1);
    verifyProgram(one(c));
    const text = roundTrip(one(c));
    // A's units, split where a line starts (the prefix and the opcode unit carry one each)
    expect(text).toMatch(/\.raw +0x0145 +# EXTENDED_ARG 1\n +\.raw +0x0064 0x0000 +# POP_JUMP_IF_FALSE 0\n/);
    expect(text.match(/\.raw/g)).toHaveLength(2);
    expect(text).toMatch(/JUMP_BACKWARD +L1\n/);
  });
});

describe("constants", () => {
  test("every kind round-trips exactly", () => {
    const consts: Const[] = [
      None, true, false, 0, -1, 2 ** 53 - 1, 10n ** 30n, -(10n ** 25n),
      new PyFloat(1e16), new PyFloat(-0.0), new PyFloat(0), new PyFloat(Infinity), new PyFloat(-Infinity), new PyFloat(NaN),
      new PyFloat(5e-324), new PyFloat(1.7976931348623157e308), new PyFloat(0.1 + 0.2), new PyFloat(2.5e-7),
      "", "it's", 'say "hi"', `both ' and "`, "tab\tnl\ncr\r\\ \x00\x7f", "é中\u00a0\u2028\ud800\ufffe", "# not a comment, (nor this)",
      new ConstTuple([]), new ConstTuple([1]), new ConstTuple([1, new ConstTuple([2, new PyFloat(3.5)]), "x", None]),
      new ConstSlice(1, None, None), new ConstSlice(None, -1, new PyFloat(2)),
    ];
    const text = roundTrip(one(mk([op("LOAD_CONST", 0), op("RETURN_VALUE")], { consts })));
    expect(text).toContain(
      ".consts None, True, False, 0, -1, 9007199254740991, 1000000000000000000000000000000, -10000000000000000000000000, " +
        "1e+16, -0.0, 0.0, inf, -inf, nan, 5e-324, 1.7976931348623157e+308, 0.30000000000000004, 2.5e-07, ",
    );
    expect(text).toContain(`'', "it's", 'say "hi"', 'both \\' and "', 'tab\\tnl\\ncr\\r\\\\ \\x00\\x7f', 'é中\\xa0\\u2028\\ud800\\ufffe'`);
    expect(text).toContain("(), (1,), (1, (2, 3.5), 'x', None), slice(1, None, None), slice(None, -1, 2.0)\n");
  });

  test("literal syntax accepted on input", () => {
    const c = parseProgram(body([], `None, "d\\x41\\u00e9\\101\\n", +5, 1E3, .5, 1., -nan, (1 , 2 ,)`)).modules[0]!.code;
    expect(c.consts[1]).toBe("dAéA\n");
    expect(c.consts[2]).toBe(5);
    expect(c.consts[3]).toEqual(new PyFloat(1000));
    expect(c.consts[4]).toEqual(new PyFloat(0.5));
    expect(c.consts[5]).toEqual(new PyFloat(1));
    expect(Number.isNaN((c.consts[6] as PyFloat).v)).toBe(true);
    expect(c.consts[7]).toEqual(new ConstTuple([1, 2]));
  });
});

describe("raw fallback: any CodeDef round-trips", () => {
  const cases: [string, CodeDef][] = [
    ["unknown opcode", mk([op("NOP"), 213 | (7 << 8), op("RETURN_VALUE")])],
    ["truncated caches at the end", mk([op("NOP"), op("LOAD_GLOBAL", 1), 0])],
    ["trailing EXTENDED_ARG", mk([op("NOP"), op("EXTENDED_ARG", 3)])],
    ["non-minimal EXTENDED_ARG", mk([op("EXTENDED_ARG", 0), op("LOAD_CONST", 0), op("RETURN_VALUE")])],
    ["nonzero caches (tier 1 state)", mk([op("LOAD_GLOBAL_BUILTIN", 0), 0x51, 1, 2, 3, op("RETURN_VALUE")])],
    ["no-arg instruction with an arg byte", mk([op("NOP", 9), op("RETURN_VALUE")])],
    ["EXTENDED_ARG before an instruction without argument", mk([op("EXTENDED_ARG", 1), op("NOP"), op("RETURN_VALUE")])],
    ["a line on a cache unit", mk([op("TO_BOOL"), 0, 0, 0, op("RETURN_VALUE")], { lines: [1, undefined, 5, undefined, 2] })],
    ["jump into caches", mk([op("JUMP_FORWARD", 1), op("TO_BOOL"), 0, 0, 0, op("RETURN_VALUE")])],
    ["jump off the end", mk([op("JUMP_FORWARD", 40), op("RETURN_VALUE")])],
    ["exception entries outside the code", mk([op("NOP"), op("RETURN_VALUE")], { table: [{ start: -3, end: 1, target: 9, depth: 2, lasti: true }] })],
    ["exception entry into a prefixed instruction", mk([op("EXTENDED_ARG", 1), op("LOAD_CONST", 0), op("RETURN_VALUE")], { table: [{ start: 1, end: 2, target: 1, depth: 0, lasti: false }] })],
    ["empty code", mk([])],
    ["specialized opcodes stay symbolic", mk([op("LOAD_CONST_IMMORTAL", 0), op("RETURN_VALUE")])],
    ["CACHE as an instruction", mk([op("LOAD_CONST", 0), op("RETURN_VALUE"), op("CACHE")])],
  ];
  for (const [name, c] of cases) test(name, () => roundTrip(one(c)));

  test("the raw form is readable", () => {
    const text = printProgram(one(mk([op("NOP"), op("LOAD_GLOBAL", 1), 0], { lines: [3, 4, undefined] })));
    expect(text).toContain("  3           NOP\n\n  4           .raw                 0x015c 0x0000  # LOAD_GLOBAL 1\n");
    expect(printProgram(one(mk([op("LOAD_CONST_IMMORTAL", 0), op("RETURN_VALUE")])))).toContain("LOAD_CONST_IMMORTAL      0 (None)");
  });

  test("property: random code units, lines and exception tables round-trip", () => {
    const unit = fc.oneof(
      fc.integer({ min: 0, max: 0xffff }),
      fc.tuple(fc.constantFrom(...KNOWN_OPCODES), fc.integer({ min: 0, max: 3 })).map(([o, a]) => o | (a << 8)),
      fc.integer({ min: 0, max: 255 }).map((a) => op("EXTENDED_ARG", a)),
      fc.constant(0),
    );
    const entry = fc.record({ start: fc.integer({ min: -2, max: 45 }), end: fc.integer({ min: -2, max: 45 }), target: fc.integer({ min: -2, max: 45 }), depth: fc.nat(5), lasti: fc.boolean() });
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 40 }), fc.array(fc.option(fc.nat(20), { nil: undefined }), { maxLength: 40 }), fc.array(entry, { maxLength: 3 }), (units, ls, table) => {
        roundTrip(one(mk(units, { lines: units.map((_, i) => ls[i]), table })));
      }),
      { numRuns: 1500, seed: 20251 },
    );
  });
});

describe("parse errors name file:line and the problem", () => {
  const prog = (bodyLines: string): string => `.program 1\n.module __main__ file=t.py\n.code f id=0 stacksize=2\n.consts None\n.names x\n.localsplus a:local\n.body\n${bodyLines}\n.end\n`;
  const cases: [string, string, string][] = [
    ["unknown opcode", prog("  RESUME 0\n  LOAD_FAZT 0"), "prog.tda:9: unknown opcode 'LOAD_FAZT'"],
    ["pseudo-instruction", prog("  JUMP L1\nL1: RETURN_VALUE"), "prog.tda:8: 'JUMP' is a pseudo-instruction (the compiler replaces it; write the real instruction)"],
    ["explicit EXTENDED_ARG", prog("  EXTENDED_ARG 1"), "prog.tda:8: EXTENDED_ARG is inserted automatically: write the full oparg (or use .raw)"],
    ["undefined label", prog("  JUMP_FORWARD L9"), "prog.tda:8: undefined label 'L9'"],
    ["duplicate label", prog("L1: NOP\nL1: NOP"), "prog.tda:9: duplicate label 'L1'"],
    ["jump direction", prog("L1: NOP\n  JUMP_FORWARD L1"), "prog.tda:9: JUMP_FORWARD to L1: the label is before the jump (use JUMP_BACKWARD)"],
    ["backward jump to a later label", prog("  JUMP_BACKWARD L1\n  NOP\nL1: NOP"), "prog.tda:8: JUMP_BACKWARD to L1: the label is after the jump (use a forward jump)"],
    ["jump needs a label", prog("  JUMP_FORWARD 3"), "prog.tda:8: JUMP_FORWARD needs a label argument (found '3')"],
    ["argument missing", prog("  LOAD_CONST"), "prog.tda:8: LOAD_CONST needs an argument"],
    ["argument not taken", prog("  POP_TOP 1"), "prog.tda:8: POP_TOP takes no argument (found '1')"],
    ["symbol not allowed", prog("  LOAD_CONST x"), "prog.tda:8: LOAD_CONST needs a numeric argument (found 'x')"],
    ["unknown local", prog("  LOAD_FAST q"), "prog.tda:8: 'q' is not in .localsplus"],
    ["unknown name", prog("  STORE_NAME q"), "prog.tda:8: 'q' is not in .names"],
    ["oparg too large", prog("  LOAD_CONST 9999999999"), "prog.tda:8: oparg 9999999999 out of range (max 2147483647)"],
    ["line number alone", prog("  12"), "prog.tda:8: a line number needs an instruction on the same line"],
    ["bad raw unit", prog("  .raw 0x10000"), "prog.tda:8: bad code unit '0x10000' (expected 0x0000..0xffff)"],
    ["directive in body", prog("  .consts 1"), "prog.tda:8: unexpected directive '.consts' in .body (expected .exceptiontable or .end)"],
    ["missing .end", ".module __main__ file=t.py\n.code f id=0\n.body\n  RETURN_VALUE\n", "prog.tda:5: .code f is missing .end"],
    ["code before module", ".code f id=0\n", "prog.tda:1: .code before any .module"],
    ["missing id", ".module m\n.code f stacksize=1\n", "prog.tda:2: a .code needs id=N (a non-negative integer)"],
    ["duplicate id", ".module m\n.code f id=0\n.body\n RETURN_VALUE\n.end\n.code g id=0\n", "prog.tda:6: duplicate code id 0 (first at line 2)"],
    ["unknown attribute", ".module m\n.code f id=0 colour=red\n", "prog.tda:2: unknown attribute 'colour' (expected id, qualname, file, firstlineno, argcount, posonlyargcount, kwonlyargcount, flags, stacksize)"],
    ["unknown flag", ".module m\n.code f id=0 flags=OPTIMIZED|FAST stacksize=0\n.body\n RETURN_VALUE\n.end\n", "prog.tda:2: unknown flag 'FAST' (expected OPTIMIZED, NEWLOCALS, VARARGS, VARKEYWORDS, NESTED, GENERATOR, NOFREE, COROUTINE, ITERABLE_COROUTINE, ASYNC_GENERATOR, HAS_DOCSTRING, METHOD or a number)"],
    ["unknown local kind", ".module m\n.code f id=0\n.localsplus a:locale\n", "prog.tda:3: unknown local kind 'locale' (expected local, cell, free, hidden, arg_pos, arg_kw, arg_var or a number)"],
    ["bad constant", ".module m\n.code f id=0\n.consts 1, frozenset()\n", "prog.tda:3: bad constant 'frozenset' (expected None, True, False, an int, a float, a string, a tuple, slice(...) or @id)"],
    ["unterminated string", ".module m\n.code f id=0\n.consts 'abc\n", "prog.tda:3: unterminated string literal"],
    ["one-tuple", ".module m\n.code f id=0\n.consts (1)\n", "prog.tda:3: a one-element tuple needs a trailing comma: (x,)"],
    ["undefined code reference", ".module m\n.code f id=0 stacksize=1\n.consts @4\n.body\n RETURN_VALUE\n.end\n", "prog.tda:3: undefined code reference @4"],
    ["reference cycle", ".module m\n.code f id=0 stacksize=1\n.consts @0\n.body\n RETURN_VALUE\n.end\n", "prog.tda:3: code @0 contains itself (reference cycle)"],
    ["unreferenced code", ".module m\n.code f id=0 stacksize=1\n.body\n RETURN_VALUE\n.end\n.code g id=1 stacksize=1\n.body\n RETURN_VALUE\n.end\n", "prog.tda:6: code @1 (g) is never referenced"],
    ["bad exception entry", prog("  RETURN_VALUE\n.exceptiontable\n  L1 -> L2"), "prog.tda:10: bad exception table entry 'L1 -> L2' (expected: L1 to L2 -> L3 [depth] [lasti])"],
    ["format version", ".program 2\n", "prog.tda:1: unsupported format version 2 (this tierdiff reads format 1)"],
    ["no module", "# nothing\n", "prog.tda:2: no .module in the program"],
    ["stacksize cannot be computed", ".module m\n.code f id=0\n.body\n POP_TOP\n RETURN_VALUE\n.end\n",
      "prog.tda:2: cannot compute stacksize (give stacksize=): f+0 POP_TOP: stack underflow: needs 1 values, depth is 0"],
    ["text after a directive", ".module m file=a.py extra\n", "prog.tda:1: unknown attribute 'extra' (expected file, code)"],
    ["stray text", "hello\n", "prog.tda:1: expected a directive (.program, .module, .code), found 'hello'"],
  ];
  for (const [name, text, message] of cases) {
    test(name, () => {
      let err: unknown;
      try {
        parseProgram(text, "prog.tda");
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AsmError);
      expect((err as AsmError).message).toBe(message);
      expect(String(err)).toBe(`AsmError: ${message}`);
    });
  }
});
