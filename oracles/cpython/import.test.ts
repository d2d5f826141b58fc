import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  CO_FAST_ARG_KW,
  CO_FAST_ARG_POS,
  CO_FAST_CELL,
  CO_FAST_FREE,
  CO_FAST_HIDDEN,
  CO_FAST_LOCAL,
  CO_NESTED,
  CodeDef,
  ConstSlice,
  None,
  type ProgramDef,
} from "../../engine/bytecode/code.ts";
import { decode } from "../../engine/bytecode/instructions.ts";
import { PyFloat } from "../../engine/runtime/primitive.ts";
import { ImportPyError, importPython, importPythonFile } from "./import.ts";
import { callHelper, getPyodide } from "./pyodide.ts";

const PROG = `import util
from util import scale

class Counter:
    def __init__(self, start):
        self.n = start
    def bump(self, k=1):
        self.n += k
        return self.n

def make_adder(a):
    def add(b):
        return a + b
    return add

def add(a, b):
    return a + b

squares = [i * i for i in range(5)]
table = {k: v for k, v in zip("ab", (1, 2))}

def safe_div(x, y):
    try:
        r = x / y
    except ZeroDivisionError as e:
        r = None
    finally:
        print("done")
    return r

name = "w"
msg = f"hello {name!r:>5} {3.5:.1f}"
part = squares[1:3]
big = 123456789012345678901234567890
neg = -7
c = Counter(util.BASE)
print(c.bump(), make_adder(2)(3), scale(2), msg, part, safe_div(1, 0))
`;
const UTIL = `BASE = 10
def scale(x):
    return x * BASE
`;

/** 1-based line of the first source line containing `text`. */
function lineOf(src: string, text: string): number {
  const i = src.split("\n").findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`no line with ${text}`);
  return i + 1;
}

function codeNamed(code: CodeDef, qualname: string): CodeDef {
  if (code.qualname === qualname) return code;
  for (const c of code.consts) {
    if (c instanceof CodeDef) {
      const found = tryCodeNamed(c, qualname);
      if (found) return found;
    }
  }
  throw new Error(`no code object ${qualname}`);
}
function tryCodeNamed(code: CodeDef, qualname: string): CodeDef | undefined {
  try {
    return codeNamed(code, qualname);
  } catch {
    return undefined;
  }
}

async function rejection(source: string): Promise<ImportPyError> {
  try {
    await importPython([{ name: "prog", filename: "prog.py", source }]);
  } catch (e) {
    if (e instanceof ImportPyError) return e;
    throw e;
  }
  throw new Error("expected an ImportPyError");
}

let prog: ProgramDef;

beforeAll(async () => {
  await getPyodide();
  prog = await importPython([
    { name: "prog", filename: "prog.py", source: PROG },
    { name: "util", filename: "util.py", source: UTIL },
  ]);
});

