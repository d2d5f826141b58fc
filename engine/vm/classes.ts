/**
 * Class creation: builtins.__build_class__ and type.__new__ for the subset (Python/bltinmodule.c
 * builtin___build_class__, Objects/typeobject.c type_new): run the class body with a fresh
 * namespace, then make a heap type whose dict is the namespace minus the entries type_new consumes.
 */
import { PyCell, PyDict, PyFunction, PyType, None, type PyValue } from "../runtime/objects.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { PyError } from "../runtime/pyerror.ts";
import { T } from "../runtime/types.ts";
import { DictStore } from "../runtime/dictstore.ts";
import * as ops from "../runtime/ops.ts";

/** builtins.__build_class__(func, name, *bases): run the body with a fresh namespace, then type(). */
export function buildClass(rt: Runtime, args: PyValue[], kwnames: readonly string[], runBody: (body: PyFunction, ns: PyDict) => PyValue): PyValue {
  if (kwnames.length > 0) throw new ops.Unsupported("class keywords (metaclass=...)");
  const [body, name, ...bases] = args;
  if (!(body instanceof PyFunction) || typeof name !== "string") throw new PyError("TypeError", "__build_class__: func must be a function");
  if (bases.length > 1) throw new ops.Unsupported("multiple inheritance");
  const base = bases.length === 0 ? T.object : bases[0]!;
  if (!(base instanceof PyType)) throw new PyError("TypeError", "bases must be types");
  if (base.builtin && base !== T.object && !base.isSubtypeOf(T.BaseException)) throw new ops.Unsupported(`subclassing builtin type '${base.name}'`);
  const ns = rt.dict();
  try {
    const r = runBody(body, ns);
    rt.decref(r);
    // type_new: __qualname__ and __classdictcell__ are consumed, the rest becomes the class dict
    const qual = ns.store.getStr("__qualname__");
    const modname = ns.store.getStr("__module__");
    const store = new DictStore();
    const t = rt.alloc(new PyType(name, typeof qual === "string" ? qual : name, typeof modname === "string" ? modname : "__main__", base, store, false));
    rt.incref(base);
    base.subclasses.add(t);
    let cell: PyValue | undefined;
    for (const e of ns.store.entryList()) {
      if (e.key === "__qualname__") continue;
      if (e.key === "__classdictcell__") { cell = e.value; continue; }
      store.set("s" + (e.key as string), e.key, rt.newRef(e.value));
    }
    if (cell instanceof PyCell) {
      // the cell refers to the class namespace (used by annotation scopes); point it at None
      const old = cell.ref;
      cell.ref = None;
      rt.decref(old);
    }
    return t;
  } finally {
    rt.decref(ns);
  }
}
