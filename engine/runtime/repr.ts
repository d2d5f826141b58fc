/**
 * repr() and str() of every value, as CPython 3.14 prints them (Objects/*object.c *_repr).
 * Addresses come from the modeled heap; outcomes normalize them (oracles/outcome.ts), since they
 * are the one part of a repr that differs between implementations.
 */
import {
  PyTuple, PyList, PyDict, PyRange, PySlice, PyCell, PyCode, PyFunction, PyModule, PyMethod, PyBuiltin,
  PyBoundBuiltin, PyType, PyInstance, PyException, PyDictView, PyFloat, PyNoneType, type PyValue,
} from "./objects.ts";
import { HeapObject } from "./heap.ts";
import { intRepr } from "./int.ts";
import { floatRepr } from "./float.ts";
import { strRepr } from "./format.ts";
import type { Runtime } from "./runtime.ts";
import { typeOf } from "./types.ts";
import { PyError } from "./pyerror.ts";

const hex = (o: HeapObject): string => "0x" + o.addr.toString(16);

/** Python-level __repr__/__str__ of user classes (the one place reprs call back into Python). */
function userDunder(rt: Runtime, v: PyInstance, name: "__repr__" | "__str__"): string | undefined {
  const f = v.type.lookup(name);
  if (!(f instanceof PyFunction)) return undefined;
  const r = rt.call(f, [v], []);
  if (typeof r !== "string") {
    const n = typeOf(r).name;
    rt.decref(r);
    throw new PyError("TypeError", `${name} returned non-string (type ${n})`);
  }
  return r;
}

export function repr(rt: Runtime, v: PyValue, seen: Set<HeapObject> = new Set()): string {
  switch (typeof v) {
    case "string":
      return strRepr(v);
    case "number":
    case "bigint":
      return intRepr(v);
    case "boolean":
      return v ? "True" : "False";
    default:
      break;
  }
  if (v instanceof PyFloat) return floatRepr(v.v);
  if (v instanceof PyNoneType) return "None";
  if (v instanceof PyTuple) {
    if (seen.has(v)) return "(...)";
    seen.add(v);
    try {
      const parts = v.items.map((x) => repr(rt, x, seen));
      return parts.length === 1 ? `(${parts[0]},)` : `(${parts.join(", ")})`;
    } finally {
      seen.delete(v);
    }
  }
  if (v instanceof PyList) {
    if (seen.has(v)) return "[...]";
    seen.add(v);
    try {
      return `[${v.items.map((x) => repr(rt, x, seen)).join(", ")}]`;
    } finally {
      seen.delete(v);
    }
  }
  if (v instanceof PyDict) {
    if (seen.has(v)) return "{...}";
    seen.add(v);
    try {
      return `{${v.store.entryList().map((e) => `${repr(rt, e.key, seen)}: ${repr(rt, e.value, seen)}`).join(", ")}}`;
    } finally {
      seen.delete(v);
    }
  }
  if (v instanceof PyDictView) {
    const d = v.dict.store.entryList();
    const items =
      v.kind === "keys" ? d.map((e) => repr(rt, e.key, seen))
      : v.kind === "values" ? d.map((e) => repr(rt, e.value, seen))
      : d.map((e) => `(${repr(rt, e.key, seen)}, ${repr(rt, e.value, seen)})`);
    return `dict_${v.kind}([${items.join(", ")}])`;
  }
  if (v instanceof PyRange) {
    const step = v.step === 1 ? "" : `, ${intRepr(v.step)}`;
    return `range(${intRepr(v.start)}, ${intRepr(v.stop)}${step})`;
  }
  if (v instanceof PySlice) return `slice(${repr(rt, v.start, seen)}, ${repr(rt, v.stop, seen)}, ${repr(rt, v.step, seen)})`;
  if (v instanceof PyException) {
    const user = userDunder(rt, v, "__repr__");
    if (user !== undefined) return user;
    const a = v.args.items;
    const inner = a.length === 1 ? repr(rt, a[0]!, seen) : a.map((x) => repr(rt, x, seen)).join(", ");
    return `${v.type.name}(${inner})`;
  }
  if (v instanceof PyInstance) {
    const user = userDunder(rt, v, "__repr__");
    if (user !== undefined) return user;
    return `<${v.type.moduleName}.${v.type.qualname} object at ${hex(v)}>`;
  }
  if (v instanceof PyType) return v.builtin ? `<class '${v.name}'>` : `<class '${v.moduleName}.${v.qualname}'>`;
  if (v instanceof PyFunction) return `<function ${v.qualname} at ${hex(v)}>`;
  if (v instanceof PyMethod) {
    const fname = v.func instanceof PyFunction ? v.func.qualname : "?";
    return `<bound method ${fname} of ${repr(rt, v.self, seen)}>`;
  }
  if (v instanceof PyBuiltin) {
    return v.ownerTypeName === null ? `<built-in function ${v.name}>` : `<method '${v.name}' of '${v.ownerTypeName}' objects>`;
  }
  if (v instanceof PyBoundBuiltin) {
    return `<built-in method ${v.descr.name} of ${typeOf(v.self).name} object at ${v.self instanceof HeapObject ? hex(v.self) : "0x0"}>`;
  }
  if (v instanceof PyModule) {
    const file = v.dict.store.getStr("__file__");
    return typeof file === "string" ? `<module '${v.name}' from '${file}'>` : `<module '${v.name}'>`;
  }
  if (v instanceof PyCode) return `<code object ${v.def.name} at ${hex(v)}, file "${v.def.filename}", line ${v.def.firstlineno}>`;
  if (v instanceof PyCell) return `<cell at ${hex(v)}: ${v.ref === null ? "empty" : `${typeOf(v.ref).name} object at 0x0`}>`;
  if (v instanceof HeapObject) return `<${typeOf(v).name} object at ${hex(v)}>`;
  return "<?>";
}

export function str(rt: Runtime, v: PyValue): string {
  if (typeof v === "string") return v;
  if (v instanceof PyException) {
    const user = userDunder(rt, v, "__str__");
    return user ?? rt.excMessage(v);
  }
  if (v instanceof PyInstance) {
    const user = userDunder(rt, v, "__str__");
    if (user !== undefined) return user;
  }
  return repr(rt, v);
}
