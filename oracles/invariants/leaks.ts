/**
 * Leak check: after a program ends and its modules are torn down, every object it allocated must
 * have been deallocated. What survives is named together with who still holds it, found by
 * scanning the references of every other live object.
 */
import type { Heap } from "../../engine/runtime/heap.ts";
import { HeapObject } from "../../engine/runtime/heap.ts";
import {
  PyTuple, PyList, PyDict, PyCell, PyCode, PyFunction, PyModule, PyMethod, PyBoundBuiltin, PyType,
  PyInstance, PyException, PyFrameObject, PyTraceback, PySeqIter, PyDictView, PyDictIter, PyEnumerate,
  PyZip, PySlice, type PyValue,
} from "../../engine/runtime/objects.ts";
import { ExecutorObject } from "../../engine/tier2/executor.ts";

/** The objects `o` holds strong references to. */
export function referents(o: HeapObject): PyValue[] {
  const out: PyValue[] = [];
  const add = (v: PyValue | null | undefined): void => {
    if (v instanceof HeapObject) out.push(v);
  };
  if (o instanceof PyTuple || o instanceof PyList) o.items.forEach(add);
  else if (o instanceof PyDict) for (const e of o.store.entries()) { add(e.key); add(e.value); }
  else if (o instanceof PyCell) add(o.ref);
  else if (o instanceof PyCode) add(o.consts);
  else if (o instanceof PyFunction) [o.code, o.globals, o.builtins, o.defaults, o.kwdefaults, o.closure].forEach(add);
  else if (o instanceof PyModule) add(o.dict);
  else if (o instanceof PyMethod) { add(o.func); add(o.self); }
  else if (o instanceof PyBoundBuiltin) add(o.self);
  else if (o instanceof PyType) { for (const e of o.dict.entries()) add(e.value); add(o.base); }
  else if (o instanceof PyInstance) {
    for (const e of o.attrs.entries()) add(e.value);
    add(o.type);
    if (o instanceof PyException) [o.args, o.traceback, o.context, o.cause].forEach(add);
  } else if (o instanceof PyFrameObject) { (o.owned ?? []).forEach(add); add(o.back); }
  else if (o instanceof PyTraceback) { add(o.next); add(o.frame); }
  else if (o instanceof PySeqIter) add(o.seq);
  else if (o instanceof PyDictView) add(o.dict);
  else if (o instanceof PyDictIter) add(o.dict);
  else if (o instanceof PyEnumerate) add(o.iter);
  else if (o instanceof PyZip) add(o.iters);
  else if (o instanceof PySlice) [o.start, o.stop, o.step].forEach(add);
  // tier 2: a side exit holds a strong reference to the executor linked to it
  else if (o instanceof ExecutorObject) for (const x of o.exits) add(x.executor);
  return out;
}

/** References the objects themselves do not show: co_executors, a code object's strong reference
 *  to each executor installed in it (tier 2 keeps that array beside the code object). */
function hiddenReferents(o: HeapObject): HeapObject[] {
  return o instanceof ExecutorObject && o.installedAt !== null && !o.code.freed ? [o.code] : [];
}

export interface Leak {
  readonly object: string;
  readonly address: number;
  readonly refcnt: number;
  readonly heldBy: readonly string[];
  /** every reference counted in refcnt comes from another leaked object: unreachable garbage that
   *  CPython's cyclic GC would collect (tierdiff has none), not a lost reference */
  readonly inCycle: boolean;
  /** a tier-2 executor (only the tiered configurations make them) */
  readonly executor: boolean;
}

/**
 * True when what leaked is only cyclic garbage (e.g. a list appended to itself): each object's
 * count is accounted for by references from the leaked objects. A program that makes such a
 * cycle is outside the modeled subset (no cyclic GC); a lost reference (a refcount leak) is not.
 */
export function onlyCyclicGarbage(leaks: readonly Leak[]): boolean {
  return leaks.length > 0 && leaks.every((l) => l.inCycle);
}

export function findLeaks(heap: Heap, exclude: ReadonlySet<HeapObject> = new Set()): Leak[] {
  const live = heap.liveObjects().filter((o) => !exclude.has(o));
  const holders = new Map<HeapObject, string[]>();
  const hold = (r: HeapObject, by: HeapObject): void => {
    let h = holders.get(r);
    if (h === undefined) holders.set(r, (h = []));
    h.push(`${by.describe()} at 0x${by.addr.toString(16)}`);
  };
  for (const o of live) {
    for (const r of referents(o)) if (r instanceof HeapObject && !r.immortal) hold(r, o);
    for (const by of hiddenReferents(o)) hold(o, by);
  }
  return live.map((o) => {
    const h = holders.get(o);
    return {
      object: o.describe(),
      address: o.addr,
      refcnt: o.refcnt,
      heldBy: h ?? ["(no live object: a reference was lost — a refcount leak)"],
      inCycle: h !== undefined && h.length === o.refcnt,
      executor: o instanceof ExecutorObject,
    };
  });
}

export function formatLeaks(leaks: readonly Leak[]): string {
  return leaks
    .map((l) => `leak: ${l.object} at 0x${l.address.toString(16)} (refcnt ${l.refcnt}) held by ${l.heldBy.join("; ")}`)
    .join("\n");
}
