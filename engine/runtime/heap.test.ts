// Unit tests of the C-like memory model: refcounts, deallocation order, address reuse (LIFO per
// size class), checked dereference of borrowed references, and use-after-free detection.
// Expected orders are CPython's (Objects/listobject.c list_dealloc releases items last to first,
// Objects/dictobject.c first to last), and were confirmed against CPython 3.14 via the corpus
// case corpus/cases/del_order.py.
import { describe, expect, test } from "vitest";
import { createRuntime } from "./builtins.ts";
import { InternalError } from "./heap.ts";
import { PyInstance, PyType, PyList, None } from "./objects.ts";
import { DictStore } from "./dictstore.ts";
import { T } from "./types.ts";
import type { Runtime } from "./runtime.ts";

/** A class whose instances record their finalization (the runtime's delOrder) without Python code. */
function classWithDel(rt: Runtime, name: string): PyType {
  const store = new DictStore();
  const t = rt.alloc(new PyType(name, name, "__main__", T.object, store, false));
  // any callable works as __del__ for the runtime; use a builtin that returns None
  const del = rt.builtins.store.getStr("len")!;
  store.set("s__del__", "__del__", del);
  return t;
}
function instance(rt: Runtime, t: PyType): PyInstance {
  rt.incref(t);
  return rt.alloc(new PyInstance(t));
}

describe("reference counting", () => {
  test("an object is deallocated the moment its count reaches zero, and frees what it holds", () => {
    const rt = createRuntime();
    const inner = rt.list([]);
    const outer = rt.list([inner]);
    expect(inner.refcnt).toBe(1);
    rt.decref(outer);
    expect(outer.freed).toBe(true);
    expect(inner.freed).toBe(true);
  });

  test("list items are released last to first, tuple items last to first, dict values first to last", () => {
    const rt = createRuntime();
    rt.interp = { callFunction: () => None };
    const tags: string[] = [];
    const make = (tag: string): PyInstance => {
      const t = rt.alloc(new PyType(tag, tag, "__main__", T.object, new DictStore(), false));
      t.dict.set("s__del__", "__del__", rt.builtins.store.getStr("repr")!);
      const o = instance(rt, t);
      rt.decref(t);
      return o;
    };
    const l = rt.list([make("l1"), make("l2"), make("l3")]);
    rt.decref(l);
    const tu = rt.tuple([make("t1"), make("t2")]);
    rt.decref(tu);
    const d = rt.dict();
    const a = make("d1"), b = make("d2");
    rt.dictSet(d, "a", a);
    rt.dictSet(d, "b", b);
    rt.decref(a);
    rt.decref(b);
    rt.decref(d);
    tags.push(...rt.delOrder);
    expect(tags).toEqual(["l3", "l2", "l1", "t2", "t1", "d1", "d2"]);
  });

  test("__del__ runs once even if the object is resurrected and dies again (PEP 442)", () => {
    const rt = createRuntime();
    let saved: PyInstance | undefined;
    const t = classWithDel(rt, "R");
    rt.interp = { callFunction: () => None };
    // make __del__ resurrect: a builtin that increfs its argument and stores it
    t.dict.set("s__del__", "__del__", rt.builtins.store.getStr("len")!);
    const o = instance(rt, t);
    const origCall = rt.call.bind(rt);
    rt.call = (c, args, kw) => {
      if (args[0] === o) {
        saved = o;
        rt.incref(o);
        return None;
      }
      return origCall(c, args, kw);
    };
    rt.decref(o);
    expect(o.freed).toBe(false);
    expect(saved).toBe(o);
    expect(rt.delOrder).toEqual(["R"]);
    rt.decref(o);
    expect(o.freed).toBe(true);
    expect(rt.delOrder).toEqual(["R"]);
  });

  test("decref of a freed object is a detected use-after-free, not silently tolerated", () => {
    const rt = createRuntime();
    const l = rt.list([]);
    rt.decref(l);
    expect(() => rt.decref(l)).toThrow(InternalError);
    expect(() => rt.incref(l)).toThrow(/use-after-free: incref of freed list/);
  });

  test("calling a freed function is a use-after-free", () => {
    const rt = createRuntime();
    const l = rt.list([]);
    rt.decref(l);
    expect(() => rt.call(l, [], [])).toThrow(/use-after-free: call of freed list/);
  });
});

describe("address reuse", () => {
  test("a freed address is reused, LIFO, by the next object of the same size class only", () => {
    const rt = createRuntime();
    const a = rt.list([]);
    const b = rt.list([]);
    const addrA = a.addr, addrB = b.addr;
    rt.decref(a);
    rt.decref(b);
    const t = rt.tuple([1, 2, 3]); // another size class: does not take a list's address
    expect([addrA, addrB]).not.toContain(t.addr);
    const c = rt.list([]);
    const d = rt.list([]);
    expect(c.addr).toBe(addrB); // most recently freed first
    expect(d.addr).toBe(addrA);
  });

  test("a borrowed reference tells live, freed and reused (aliased by a newer object) apart", () => {
    const rt = createRuntime();
    const old = rt.list([]);
    const ref = rt.heap.borrow(old);
    expect(rt.heap.deref(ref)).toEqual({ state: "live", obj: old });
    rt.decref(old);
    expect(rt.heap.deref(ref).state).toBe("freed");
    const newer = rt.list([]);
    expect(newer.addr).toBe(ref.addr);
    const r = rt.heap.deref(ref);
    expect(r.state).toBe("reused");
    if (r.state === "reused") expect(r.now).toBe(newer);
    // what unchecked C would read: the newer object, at the same address
    expect(rt.heap.objectAt(ref.addr)).toBe(newer);
  });

  test("reuse is counted, and a reused address gets a new generation", () => {
    const rt = createRuntime();
    const l1 = rt.alloc(new PyList([]));
    const a1 = l1.addr, g1 = l1.gen;
    rt.decref(l1);
    const before = rt.heap.reuses;
    const l2 = rt.alloc(new PyList([]));
    expect(l2.addr).toBe(a1);
    expect(l2.gen).toBe(g1 + 1);
    expect(rt.heap.reuses).toBe(before + 1);
  });
});
