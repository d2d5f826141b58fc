/**
 * dis.ts against the real thing: CPython 3.14.2 (the pyodide npm package, offline) compiles a corpus
 * covering every supported instruction; tierdiff's listing of the resulting code objects must equal
 * `dis.dis` output byte for byte (addresses removed). The same corpus checks the assembler's round
 * trip on CPython-produced code (exact units, minimal EXTENDED_ARG) and that the verifier accepts
 * it, with a stack depth never above CPython's co_stacksize. Hand-written listing details follow.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { loadPyodide } from "pyodide";
import { CodeDef, ConstSlice, ConstTuple, None, type Const, type ProgramDef } from "./code.ts";
import { PyFloat, normInt } from "../runtime/primitive.ts";
import { disassemble, disassembleOne, disassembleProgram, floatRepr, strRepr, constRepr, disInstructions } from "./dis.ts";
import { parseProgram } from "./asm.ts";
import { maxStackDepth, verifyProgram } from "./verify.ts";
import { OPNAME } from "./opcodes.ts";
import { op, roundTrip } from "./testing.ts";
import { SUPPORTED_OPCODES } from "./subset.ts";

// ---------------------------------------------------------------------------------------------
// CPython oracle: serialize code objects to JSON inside pyodide, rebuild CodeDefs here.
// Line table convention (as the importer's): each instruction's units (EXTENDED_ARG prefixes
// included) carry its co_lines line, cache units none.

const SERIALIZER = String.raw`
import dis, io, json, re, _testinternalcapi
def _ser_const(c, codes):
    if c is None: return ["None"]
    if c is True or c is False: return ["bool", c]
    if type(c) is int: return ["int", str(c)]
    if type(c) is float: return ["float", repr(c)]
    if type(c) is str: return ["str", c]
    if type(c) is tuple: return ["tuple", [_ser_const(x, codes) for x in c]]
    if type(c) is slice: return ["slice", [_ser_const(x, codes) for x in (c.start, c.stop, c.step)]]
    if hasattr(c, "co_code"): return ["code", _ser_code(c, codes)]
    raise TypeError(type(c).__name__)
def _units(raw):
    return [raw[i] | (raw[i + 1] << 8) for i in range(0, len(raw), 2)]
def _ser_code(co, codes):
    idx = len(codes)
    codes.append(None)
    raw = co.co_code
    linemap = {}
    for s, e, l in co.co_lines():
        for b in range(s, e, 2):
            linemap[b // 2] = l
    lines = [None] * (len(raw) // 2)
    for off, start, op, arg in dis._unpack_opargs(raw):
        lines[off // 2] = linemap.get(off // 2)
    kinds = _testinternalcapi.get_co_localskinds(co)
    codes[idx] = {
        "name": co.co_name, "qualname": co.co_qualname, "filename": co.co_filename,
        "firstlineno": co.co_firstlineno, "argcount": co.co_argcount,
        "posonlyargcount": co.co_posonlyargcount, "kwonlyargcount": co.co_kwonlyargcount,
        "flags": co.co_flags, "stacksize": co.co_stacksize, "units": _units(raw),
        "consts": [_ser_const(c, codes) for c in co.co_consts], "names": list(co.co_names),
        "localsplusnames": list(kinds.keys()), "localspluskinds": list(kinds.values()),
        "exceptiontable": [[e.start // 2, e.end // 2, e.target // 2, e.depth, e.lasti] for e in dis._parse_exception_table(co)],
        "lines": lines,
    }
    return idx
def _strip(s):
    return re.sub(r" at 0x[0-9a-f]+", "", s)
def _dis(x, **kw):
    out = io.StringIO()
    dis.dis(x, file=out, **kw)
    return _strip(out.getvalue())
def tierdiff_compile(src, filename):
    co = compile(src, filename, "exec")
    codes = []
    _ser_code(co, codes)
    return json.dumps({"codes": codes, "dis": _dis(co), "dis_caches": _dis(co, show_caches=True, show_offsets=True)})
def tierdiff_adaptive(src, calls):
    ns = {}
    exec(compile(src, "warm.py", "exec"), ns)
    f = ns["f"]
    for i in range(calls):
        f(i)
    codes = []
    _ser_code(f.__code__, codes)
    return json.dumps({"codes": codes, "adaptive": _units(f.__code__._co_code_adaptive),
                       "dis": _dis(f, adaptive=True, show_caches=True)})
`;

type JConst = ["None"] | ["bool", boolean] | ["int", string] | ["float", string] | ["str", string] | ["tuple", JConst[]] | ["slice", JConst[]] | ["code", number];
interface JCode {
  name: string; qualname: string; filename: string; firstlineno: number; argcount: number; posonlyargcount: number;
  kwonlyargcount: number; flags: number; stacksize: number; units: number[]; consts: JConst[]; names: string[];
  localsplusnames: string[]; localspluskinds: number[]; exceptiontable: [number, number, number, number, boolean][];
  lines: (number | null)[];
}

function buildCodes(codes: readonly JCode[]): CodeDef {
  const built = new Map<number, CodeDef>();
  const floatOf = (s: string): number => (s === "inf" ? Infinity : s === "-inf" ? -Infinity : s === "nan" ? NaN : Number(s));
  const konst = (c: JConst): Const => {
    switch (c[0]) {
      case "None": return None;
      case "bool": return c[1];
      case "int": return normInt(BigInt(c[1]));
      case "float": return new PyFloat(floatOf(c[1]));
      case "str": return c[1];
      case "tuple": return new ConstTuple(c[1].map(konst));
      case "slice": return new ConstSlice(konst(c[1][0]!), konst(c[1][1]!), konst(c[1][2]!));
      case "code": return code(c[1]);
    }
  };
  const code = (i: number): CodeDef => {
    const hit = built.get(i);
    if (hit) return hit;
    const j = codes[i]!;
    const c = new CodeDef(j.name, j.qualname, j.filename, j.firstlineno, j.argcount, j.posonlyargcount, j.kwonlyargcount,
      j.flags, j.stacksize, Uint16Array.from(j.units), j.consts.map(konst), j.names, j.localsplusnames, j.localspluskinds,
      j.exceptiontable.map(([start, end, target, depth, lasti]) => ({ start, end, target, depth, lasti })),
      j.lines.map((l) => (l === null ? undefined : l)));
    built.set(i, c);
    return c;
  };
  return code(0);
}

interface Compiled { readonly code: CodeDef; readonly dis: string; readonly disCaches: string }
interface Warmed { readonly code: CodeDef; readonly adaptive: Uint16Array; readonly dis: string }
let compilePy: (src: string, filename: string) => Compiled;
let warmPy: (src: string, calls: number) => Warmed;

beforeAll(async () => {
  const py = await loadPyodide();
  py.runPython(SERIALIZER);
  const comp = py.globals.get("tierdiff_compile") as (src: string, f: string) => string;
  const adapt = py.globals.get("tierdiff_adaptive") as (src: string, n: number) => string;
  compilePy = (src, filename) => {
    const j = JSON.parse(comp(src, filename)) as { codes: JCode[]; dis: string; dis_caches: string };
    return { code: buildCodes(j.codes), dis: j.dis, disCaches: j.dis_caches };
  };
  warmPy = (src, calls) => {
    const j = JSON.parse(adapt(src, calls)) as { codes: JCode[]; adaptive: number[]; dis: string };
    return { code: buildCodes(j.codes), adaptive: Uint16Array.from(j.adaptive), dis: j.dis };
  };
}, 120_000);

const CORPUS: Record<string, string> = {
  bigdict: `
d = {0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9, 10: 10, 11: 11, 12: 12, 13: 13, 14: 14, 15: 15, 16: 16, 17: 17}
e = {**d}
`,
  basics: `
x = 1
y = x + 2 * 3 - 4 // 5 % 6 ** 2
z = -x, ~x, not x, x is None, x is not y, x in [1, 2], x not in (1, 2)
del x
s = f"{y!r:>10} {z!s} {y!a} {y}"
print(s, sep="", end="\\n")
`,
  consts: `
a = 1e16; b = -0.0; c = 10 ** 30; d = -(10 ** 25); e = 'it\\'s "q"\\n\\x00\\u20ac'
f = 1e400; g = -1e400; h = (1, (2, 3.5), None, True, 'x'); i = 0.1 + 0.2; j = 5e-324
k = [1, 2, 3, 4]; l = {1: 2, 3: 4}; m = "\\xa0\\u2028é"; n = 1.5e-7; o = 123456789.0
`,
  control: `
def f(n):
    total = 0
    for i in range(n):
        if i % 2 == 0:
            continue
        elif i > 10:
            break
        total += i
    else:
        total = -1
    while total > 100:
        total -= 7
    return total if total else None
def g(x):
    if x is None:
        return 1
    if x is not None:
        return 2
    return 3 if x > 0 and x < 10 or x == 20 else 4
`,
  locals: `
def f(a, b, /, c, *args, d=3, **kw):
    a, b = b, a
    x = a
    del x
    if c:
        y = 1
    print(y)
    return [v for v in args if v], {k: v for k, v in kw.items()}
def h():
    global G
    G = 1
    del G
`,
  closures: `
def outer(p):
    x = 1
    def mid():
        nonlocal x
        x += 1
        def inner():
            return x + p
        return inner
    def killer():
        nonlocal x
        del x
    return mid, killer
class C:
    def __init__(self, v):
        self.v = v
    def get(self):
        return self.v
def mk():
    y = 2
    class D:
        z = y
    return D
`,
  attrs: `
import m
from m import a as b, c
o = m.thing
o.attr = 1
del o.attr
o.method(1, 2, key=3)
o[1] = 2
del o[1]
o[a:b] = o[3:4]
t = o[a:b:c]
u = o[a:b]
`,
  exceptions: `
def f(x):
    try:
        return 1 / x
    except ZeroDivisionError as e:
        print(e)
        raise
    except (TypeError, ValueError):
        raise RuntimeError("bad") from None
    finally:
        print("done")
def g():
    try:
        pass
    except Exception:
        raise
    raise ValueError
`,
  calls: `
def f(a, b=1, *, c=2, d):
    return a, b, c, d
def g(x: int) -> str:
    return str(x)
lam = lambda q: q * 2
r = f(1, d=4)
s = f(1, 2, c=3, d=4)
assert r, "message"
assert s
`,
  unpack: `
a, b, c = [1, 2, 3]
(d, e), f = (1, 2), 3
x = y = z = 0
x += 1; y -= 1; z *= 2; x /= 2; x //= 1; x %= 3; x **= 2; x <<= 1; x >>= 1; x &= 1; x |= 2; x ^= 3
w = x @ y if False else 0
`,
  handler_in_loop: `
def f(a, b=2, *args, k, **kw):
    x = a + b
    try:
        y = x[1:3]
    except ValueError as e:
        print(e)
    for i in range(10):
        if i is not None and i in args:
            continue
    def g():
        return x + 1
    return f"{x!r:>10}", g, a < b, a == b, not a, -a
`,
  bigbody: "def big(x):\n    if x:\n" + Array.from({ length: 300 }, (_, i) => `        x = x + ${1000 + i}\n`).join("") + "    return x\n",
  manyconsts: "def mc():\n" + Array.from({ length: 310 }, (_, i) => `    x = 's${i}'\n`).join("") + "    return x\n",
  loopback: "def lb(x):\n    while x:\n" + Array.from({ length: 150 }, (_, i) => `        x = x - ${2000 + i}\n`).join("") + "    return x\n",
};

function allCodes(c: CodeDef, out: CodeDef[] = []): CodeDef[] {
  out.push(c);
  for (const k of c.consts) if (k instanceof CodeDef) allCodes(k, out);
  return out;
}

describe("CPython 3.14 oracle", () => {
  for (const [name, src] of Object.entries(CORPUS)) {
    test(`dis listing of ${name} equals dis.dis`, () => {
      const r = compilePy(src, `${name}.py`);
      expect(disassemble(r.code)).toBe(r.dis);
      expect(disassemble(r.code, { showCaches: true, showOffsets: true })).toBe(r.disCaches);
    });
    test(`${name}: asm round trip is exact and the verifier accepts it`, () => {
      const r = compilePy(src, `${name}.py`);
      const p: ProgramDef = { formatVersion: 1, modules: [{ name: "__main__", filename: `${name}.py`, code: r.code, source: src }] };
      const text = roundTrip(p, `${name}.tda`);
      expect(text).not.toContain(".raw"); // CPython's code is always expressible symbolically
      verifyProgram(p);
      for (const c of allCodes(r.code)) expect(maxStackDepth(c)).toBeLessThanOrEqual(c.stacksize);
    });
  }

  test("the corpus covers every supported instruction (CACHE excepted) and EXTENDED_ARG", () => {
    const seen = new Set<string>();
    for (const [name, src] of Object.entries(CORPUS)) {
      for (const c of allCodes(compilePy(src, `${name}.py`).code)) for (const u of c.units) seen.add(OPNAME[u & 0xff] ?? "?");
    }
    const missing = [...SUPPORTED_OPCODES].filter((n) => n !== "CACHE" && !seen.has(n));
    expect(missing).toEqual([]);
  });

  test("adaptive listing (specialized opnames, cache contents) equals dis(adaptive=True, show_caches=True)", () => {
    const src = `
def f(n):
    x = [n, 2]
    y = x[0] + n * 2
    s = len(x)
    if y > 1.5:
        return str(s)
    return x.append
`;
    const w = warmPy(src, 5);
    const mine = disassemble(w.code, { adaptiveUnits: w.adaptive, showCaches: true });
    expect(mine).toBe(w.dis);
    expect(mine).toMatch(/RESUME_CHECK/);
    expect(mine).toMatch(/BINARY_OP_ADD_INT/);
  });
});

// ---------------------------------------------------------------------------------------------
// Hand-written details

function code(units: number[], opts: Partial<{ consts: Const[]; names: string[]; lp: string[]; kinds: number[]; lines: (number | undefined)[]; table: CodeDef["exceptiontable"] }> = {}): CodeDef {
  return new CodeDef("f", "f", "t.py", 1, 0, 0, 0, 0, 4, Uint16Array.from(units), opts.consts ?? [None], opts.names ?? ["print"],
    opts.lp ?? ["x", "y"], opts.kinds ?? [0x20, 0x20], opts.table ?? [], opts.lines ?? units.map(() => undefined));
}

describe("dis listing details", () => {
  test("argument descriptions", () => {
    const c = code([
      op("LOAD_GLOBAL", 1), 0, 0, 0, 0, op("LOAD_GLOBAL", 0), 0, 0, 0, 0,
      op("LOAD_FAST_LOAD_FAST", 0x01), op("BINARY_OP", 13), 0, 0, 0, 0, 0,
      op("COMPARE_OP", (2 << 5) | 16), 0, op("COMPARE_OP", 5 << 5), 0,
      op("IS_OP", 1), op("CONTAINS_OP", 0), 0, op("CONVERT_VALUE", 3), op("SET_FUNCTION_ATTRIBUTE", 8),
      op("LOAD_COMMON_CONSTANT", 4), op("LOAD_COMMON_CONSTANT", 1), op("LOAD_ATTR", 1), 0, 0, 0, 0, 0, 0, 0, 0, 0,
      op("LOAD_CONST", 0), op("LOAD_FAST", 7), op("RETURN_VALUE"),
    ]);
    expect(disassemble(c)).toBe(
      [
        "          LOAD_GLOBAL              1 (print + NULL)",
        "          LOAD_GLOBAL              0 (print)",
        "          LOAD_FAST_LOAD_FAST      1 (x, y)",
        "          BINARY_OP               13 (+=)",
        "          COMPARE_OP              80 (bool(==))",
        "          COMPARE_OP             160 (>=)",
        "          IS_OP                    1 (is not)",
        "          CONTAINS_OP              0 (in)",
        "          CONVERT_VALUE            3 (ascii)",
        "          SET_FUNCTION_ATTRIBUTE   8 (closure)",
        "          LOAD_COMMON_CONSTANT     4 (<built-in function any>)",
        "          LOAD_COMMON_CONSTANT     1 (NotImplementedError)",
        "          LOAD_ATTR                1 (print + NULL|self)",
        "          LOAD_CONST               0 (None)",
        "          LOAD_FAST                7 (<out of range>)",
        "          RETURN_VALUE",
        "",
      ].join("\n"),
    );
  });

  test("labels, line numbers, `--` for no line, exception table, nested code", () => {
    const inner = new CodeDef("g", "f.<locals>.g", "t.py", 7, 0, 0, 0, 0, 1, Uint16Array.from([op("RESUME"), op("LOAD_CONST", 0), op("RETURN_VALUE")]),
      [None], [], [], [], [], [7, 7, 7]);
    const c = code(
      [op("NOP"), op("RESUME"), op("LOAD_CONST", 1), op("POP_JUMP_IF_FALSE", 1), 0, op("NOT_TAKEN"), op("JUMP_BACKWARD", 6), 0,
        op("PUSH_EXC_INFO"), op("RERAISE", 0)],
      { consts: [None, inner], lines: [undefined, 3, 4, 4, undefined, 4, 5, undefined, undefined, 12], table: [{ start: 2, end: 8, target: 8, depth: 0, lasti: true }] },
    );
    expect(disassemble(c)).toBe(`  --           NOP

   3           RESUME                   0

   4   L1:     LOAD_CONST               1 (<code object g, file "t.py", line 7>)
               POP_JUMP_IF_FALSE        1 (to L2)
               NOT_TAKEN

   5   L2:     JUMP_BACKWARD            6 (to L1)

  --   L3:     PUSH_EXC_INFO

  12           RERAISE                  0
ExceptionTable:
  L1 to L3 -> L3 [0] lasti

Disassembly of <code object g, file "t.py", line 7>:
  7           RESUME                   0
              LOAD_CONST               0 (None)
              RETURN_VALUE
`);
    expect(disassemble(c, { depth: 0 })).not.toContain("Disassembly of");
    expect(disassembleOne(c)).not.toContain("Disassembly of");
  });

  test("no line column when the code has no line numbers; EXTENDED_ARG shown; offsets and lasti marker", () => {
    const c = code([op("EXTENDED_ARG", 1), op("LOAD_CONST", 4), op("RETURN_VALUE")], { consts: Array.from({ length: 261 }, (_, i) => i) });
    expect(disassemble(c)).toBe("          EXTENDED_ARG             1\n          LOAD_CONST             260 (260)\n          RETURN_VALUE\n");
    expect(disassemble(c, { showOffsets: true, lasti: 2 })).toBe(
      "         0       EXTENDED_ARG             1\n         2       LOAD_CONST             260 (260)\n         4   --> RETURN_VALUE\n",
    );
  });

  test("adaptive units: specialized opcode names, cache values with showCaches", () => {
    const c = code([op("LOAD_GLOBAL", 1), 0, 0, 0, 0, op("RETURN_VALUE")]);
    const adaptive = Uint16Array.from([op("LOAD_GLOBAL_BUILTIN", 1), 0x1234, 7, 0x0102, 3, op("RETURN_VALUE")]);
    expect(disassemble(c, { adaptiveUnits: adaptive, showCaches: true })).toBe(
      [
        "          LOAD_GLOBAL_BUILTIN      1 (print + NULL)",
        "          CACHE                    0 (counter: 4660)",
        "          CACHE                    0 (index: 7)",
        "          CACHE                    0 (module_keys_version: 258)",
        "          CACHE                    0 (builtin_keys_version: 3)",
        "          RETURN_VALUE",
        "",
      ].join("\n"),
    );
  });

  test("never throws on garbage: unknown opcodes, truncated caches, bad indexes", () => {
    for (let seed = 1; seed < 200; seed++) {
      let x = seed;
      const rnd = (): number => ((x = (x * 1103515245 + 12345) & 0x7fffffff), x);
      const units = Array.from({ length: rnd() % 30 }, () => rnd() & 0xffff);
      const c = code(units, { table: [{ start: rnd() % 40, end: rnd() % 40, target: rnd() % 40, depth: 1, lasti: false }] });
      expect(typeof disassemble(c, { showCaches: true, adaptiveUnits: Uint16Array.from(units.map(() => rnd() & 0xffff)) })).toBe("string");
    }
    expect(disassemble(code([op("YIELD_VALUE", 0), 213]))).toBe("          YIELD_VALUE              0\n          <213>\n");
  });

  test("disassembleProgram lists every module", () => {
    const p = parseProgram(`.module __main__ file=a.py
.code <module> id=0 stacksize=1
.consts None
.body
  1  LOAD_CONST 0
     RETURN_VALUE
.end
.module helper file='my helper.py'
.code <module> id=1 stacksize=1
.consts None
.body
  1  LOAD_CONST 0
     RETURN_VALUE
.end
`);
    expect(disassembleProgram(p)).toBe(`Module __main__ (file 'a.py'):
  1           LOAD_CONST               0 (None)
              RETURN_VALUE

Module helper (file 'my helper.py'):
  1           LOAD_CONST               0 (None)
              RETURN_VALUE
`);
  });
});

describe("Python reprs", () => {
  test("float repr follows CPython (repr style 'short')", () => {
    const cases: [number, string][] = [
      [1e16, "1e+16"], [1e15, "1000000000000000.0"], [1e-5, "1e-05"], [0.0001, "0.0001"], [-0.0, "-0.0"], [0, "0.0"],
      [Infinity, "inf"], [-Infinity, "-inf"], [NaN, "nan"], [2.5e-7, "2.5e-07"], [1e22, "1e+22"], [123456789012345678, "1.2345678901234568e+17"],
      [0.1 + 0.2, "0.30000000000000004"], [5e-324, "5e-324"], [1.7976931348623157e308, "1.7976931348623157e+308"], [1.5, "1.5"], [-2, "-2.0"], [100, "100.0"],
    ];
    for (const [x, s] of cases) expect(floatRepr(x), String(x)).toBe(s);
  });

  test("str repr follows CPython (quotes, escapes, printable)", () => {
    expect(strRepr("a'b")).toBe(`"a'b"`);
    expect(strRepr('a"b')).toBe(`'a"b'`);
    expect(strRepr(`a'"b`)).toBe(`'a\\'"b'`);
    expect(strRepr("\x00\x7f\x80\xa0\xad\u2028\ud800\t\n\r\\é中\u0378\ufffe")).toBe(
      "'\\x00\\x7f\\x80\\xa0\\xad\\u2028\\ud800\\t\\n\\r\\\\é中\\u0378\\ufffe'",
    );
  });

  test("constants", () => {
    expect(constRepr(new ConstTuple([1, new ConstTuple([2, new PyFloat(3.5)]), None, true, "x"]))).toBe("(1, (2, 3.5), None, True, 'x')");
    expect(constRepr(new ConstTuple([1]))).toBe("(1,)");
    expect(constRepr(new ConstTuple([]))).toBe("()");
    expect(constRepr(new ConstSlice(1, None, -1))).toBe("slice(1, None, -1)");
    expect(constRepr(10n ** 30n)).toBe("1000000000000000000000000000000");
  });

  test("disInstructions keeps EXTENDED_ARG as its own row (like dis)", () => {
    expect(disInstructions(Uint16Array.from([op("EXTENDED_ARG", 1), op("LOAD_CONST", 2)])).map((i) => [i.name, i.arg])).toEqual([
      ["EXTENDED_ARG", 1],
      ["LOAD_CONST", 258],
    ]);
  });
});
