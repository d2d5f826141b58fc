// The function-by-version cache (engine/tier1/funccache.ts) and function versions, for all three
// variants: CPython 3.14's version-clearing rules (Objects/funcobject.c), the cache invariant
// (oracles/invariants/funccache.ts) after __code__/__defaults__ changes and deallocations, and the
// ADDRESS-REUSE case of gh-108253: a function freed while its version is still cached and a new
// function allocated at its address — detected by the checker when a fault switch disables the
// clearing rule, clean without the fault.
import { beforeAll, describe, expect, test } from "vitest";
import { importPython } from "../../oracles/cpython/import.ts";
import { getPyodide } from "../../oracles/cpython/pyodide.ts";
import { CodeDef, type ProgramDef } from "../bytecode/code.ts";
import { createRuntime } from "../runtime/builtins.ts";
import { InternalError } from "../runtime/heap.ts";
import { PyCode, PyFunction, PyModule, None, type PyValue } from "../runtime/objects.ts";
import * as ops from "../runtime/ops.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { Tier1Engine, type Tier1Options } from "./engine.ts";
import { FUNC_VERSION_CACHE_SIZE, FUNC_VERSION_CLEARED, FunctionCache, type FunctionCacheFaults, type FunctionCacheVariant } from "./funccache.ts";
import { checkFunctionCache, formatCacheViolations } from "../../oracles/invariants/funccache.ts";
import { runTier1 } from "./run.ts";
import { listCases } from "../../corpus/cases.ts";
import { parseProgram } from "../bytecode/asm.ts";
import { runReference, formatLeaks } from "../../oracles/reference/run.ts";
import { compareOutcomes } from "../../oracles/outcome.ts";
import { readFileSync } from "node:fs";

const VARIANTS: readonly FunctionCacheVariant[] = ["borrowed", "weak", "code-only"];

const SOURCE = `
def f(x):
    return x
def g(x, y=1):
    return x + y
def h(a, *, k=2):
    return a
`;
let program: ProgramDef;
let defs: Record<string, CodeDef>;

beforeAll(async () => {
  await getPyodide();
  program = await importPython([{ name: "main", filename: "main.py", source: SOURCE }]);
  defs = {};
  for (const c of program.modules[0]!.code.consts) if (c instanceof CodeDef) defs[c.name] = c;
}, 60_000);

/** A runtime with a tier-1 engine attached (which wires the cache's runtime hooks). */
function setup(variant: FunctionCacheVariant, faults: FunctionCacheFaults = {}): { rt: Runtime; eng: Tier1Engine; cache: FunctionCache; globals: ReturnType<Runtime["dict"]> } {
  const rt = createRuntime();
  const opts: Tier1Options = { funcCacheVariant: variant, faults };
  const eng = new Tier1Engine(rt, { formatVersion: program.formatVersion, modules: [] }, opts);
  const globals = rt.dict();
  rt.dictSet(globals, "__name__", "m");
  return { rt, eng, cache: eng.funcCache, globals };
}
/** MAKE_FUNCTION: a new function stealing a new reference to `code` */
function make(s: ReturnType<typeof setup>, code: PyCode): PyFunction {
  return s.eng.makeFunction(s.rt.newRef(code), s.globals, s.rt.builtins);
}
function clean(cache: FunctionCache): void {
  const v = checkFunctionCache(cache);
  expect(v, formatCacheViolations(v)).toEqual([]);
}

