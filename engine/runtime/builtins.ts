/**
 * Builtin functions, builtin classes' constructors and the builtin methods the subset supports
 * (Python/bltinmodule.c, Objects/listobject.c, Objects/dictobject.c, Objects/unicodeobject.c).
 * Arguments are borrowed, results new references. Error messages are CPython 3.14's.
 */
import {
  PyTuple, PyList, PyDict, PyRange, PyBuiltin, PyType, PyInstance, PyDictView, PyEnumerate, PyZip,
  PyFloat, PyNoneType, None, type PyValue, type BuiltinFlavor, type BuiltinImpl,
} from "./objects.ts";
import { PyError } from "./pyerror.ts";
import { Runtime } from "./runtime.ts";
import { T, typeOf, EXCEPTION_TYPES, FIRST_HEAP_TYPE_VERSION } from "./types.ts";
import * as I from "./int.ts";
import * as F from "./float.ts";
import { normInt, type PyInt } from "./primitive.ts";
import {
  asInt, tn, length, getIter, iterToArray, truthy, lessThan, listExtend, repr, str, eq,
  binaryOp, NB, Unsupported,
} from "./ops.ts";

// ------------------------------------------------------------------ argument helpers

function noKw(name: string, kwnames: readonly string[]): void {
  if (kwnames.length > 0) throw new PyError("TypeError", `${name}() takes no keyword arguments`);
}
function exactlyOne(name: string, args: PyValue[], kwnames: readonly string[]): PyValue {
  noKw(name, kwnames);
  if (args.length !== 1) throw new PyError("TypeError", `${name}() takes exactly one argument (${args.length} given)`);
  return args[0]!;
}
/** Split vectorcall args into positional and a name->value map of keywords. */
function splitKw(args: PyValue[], kwnames: readonly string[]): [PyValue[], Map<string, PyValue>] {
  const npos = args.length - kwnames.length;
  const kw = new Map<string, PyValue>();
  kwnames.forEach((k, i) => kw.set(k, args[npos + i]!));
  return [args.slice(0, npos), kw];
}
function onlyKw(fname: string, kw: Map<string, PyValue>, allowed: readonly string[]): void {
  for (const k of kw.keys()) {
    if (!allowed.includes(k)) throw new PyError("TypeError", `${fname}() got an unexpected keyword argument '${k}'`);
  }
}
function index(v: PyValue): PyInt {
  const i = asInt(v);
  if (i === undefined) throw new PyError("TypeError", `'${tn(v)}' object cannot be interpreted as an integer`);
  return i;
}

// ------------------------------------------------------------------ builtin functions

const print: BuiltinImpl = (rt, args, kwnames) => {
  const [pos, kw] = splitKw(args, kwnames);
  onlyKw("print", kw, ["sep", "end", "file", "flush"]);
  if (kw.has("file") && !(kw.get("file") instanceof PyNoneType)) throw new Unsupported("print(file=...)");
  const sepv = kw.get("sep") ?? None;
  const endv = kw.get("end") ?? None;
  if (!(sepv instanceof PyNoneType) && typeof sepv !== "string") throw new PyError("TypeError", `sep must be None or a string, not ${tn(sepv)}`);
  if (!(endv instanceof PyNoneType) && typeof endv !== "string") throw new PyError("TypeError", `end must be None or a string, not ${tn(endv)}`);
  const sep = typeof sepv === "string" ? sepv : " ";
  const end = typeof endv === "string" ? endv : "\n";
  // print writes piecewise: a str() that raises after some output leaves that output written
  pos.forEach((a, i) => {
    if (i > 0) rt.stdout += sep;
    rt.stdout += str(rt, a);
  });
  rt.stdout += end;
  return None;
};

const len: BuiltinImpl = (rt, args, kw) => length(rt, exactlyOne("len", args, kw));

const abs: BuiltinImpl = (rt, args, kw) => {
  const v = exactlyOne("abs", args, kw);
  const i = asInt(v);
  if (i !== undefined) return I.abs(i);
  if (v instanceof PyFloat) return new PyFloat(Math.abs(v.v));
  throw new PyError("TypeError", `bad operand type for abs(): '${tn(v)}'`);
};

