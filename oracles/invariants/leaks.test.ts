// The leak check's cyclic-garbage classification (oracles/invariants/leaks.ts): a program-made
// reference cycle (which CPython's cyclic GC would collect) is told apart from a lost reference.
import { describe, expect, test } from "vitest";
import { createRuntime } from "../../engine/runtime/builtins.ts";
import { PyList } from "../../engine/runtime/objects.ts";
import { findLeaks, onlyCyclicGarbage } from "./leaks.ts";

function fresh() {
  const rt = createRuntime();
  return { rt, before: new Set(rt.heap.liveObjects()) };
}

describe("cyclic garbage vs lost references", () => {
  test("a list holding itself, dropped: cyclic garbage", () => {
    const { rt, before } = fresh();
    const l = rt.alloc(new PyList([]));
    l.items.push(rt.newRef(l));
    rt.decref(l);
    const leaks = findLeaks(rt.heap, before);
    expect(leaks.map((x) => [x.object, x.refcnt, x.inCycle])).toEqual([["list of 1", 1, true]]);
    expect(onlyCyclicGarbage(leaks)).toBe(true);
  });

  test("two lists holding each other: cyclic garbage; with one extra reference: not", () => {
    const { rt, before } = fresh();
    const a = rt.alloc(new PyList([]));
    const b = rt.alloc(new PyList([]));
    a.items.push(rt.newRef(b));
    b.items.push(rt.newRef(a));
    rt.decref(a);
    rt.decref(b);
    expect(onlyCyclicGarbage(findLeaks(rt.heap, before))).toBe(true);
    rt.incref(a); // a reference nobody holds: a refcount leak inside the cycle
    const leaks = findLeaks(rt.heap, before);
    expect(leaks.find((x) => x.refcnt === 2)!.inCycle).toBe(false);
    expect(onlyCyclicGarbage(leaks)).toBe(false);
  });

  test("an object nothing holds (a lost reference) is not cyclic garbage; no leaks is not either", () => {
    const { rt, before } = fresh();
    rt.alloc(new PyList([]));
    const leaks = findLeaks(rt.heap, before);
    expect(leaks[0]!.heldBy[0]).toMatch(/a reference was lost/);
    expect(onlyCyclicGarbage(leaks)).toBe(false);
    expect(onlyCyclicGarbage([])).toBe(false);
  });
});