describe.each(VARIANTS)("function versions and the cache (%s)", (variant) => {
  test("MAKE_FUNCTION copies co_version (a global counter, valid versions from 2); the slot names function and code", () => {
    const s = setup(variant);
    const cf = s.rt.loadCode(defs.f!);
    const cg = s.rt.loadCode(defs.g!);
    expect(cf.coVersion).toBeGreaterThanOrEqual(2);
    expect(cg.coVersion).toBe(cf.coVersion + 1);
    const f1 = make(s, cf);
    const f2 = make(s, cf); // closures made in a loop share their code's version (gh-98522)
    expect(f1.funcVersion).toBe(cf.coVersion);
    expect(f2.funcVersion).toBe(cf.coVersion);
    expect(s.cache.counters.insert).toBe(2);
    const slot = s.cache.slotOf(cf.coVersion);
    expect(slot.code).toMatchObject({ addr: cf.addr, gen: cf.gen });
    if (variant === "code-only") expect(slot.func).toBeNull();
    else expect(slot.func).toMatchObject({ addr: f2.addr, gen: f2.gen }); // the latest function wins
    const r = s.cache.lookup(cf.coVersion);
    expect(r.code).toBe(cf);
    expect(r.func).toBe(variant === "code-only" ? null : f2);
    clean(s.cache);
    for (const o of [f1, f2, cf, cg]) s.rt.decref(o);
    clean(s.cache);
  });

  test("__code__, __defaults__, __kwdefaults__ clear the version for good; __name__ and __qualname__ do not", () => {
    const s = setup(variant);
    const cf = s.rt.loadCode(defs.f!);
    const cg = s.rt.loadCode(defs.g!);
    const ch = s.rt.loadCode(defs.h!);
    const fn = make(s, cf);
    const v = fn.funcVersion;
    ops.setAttr(s.rt, fn, "__name__", "renamed");
    ops.setAttr(s.rt, fn, "__qualname__", "Renamed");
    expect(fn.funcVersion).toBe(v);
    expect(s.cache.counters.clearOnVersionChange).toBe(0);
    ops.setAttr(s.rt, fn, "__defaults__", s.rt.tuple([1]));
    expect(fn.funcVersion).toBe(FUNC_VERSION_CLEARED);
    // func_clear_version empties slot.func and leaves slot.code ("there may be use for it")
    expect(s.cache.slotOf(v).func).toBeNull();
    expect(s.cache.lookup(v)).toEqual({ func: null, code: cf });
    expect(s.cache.counters.clearOnVersionChange).toBe(variant === "code-only" ? 0 : 1);
    clean(s.cache);
    // a cleared version is never handed out again: later changes keep it cleared
    ops.setAttr(s.rt, fn, "__code__", cg);
    expect(fn.funcVersion).toBe(FUNC_VERSION_CLEARED);
    const g2 = make(s, cg);
    const vg = g2.funcVersion;
    ops.setAttr(s.rt, g2, "__kwdefaults__", None);
    expect(g2.funcVersion).toBe(FUNC_VERSION_CLEARED);
    const h2 = make(s, ch);
    ops.setAttr(s.rt, h2, "__code__", cf);
    expect(h2.funcVersion).toBe(FUNC_VERSION_CLEARED);
    expect(s.cache.lookup(vg).func).toBeNull();
    expect(s.cache.lookup(ch.coVersion).func).toBeNull();
    expect(s.cache.counters.clearOnVersionChange).toBe(variant === "code-only" ? 0 : 3);
    clean(s.cache);
    for (const o of [fn, g2, h2, cf, cg, ch] as PyValue[]) s.rt.decref(o);
    clean(s.cache);
  });

  test("an unversioned function stays unversioned (only valid versions are cleared)", () => {
    const s = setup(variant);
    const cf = s.rt.loadCode(defs.f!);
    const fn = s.rt.alloc(new PyFunction(s.rt.newRef(cf), s.rt.newRef(s.globals), s.rt.newRef(s.rt.builtins), "f", "f", null, null, null, "m"));
    expect(fn.funcVersion).toBe(0);
    ops.setAttr(s.rt, fn, "__code__", cf);
    expect(fn.funcVersion).toBe(0);
    s.rt.decref(fn);
    s.rt.decref(cf);
    clean(s.cache);
  });

  test("function dealloc clears its slot; code dealloc clears the slot of its version", () => {
    const s = setup(variant);
    const cf = s.rt.loadCode(defs.f!);
    const fn = make(s, cf);
    const v = fn.funcVersion;
    s.rt.decref(fn);
    expect(fn.freed).toBe(true);
    expect(s.cache.slotOf(v).func).toBeNull();
    expect(s.cache.counters.clearOnDealloc).toBe(variant === "code-only" ? 0 : 1);
    expect(s.cache.lookup(v)).toEqual({ func: null, code: cf });
    clean(s.cache);
    s.rt.decref(cf);
    expect(cf.freed).toBe(true);
    expect(s.cache.slotOf(v)).toEqual({ func: null, code: null });
    expect(s.cache.counters.clearOnCodeDealloc).toBe(1);
    expect(s.cache.lookup(v)).toEqual({ func: null, code: null });
    clean(s.cache);
  });

  test("cache invariant holds through a Python program that specializes calls, changes __code__/__defaults__ and frees functions", async () => {
    const src = `
def a(x):
    return x
def b(x, y=2):
    return x * y
def call(fn, x):
    return fn(x)
for i in range(5):
    call(a, i)
    call(b, i)
b.__defaults__ = (3,)
a.__code__ = b.__code__
a.__defaults__ = (5,)
print(call(a, 1), call(b, 1))
def mk():
    def inner(z):
        return z + 1
    return inner
fs = [mk() for i in range(4)]
fs.pop(1)
fs.pop(1)
print(call(fs[0], 1))
del a
def c(q):
    return q
print(call(c, 7))
`;
    const prog = await importPython([{ name: "main", filename: "main.py", source: src }]);
    const rt = createRuntime();
    const eng = new Tier1Engine(rt, prog, { funcCacheVariant: variant, checkStackEffects: true });
    const mod = eng.execModule("__main__") as PyModule;
    expect(rt.stdout).toBe("5 3\n2\n7\n");
    clean(eng.funcCache);
    expect(eng.funcCache.counters.clearOnVersionChange).toBe(variant === "code-only" ? 0 : 2);
    rt.decref(mod);
    // a whole run, teardown included
    const r = runTier1(prog, { funcCacheVariant: variant });
    expect(r.outcome.status).toBe("ok");
    expect(r.leaks).toEqual([]);
    clean(r.engine.funcCache);
  });
});