const reprB: BuiltinImpl = (rt, args, kw) => repr(rt, exactlyOne("repr", args, kw));

const isinstance: BuiltinImpl = (rt, args, kwnames) => {
  noKw("isinstance", kwnames);
  if (args.length !== 2) throw new PyError("TypeError", `isinstance expected 2 arguments, got ${args.length}`);
  const [obj, cls] = args as [PyValue, PyValue];
  const check = (c: PyValue): boolean => {
    if (c instanceof PyType) return typeOf(obj).isSubtypeOf(c);
    if (c instanceof PyTuple) return c.items.some(check);
    throw new PyError("TypeError", "isinstance() arg 2 must be a type, a tuple of types, or a union");
  };
  return check(cls);
};

function minmax(name: "min" | "max"): BuiltinImpl {
  return (rt, args, kwnames) => {
    const [pos, kw] = splitKw(args, kwnames);
    onlyKw(name, kw, ["key", "default"]);
    if (pos.length === 0) throw new PyError("TypeError", `${name} expected at least 1 argument, got 0`);
    const keyf = kw.get("key");
    const key = keyf === undefined || keyf instanceof PyNoneType ? undefined : keyf;
    let items: PyValue[];
    if (pos.length === 1) items = iterToArray(rt, pos[0]!);
    else {
      if (kw.has("default")) throw new PyError("TypeError", `Cannot specify a default for ${name}() with multiple positional arguments`);
      items = pos.map((x) => rt.newRef(x));
    }
    try {
      if (items.length === 0) {
        const d = kw.get("default");
        if (d !== undefined) return rt.newRef(d);
        throw new PyError("ValueError", `${name}() iterable argument is empty`);
      }
      let best = items[0]!;
      let bestKey = key === undefined ? best : rt.call(key, [best], []);
      for (let i = 1; i < items.length; i++) {
        const k = key === undefined ? items[i]! : rt.call(key, [items[i]!], []);
        // min_max: item wins if key(item) < best (min) / key(item) > best (max): strict, first wins ties
        const better = name === "min" ? lessThan(rt, k, bestKey) : lessThan(rt, bestKey, k);
        if (better) {
          if (key !== undefined) rt.decref(bestKey);
          best = items[i]!;
          bestKey = k;
        } else if (key !== undefined) rt.decref(k);
      }
      if (key !== undefined) rt.decref(bestKey);
      return rt.newRef(best);
    } finally {
      for (const x of items) rt.decref(x);
    }
  };
}

/** sorted(): CPython's list.sort is a stable timsort; lists under 64 items are sorted by binary
 * insertion (Objects/listobject.c binarysort), whose comparison sequence we reproduce so that a
 * failing comparison raises on the same pair. Longer lists use a stable merge sort (same result;
 * the comparison sequence may differ, which only matters when a comparison raises). */
const sorted: BuiltinImpl = (rt, args, kwnames) => {
  const [pos, kw] = splitKw(args, kwnames);
  onlyKw("sorted", kw, ["key", "reverse"]);
  if (pos.length !== 1) throw new PyError("TypeError", `sorted expected 1 argument, got ${pos.length}`);
  const items = iterToArray(rt, pos[0]!);
  const keyf = kw.get("key");
  const reverse = kw.has("reverse") ? truthy(rt, kw.get("reverse")!) : false;
  let keys: PyValue[] = items;
  try {
    if (keyf !== undefined && !(keyf instanceof PyNoneType)) {
      keys = [];
      for (const x of items) keys.push(rt.call(keyf, [x], []));
    }
    const idx = items.map((_, i) => i);
    if (reverse) idx.reverse();
    const lt = (a: number, b: number): boolean => lessThan(rt, keys[a]!, keys[b]!);
    const order = idx.length < 64 ? binaryInsertion(idx, lt) : mergeSort(idx, lt);
    if (reverse) order.reverse();
    return rt.list(order.map((i) => items[i]!));
  } catch (e) {
    for (const x of items) rt.decref(x);
    throw e;
  } finally {
    if (keys !== items) for (const k of keys) rt.decref(k);
  }
};

