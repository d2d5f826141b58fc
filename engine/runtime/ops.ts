/**
 * Generic ("abstract") operations on values: what CPython's Objects/abstract.c, the type slots and
 * Python/ceval.c helpers do for the subset. Shared by the reference interpreter and by the generic
 * (unspecialized) forms of tier 1, so that value semantics are written ONCE; the reference
 * interpreter's own code only sequences them.
 *
 * Conventions: arguments are BORROWED, results are NEW references.
 */
import {
  PyTuple, PyList, PyDict, PyRange, PySlice, PyFunction, PyModule, PyMethod, PyBuiltin, PyBoundBuiltin,
  PyType, PyInstance, PyException, PyDictView, PyDictIter, PySeqIter, PyRangeIter, PyEnumerate, PyZip,
  PyCode, PyFloat, PyNoneType, None, type PyValue,
} from "./objects.ts";
import { HeapObject } from "./heap.ts";
import { PyError } from "./pyerror.ts";
import { normInt, toBig, type PyInt } from "./primitive.ts";
import type { Runtime } from "./runtime.ts";
import { typeOf } from "./types.ts";
import { hashKey } from "./dictstore.ts";
import * as I from "./int.ts";
import * as F from "./float.ts";
import { repr, str } from "./repr.ts";
import { NB_OPS, CMP_OPS } from "../bytecode/opcodes.generated.ts";

export const tn = (v: PyValue): string => typeOf(v).name;

/** Raised for Python that the verifier accepts but tierdiff does not model: outcome "unsupported". */
export class Unsupported extends Error {
  constructor(what: string) {
    super(`unsupported by tierdiff: ${what}`);
    this.name = "Unsupported";
  }
}

/**
 * Bytecode the verifier accepts but whose behaviour CPython leaves undefined (it would crash or
 * corrupt memory: MAKE_FUNCTION of a non-code object, a NULL used as a value...). Only mutated
 * bytecode gets here; the outcome is "unsupported", identical in every configuration.
 */
export class UndefinedBehavior extends Unsupported {
  constructor(what: string) {
    super(`undefined behaviour in CPython: ${what}`);
    this.name = "UndefinedBehavior";
  }
}

// ------------------------------------------------------------------ numbers

/** int-like (int or bool) as PyInt, else undefined */
export function asInt(v: PyValue): PyInt | undefined {
  if (typeof v === "number" || typeof v === "bigint") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  return undefined;
}
function asFloat(v: PyValue): number | undefined {
  if (v instanceof PyFloat) return v.v;
  const i = asInt(v);
  return i === undefined ? undefined : I.intToFloat(i);
}
const fl = (x: number): PyFloat => new PyFloat(x);

// NB_* indices (Include/opcode.h), in NB_OPS order
export const NB = {
  ADD: 0, AND: 1, FLOOR_DIVIDE: 2, LSHIFT: 3, MATRIX_MULTIPLY: 4, MULTIPLY: 5, REMAINDER: 6, OR: 7,
  POWER: 8, RSHIFT: 9, SUBTRACT: 10, TRUE_DIVIDE: 11, XOR: 12, INPLACE_ADD: 13, SUBSCR: 26,
} as const;

function intOp(op: number, a: PyInt, b: PyInt): PyValue {
  switch (op) {
    case NB.ADD: return I.add(a, b);
    case NB.SUBTRACT: return I.sub(a, b);
    case NB.MULTIPLY: return I.mul(a, b);
    case NB.FLOOR_DIVIDE: return I.floordiv(a, b);
    case NB.REMAINDER: return I.mod(a, b);
    case NB.TRUE_DIVIDE: return fl(I.truediv(a, b));
    case NB.POWER: { const r = I.pow(a, b); return typeof r === "number" || typeof r === "bigint" ? r : fl(r.v); }
    case NB.LSHIFT: return I.lshift(a, b);
    case NB.RSHIFT: return I.rshift(a, b);
    case NB.AND: return I.and(a, b);
    case NB.OR: return I.or(a, b);
    case NB.XOR: return I.xor(a, b);
    default: return undefined as never;
  }
}

function floatOp(op: number, a: number, b: number): PyValue | undefined {
  switch (op) {
    case NB.ADD: return fl(a + b);
    case NB.SUBTRACT: return fl(a - b);
    case NB.MULTIPLY: return fl(a * b);
    case NB.TRUE_DIVIDE: return fl(F.truediv(a, b));
    case NB.FLOOR_DIVIDE: return fl(F.floordiv(a, b));
    case NB.REMAINDER: return fl(F.mod(a, b));
    case NB.POWER: return fl(F.pow(a, b));
    default: return undefined;
  }
}

// ------------------------------------------------------------------ binary operators