describe("importPython", () => {
  it("converts every module; the first one becomes __main__", () => {
    expect(prog.modules.map((m) => [m.name, m.filename])).toEqual([
      ["__main__", "prog.py"],
      ["util", "util.py"],
    ]);
    const main = prog.modules[0]!.code;
    expect(main.name).toBe("<module>");
    expect(main.filename).toBe("prog.py");
    expect(prog.modules[0]!.source).toBe(PROG);
  });

  it("keeps the instructions of a tiny function exactly", () => {
    const add = codeNamed(prog.modules[0]!.code, "add");
    const ins = decode(add.units);
    expect(ins.map((i) => [i.name, i.oparg])).toEqual([
      ["RESUME", 0],
      ["LOAD_FAST_BORROW_LOAD_FAST_BORROW", 0x01], // a (0) << 4 | b (1)
      ["BINARY_OP", 0], // NB_ADD
      ["RETURN_VALUE", 0],
    ]);
    // Every unit is accounted for: instructions plus their (zeroed) inline caches.
    expect(ins.at(-1)!.next).toBe(add.units.length);
    const binop = ins[2]!;
    for (let u = binop.offset + 1; u < binop.next; u++) {
      expect(add.units[u]).toBe(0);
      expect(add.lines[u]).toBeUndefined();
    }
    expect(add.lines[binop.offset]).toBe(lineOf(PROG, "def add(a, b)") + 1);
    expect(add.lines[ins[0]!.offset]).toBe(lineOf(PROG, "def add(a, b)"));
    expect([add.name, add.qualname, add.argcount, add.firstlineno]).toEqual(["add", "add", 2, lineOf(PROG, "def add(a, b)")]);
    expect(add.localsplusnames).toEqual(["a", "b"]);
    expect(add.localspluskinds).toEqual([CO_FAST_LOCAL | CO_FAST_ARG_POS | CO_FAST_ARG_KW, CO_FAST_LOCAL | CO_FAST_ARG_POS | CO_FAST_ARG_KW]);
    expect(add.exceptiontable).toEqual([]);
  });

  it("gives closure cells and free variables their localsplus kinds", () => {
    const outer = codeNamed(prog.modules[0]!.code, "make_adder");
    // An argument that is also a cell is ONE entry, LOCAL|CELL plus its argument bits.
    expect(outer.localsplusnames).toEqual(["a", "add"]);
    expect(outer.localspluskinds).toEqual([CO_FAST_LOCAL | CO_FAST_CELL | CO_FAST_ARG_POS | CO_FAST_ARG_KW, CO_FAST_LOCAL]);
    expect(decode(outer.units)[0]).toMatchObject({ name: "MAKE_CELL", oparg: 0 });
    const inner = codeNamed(outer, "make_adder.<locals>.add");
    expect(inner.localsplusnames).toEqual(["b", "a"]);
    expect(inner.localspluskinds).toEqual([CO_FAST_LOCAL | CO_FAST_ARG_POS | CO_FAST_ARG_KW, CO_FAST_FREE]);
    expect(decode(inner.units)[0]).toMatchObject({ name: "COPY_FREE_VARS", oparg: 1 });
    expect(inner.flags & CO_NESTED).toBe(CO_NESTED);
    expect([inner.nlocals, inner.ncells, inner.nfree]).toEqual([1, 0, 1]);
  });

  it("marks inlined comprehension variables of the module HIDDEN (LOAD_FAST_AND_CLEAR)", () => {
    const main = prog.modules[0]!.code;
    expect(main.localsplusnames).toEqual(["i", "k", "v"]);
    expect(main.localspluskinds).toEqual([0, 0, 0].map(() => CO_FAST_LOCAL | CO_FAST_HIDDEN));
    const saved = decode(main.units)
      .filter((i) => i.name === "LOAD_FAST_AND_CLEAR")
      .map((i) => main.localsplusnames[i.oparg]);
    expect(saved).toEqual(["i", "k", "v"]);
  });

  it("leaves inlined comprehension variables of a function plain LOCALs (not HIDDEN)", async () => {
    const p = await importPython([{ name: "p", filename: "p.py", source: "def f(q):\n    x = 1\n    return [y for y in q], x\n" }]);
    const f = codeNamed(p.modules[0]!.code, "f");
    expect(f.localsplusnames).toEqual(["q", "x", "y"]);
    expect(f.localspluskinds).toEqual([CO_FAST_LOCAL | CO_FAST_ARG_POS | CO_FAST_ARG_KW, CO_FAST_LOCAL, CO_FAST_LOCAL]);
    expect(decode(f.units).filter((i) => i.name === "LOAD_FAST_AND_CLEAR").map((i) => f.localsplusnames[i.oparg])).toEqual(["y"]);
  });

  it("agrees with the kinds derived from co_varnames/co_cellvars/co_freevars", async () => {
    const src = `${PROG}
class C:
    v = [lambda: m for m in range(3)]
    def meth(self):
        return __class__
def f(p, /, q, *args, r, **kw):
    def g():
        return p, args, kw
    return [x for x in q] + [lambda: y for y in q]
`;
    expect(await callHelper("cross_check_kinds", { modules: [{ name: "p", filename: "p.py", source: src }] })).toEqual([]);
  });

  it("converts constants", () => {
    const main = prog.modules[0]!.code;
    expect(main.consts).toContain(None);
    expect(main.consts).toContain("w");
    expect(main.consts).toContain(123456789012345678901234567890n);
    expect(main.consts).toContain(-7);
    expect(main.consts.filter((c): c is PyFloat => c instanceof PyFloat).map((f) => f.v)).toEqual([3.5]);
    const slices = main.consts.filter((c): c is ConstSlice => c instanceof ConstSlice);
    expect(slices).toEqual([new ConstSlice(1, 3, None)]);
    const names = decode(main.units).map((i) => i.name);
    for (const op of ["CONVERT_VALUE", "FORMAT_WITH_SPEC", "BUILD_STRING", "IMPORT_NAME", "IMPORT_FROM", "LOAD_BUILD_CLASS", "MAP_ADD"]) {
      expect(names).toContain(op);
    }
  });

  it("converts the exception table to code units", () => {
    const sd = codeNamed(prog.modules[0]!.code, "safe_div");
    const ins = decode(sd.units);
    const at = new Map(ins.map((i) => [i.offset, i.name]));
    expect(sd.exceptiontable.length).toBeGreaterThan(0);
    for (const e of sd.exceptiontable) {
      expect(e.start).toBeLessThan(e.end);
      expect(e.end).toBeLessThanOrEqual(sd.units.length);
      expect(at.has(e.target)).toBe(true);
    }
    // The try body's handler starts with PUSH_EXC_INFO and is entered without lasti at depth 0.
    const divide = ins.find((i) => i.name === "BINARY_OP" && i.oparg === 11)!; // NB_TRUE_DIVIDE
    const covering = sd.exceptiontable.find((e) => e.start <= divide.offset && divide.offset < e.end)!;
    expect(at.get(covering.target)).toBe("PUSH_EXC_INFO");
    expect([covering.depth, covering.lasti]).toEqual([0, false]);
  });

  it("importPythonFile names modules after their files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tierdiff-import-"));
    try {
      writeFileSync(join(dir, "prog.py"), PROG);
      writeFileSync(join(dir, "util.py"), UTIL);
      const p = await importPythonFile(join(dir, "prog.py"), [join(dir, "util.py")]);
      expect(p.modules.map((m) => [m.name, m.filename, m.code.filename])).toEqual([
        ["__main__", "prog.py", "prog.py"],
        ["util", "util.py", "util.py"],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("importPython rejections", () => {
  it("generator: reports the yield, not RETURN_GENERATOR", async () => {
    const src = "x = 1\n\ndef gen():\n    x = 2\n    yield x\n";
    const e = await rejection(src);
    expect(e.message).toBe("prog.py:5: unsupported construct: generator (yield) [YIELD_VALUE]");
    expect([e.filename, e.line, e.construct, e.opname]).toEqual(["prog.py", 5, "generator (yield)", "YIELD_VALUE"]);
  });

  it("with statement", async () => {
    const e = await rejection("def f(a):\n    with a:\n        pass\n");
    expect(e.message).toBe("prog.py:2: unsupported construct: with statement [LOAD_SPECIAL]");
  });

  it("set display, and a set folded into a frozenset constant", async () => {
    expect((await rejection("a = 1\ns = {a, 2}\n")).message).toBe("prog.py:2: unsupported construct: set display [BUILD_SET]");
    // special methods the runtime does not call would silently diverge from CPython: rejected
    expect((await rejection("class A:\n    def __eq__(self, o):\n        return True\n")).message).toBe(
      "prog.py:2: unsupported construct: class defines __eq__ (only __init__, __del__, __repr__ and __str__ are modeled) [STORE_NAME]",
    );
    // ...while the modeled ones, and module-level dunder names, are accepted
    await importPython([{ name: "__main__", filename: "prog.py", source: "__all__ = []\nclass B:\n    def __init__(self):\n        pass\n    def __repr__(self):\n        return 'B'\n" }]);
    expect((await rejection("a = 1\nb = a in {1, 2}\n")).message).toBe(
      "prog.py:2: unsupported construct: set display (constant frozenset({1, 2})) [LOAD_CONST]",
    );
  });

  it("syntax error", async () => {
    const e = await rejection("x = 1\ny = 2\nif x\n    pass\n");
    expect(e.message).toBe("prog.py:3: SyntaxError: expected ':'");
    expect(e.line).toBe(3);
  });

  it("names the module that fails and the earliest line", async () => {
    const err = await importPython([
      { name: "prog", filename: "prog.py", source: "import lib\n" },
      { name: "lib", filename: "lib.py", source: "def f(xs):\n    return +xs\ndef g(d):\n    return f(**d)\n" },
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportPyError);
    expect((err as Error).message).toBe("lib.py:2: unsupported construct: unary plus (+x) [CALL_INTRINSIC_1]");
  });
});