function binaryInsertion(a: number[], lt: (x: number, y: number) => boolean): number[] {
  const out = a.slice();
  for (let start = 1; start < out.length; start++) {
    const pivot = out[start]!;
    let l = 0, r = start;
    while (l < r) {
      const p = (l + r) >> 1;
      if (lt(pivot, out[p]!)) r = p;
      else l = p + 1;
    }
    for (let p = start; p > l; p--) out[p] = out[p - 1]!;
    out[l] = pivot;
  }
  return out;
}
function mergeSort(a: number[], lt: (x: number, y: number) => boolean): number[] {
  if (a.length <= 1) return a;
  const mid = a.length >> 1;
  const l = mergeSort(a.slice(0, mid), lt), r = mergeSort(a.slice(mid), lt);
  const out: number[] = [];
  let i = 0, j = 0;
  while (i < l.length && j < r.length) out.push(lt(r[j]!, l[i]!) ? r[j++]! : l[i++]!);
  return out.concat(l.slice(i), r.slice(j));
}

/** sum(): ints exactly; floats with Neumaier compensated summation (3.12+, Python/bltinmodule.c). */
const sum: BuiltinImpl = (rt, args, kwnames) => {
  const [pos, kw] = splitKw(args, kwnames);
  onlyKw("sum", kw, ["start"]);
  if (pos.length === 0 || pos.length > 2) throw new PyError("TypeError", `sum() takes at most 2 arguments (${pos.length} given)`);
  const start = kw.get("start") ?? pos[1] ?? 0;
  if (typeof start === "string") throw new PyError("TypeError", "sum() can't sum strings [use ''.join(seq) instead]");
  const items = iterToArray(rt, pos[0]!);
  let acc: PyValue = rt.newRef(start);
  try {
    let i = 0;
    // float fast path with compensation, entered once the accumulator is a float
    for (; i < items.length; i++) {
      if (acc instanceof PyFloat) {
        let f = acc.v, c = 0;
        for (; i < items.length; i++) {
          const x = items[i]!;
          let xv: number;
          if (x instanceof PyFloat) xv = x.v;
          else if (typeof x === "number" || typeof x === "boolean" || typeof x === "bigint") {
            const xi = asInt(x)!;
            if (typeof xi === "number" ? Math.abs(xi) < 2 ** 53 : false) xv = xi as number;
            else break;
          } else break;
          const t = f + xv;
          if (Math.abs(f) >= Math.abs(xv)) c += f - t + xv;
          else c += xv - t + f;
          f = t;
        }
        // CPython adds the compensation only when it is finite and non-zero
        acc = new PyFloat(c !== 0 && Number.isFinite(c) ? f + c : f);
        if (i >= items.length) break;
      }
      const r: PyValue = binaryOp(rt, NB.ADD, acc, items[i]!);
      rt.decref(acc);
      acc = r;
    }
    return acc;
  } finally {
    for (const x of items) rt.decref(x);
  }
};

// ------------------------------------------------------------------ builtin classes