describe("THE ADDRESS-REUSE CASE (gh-108253): a freed function's address reused while its version is cached", () => {
  /** f is freed while slot[va] names it; then g (another code, another version) is allocated at f's address */
  function reuse(variant: FunctionCacheVariant, faults: FunctionCacheFaults) {
    const s = setup(variant, faults);
    const cf = s.rt.loadCode(defs.f!);
    const cg = s.rt.loadCode(defs.g!);
    const f = make(s, cf);
    const va = f.funcVersion;
    const addr = f.addr;
    s.rt.decref(f);
    const afterFree = checkFunctionCache(s.cache);
    const g = make(s, cg);
    expect(g.addr).toBe(addr); // LIFO free list of the size class: the address IS reused
    expect(g.gen).toBe(f.gen + 1);
    return { s, cf, cg, f, g, va, afterFree, afterReuse: checkFunctionCache(s.cache) };
  }

  test.each(VARIANTS)("without the fault the cache stays clean (%s)", (variant) => {
    const r = reuse(variant, {});
    expect(r.afterFree).toEqual([]);
    expect(r.afterReuse).toEqual([]);
    expect(r.s.cache.lookup(r.va)).toEqual({ func: null, code: r.cf });
    expect(r.s.cache.counters.addressReuse).toBe(0);
  });

  test("borrowed + noClearOnFuncDealloc: the checker names the slot, the stale function and the new object; the lookup reads it", () => {
    const r = reuse("borrowed", { noClearOnFuncDealloc: true });
    const slot = FunctionCache.indexOf(r.va);
    // after the free: a dangling pointer
    expect(r.afterFree).toHaveLength(1);
    expect(r.afterFree[0]).toMatchObject({ slot, field: "func", problem: "freed" });
    expect(r.afterFree[0]!.message).toContain("function f");
    // after the reuse: the slot aliases g
    expect(r.afterReuse).toHaveLength(1);
    const v = r.afterReuse[0]!;
    expect(v).toMatchObject({ slot, field: "func", problem: "address-reused" });
    expect(v.message).toContain(`function cache slot ${slot}`);
    expect(v.message).toContain("function f");
    expect(v.message).toContain("function g");
    // _PyFunction_LookupByVersion reads g's func_version through the stale pointer, like C
    expect(r.s.cache.lookup(r.va)).toEqual({ func: null, code: r.cf });
    expect(r.s.cache.counters.addressReuse).toBe(1);
  });

  test("borrowed + noClearOnFuncDealloc, address not reused yet: the lookup is a detected use-after-free", () => {
    const s = setup("borrowed", { noClearOnFuncDealloc: true });
    const cf = s.rt.loadCode(defs.f!);
    const f = make(s, cf);
    const va = f.funcVersion;
    s.rt.decref(f);
    let err: unknown;
    try {
      s.cache.lookup(va);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InternalError);
    expect((err as InternalError).category).toBe("use-after-free");
    expect((err as Error).message).toContain(`slot ${FunctionCache.indexOf(va)}`);
  });

  test("weak + noClearOnFuncDealloc: a weak reference dies with its function; the stale entry is never returned", () => {
    const r = reuse("weak", { noClearOnFuncDealloc: true });
    expect(r.afterFree).toEqual([]);
    expect(r.afterReuse).toEqual([]);
    expect(r.s.cache.lookup(r.va)).toEqual({ func: null, code: r.cf });
    expect(r.s.cache.counters.addressReuse).toBe(0);
  });

  test("code-only + noClearOnFuncDealloc: no function is cached, nothing can go stale", () => {
    const r = reuse("code-only", { noClearOnFuncDealloc: true });
    expect(r.afterFree).toEqual([]);
    expect(r.afterReuse).toEqual([]);
    expect(r.s.cache.lookup(r.va)).toEqual({ func: null, code: r.cf });
  });

  test.each(["borrowed", "code-only"] as const)("%s + noClearOnCodeDealloc: a freed code object reused at its address is detected", (variant) => {
    const s = setup(variant, { noClearOnCodeDealloc: true });
    const c1 = s.rt.loadCode(defs.f!);
    const f = make(s, c1);
    const v1 = c1.coVersion;
    s.rt.decref(f);
    s.rt.decref(c1); // its consts tuple goes too
    expect(c1.freed).toBe(true);
    expect(checkFunctionCache(s.cache)).toMatchObject([{ slot: FunctionCache.indexOf(v1), field: "code", problem: "freed" }]);
    const c2 = s.rt.loadCode(defs.f!); // same size class: same address, new version
    expect(c2.addr).toBe(c1.addr);
    const vs = checkFunctionCache(s.cache);
    expect(vs).toMatchObject([{ slot: FunctionCache.indexOf(v1), field: "code", problem: "address-reused" }]);
    expect(vs[0]!.message).toContain("code f");
    expect(s.cache.lookup(v1).code).toBeNull(); // c2's co_version differs
    expect(s.cache.counters.addressReuse).toBe(1);
  });

  test("weak + noClearOnCodeDealloc: clean", () => {
    const s = setup("weak", { noClearOnCodeDealloc: true });
    const c1 = s.rt.loadCode(defs.f!);
    const f = make(s, c1);
    s.rt.decref(f);
    s.rt.decref(c1);
    s.rt.loadCode(defs.f!);
    clean(s.cache);
  });

  test("the same case from Python: `del a` then `def c` reuses a's address (fault on: detected; off: clean)", async () => {
    const src = `
def a(x):
    return x
def b(x):
    return x
for i in range(3):
    a(i)
    b(i)
keep = a.__code__  # keeps a's code (and so its slot) alive after the module code is gone
del a
def c(y):
    return y
`;
    const prog = await importPython([{ name: "main", filename: "main.py", source: src }]);
    for (const variant of VARIANTS) {
      for (const fault of [false, true]) {
        const rt = createRuntime();
        const eng = new Tier1Engine(rt, prog, { funcCacheVariant: variant, faults: { noClearOnFuncDealloc: fault } });
        const mod = eng.execModule("__main__") as PyModule;
        const c = mod.dict.store.getStr("c") as PyFunction;
        const vs = checkFunctionCache(eng.funcCache);
        if (fault && variant === "borrowed") {
          expect(vs).toHaveLength(1);
          expect(vs[0]).toMatchObject({ field: "func", problem: "address-reused" });
          expect(vs[0]!.message).toContain(`function a at 0x${c.addr.toString(16)}`);
          expect(vs[0]!.message).toContain("now holds function c");
        } else {
          expect(vs, `${variant} fault=${fault}: ${formatCacheViolations(vs)}`).toEqual([]);
        }
        rt.decref(mod);
      }
    }
  });
});

