// LOAD_GLOBAL_MODULE / LOAD_GLOBAL_BUILTIN: specialization IN (2nd execution), OUT (a keys version
// guard fails: the generic path runs and the miss counts the cooldown down), back IN (the 53rd miss
// re-specializes), failures with CPython's kinds — and the adaptive state of every LOAD_GLOBAL after
// the same program, compared with CPython 3.14.2 (pyodide): same specialized opname, same counter.
import { beforeAll, describe, expect, test } from "vitest";
import { getPyodide, type PyodideInterface } from "../../oracles/cpython/pyodide.ts";
import { importPython } from "../../oracles/cpython/import.ts";
import { runReference } from "../../oracles/reference/run.ts";
import { createRuntime } from "../runtime/builtins.ts";
import type { PyModule } from "../runtime/objects.ts";
import { keysVersionCounter } from "../runtime/dictstore.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { macroNamed } from "../uops/table.ts";
import facts from "../uops/cpython314-facts.json" with { type: "json" };
import { Tier1Engine } from "./engine.ts";
import { familyStates } from "./specialize-testing.ts";
import { runTier1 } from "./run.ts";

let py: PyodideInterface;
beforeAll(async () => {
  py = await getPyodide();
});

const FAMILY = /^LOAD_GLOBAL/;

/** "OPNAME(name) value/backoff" of every LOAD_GLOBAL of each function, after running `src` in CPython */
function cpython(src: string, fns: string[]): { state: Record<string, string[]>; stdout: string } {
  const out = py.runPython(`
import dis as _dis, json as _json, io as _io, sys as _sys
_ns = {'__name__': '__main__'}
_buf = _io.StringIO(); _old = _sys.stdout; _sys.stdout = _buf
try:
    exec(compile(${JSON.stringify(src)}, 'prog.py', 'exec'), _ns)
finally:
    _sys.stdout = _old
_res = {}
for _n in ${JSON.stringify(fns)}:
    _f = _ns[_n]; _raw = _f.__code__._co_code_adaptive; _rows = []
    for _i in _dis.get_instructions(_f, adaptive=True):
        if _i.opname.startswith('LOAD_GLOBAL'):
            _c = _raw[_i.offset + 2] | (_raw[_i.offset + 3] << 8)
            _rows.append(f"{_i.opname}({_i.argval}) {_c >> 4}/{_c & 15}")
    _res[_n] = _rows
_json.dumps({'state': _res, 'stdout': _buf.getvalue()})
`) as string;
  return JSON.parse(out) as { state: Record<string, string[]>; stdout: string };
}

/** The same, on tier 1 (the program is not torn down, so its functions can be inspected) */
async function tier1(src: string, fns: string[], setup?: (rt: Runtime) => void) {
  const prog = await importPython([{ name: "prog", filename: "prog.py", source: src }]);
  const rt = createRuntime();
  setup?.(rt);
  const engine = new Tier1Engine(rt, prog, { checkStackEffects: true });
  const mod: PyModule = engine.execModule("__main__", "__main__");
  const state = familyStates(mod, fns, FAMILY, (op, oparg, names) => names[oparg >> 1]!);
  return { state, stdout: rt.stdout, stats: engine.stats.of("LOAD_GLOBAL"), prog };
}

async function sameAsCPython(src: string, fns: string[]) {
  const cp = cpython(src, fns);
  const t1 = await tier1(src, fns);
  expect(t1.state).toEqual(cp.state);
  expect(t1.stdout).toBe(cp.stdout);
  return { cp, t1 };
}