function construct(rt: Runtime, t: PyType, args: PyValue[], kwnames: readonly string[]): PyValue {
  const [pos, kw] = splitKw(args, kwnames);
  const name = t.name;
  switch (name) {
    case "int": {
      onlyKw("int", kw, ["base"]);
      if (pos.length === 0) return 0;
      if (pos.length > 1 || kw.has("base")) throw new Unsupported("int() with a base");
      const v = pos[0]!;
      const i = asInt(v);
      if (i !== undefined) return i;
      if (v instanceof PyFloat) return I.intFromFloat(v.v);
      if (typeof v === "string") return I.intFromString(v);
      throw new PyError("TypeError", `int() argument must be a string, a bytes-like object or a real number, not '${tn(v)}'`);
    }
    case "float": {
      noKw("float", kwnames);
      if (pos.length === 0) return new PyFloat(0);
      if (pos.length > 1) throw new PyError("TypeError", `float expected at most 1 argument, got ${pos.length}`);
      const v = pos[0]!;
      if (v instanceof PyFloat) return v;
      const i = asInt(v);
      if (i !== undefined) return new PyFloat(I.intToFloat(i));
      if (typeof v === "string") return new PyFloat(F.floatFromString(v));
      throw new PyError("TypeError", `float() argument must be a string or a real number, not '${tn(v)}'`);
    }
    case "str":
      if (kwnames.length > 0 || pos.length > 1) throw new Unsupported("str() with encoding arguments");
      return pos.length === 0 ? "" : str(rt, pos[0]!);
    case "bool":
      noKw("bool", kwnames);
      if (pos.length > 1) throw new PyError("TypeError", `bool expected at most 1 argument, got ${pos.length}`);
      return pos.length === 0 ? false : truthy(rt, pos[0]!);
    case "list":
      noKw("list", kwnames);
      if (pos.length > 1) throw new PyError("TypeError", `list expected at most 1 argument, got ${pos.length}`);
      return rt.list(pos.length === 0 ? [] : iterToArray(rt, pos[0]!));
    case "tuple":
      noKw("tuple", kwnames);
      if (pos.length > 1) throw new PyError("TypeError", `tuple expected at most 1 argument, got ${pos.length}`);
      if (pos.length === 1 && pos[0] instanceof PyTuple) return rt.newRef(pos[0]);
      return rt.tuple(pos.length === 0 ? [] : iterToArray(rt, pos[0]!));
    case "dict": {
      if (pos.length > 1) throw new PyError("TypeError", `dict expected at most 1 argument, got ${pos.length}`);
      const d = rt.dict();
      try {
        if (pos.length === 1) {
          const src = pos[0]!;
          if (src instanceof PyDict) for (const e of src.store.entryList()) rt.dictSet(d, e.key, e.value);
          else {
            const pairs = iterToArray(rt, src);
            try {
              pairs.forEach((p, i) => {
                const kv = p instanceof PyTuple || p instanceof PyList ? p.items : undefined;
                if (kv === undefined) throw new PyError("TypeError", `cannot convert dictionary update sequence element #${i} to a sequence`);
                if (kv.length !== 2) throw new PyError("ValueError", `dictionary update sequence element #${i} has length ${kv.length}; 2 is required`);
                rt.dictSet(d, kv[0]!, kv[1]!);
              });
            } finally {
              for (const p of pairs) rt.decref(p);
            }
          }
        }
        for (const [k, v] of kw) rt.dictSet(d, k, v);
      } catch (e) {
        rt.decref(d);
        throw e;
      }
      return d;
    }
    case "range": {
      noKw("range", kwnames);
      if (pos.length === 0) throw new PyError("TypeError", "range expected at least 1 argument, got 0");
      if (pos.length > 3) throw new PyError("TypeError", `range expected at most 3 arguments, got ${pos.length}`);
      const n = pos.map(index).map((x) => normInt(typeof x === "bigint" ? x : x));
      const [start, stop, step] = n.length === 1 ? [0, n[0]!, 1] : [n[0]!, n[1]!, n[2] ?? 1];
      if (step === 0) throw new PyError("ValueError", "range() arg 3 must not be zero");
      return rt.alloc(new PyRange(start, stop, step));
    }
    case "enumerate": {
      onlyKw("enumerate", kw, ["iterable", "start"]);
      const it = pos[0] ?? kw.get("iterable");
      if (it === undefined) throw new PyError("TypeError", "enumerate() missing required argument 'iterable'");
      const start = pos[1] ?? kw.get("start") ?? 0;
      const s = asInt(start);
      if (s === undefined) throw new PyError("TypeError", `'${tn(start)}' object cannot be interpreted as an integer`);
      return rt.alloc(new PyEnumerate(getIter(rt, it), s));
    }
    case "zip": {
      onlyKw("zip", kw, ["strict"]);
      if (kw.has("strict")) throw new Unsupported("zip(strict=...)");
      const iters: PyValue[] = [];
      try {
        pos.forEach((p, i) => iters.push(getIter(rt, p, `zip argument #${i + 1} must support iteration`)));
      } catch (e) {
        for (const x of iters) rt.decref(x);
        throw e;
      }
      return rt.alloc(new PyZip(rt.tuple(iters)));
    }
    case "type":
      if (pos.length === 1 && kwnames.length === 0) return rt.newRef(typeOf(pos[0]!));
      throw new Unsupported("type() with 3 arguments");
    case "object":
      if (args.length > 0) throw new PyError("TypeError", "object() takes no arguments");
      rt.incref(t);
      return rt.alloc(new PyInstance(t));
  }
  throw new PyError("TypeError", `cannot create '${name}' instances`);
}