describe("version-clear faults (the gh-108253 sequence: a version change that leaves the slot, then dealloc)", () => {
  test.each([
    ["noClearOnCodeAssign", "__code__"],
    ["noClearOnDefaultsAssign", "__defaults__"],
    ["noClearOnKwdefaultsAssign", "__kwdefaults__"],
  ] as const)("%s: detected while the function lives, and as a dangling pointer after it dies", (fault, attr) => {
    for (const faulty of [false, true]) {
      const s = setup("borrowed", { [fault]: faulty });
      const cf = s.rt.loadCode(defs.f!);
      const cg = s.rt.loadCode(defs.g!);
      const fn = make(s, cf);
      const v = fn.funcVersion;
      ops.setAttr(s.rt, fn, attr, attr === "__code__" ? cg : attr === "__defaults__" ? s.rt.tuple([1]) : s.rt.dict());
      if (attr !== "__code__") s.rt.decref(attr === "__defaults__" ? fn.defaults! : fn.kwdefaults!);
      expect(fn.funcVersion).toBe(FUNC_VERSION_CLEARED);
      const live = checkFunctionCache(s.cache);
      if (!faulty) {
        expect(live).toEqual([]);
        continue;
      }
      expect(live.map((x) => x.problem)).toContain("version-mismatch");
      expect(live[0]!.slot).toBe(FunctionCache.indexOf(v));
      expect(s.cache.lookup(v).func).toBeNull(); // version 1 != v: a live stale entry is harmless...
      // ...until the function dies: func_clear_version returns early for a cleared version
      s.rt.decref(fn);
      expect(checkFunctionCache(s.cache)).toMatchObject([{ slot: FunctionCache.indexOf(v), field: "func", problem: "freed" }]);
      expect(() => s.cache.lookup(v)).toThrow(/use-after-free/);
    }
  });

  test("the cache has 4096 direct-mapped slots", () => {
    const s = setup("borrowed");
    expect(s.cache.slots).toHaveLength(FUNC_VERSION_CACHE_SIZE);
    expect(FunctionCache.indexOf(4096 + 7)).toBe(7);
  });
});

describe("the corpus under every cache variant: same outcome as the reference, no leaks, a clean cache after teardown", () => {
  const rows = listCases().flatMap((c) => VARIANTS.map((v) => [c.name, v, c.asmPath] as const));
  test.each(rows)("%s (%s)", (_name, variant, asmPath) => {
    const p = parseProgram(readFileSync(asmPath, "utf8"), asmPath);
    const ref = runReference(p);
    const t = runTier1(p, { funcCacheVariant: variant, checkStackEffects: true });
    expect(compareOutcomes(ref.outcome, t.outcome)).toEqual([]);
    expect(t.leaks, formatLeaks(t.leaks)).toEqual([]);
    clean(t.engine.funcCache);
    // every function and code object died: the clearing rules emptied every slot
    expect([...t.engine.funcCache.entries()]).toEqual([]);
  });
});