/** BINARY_OP's generic path (Python/ceval.c binary_ops + Objects/abstract.c binary_op1). */
export function binaryOp(rt: Runtime, op: number, a: PyValue, b: PyValue): PyValue {
  if (op === NB.SUBSCR) return getItem(rt, a, b);
  const inplace = op >= NB.INPLACE_ADD;
  const base = inplace ? op - NB.INPLACE_ADD : op;
  // int (and bool) with int
  const ia = asInt(a);
  const ib = asInt(b);
  if (ia !== undefined && ib !== undefined) {
    if (typeof a === "boolean" && typeof b === "boolean" && (base === NB.AND || base === NB.OR || base === NB.XOR)) {
      // bool_and / bool_or / bool_xor keep bool
      return base === NB.AND ? a && b : base === NB.OR ? a || b : a !== b;
    }
    if (base !== NB.MATRIX_MULTIPLY) return intOp(base, ia, ib);
  }
  // float mixing
  if ((a instanceof PyFloat || ia !== undefined) && (b instanceof PyFloat || ib !== undefined) && (a instanceof PyFloat || b instanceof PyFloat)) {
    const r = floatOp(base, asFloat(a)!, asFloat(b)!);
    if (r !== undefined) return r;
  }
  // sequences
  switch (base) {
    case NB.ADD:
      if (typeof a === "string") {
        if (typeof b === "string") return a + b;
        throw new PyError("TypeError", `can only concatenate str (not "${tn(b)}") to str`);
      }
      if (a instanceof PyList) {
        if (inplace) return listInplaceExtend(rt, a, b);
        if (b instanceof PyList) return rt.list([...a.items, ...b.items].map((x) => rt.newRef(x)));
        throw new PyError("TypeError", `can only concatenate list (not "${tn(b)}") to list`);
      }
      if (a instanceof PyTuple) {
        if (b instanceof PyTuple) return rt.tuple([...a.items, ...b.items].map((x) => rt.newRef(x)));
        throw new PyError("TypeError", `can only concatenate tuple (not "${tn(b)}") to tuple`);
      }
      break;
    case NB.MULTIPLY: {
      const rep = (seq: PyValue, n: PyValue): PyValue | undefined => {
        if (!(typeof seq === "string" || seq instanceof PyList || seq instanceof PyTuple)) return undefined;
        const k = asInt(n);
        if (k === undefined) throw new PyError("TypeError", `can't multiply sequence by non-int of type '${tn(n)}'`);
        return repeat(rt, seq, k, inplace);
      };
      const r = rep(a, b) ?? (ia !== undefined ? rep(b, a) : undefined);
      if (r !== undefined) return r;
      break;
    }
    case NB.OR:
      if (a instanceof PyDict && b instanceof PyDict) {
        if (inplace) {
          dictUpdate(rt, a, b);
          return rt.newRef(a);
        }
        const d = rt.dict();
        dictUpdate(rt, d, a);
        dictUpdate(rt, d, b);
        return d;
      }
      break;
    case NB.REMAINDER:
      if (typeof a === "string") throw new Unsupported("printf-style string formatting (str % ...)");
      break;
  }
  // binary ** goes through PyNumber_Power: its message names pow() too (the in-place form does not)
  const sym = op === NB.POWER ? "** or pow()" : NB_OPS[op]![1];
  throw new PyError("TypeError", `unsupported operand type(s) for ${sym}: '${tn(a)}' and '${tn(b)}'`);
}

function repeat(rt: Runtime, seq: string | PyList | PyTuple, k: PyInt, inplace: boolean): PyValue {
  const n = typeof k === "bigint" ? (k > 0n ? Infinity : 0) : Math.max(0, k);
  const len = typeof seq === "string" ? seq.length : seq.items.length;
  if (len > 0 && n * len > 1e8) throw new Unsupported("sequence repetition result over 10**8 items");
  if (typeof seq === "string") return seq.repeat(n);
  const items: PyValue[] = [];
  for (let i = 0; i < n; i++) for (const x of seq.items) items.push(rt.newRef(x));
  if (seq instanceof PyList) {
    if (inplace) {
      const old = seq.items;
      seq.items = items;
      for (let i = old.length - 1; i >= 0; i--) rt.decref(old[i]);
      return rt.newRef(seq);
    }
    return rt.list(items);
  }
  return rt.tuple(items);
}

function listInplaceExtend(rt: Runtime, a: PyList, b: PyValue): PyValue {
  listExtend(rt, a, b);
  return rt.newRef(a);
}

/** list.extend / LIST_EXTEND: any iterable */
export function listExtend(rt: Runtime, a: PyList, b: PyValue): void {
  if (b instanceof PyList || b instanceof PyTuple) {
    const items = b.items.slice();
    for (const x of items) a.items.push(rt.newRef(x));
    return;
  }
  const it = getIter(rt, b);
  try {
    for (let x = iterNext(rt, it); x !== undefined; x = iterNext(rt, it)) a.items.push(x);
  } finally {
    rt.decref(it);
  }
}

/** DICT_UPDATE / dict.update(mapping): only dicts are mappings in the subset (PyDict_Update). */
export function dictUpdateFrom(rt: Runtime, d: PyDict, src: PyValue): void {
  if (!(src instanceof PyDict)) throw new PyError("TypeError", `'${tn(src)}' object is not a mapping`);
  dictUpdate(rt, d, src);
}

export function dictUpdate(rt: Runtime, d: PyDict, src: PyDict): void {
  for (const e of src.store.entryList()) rt.dictSet(d, e.key, e.value);
}

// ------------------------------------------------------------------ unary

export function unaryNegative(rt: Runtime, v: PyValue): PyValue {
  const i = asInt(v);
  if (i !== undefined) return I.neg(i);
  if (v instanceof PyFloat) return fl(-v.v);
  throw new PyError("TypeError", `bad operand type for unary -: '${tn(v)}'`);
}
export function unaryInvert(rt: Runtime, v: PyValue): PyValue {
  const i = asInt(v);
  if (i !== undefined) return I.invert(i); // 3.14: ~True is deprecated but still -2
  throw new PyError("TypeError", `bad operand type for unary ~: '${tn(v)}'`);
}

// ------------------------------------------------------------------ truth, equality, comparison

export function truthy(rt: Runtime, v: PyValue): boolean {
  switch (typeof v) {
    case "boolean": return v;
    case "number": return v !== 0;
    case "bigint": return v !== 0n;
    case "string": return v.length > 0;
    default: break;
  }
  if (v instanceof PyNoneType) return false;
  if (v instanceof PyFloat) return v.v !== 0;
  if (v instanceof PyList || v instanceof PyTuple) return v.items.length > 0;
  if (v instanceof PyDict) return v.store.size > 0;
  if (v instanceof PyDictView) return v.dict.store.size > 0;
  if (v instanceof PyRange) return rangeLen(v) !== 0;
  return true;
}