// ------------------------------------------------------------------ methods of builtin types

function method(type: PyType, name: string, flavor: BuiltinFlavor, impl: BuiltinImpl): void {
  type.dict.set("s" + name, name, new PyBuiltin(name, impl, flavor, type.name));
}
function self<X>(args: PyValue[], cls: new (...a: never[]) => X, tname: string, mname: string): X {
  const s = args[0];
  if (!(s instanceof cls)) throw new PyError("TypeError", `descriptor '${mname}' for '${tname}' objects doesn't apply to a '${s === undefined ? "NoneType" : tn(s)}' object`);
  return s;
}
function argc(qual: string, args: PyValue[], kwnames: readonly string[], min: number, max: number): void {
  noKw(qual, kwnames);
  const n = args.length - 1;
  if (n < min || n > max) {
    if (min === max && min === 1) throw new PyError("TypeError", `${qual}() takes exactly one argument (${n} given)`);
    if (min === max && min === 0) throw new PyError("TypeError", `${qual}() takes no arguments (${n} given)`);
    if (n < min) throw new PyError("TypeError", `${qual} expected at least ${min} argument${min === 1 ? "" : "s"}, got ${n}`);
    throw new PyError("TypeError", `${qual} expected at most ${max} argument${max === 1 ? "" : "s"}, got ${n}`);
  }
}

let methodsInstalled = false;
function installMethods(): void {
  if (methodsInstalled) return;
  methodsInstalled = true;
  method(T.list, "append", "O", (rt, args, kw) => {
    argc("list.append", args, kw, 1, 1);
    self(args, PyList, "list", "append").items.push(rt.newRef(args[1]!));
    return None;
  });
  method(T.list, "pop", "FAST", (rt, args, kw) => {
    argc("pop", args, kw, 0, 1);
    const l = self(args, PyList, "list", "pop");
    if (l.items.length === 0) throw new PyError("IndexError", "pop from empty list");
    let i = args.length > 1 ? index(args[1]!) : -1;
    let k = typeof i === "bigint" ? -1 : i;
    if (typeof i === "bigint" || k < -l.items.length || k >= l.items.length) throw new PyError("IndexError", "pop index out of range");
    if (k < 0) k += l.items.length;
    i = k;
    return l.items.splice(k, 1)[0]!;
  });
  method(T.list, "extend", "O", (rt, args, kw) => {
    argc("list.extend", args, kw, 1, 1);
    listExtend(rt, self(args, PyList, "list", "extend"), args[1]!);
    return None;
  });
  method(T.list, "insert", "FAST", (rt, args, kw) => {
    argc("insert", args, kw, 2, 2);
    const l = self(args, PyList, "list", "insert");
    const i = index(args[1]!);
    const n = l.items.length;
    let k = typeof i === "bigint" ? (i < 0n ? 0 : n) : i;
    if (k < 0) k = Math.max(0, k + n);
    if (k > n) k = n;
    l.items.splice(k, 0, rt.newRef(args[2]!));
    return None;
  });
  method(T.dict, "get", "FAST", (rt, args, kw) => {
    argc("get", args, kw, 1, 2);
    const v = rt.dictGet(self(args, PyDict, "dict", "get"), args[1]!);
    return rt.newRef(v ?? args[2] ?? None);
  });
  for (const kind of ["keys", "values", "items"] as const) {
    method(T.dict, kind, "NOARGS", (rt, args, kw) => {
      argc(`dict.${kind}`, args, kw, 0, 0);
      return rt.alloc(new PyDictView(kind, rt.newRef(self(args, PyDict, "dict", kind))));
    });
  }
  method(T.str, "join", "O", (rt, args, kw) => {
    argc("str.join", args, kw, 1, 1);
    const sep = args[0];
    if (typeof sep !== "string") throw new PyError("TypeError", `descriptor 'join' for 'str' objects doesn't apply to a '${tn(sep!)}' object`);
    const items = iterToArray(rt, args[1]!, "can only join an iterable");
    try {
      items.forEach((x, i) => {
        if (typeof x !== "string") throw new PyError("TypeError", `sequence item ${i}: expected str instance, ${tn(x)} found`);
      });
      return (items as string[]).join(sep);
    } finally {
      for (const x of items) rt.decref(x);
    }
  });
  method(T.str, "split", "FAST_WITH_KEYWORDS", (rt, args, kwnames) => {
    const s = args[0];
    if (typeof s !== "string") throw new PyError("TypeError", `descriptor 'split' for 'str' objects doesn't apply to a '${tn(s!)}' object`);
    const [pos, kw] = splitKw(args.slice(1), kwnames);
    onlyKw("split", kw, ["sep", "maxsplit"]);
    if (pos.length > 2) throw new PyError("TypeError", `split() takes at most 2 arguments (${pos.length} given)`);
    const sepv = pos[0] ?? kw.get("sep") ?? None;
    const maxv = pos[1] ?? kw.get("maxsplit") ?? -1;
    const maxsplit = index(maxv);
    const limit = typeof maxsplit === "bigint" ? Infinity : maxsplit < 0 ? Infinity : maxsplit;
    let parts: string[];
    if (sepv instanceof PyNoneType) {
      parts = [];
      let i = 0;
      const ws = /\s/;
      while (i < s.length) {
        while (i < s.length && ws.test(s[i]!)) i++;
        if (i >= s.length) break;
        if (parts.length >= limit) {
          let end = s.length;
          while (end > i && ws.test(s[end - 1]!)) end--;
          parts.push(s.slice(i, end));
          break;
        }
        let j = i;
        while (j < s.length && !ws.test(s[j]!)) j++;
        parts.push(s.slice(i, j));
        i = j;
      }
    } else {
      if (typeof sepv !== "string") throw new PyError("TypeError", `must be str or None, not ${tn(sepv)}`);
      if (sepv === "") throw new PyError("ValueError", "empty separator");
      parts = [];
      let rest = s;
      while (parts.length < limit) {
        const k = rest.indexOf(sepv);
        if (k < 0) break;
        parts.push(rest.slice(0, k));
        rest = rest.slice(k + sepv.length);
      }
      parts.push(rest);
    }
    return rt.list(parts);
  });
}

