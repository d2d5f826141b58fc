import { beforeAll, describe, expect, it } from "vitest";
import type { Outcome } from "../outcome.ts";
import { getPyodide, type PyodideInterface } from "./pyodide.ts";
import { runInCPython } from "./run.ts";

let py: PyodideInterface;

beforeAll(async () => {
  py = await getPyodide();
});

const main = (source: string, ...others: [string, string][]) => [
  { name: "prog", filename: "prog.py", source },
  ...others.map(([name, src]) => ({ name, filename: `${name}.py`, source: src })),
];

/** Evaluate a Python expression that yields a JSON string in pyodide, outside any run. */
function pyJson(setup: string, expr: string): unknown {
  const r: unknown = py.runPython(`${setup}\n${expr}`);
  if (typeof r !== "string") throw new Error("expected a JSON string from Python");
  return JSON.parse(r) as unknown;
}

/** dis of the same source: byte offsets of the instructions named `opname` in code object `qualname`. */
function disOffsets(src: string, qualname: string, opname: string): number[] {
  return pyJson(
    `import dis as _d, json as _j, types as _t
def _walk(c):
    yield c
    for k in c.co_consts:
        if isinstance(k, _t.CodeType): yield from _walk(k)
_co = [c for c in _walk(compile(${JSON.stringify(src)}, "prog.py", "exec")) if c.co_qualname == ${JSON.stringify(qualname)}][0]`,
    `_j.dumps([i.offset for i in _d.get_instructions(_co) if i.opname == ${JSON.stringify(opname)}])`,
  ) as number[];
}

const CLASS_A = `class A:
    def __init__(self, n):
        self.n = n
    def __del__(self):
        print("del", self.n)
`;