describe("LOAD_GLOBAL specializations", () => {
  test("macro spellings are CPython 3.14's", () => {
    const F = facts as unknown as { macros: Record<string, { parts: { uop?: string; unused?: number }[] }> };
    for (const name of ["LOAD_GLOBAL_MODULE", "LOAD_GLOBAL_BUILTIN"]) {
      const want = F.macros[name]!.parts.map((p) => (p.uop !== undefined ? p.uop : `unused/${p.unused}`));
      expect(macroNamed(name)!.spelling).toEqual(want);
    }
  });

  test("IN: a module global and a builtin specialize on the 2nd execution, as in CPython", async () => {
    const src = `G = 1
def f():
    return G + len([]) + G
f()
print(f())
`;
    const { cp } = await sameAsCPython(src, ["f"]);
    expect(cp.state["f"]).toEqual(["LOAD_GLOBAL_MODULE(G) 52/0", "LOAD_GLOBAL_BUILTIN(len) 52/0", "LOAD_GLOBAL_MODULE(G) 52/0"]);
  });

  test("OUT and back IN: a new global fails the keys-version guard; 52 misses count down, the 53rd re-specializes", async () => {
    const head = `G = 1
def f():
    return G
f(); f()
H = 2
`;
    // after 1 miss, after 52 misses (counter 0), after 53 (re-specialized, its re-dispatch hits)
    for (const [n, want] of [[1, "51/0"], [52, "0/0"], [53, "52/0"], [56, "52/0"]] as const) {
      const src = `${head}for i in range(${n}):\n    f()\n`;
      const { t1 } = await sameAsCPython(src, ["f"]);
      expect(t1.state["f"]).toEqual([`LOAD_GLOBAL_MODULE(G) ${want}`]);
    }
    // the statistics of that one instruction: 2 specializations, 53 misses
    const t = await tier1(`${head}for i in range(56):\n    f()\n`, ["f"]);
    // 1 warm-up + 52 counted-down misses are "deferred"; the 53rd miss re-specializes (deopt);
    // hits: the two re-dispatches right after specializing and the last 3 calls
    expect(t.stats).toMatchObject({ success: 2, failure: 0, miss: 53, hit: 2 + 3, deferred: 53, deopt: 1 });
  });

  test("a builtin shadowed by a new global deopts, and re-specializes as a module global", async () => {
    const src = `def f():
    return len
f(); f()
len = 5
for i in range(53):
    f()
print(f())
`;
    const { cp } = await sameAsCPython(src, ["f"]);
    expect(cp.state["f"]).toEqual(["LOAD_GLOBAL_MODULE(len) 52/0"]);
  });

  test("a deleted global: the guard fails and the generic path raises NameError", async () => {
    const src = `G = 1
def f():
    try:
        return G
    except NameError:
        return -1
f(); f()
del G
print(f(), f())
`;
    await sameAsCPython(src, ["f"]);
  });

  test("a name in neither dict fails with OUT_OF_RANGE and backs off", async () => {
    const src = `def f():
    try:
        return NOPE
    except NameError:
        return 0
for i in range(9):
    f()
`;
    await sameAsCPython(src, ["f"]);
    const t = await tier1(src, ["f"]);
    // warm-up, fail (backoff 2: 3 executions), fail (backoff 3: 7 executions)
    expect(t.stats.failureKinds).toEqual({ OUT_OF_RANGE: 2 });
  });

  test("keys versions past 16 bits fail with OUT_OF_RANGE (the counter is per runtime)", async () => {
    const src = `G = 1
def f():
    return G + len([])
f(); f(); f()
`;
    const t = await tier1(src, ["f"], (rt) => {
      keysVersionCounter(rt).next = 0x10000;
    });
    expect(t.state["f"]).toEqual(["LOAD_GLOBAL(G) 1/2", "LOAD_GLOBAL(len) 1/2"]);
    expect(t.stats.failureKinds).toEqual({ OUT_OF_RANGE: 2 });
    // another runtime starts again at 2
    const u = await tier1(src, ["f"]);
    expect(u.state["f"]).toEqual(["LOAD_GLOBAL_MODULE(G) 52/0", "LOAD_GLOBAL_BUILTIN(len) 52/0"]);
  });

  test("tier 1 and the reference interpreter agree (values, output, no leaks)", async () => {
    const src = `G = 10
def f(n):
    t = 0
    for i in range(n):
        t = t + G + len([i])
    return t
print(f(100))
G = 20
print(f(100))
del G
try:
    f(3)
except NameError as e:
    print(e)
`;
    const prog = await importPython([{ name: "prog", filename: "prog.py", source: src }]);
    const r = runReference(prog);
    const t = runTier1(prog, { checkStackEffects: true });
    expect(t.outcome).toEqual(r.outcome);
    expect(t.leaks).toEqual([]);
    expect(t.engine.stats.of("LOAD_GLOBAL").hit).toBeGreaterThan(300);
  });
});