// ------------------------------------------------------------------ the builtins dict

const FUNCTIONS: readonly [string, BuiltinFlavor, BuiltinImpl][] = [
  ["print", "FAST_WITH_KEYWORDS", print],
  ["len", "O", len],
  ["abs", "O", abs],
  ["repr", "O", reprB],
  ["isinstance", "FAST", isinstance],
  ["min", "FAST_WITH_KEYWORDS", minmax("min")],
  ["max", "FAST_WITH_KEYWORDS", minmax("max")],
  ["sorted", "FAST_WITH_KEYWORDS", sorted],
  ["sum", "FAST_WITH_KEYWORDS", sum],
];
const BUILTIN_OBJECTS = new Map<string, PyBuiltin>(FUNCTIONS.map(([n, f, impl]) => [n, new PyBuiltin(n, impl, f)]));

const CLASSES: readonly PyType[] = [
  T.int, T.float, T.str, T.bool, T.list, T.tuple, T.dict, T.range, T.enumerate, T.zip, T.type, T.object,
  ...EXCEPTION_TYPES,
];

function populate(rt: Runtime, d: PyDict): void {
  installMethods();
  for (const [name, b] of BUILTIN_OBJECTS) rt.dictSet(d, name, b);
  for (const t of CLASSES) rt.dictSet(d, t.name, t);
  rt.dictSet(d, "None", None);
  rt.dictSet(d, "True", true);
  rt.dictSet(d, "False", false);
  rt.constructBuiltin = (t, args, kwnames) => construct(rt, t, args, kwnames);
}

/** A fresh runtime with builtins, reprs and the type hook wired up. */
export function createRuntime(): Runtime {
  const rt = new Runtime(populate, FIRST_HEAP_TYPE_VERSION);
  rt.reprHook = (v) => repr(rt, v);
  rt.strHook = (v) => str(rt, v);
  return rt;
}

export { eq };