/** == as PyObject_RichCompareBool (identity implies equality for containers' items). */
export function eq(rt: Runtime, a: PyValue, b: PyValue): boolean {
  if (a === b) return !(a instanceof PyFloat && Number.isNaN(a.v));
  const ia = asInt(a);
  const ib = asInt(b);
  if (ia !== undefined && ib !== undefined) return typeof ia === typeof ib ? ia === ib : toBig(ia) === toBig(ib);
  if ((a instanceof PyFloat || ia !== undefined) && (b instanceof PyFloat || ib !== undefined)) return numCompare(numOf(a), numOf(b)) === 0;
  if (typeof a === "string" || typeof b === "string") return a === b;
  if (a instanceof PyFloat || b instanceof PyFloat) return false;
  if (a instanceof PyTuple && b instanceof PyTuple) return seqEq(rt, a.items, b.items);
  if (a instanceof PyList && b instanceof PyList) return seqEq(rt, a.items, b.items);
  if (a instanceof PyDict && b instanceof PyDict) {
    if (a.store.size !== b.store.size) return false;
    for (const e of a.store.entryList()) {
      const other = rt.dictGet(b, e.key);
      if (other === undefined || !eq(rt, e.value, other)) return false;
    }
    return true;
  }
  if (a instanceof PyRange && b instanceof PyRange) {
    const la = rangeLen(a);
    if (la !== rangeLen(b)) return false;
    if (la === 0) return true;
    if (a.start !== b.start) return false;
    return la === 1 || a.step === b.step;
  }
  if (a instanceof PySlice && b instanceof PySlice) return seqEq(rt, [a.start, a.stop, a.step], [b.start, b.stop, b.step]);
  if (a instanceof PyDictView && b instanceof PyDictView && a.kind !== "values" && b.kind !== "values") {
    throw new Unsupported("set comparison of dict views");
  }
  return false;
}

/** Three-way compare of int/float values, exact (float_richcompare); NaN when unordered. */
function numCompare(a: { f: number } | PyInt, b: { f: number } | PyInt): number {
  if (typeof a === "object" && typeof b === "object") return a.f < b.f ? -1 : a.f > b.f ? 1 : a.f === b.f ? 0 : NaN;
  if (typeof a === "object") return F.compareFloatInt(a.f, b as PyInt);
  if (typeof b === "object") {
    const c = F.compareFloatInt(b.f, a);
    return Number.isNaN(c) ? c : -c;
  }
  return I.compare(a, b);
}

function numOf(v: PyValue): { f: number } | PyInt {
  return v instanceof PyFloat ? { f: v.v } : asInt(v)!;
}

function seqEq(rt: Runtime, a: readonly PyValue[], b: readonly PyValue[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!eq(rt, a[i]!, b[i]!)) return false;
  return true;
}

/** COMPARE_OP (oparg >> 5 indexes CMP_OPS: < <= == != > >=). Returns a new reference. */
export function compare(rt: Runtime, op: number, a: PyValue, b: PyValue): PyValue {
  if (op === 2) return eq(rt, a, b);
  if (op === 3) return !eq(rt, a, b);
  const c = order(rt, op, a, b);
  switch (op) {
    case 0: return c < 0;
    case 1: return c <= 0;
    case 4: return c > 0;
    default: return c >= 0;
  }
}

/**
 * COMPARE_OP's result for its whole oparg: the comparison (oparg >> 5), converted to bool when
 * oparg & 16 (the `bool(...)` form the compiler emits for conditions). Returns a new reference.
 */
export function compareOp(rt: Runtime, oparg: number, a: PyValue, b: PyValue): PyValue {
  const r = compare(rt, oparg >> 5, a, b);
  if (oparg & 16) {
    const t = truthy(rt, r);
    rt.decref(r);
    return t;
  }
  return r;
}