describe("runInCPython", () => {
  it("captures prints byte for byte; a module returns None", async () => {
    const o = await runInCPython(main('print("a", end="")\nprint("x\\ty\\r")\nprint(1, 2.5, None, sep="|")\n'));
    expect(o).toEqual<Outcome>({
      status: "ok",
      value: "None",
      stdout: "ax\ty\r\n1|2.5|None\n",
      delOrder: [],
      unraisable: [],
      globals: { __main__: [] },
    });
  });

  it("records __del__ calls in order: del, rebinding, function exit, list dealloc, teardown", async () => {
    const src = `${CLASS_A}class B(A):
    pass
x = A("x")
del x
y = A("y1")
y = A("y2")
def f():
    a = A("fa")
    b = B("fb")
    return 1
f()
lst = [A("l0"), A("l1"), A("l2")]
lst = None
keep = B("keep")
_priv = A("priv")
pair = [A("t0"), A("t1")]
print("end")
`;
    const o = await runInCPython(main(src));
    expect(o.status).toBe("ok");
    expect(o.stdout.split("\n")).toEqual([
      "del x", // del x
      "del y1", // rebinding y (after y2 was built)
      // frame exit: 3.14 releases the frame's locals LAST to FIRST (_PyFrame_ClearLocals pops from the
      // stack pointer down; 3.12/3.13 released them first to last)
      "del fb",
      "del fa",
      "del l2", // list dealloc releases items LAST to FIRST
      "del l1",
      "del l0",
      "end",
      // teardown (_PyModule_ClearDict): single-underscore names first, then the rest in dict order
      "del priv",
      "del y2",
      "del keep",
      "del t1",
      "del t0",
      "",
    ]);
    expect(o.delOrder).toEqual(["A", "A", "B", "A", "A", "A", "A", "A", "A", "B", "A", "A"]);
  });

  it("uncaught exception: type, message, traceback offsets as dis shows them, frames freed after globals", async () => {
    const src = `class K:
    def __del__(self):
        print("K del")
        raise ValueError("boom")
def g(x):
    return 1 // x
def h():
    k = K()
    g(0)
    return k
v = 1
h()
w = 2
`;
    const o = await runInCPython(main(src));
    expect(o.status).toBe("exception");
    expect(o.exception!.type).toBe("ZeroDivisionError");
    expect(o.exception!.message).toBe("division by zero");
    const [modCall] = disOffsets(src, "<module>", "CALL").slice(-1);
    const [hCall] = disOffsets(src, "h", "CALL").slice(-1);
    const [gDiv] = disOffsets(src, "g", "BINARY_OP");
    expect(o.exception!.traceback).toEqual([
      { func: "<module>", offset: modCall, line: 12, file: "prog.py" },
      { func: "h", offset: hCall, line: 9, file: "prog.py" },
      { func: "g", offset: gDiv, line: 6, file: "prog.py" },
    ]);
    // k (a local of h's frame, kept by the traceback) dies when the exception is dropped, after
    // globals were recorded; its __del__ raises -> unraisable.
    expect(o.globals["__main__"]!.map(([k]) => k)).toEqual(["K", "g", "h", "v"]);
    expect(o.stdout).toBe("K del\n");
    expect(o.delOrder).toEqual(["K"]);
    expect(o.unraisable).toEqual([{ type: "ValueError", message: "boom" }]);
  });

  it("records globals per executed module, dunders left out, then tears modules down entry module last", async () => {
    const o = await runInCPython(
      main(
        `${CLASS_A}import lib
from lib import helper
_x = 1
o = A("main")
s = "q"
print(helper(2))
`,
        ["lib", `class C:
    def __del__(self):
        print("del lib C")
obj = C()
__hidden__ = 1
def helper(n):
    return n * 2
`],
      ),
    );
    expect(o.status).toBe("ok");
    expect(o.globals).toEqual({
      __main__: [
        ["A", "<class '__main__.A'>"],
        ["lib", "<module 'lib' from 'lib.py'>"],
        ["helper", expect.stringMatching(/^<function helper at 0x[0-9a-f]+>$/)],
        ["_x", "1"],
        ["o", expect.stringMatching(/^<__main__\.A object at 0x[0-9a-f]+>$/)],
        ["s", "'q'"],
      ],
      lib: [
        ["C", "<class 'lib.C'>"],
        ["obj", expect.stringMatching(/^<lib\.C object at 0x[0-9a-f]+>$/)],
        ["helper", expect.stringMatching(/^<function helper at 0x[0-9a-f]+>$/)],
      ],
    });
    expect(Object.keys(o.globals)).toEqual(["__main__", "lib"]);
    expect(o.stdout).toBe("4\ndel lib C\ndel main\n");
    expect(o.delOrder).toEqual(["C", "A"]);
  });

  it("reports an exception raised while importing, through both module frames", async () => {
    const o = await runInCPython(main("a = 1\nimport lib\n", ["lib", "b = 2\nc = b.nope\n"]));
    expect(o.exception!.type).toBe("AttributeError");
    expect(o.exception!.message).toBe("'int' object has no attribute 'nope'");
    expect(o.exception!.traceback.map((e) => [e.func, e.file, e.line])).toEqual([
      ["<module>", "prog.py", 2],
      ["<module>", "lib.py", 2],
    ]);
    expect(o.exception!.traceback[0]!.offset).toBe(disOffsets("a = 1\nimport lib\n", "<module>", "IMPORT_NAME")[0]);
    // a failed import is not an executed module
    expect(Object.keys(o.globals)).toEqual(["__main__"]);
  });

  it("has the recursion limit of a fresh python3 prog.py (1000 frames incl. the module frame)", async () => {
    const caught = await runInCPython(
      main(`m = 0
def f(n):
    global m
    m = n
    return f(n + 1)
try:
    f(0)
except RecursionError as e:
    print(m, e)
`),
    );
    // CPython 3.10-3.13 (`python3 prog.py`) print exactly this; 3.14 counts frames the same way.
    expect(caught.stdout).toBe("998 maximum recursion depth exceeded\n");
    const uncaught = await runInCPython(main("def f(n):\n    return f(n + 1)\nf(0)\n"));
    expect(uncaught.exception!.type).toBe("RecursionError");
    expect(uncaught.exception!.traceback.length).toBe(1000);
    // Imported module bodies run 5 importlib frames deeper, as in CPython (depth 7 here).
    const imported = await runInCPython(
      main(
        "import lib\n",
        ["lib", "m = 0\ndef f(n):\n    global m\n    m = n\n    return f(n + 1)\ntry:\n    f(0)\nexcept RecursionError:\n    print(m)\n"],
      ),
    );
    expect(imported.stdout).toBe("992\n");
  });

  it("keeps consecutive runs independent and restores the interpreter", async () => {
    const state = (): unknown =>
      pyJson(
        "import sys as _s, gc as _g, json as _j",
        `_j.dumps([_s.getrecursionlimit(), _g.isenabled(), "counter" in _s.modules, len(_s.meta_path), _s.modules["__main__"].__dict__ is globals(), _s.stdout.__class__.__name__])`,
      );
    const before = state();
    const prog = main(
      `${CLASS_A}import counter
counter.n += 1
print(counter.n)
cycle = [A("cyc")]
cycle.append(cycle)
`,
      ["counter", "n = 0\n"],
    );
    const a = await runInCPython(prog);
    const b = await runInCPython(prog);
    expect(a.stdout).toBe("1\n");
    expect(b).toEqual(a);
    // The cycle is never collected while recording: no "del cyc" in either outcome.
    expect(a.delOrder).toEqual([]);
    expect(state()).toEqual(before);
  });

  it("counts every __del__ call, records unraisable exceptions in order", async () => {
    const o = await runInCPython(
      main(`class E:
    def __del__(self):
        raise KeyError("k")
class F(E):
    pass
e = E()
try:
    e.__del__()
except KeyError:
    print("explicit")
x = F()
x = None
e = None
print("done")
`),
    );
    // An explicit call is a __del__ call too (its exception is an ordinary one).
    expect(o.delOrder).toEqual(["E", "F", "E"]);
    expect(o.unraisable).toEqual([
      { type: "KeyError", message: "'k'" },
      { type: "KeyError", message: "'k'" },
    ]);
    expect(o.stdout).toBe("explicit\ndone\n");
  });

  it("refuses a program that does not compile (a JS error, not an Outcome)", async () => {
    await expect(runInCPython(main("x = (\n"))).rejects.toThrow(/^CPython oracle: prog\.py:1: SyntaxError: '\(' was never closed$/);
    await expect(runInCPython(main("import json\n", ["json", "x = 1\n"]))).rejects.toThrow("CPython oracle: module name 'json' shadows a standard library module");
  });
});