/** Three-way ordering for <, <=, >, >= (NaN compares false everywhere: returns NaN). */
function order(rt: Runtime, op: number, a: PyValue, b: PyValue): number {
  const ia = asInt(a);
  const ib = asInt(b);
  if (ia !== undefined && ib !== undefined) {
    if (typeof ia === "number" && typeof ib === "number") return ia < ib ? -1 : ia > ib ? 1 : 0;
    const x = toBig(ia), y = toBig(ib);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if ((a instanceof PyFloat || ia !== undefined) && (b instanceof PyFloat || ib !== undefined)) return numCompare(numOf(a), numOf(b));
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if ((a instanceof PyList && b instanceof PyList) || (a instanceof PyTuple && b instanceof PyTuple)) {
    const x = a.items, y = (b as PyList | PyTuple).items;
    for (let i = 0; i < x.length && i < y.length; i++) {
      if (!eq(rt, x[i]!, y[i]!)) return order(rt, op, x[i]!, y[i]!);
    }
    return x.length - y.length;
  }
  throw new PyError("TypeError", `'${CMP_OPS[op]}' not supported between instances of '${tn(a)}' and '${tn(b)}'`);
}

export function lessThan(rt: Runtime, a: PyValue, b: PyValue): boolean {
  return order(rt, 0, a, b) < 0;
}

/** `a is b` for the subset's values: value types compare by value where CPython shares objects. */
export function isOp(a: PyValue, b: PyValue): boolean {
  if (a instanceof PyFloat || b instanceof PyFloat) return a === b;
  return a === b;
}

/** `item in container` (PySequence_Contains). */
export function contains(rt: Runtime, container: PyValue, item: PyValue): boolean {
  if (typeof container === "string") {
    if (typeof item !== "string") throw new PyError("TypeError", `'in <string>' requires string as left operand, not ${tn(item)}`);
    return container.includes(item);
  }
  if (container instanceof PyList || container instanceof PyTuple) {
    for (const x of container.items.slice()) if (x === item || eq(rt, x, item)) return true;
    return false;
  }
  if (container instanceof PyDict) return rt.dictGet(container, item) !== undefined;
  if (container instanceof PyDictView) {
    if (container.kind === "keys") return rt.dictGet(container.dict, item) !== undefined;
    if (container.kind === "values") return container.dict.store.entryList().some((e) => e.value === item || eq(rt, e.value, item));
    if (!(item instanceof PyTuple) || item.items.length !== 2) return false;
    const v = rt.dictGet(container.dict, item.items[0]!);
    return v !== undefined && (v === item.items[1] || eq(rt, v, item.items[1]!));
  }
  if (container instanceof PyRange) {
    const k = asInt(item);
    if (k !== undefined) return rangeContains(container, k);
  }
  // fall back to iteration (sq_contains absent)
  const it = getIter(rt, container, `argument of type '${tn(container)}' is not a container or iterable`);
  try {
    for (let x = iterNext(rt, it); x !== undefined; x = iterNext(rt, it)) {
      const found = x === item || eq(rt, x, item);
      rt.decref(x);
      if (found) return true;
    }
    return false;
  } finally {
    rt.decref(it);
  }
}

// ------------------------------------------------------------------ ranges, indices, slices

export function rangeLen(r: PyRange): number {
  const start = toBig(r.start), stop = toBig(r.stop), step = toBig(r.step);
  let n: bigint;
  if (step > 0n) n = stop > start ? (stop - start + step - 1n) / step : 0n;
  else n = start > stop ? (start - stop - step - 1n) / -step : 0n;
  return Number(n);
}
function rangeContains(r: PyRange, k: PyInt): boolean {
  const x = toBig(k), start = toBig(r.start), stop = toBig(r.stop), step = toBig(r.step);
  if (step > 0n ? x < start || x >= stop : x > start || x <= stop) return false;
  return (x - start) % step === 0n;
}

/** Normalize an index like PyNumber_AsSsize_t + negative wrap; undefined when out of range. */
function seqIndex(len: number, k: PyInt): number | undefined {
  let i = typeof k === "bigint" ? (k < 0n ? -Infinity : Infinity) : k;
  if (i < 0) i += len;
  return i >= 0 && i < len ? i : undefined;
}

/** PySlice_Unpack + PySlice_AdjustIndices */
export function sliceIndices(rt: Runtime, s: PySlice, len: number): { start: number; stop: number; step: number; count: number } {
  const get = (v: PyValue, what: string): number | undefined => {
    if (v instanceof PyNoneType) return undefined;
    const k = asInt(v);
    if (k === undefined) throw new PyError("TypeError", "slice indices must be integers or None or have an __index__ method");
    void what;
    return typeof k === "bigint" ? (k < 0n ? -Number.MAX_SAFE_INTEGER : Number.MAX_SAFE_INTEGER) : k;
  };
  let step = get(s.step, "step") ?? 1;
  if (step === 0) throw new PyError("ValueError", "slice step cannot be zero");
  let start = get(s.start, "start");
  let stop = get(s.stop, "stop");
  if (start === undefined) start = step < 0 ? len - 1 : 0;
  else if (start < 0) { start += len; if (start < 0) start = step < 0 ? -1 : 0; }
  else if (start >= len) start = step < 0 ? len - 1 : len;
  if (stop === undefined) stop = step < 0 ? -1 : len;
  else if (stop < 0) { stop += len; if (stop < 0) stop = step < 0 ? -1 : 0; }
  else if (stop >= len) stop = step < 0 ? len - 1 : len;
  let count = 0;
  if (step < 0) { if (stop < start) count = Math.floor((start - stop - 1) / -step) + 1; }
  else if (start < stop) count = Math.floor((stop - start - 1) / step) + 1;
  void (step = step);
  return { start, stop, step, count };
}

function sliceItems<X>(xs: readonly X[], idx: { start: number; step: number; count: number }): X[] {
  const out: X[] = [];
  for (let i = 0, j = idx.start; i < idx.count; i++, j += idx.step) out.push(xs[j]!);
  return out;
}

/** obj[key] (BINARY_OP NB_SUBSCR generic path) */
export function getItem(rt: Runtime, obj: PyValue, key: PyValue): PyValue {
  if (obj instanceof PyList || obj instanceof PyTuple || typeof obj === "string") {
    const kind = obj instanceof PyList ? "list" : obj instanceof PyTuple ? "tuple" : "string";
    const len = typeof obj === "string" ? obj.length : obj.items.length;
    const k = asInt(key);
    if (k !== undefined) {
      const i = seqIndex(len, k);
      if (i === undefined) throw new PyError("IndexError", `${kind} index out of range`);
      return typeof obj === "string" ? obj[i]! : rt.newRef(obj.items[i]!);
    }
    if (key instanceof PySlice) {
      const idx = sliceIndices(rt, key, len);
      if (typeof obj === "string") return sliceItems([...obj], idx).join("");
      const items = sliceItems(obj.items, idx).map((x) => rt.newRef(x));
      return obj instanceof PyList ? rt.list(items) : rt.tuple(items);
    }
    if (typeof obj === "string") throw new PyError("TypeError", `string indices must be integers, not '${tn(key)}'`);
    throw new PyError("TypeError", `${kind} indices must be integers or slices, not ${tn(key)}`);
  }
  if (obj instanceof PyDict) {
    const v = rt.dictGet(obj, key);
    if (v === undefined) throw new PyError("KeyError", "", [rt.newRef(key)]);
    return rt.newRef(v);
  }
  if (obj instanceof PyRange) {
    const k = asInt(key);
    if (k !== undefined) {
      const i = seqIndex(rangeLen(obj), k);
      if (i === undefined) throw new PyError("IndexError", "range object index out of range");
      return normInt(toBig(obj.start) + BigInt(i) * toBig(obj.step));
    }
    if (key instanceof PySlice) throw new Unsupported("slicing a range");
    throw new PyError("TypeError", `range indices must be integers or slices, not ${tn(key)}`);
  }
  if (obj instanceof PyType && !obj.builtin) throw new PyError("TypeError", `type '${obj.qualname}' is not subscriptable`);
  if (obj instanceof PyType) throw new Unsupported(`generic alias ${obj.name}[...]`);
  throw new PyError("TypeError", `'${tn(obj)}' object is not subscriptable`);
}

/** obj[key] = value */
export function setItem(rt: Runtime, obj: PyValue, key: PyValue, value: PyValue): void {
  if (obj instanceof PyList) {
    const k = asInt(key);
    if (k !== undefined) {
      const i = seqIndex(obj.items.length, k);
      if (i === undefined) throw new PyError("IndexError", "list assignment index out of range");
      const old = obj.items[i];
      obj.items[i] = rt.newRef(value);
      rt.decref(old);
      return;
    }
    if (key instanceof PySlice) return setSlice(rt, obj, key, value);
    throw new PyError("TypeError", `list indices must be integers or slices, not ${tn(key)}`);
  }
  if (obj instanceof PyDict) return rt.dictSet(obj, key, value);
  if (obj instanceof PyTuple || typeof obj === "string") throw new PyError("TypeError", `'${tn(obj)}' object does not support item assignment`);
  throw new PyError("TypeError", `'${tn(obj)}' object does not support item assignment`);
}

function setSlice(rt: Runtime, list: PyList, s: PySlice, value: PyValue): void {
  // list_ass_subscript: materialize the right side first (it may be the list itself)
  const src = value instanceof PyList || value instanceof PyTuple ? value.items.slice() : iterToArray(rt, value, "must assign iterable to extended slice");
  if (!(value instanceof PyList || value instanceof PyTuple)) {
    // iterToArray returned owned refs; we incref below uniformly, so drop these
    for (const x of src) rt.decref(x);
  }
  const idx = sliceIndices(rt, s, list.items.length);
  if (idx.step === 1) {
    const stop = Math.max(idx.start, idx.stop);
    const removed = list.items.splice(idx.start, stop - idx.start, ...src.map((x) => rt.newRef(x)));
    for (let i = removed.length - 1; i >= 0; i--) rt.decref(removed[i]);
    return;
  }
  if (src.length !== idx.count) {
    throw new PyError("ValueError", `attempt to assign sequence of size ${src.length} to extended slice of size ${idx.count}`);
  }
  const old: PyValue[] = [];
  for (let i = 0, j = idx.start; i < idx.count; i++, j += idx.step) {
    old.push(list.items[j]!);
    list.items[j] = rt.newRef(src[i]!);
  }
  for (const o of old) rt.decref(o);
}

export function delItem(rt: Runtime, obj: PyValue, key: PyValue): void {
  if (obj instanceof PyList) {
    const k = asInt(key);
    if (k !== undefined) {
      const i = seqIndex(obj.items.length, k);
      if (i === undefined) throw new PyError("IndexError", "list assignment index out of range");
      const [old] = obj.items.splice(i, 1);
      rt.decref(old);
      return;
    }
    if (key instanceof PySlice) {
      const idx = sliceIndices(rt, key, obj.items.length);
      const keep: PyValue[] = [];
      const gone: PyValue[] = [];
      const del = new Set<number>();
      for (let i = 0, j = idx.start; i < idx.count; i++, j += idx.step) del.add(j);
      obj.items.forEach((x, i) => (del.has(i) ? gone : keep).push(x));
      obj.items = keep;
      for (let i = gone.length - 1; i >= 0; i--) rt.decref(gone[i]);
      return;
    }
    throw new PyError("TypeError", `list indices must be integers or slices, not ${tn(key)}`);
  }
  if (obj instanceof PyDict) {
    if (!rt.dictDel(obj, key)) throw new PyError("KeyError", "", [rt.newRef(key)]);
    return;
  }
  throw new PyError("TypeError", `'${tn(obj)}' object doesn't support item deletion`);
}

// ------------------------------------------------------------------ iteration

export function getIter(rt: Runtime, v: PyValue, notIterable?: string): PyValue {
  if (v instanceof PyList) return rt.alloc(new PySeqIter("list_iterator", rt.newRef(v)));
  if (v instanceof PyTuple) return rt.alloc(new PySeqIter("tuple_iterator", rt.newRef(v)));
  if (typeof v === "string") return rt.alloc(new PySeqIter("str_ascii_iterator", v));
  if (v instanceof PyRange) {
    const n = rangeLen(v);
    return rt.alloc(new PyRangeIter(v.start, n, v.step));
  }
  if (v instanceof PyDict) return rt.alloc(new PyDictIter("keys", rt.newRef(v)));
  if (v instanceof PyDictView) return rt.alloc(new PyDictIter(v.kind, rt.newRef(v.dict)));
  if (v instanceof PySeqIter || v instanceof PyRangeIter || v instanceof PyDictIter || v instanceof PyEnumerate || v instanceof PyZip) return rt.newRef(v);
  throw new PyError("TypeError", notIterable ?? `'${tn(v)}' object is not iterable`);
}

/** next(it): a new reference, or undefined when exhausted. */
export function iterNext(rt: Runtime, it: PyValue): PyValue | undefined {
  if (it instanceof PySeqIter) {
    const s = it.seq;
    if (s === null) return undefined;
    const len = typeof s === "string" ? s.length : s.items.length;
    if (it.index < len) {
      const i = it.index++;
      return typeof s === "string" ? s[i]! : rt.newRef(s.items[i]!);
    }
    it.seq = null;
    rt.decref(s);
    return undefined;
  }
  if (it instanceof PyRangeIter) {
    if (typeof it.remaining === "number" ? it.remaining <= 0 : it.remaining <= 0n) return undefined;
    const v = it.next;
    it.next = I.add(it.next, it.step);
    it.remaining = I.sub(it.remaining, 1);
    return v;
  }
  if (it instanceof PyDictIter) {
    const d = it.dict;
    if (d === null) return undefined;
    if (d.store.size !== it.initialSize) {
      it.index = it.entries.length; // CPython: di_used = -1, the iterator stays exhausted
      throw new PyError("RuntimeError", "dictionary changed size during iteration");
    }
    while (it.index < it.entries.length) {
      const e = it.entries[it.index++]!;
      const hk = hashKey(e.key)!;
      const live = d.store.getEntry(hk);
      if (live === undefined) continue;
      if (it.kind === "keys") return rt.newRef(live.key);
      if (it.kind === "values") return rt.newRef(live.value);
      return rt.tuple([rt.newRef(live.key), rt.newRef(live.value)]);
    }
    it.dict = null;
    rt.decref(d);
    return undefined;
  }
  if (it instanceof PyEnumerate) {
    const x = iterNext(rt, it.iter);
    if (x === undefined) return undefined;
    const i = it.count;
    it.count = I.add(i, 1);
    return rt.tuple([i, x]);
  }
  if (it instanceof PyZip) {
    if (it.iters.items.length === 0) return undefined;
    const out: PyValue[] = [];
    for (const sub of it.iters.items) {
      const x = iterNext(rt, sub);
      if (x === undefined) {
        for (const o of out) rt.decref(o);
        return undefined;
      }
      out.push(x);
    }
    return rt.tuple(out);
  }
  throw new PyError("TypeError", `'${tn(it)}' object is not an iterator`);
}

/** Drain an iterable into owned references. */
export function iterToArray(rt: Runtime, v: PyValue, notIterable?: string): PyValue[] {
  const it = getIter(rt, v, notIterable);
  const out: PyValue[] = [];
  try {
    for (let x = iterNext(rt, it); x !== undefined; x = iterNext(rt, it)) out.push(x);
  } catch (e) {
    for (const o of out) rt.decref(o);
    throw e;
  } finally {
    rt.decref(it);
  }
  return out;
}

export function length(rt: Runtime, v: PyValue): number {
  if (typeof v === "string") return v.length;
  if (v instanceof PyList || v instanceof PyTuple) return v.items.length;
  if (v instanceof PyDict) return v.store.size;
  if (v instanceof PyDictView) return v.dict.store.size;
  if (v instanceof PyRange) return rangeLen(v);
  throw new PyError("TypeError", `object of type '${tn(v)}' has no len()`);
}

/** UNPACK_SEQUENCE generic path: exactly n items as new references, or ValueError/TypeError. */
export function unpackSequence(rt: Runtime, seq: PyValue, n: number): PyValue[] {
  if (seq instanceof PyTuple || seq instanceof PyList) {
    const k = seq.items.length;
    if (k < n) throw new PyError("ValueError", `not enough values to unpack (expected ${n}, got ${k})`);
    if (k > n) throw new PyError("ValueError", `too many values to unpack (expected ${n}, got ${k})`);
    return seq.items.map((x) => rt.newRef(x));
  }
  let items: PyValue[] = [];
  try {
    items = iterToArray(rt, seq, `cannot unpack non-iterable ${tn(seq)} object`);
  } catch (e) {
    throw e;
  }
  if (items.length !== n) {
    for (const x of items) rt.decref(x);
    if (items.length < n) throw new PyError("ValueError", `not enough values to unpack (expected ${n}, got ${items.length})`);
    throw new PyError("ValueError", `too many values to unpack (expected ${n})`);
  }
  return items;
}
// ------------------------------------------------------------------ attributes

/** Attributes every object answers (object.__class__ etc.) before dict lookup. */
function specialAttr(rt: Runtime, obj: PyValue, name: string): PyValue | undefined {
  if (name === "__class__") return rt.newRef(typeOf(obj));
  if (obj instanceof PyFunction) {
    switch (name) {
      case "__name__": return obj.name;
      case "__qualname__": return obj.qualname;
      case "__code__": return rt.newRef(obj.code);
      case "__defaults__": return obj.defaults === null ? None : rt.newRef(obj.defaults);
      case "__kwdefaults__": return obj.kwdefaults === null ? None : rt.newRef(obj.kwdefaults);
      case "__globals__": return rt.newRef(obj.globals);
      case "__module__": return rt.newRef(obj.moduleName);
    }
  }
  if (obj instanceof PyType) {
    switch (name) {
      case "__name__": return obj.name;
      case "__qualname__": return obj.qualname;
      case "__base__": return obj.base === null ? None : rt.newRef(obj.base);
      case "__mro__": return rt.tuple(obj.mro.map((t) => rt.newRef(t)));
    }
  }
  if (obj instanceof PyException) {
    switch (name) {
      case "args": return rt.newRef(obj.args);
      case "__cause__": return obj.cause === null ? None : rt.newRef(obj.cause);
      case "__context__": return obj.context === null ? None : rt.newRef(obj.context);
      case "__traceback__": return obj.traceback === null ? None : rt.newRef(obj.traceback);
    }
  }
  if (obj instanceof PyCode) {
    switch (name) {
      case "co_name": return obj.def.name;
      case "co_qualname": return obj.def.qualname;
      case "co_argcount": return obj.def.argcount;
    }
  }
  if (obj instanceof PyModule && name === "__name__") return obj.name;
  if (obj instanceof PyMethod) {
    if (name === "__self__") return rt.newRef(obj.self);
    if (name === "__func__") return rt.newRef(obj.func);
  }
  return undefined;
}

/** Bind a class attribute found on the type when read through an instance (descriptor __get__). */
function bind(rt: Runtime, attr: PyValue, obj: PyValue): PyValue {
  if (attr instanceof PyFunction) return rt.alloc(new PyMethod(rt.newRef(attr), rt.newRef(obj)));
  if (attr instanceof PyBuiltin && attr.ownerTypeName !== null) return rt.alloc(new PyBoundBuiltin(attr, rt.newRef(obj)));
  return rt.newRef(attr);
}

function noAttr(obj: PyValue, name: string): PyError {
  if (obj instanceof PyType) return new PyError("AttributeError", `type object '${obj.qualname}' has no attribute '${name}'`);
  if (obj instanceof PyModule) return new PyError("AttributeError", `module '${obj.name}' has no attribute '${name}'`);
  return new PyError("AttributeError", `'${tn(obj)}' object has no attribute '${name}'`);
}

/**
 * getattr(obj, name) -> new reference (PyObject_GetAttr / generic getattr).
 *
 * Version tags: every lookup of a name in a heap type through the type attribute cache
 * (_PyType_LookupRef: PyObject_GenericGetAttr, PyObject_GenericSetAttr, type_getattro) assigns the
 * type a version tag if it has none — which is how a class that keeps being modified runs out of
 * its MAX_VERSIONS_PER_CLASS tags and stops being specialized. Builtin types have fixed tags.
 */
export function getAttr(rt: Runtime, obj: PyValue, name: string): PyValue {
  if (obj instanceof HeapObject && obj.freed) throw new PyError("RuntimeError", "use of freed object");
  // _PyObject_GenericGetAttrWithDict looks the name up in the type before anything else
  if (obj instanceof PyInstance) obj.type.versionForLookup(rt, name);
  // module_getattro: the module dict answers everything but object's data descriptor __class__
  if (obj instanceof PyModule && name !== "__class__") {
    const v = obj.dict.store.getStr(name);
    if (v !== undefined) return rt.newRef(v);
  }
  const sp = specialAttr(rt, obj, name);
  if (sp !== undefined) return sp;
  if (obj instanceof PyModule) throw noAttr(obj, name);
  if (obj instanceof PyType) {
    // type_getattro: the metatype's data descriptors were answered above; then _PyType_LookupRef(type)
    obj.versionForLookup(rt, name);
    const v = obj.lookup(name);
    if (v !== undefined) return rt.newRef(v); // functions accessed on the class are plain functions
    throw noAttr(obj, name);
  }
  if (obj instanceof PyInstance) {
    const own = obj.getOwnAttr(name);
    if (own !== undefined) return rt.newRef(own);
  }
  const t = typeOf(obj);
  const cls = t.lookup(name);
  if (cls !== undefined) return bind(rt, cls, obj);
  throw noAttr(obj, name);
}

/**
 * _PyObject_GetMethod, used by LOAD_ATTR with the method bit: returns [callable, self] with
 * self !== null when the attribute is a plain function/method descriptor found on the type and
 * not shadowed by the instance (so no bound method object is allocated).
 */
export function getMethod(rt: Runtime, obj: PyValue, name: string): [PyValue, PyValue | null] {
  if (!(obj instanceof PyType) && !(obj instanceof PyModule) && specialAttr(rt, obj, name) === undefined) {
    if (obj instanceof PyInstance) obj.type.versionForLookup(rt, name);
    const t = typeOf(obj);
    const cls = t.lookup(name);
    if (cls instanceof PyFunction || (cls instanceof PyBuiltin && cls.ownerTypeName !== null)) {
      if (!(obj instanceof PyInstance) || obj.getOwnAttr(name) === undefined) return [rt.newRef(cls), rt.newRef(obj)];
    }
  }
  return [getAttr(rt, obj, name), null];
}

const noDictForSetting = (obj: PyValue, name: string): PyError =>
  new PyError("AttributeError", `'${tn(obj)}' object has no attribute '${name}' and no __dict__ for setting new attributes`);

export function setAttr(rt: Runtime, obj: PyValue, name: string, value: PyValue): void {
  if (obj instanceof PyInstance) {
    // _PyObject_GenericSetAttrWithDict: _PyType_LookupRef(tp, name), then the instance's storage
    obj.type.versionForLookup(rt, name);
    const old = obj.setOwnAttr(name, rt.newRef(value));
    if (old === null) {
      rt.decref(value);
      throw noDictForSetting(obj, name);
    }
    if (old !== undefined) rt.decref(old);
    return;
  }
  if (obj instanceof PyType) {
    if (obj.builtin) throw new PyError("TypeError", `cannot set '${name}' attribute of immutable type '${obj.name}'`);
    typeModified(rt, obj);
    const r = obj.dict.set("s" + name, name, rt.newRef(value));
    if (!r.added) rt.decref(r.old);
    return;
  }
  if (obj instanceof PyFunction) return setFunctionAttr(rt, obj, name, value);
  if (obj instanceof PyModule) {
    rt.dictSet(obj.dict, name, value);
    return;
  }
  throw noDictForSetting(obj, name);
}

export function delAttr(rt: Runtime, obj: PyValue, name: string): void {
  if (obj instanceof PyInstance) {
    obj.type.versionForLookup(rt, name);
    const old = obj.deleteOwnAttr(name);
    if (old === null) throw noDictForSetting(obj, name);
    if (old === undefined) throw new PyError("AttributeError", `'${tn(obj)}' object has no attribute '${name}'`);
    rt.decref(old);
    return;
  }
  if (obj instanceof PyType && !obj.builtin) {
    typeModified(rt, obj);
    const e = obj.dict.delete("s" + name);
    if (e === undefined) throw new PyError("AttributeError", `type object '${obj.qualname}' has no attribute '${name}'`);
    rt.decref(e.value);
    return;
  }
  if (obj instanceof PyModule) {
    if (!rt.dictDel(obj.dict, name)) throw new PyError("AttributeError", `module '${obj.name}' has no attribute '${name}'`);
    return;
  }
  throw new PyError("AttributeError", `'${tn(obj)}' object has no attribute '${name}'`);
}

/** type_modified (Objects/typeobject.c): drop the version tag of the type and all its subclasses. */
export function typeModified(rt: Runtime, t: PyType): void {
  if (t.versionTag === 0) return;
  // type watchers (tier 2 invalidates executors that depend on the type) see it before the reset
  rt.typeWatcher?.(t);
  t.versionTag = 0;
  for (const s of t.subclasses) typeModified(rt, s);
}

/** func_version values (Include/internal/pycore_function.h, 3.14: PR #124997). */
export const FUNC_VERSION_UNSET = 0;
export const FUNC_VERSION_CLEARED = 1;
export const FUNC_VERSION_FIRST_VALID = 2;

/**
 * _PyFunction_ClearVersion (Objects/funcobject.c): a valid version becomes FUNC_VERSION_CLEARED,
 * never handed out again (PR #117028); an unset or already cleared version stays as it is. The
 * function cache hears of it first (func_clear_version empties the slot that names `f`).
 */
function clearFunctionVersion(rt: Runtime, f: PyFunction, attr: "__code__" | "__defaults__" | "__kwdefaults__"): void {
  if (f.funcVersion < FUNC_VERSION_FIRST_VALID) return;
  rt.funcVersionHooks?.versionCleared(f, attr);
  f.funcVersion = FUNC_VERSION_CLEARED;
}

/** Setting function attributes: __code__, __defaults__ and __kwdefaults__ clear the version; names do not (gh-109998). */
function setFunctionAttr(rt: Runtime, f: PyFunction, name: string, value: PyValue): void {
  switch (name) {
    case "__code__": {
      if (!(value instanceof PyCode)) throw new PyError("TypeError", "__code__ must be set to a code object");
      const nfree = value.def.nfree;
      const nclosure = f.closure === null ? 0 : f.closure.items.length;
      if (nfree !== nclosure) throw new PyError("ValueError", `${f.name}() requires a code object with ${nclosure} free vars, not ${nfree}`);
      // func_set_code: _PyFunction_ClearVersion, then Py_XSETREF(func_code, new)
      clearFunctionVersion(rt, f, "__code__");
      const old = f.code;
      f.code = rt.newRef(value);
      rt.decref(old);
      return;
    }
    case "__defaults__": {
      if (!(value instanceof PyTuple) && !(value instanceof PyNoneType)) throw new PyError("TypeError", "__defaults__ must be set to a tuple object");
      clearFunctionVersion(rt, f, "__defaults__");
      const old = f.defaults;
      f.defaults = value instanceof PyTuple ? rt.newRef(value) : null;
      if (old !== null) rt.decref(old);
      return;
    }
    case "__kwdefaults__": {
      if (!(value instanceof PyDict) && !(value instanceof PyNoneType)) throw new PyError("TypeError", "__kwdefaults__ must be set to a dict object");
      clearFunctionVersion(rt, f, "__kwdefaults__");
      const old = f.kwdefaults;
      f.kwdefaults = value instanceof PyDict ? rt.newRef(value) : null;
      if (old !== null) rt.decref(old);
      return;
    }
    case "__name__":
    case "__qualname__":
      if (typeof value !== "string") throw new PyError("TypeError", `${name} must be set to a string object`);
      if (name === "__name__") f.name = value;
      else f.qualname = value;
      return;
  }
  throw new Unsupported(`setting function attribute ${name}`);
}

// ------------------------------------------------------------------ formatting

export function formatValue(rt: Runtime, v: PyValue, spec: string): string {
  if (spec === "" ) return str(rt, v);
  if (typeof v === "string" || typeof v === "number" || typeof v === "bigint" || typeof v === "boolean" || v instanceof PyFloat) {
    return formatSpec(v, spec);
  }
  if (v instanceof PyInstance || v instanceof PyList || v instanceof PyTuple || v instanceof PyDict || v instanceof PyNoneType) {
    // object.__format__ with a non-empty spec
    throw new PyError("TypeError", `unsupported format string passed to ${tn(v)}.__format__`);
  }
  throw new PyError("TypeError", `unsupported format string passed to ${tn(v)}.__format__`);
}

import { format as formatSpecImpl } from "./format.ts";
function formatSpec(v: PyInt | boolean | string | PyFloat, spec: string): string {
  return formatSpecImpl(v, spec);
}

export { repr, str, rangeContains };
