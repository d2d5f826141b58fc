/**
 * One Python "interpreter state": the heap, the builtins dict, loaded modules, and everything the
 * outcome records (captured stdout, __del__ order, unraisable exceptions). Reference counting
 * lives here: `decref` to zero deallocates AT ONCE — first running `__del__` (PEP 442: once per
 * object, with the object temporarily resurrected), then releasing what the object holds in
 * CPython's tp_dealloc order, then poisoning it and recycling its address.
 *
 * Interpreters (the reference interpreter, tier 1/2) plug in through `InterpHooks` so that
 * builtins and deallocation can call Python functions (`__init__`, `__del__`, sort keys).
 */
import { Heap, HeapObject, InternalError } from "./heap.ts";
import {
  PyTuple, PyList, PyDict, PyCode, PyFunction, PyInstance, PyException, PyType, PyModule, PyMethod,
  PyBuiltin, PyBoundBuiltin, None, type PyValue,
} from "./objects.ts";
import { hashKey } from "./dictstore.ts";
import { T, typeOf } from "./types.ts";
import { PyError, PythonErrorBase, defineMessage, type BuiltinExcName } from "./pyerror.ts";
import { CodeDef, ConstTuple, ConstSlice, type Const, PyNoneType } from "../bytecode/code.ts";
import { PySlice } from "./objects.ts";

/** A Python exception travelling through JS frames. Holds one strong reference to `exc`. */
export class PyRaise extends PythonErrorBase {
  // an Error without a JS stack (see PythonErrorBase)
  constructor(readonly exc: PyException) {
    super();
  }
}
defineMessage(PyRaise, "Python exception");

/** The step budget ran out: not a Python exception, cannot be caught by Python code. */
import type { FrameSnapshot } from "../vm/snapshot.ts";
export class BudgetExhausted extends Error {
  constructor(
    /** the frames at the instruction boundary where the budget ran out (engine/vm/snapshot.ts),
     *  innermost first: what replay's divergence localization compares */
    readonly frames: readonly FrameSnapshot[] = [],
  ) {
    super("step budget exhausted");
  }
}

export interface InterpHooks {
  /** Call a Python function with BORROWED args (C vectorcall convention); returns a new reference. */
  callFunction(fn: PyFunction, args: PyValue[], kwnames: readonly string[]): PyValue;
}

export interface Unraisable {
  readonly type: string;
  readonly message: string;
  /** where CPython would say "Exception ignored while calling deallocator <...>" */
  readonly where: string;
  readonly exc: string;
}

export const RECURSION_LIMIT = 1000;

/**
 * Function-version events (Objects/funcobject.c, Objects/codeobject.c), for the tier-1 function
 * cache (engine/tier1/funccache.ts): it must see every version clear, every function dealloc and
 * every code dealloc. Absent hooks change nothing.
 */
export interface FuncVersionHooks {
  /** _PyFunction_ClearVersion: `f`'s VALID version is about to become FUNC_VERSION_CLEARED */
  versionCleared(f: PyFunction, attr: "__code__" | "__defaults__" | "__kwdefaults__"): void;
  /** func_dealloc (func_clear -> func_clear_version), before the function releases anything */
  functionDealloc(f: PyFunction): void;
  /** code_dealloc (_PyFunction_ClearCodeByVersion), before the code object releases anything */
  codeDealloc(c: PyCode): void;
}

export class Runtime {
  readonly heap = new Heap();
  readonly builtins: PyDict;
  /** sys.modules: program modules in order of first execution */
  readonly modules = new Map<string, PyModule>();
  stdout = "";
  readonly delOrder: string[] = [];
  readonly unraisable: Unraisable[] = [];
  interp: InterpHooks | undefined;
  /** listener for function-version events (the tier-1 function cache); optional */
  funcVersionHooks: FuncVersionHooks | undefined;
  /** PyType_AddWatcher: called when a type with a valid version is modified (tier 2 sets it) */
  typeWatcher: ((t: PyType) => void) | undefined;
  /** Python frames currently executing (recursion limit) */
  depth = 0;
  recursionLimit = RECURSION_LIMIT;
  nextCodeVersion = 2;
  nextTypeVersion: number;
  /** types by the version tag they were given (read only through typeByVersion: entries may be stale) */
  readonly typesByVersion = new Map<number, PyType>();

  constructor(populateBuiltins: (rt: Runtime, d: PyDict) => void, firstTypeVersion: number) {
    this.builtins = this.alloc(new PyDict());
    this.nextTypeVersion = firstTypeVersion;
    populateBuiltins(this, this.builtins);
  }

  // ------------------------------------------------------------------ refcounting

  alloc<O extends HeapObject>(o: O): O {
    return this.heap.alloc(o);
  }

  incref(v: PyValue | null | undefined): void {
    if (v instanceof HeapObject && !v.immortal) {
      if (v.freed) throw useAfterFree(v, "incref");
      v.refcnt++;
    }
  }

  /** Returns v after incref (Py_NewRef). */
  newRef<V extends PyValue>(v: V): V {
    this.incref(v);
    return v;
  }

  decref(v: unknown): void {
    if (v instanceof HeapObject && !v.immortal) {
      if (v.freed) throw useAfterFree(v, "decref");
      if (--v.refcnt === 0) this.dealloc(v);
      else if (v.refcnt < 0) throw new InternalError(`negative refcount on ${v.describe()}`, "invariant");
    }
  }

  private dealloc(o: HeapObject): void {
    if (o instanceof PyInstance && !o.finalized) {
      const del = o.type.lookup("__del__");
      if (del !== undefined) {
        o.finalized = true;
        o.refcnt = 1; // resurrect for the duration of __del__ (PyObject_CallFinalizerFromDealloc)
        this.runFinalizer(o, del);
        if (--o.refcnt !== 0) return; // resurrected: it lives on
      }
    }
    const hooks = this.funcVersionHooks;
    if (hooks !== undefined) {
      if (o instanceof PyFunction) hooks.functionDealloc(o);
      else if (o instanceof PyCode) hooks.codeDealloc(o);
    }
    o.clear(this);
    this.heap.release(o);
  }

  private runFinalizer(o: PyInstance, del: PyValue): void {
    this.delOrder.push(o.type.qualname);
    try {
      const r = this.call(del, [o], []);
      this.decref(r);
    } catch (e) {
      const exc = this.catchPython(e);
      // Python/errors.c _PyErr_WriteUnraisableMsg("while calling deallocator", del)
      const name = exc.type.qualname;
      const msg = this.excMessage(exc);
      const fnName = del instanceof PyFunction ? del.qualname : "__del__";
      this.unraisable.push({ type: name, message: msg, where: `Exception ignored while calling deallocator <function ${fnName} at 0x${(del instanceof HeapObject ? del.addr : 0).toString(16)}>`, exc: msg === "" ? name : `${name}: ${msg}` });
      this.decref(exc);
    }
  }

  // ------------------------------------------------------------------ allocation helpers

  /** New tuple; TAKES ownership of `items` references. */
  tuple(items: PyValue[]): PyTuple {
    return this.alloc(new PyTuple(items));
  }
  /** New list; TAKES ownership of `items` references. */
  list(items: PyValue[]): PyList {
    return this.alloc(new PyList(items));
  }
  dict(): PyDict {
    return this.alloc(new PyDict());
  }

  /** d[key] = value (borrowed key and value), releasing the old value AFTER the store. */
  dictSet(d: PyDict, key: PyValue, value: PyValue): void {
    const hk = hashKey(key);
    if (hk === undefined) throw unhashable(key);
    this.incref(value);
    const r = d.store.set(hk, key, value);
    if (r.added) this.incref(key);
    else this.decref(r.old);
  }
  dictGet(d: PyDict, key: PyValue): PyValue | undefined {
    const hk = hashKey(key);
    if (hk === undefined) throw unhashable(key);
    return d.store.getEntry(hk)?.value;
  }
  /** del d[key]; returns false if missing. */
  dictDel(d: PyDict, key: PyValue): boolean {
    const hk = hashKey(key);
    if (hk === undefined) throw unhashable(key);
    const e = d.store.delete(hk);
    if (e === undefined) return false;
    this.decref(e.key);
    this.decref(e.value);
    return true;
  }

  // ------------------------------------------------------------------ code objects

  /** Materialize a static CodeDef (and its nested code constants) as a heap code object. */
  loadCode(def: CodeDef): PyCode {
    const consts = this.tuple(def.consts.map((c) => this.loadConst(c)));
    const code = this.alloc(new PyCode(def, consts));
    code.coVersion = this.nextCodeVersion++;
    return code;
  }

  loadConst(c: Const): PyValue {
    if (c instanceof CodeDef) return this.loadCode(c);
    if (c instanceof ConstTuple) return this.tuple(c.items.map((x) => this.loadConst(x)));
    if (c instanceof ConstSlice) return this.alloc(new PySlice(this.loadConst(c.start), this.loadConst(c.stop), this.loadConst(c.step)));
    if (c instanceof PyNoneType) return None;
    return c;
  }

  // ------------------------------------------------------------------ exceptions

  /** New exception instance of a builtin or user exception class with the given args (borrowed). */
  newException(type: PyType, args: PyValue[]): PyException {
    for (const a of args) this.incref(a);
    const exc = this.alloc(new PyException(type, this.tuple(args)));
    this.incref(type);
    return exc;
  }

  /** Turn whatever a JS catch caught into an owned Python exception, or rethrow engine errors. */
  catchPython(e: unknown): PyException {
    if (e instanceof PyRaise) return e.exc;
    if (e instanceof PyError) return this.materialize(e);
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      throw new InternalError("JS stack overflow inside the engine (recursion too deep for the host)", "internal");
    }
    throw e;
  }

  materialize(e: PyError): PyException {
    const type = (T as Record<string, PyType>)[e.pyType];
    if (type === undefined) throw new InternalError(`unknown builtin exception ${e.pyType}`);
    const args = e.pyArgs !== undefined ? (e.pyArgs as PyValue[]) : [e.pyMessage];
    return this.newException(type, args);
  }

  /** str(exc) as BaseException_str: no args -> "", one arg -> str(arg), else str(args). KeyError: repr. */
  excMessage(exc: PyException): string {
    const args = exc.args.items;
    if (args.length === 0) return "";
    if (args.length === 1) {
      if (exc.type.isSubtypeOf(T.KeyError)) return this.reprHook(args[0]!);
      return this.strHook(args[0]!);
    }
    return this.reprHook(exc.args);
  }

  /** installed by repr.ts (breaks an import cycle) */
  reprHook: (v: PyValue) => string = () => "?";
  strHook: (v: PyValue) => string = () => "?";
  /** installed by builtins.ts: call protocol for builtin classes (int(), list(), ...) */
  constructBuiltin: (t: PyType, args: PyValue[], kwnames: readonly string[]) => PyValue = (t) => {
    throw new PyError("TypeError", `cannot create '${t.name}' instances`);
  };

  raise(type: BuiltinExcName, message: string): never {
    throw new PyError(type, message);
  }

  // ------------------------------------------------------------------ calls

  /**
   * Call any callable with BORROWED args (positional, then the values of `kwnames`).
   * Returns a new reference. This is CPython's PyObject_Vectorcall.
   */
  call(callable: PyValue, args: PyValue[], kwnames: readonly string[]): PyValue {
    if (callable instanceof HeapObject && callable.freed) throw useAfterFree(callable, "call");
    if (callable instanceof PyFunction) return this.hooks().callFunction(callable, args, kwnames);
    if (callable instanceof PyBuiltin) return callable.impl(this, args, kwnames);
    if (callable instanceof PyMethod) return this.call(callable.func, [callable.self, ...args], kwnames);
    if (callable instanceof PyBoundBuiltin) return callable.descr.impl(this, [callable.self, ...args], kwnames);
    if (callable instanceof PyType) return this.callType(callable, args, kwnames);
    throw new PyError("TypeError", `'${typeNameOf(callable)}' object is not callable`);
  }

  private hooks(): InterpHooks {
    if (this.interp === undefined) throw new InternalError("no interpreter attached to the runtime");
    return this.interp;
  }

  /** type.__call__: __new__ then __init__ (Objects/typeobject.c type_call, object_new/object_init). */
  callType(t: PyType, args: PyValue[], kwnames: readonly string[]): PyValue {
    if (t.builtin && !t.isSubtypeOf(T.BaseException)) return this.constructBuiltin(t, args, kwnames);
    let self: PyInstance;
    if (t.isSubtypeOf(T.BaseException)) {
      if (kwnames.length > 0) throw new PyError("TypeError", `${t.name}() takes no keyword arguments`);
      self = this.newException(t, args);
    } else {
      self = this.alloc(new PyInstance(t));
      this.incref(t);
    }
    const init = t.lookup("__init__");
    if (init !== undefined && init instanceof PyFunction) {
      try {
        const r = this.call(init, [self, ...args], kwnames);
        if (r !== None) {
          const n = typeNameOf(r);
          this.decref(r);
          throw new PyError("TypeError", `__init__() should return None, not '${n}'`);
        }
      } catch (e) {
        this.decref(self);
        throw e;
      }
    } else if (!t.isSubtypeOf(T.BaseException) && args.length > 0) {
      this.decref(self);
      // object_init / object_new: excess arguments
      throw new PyError("TypeError", `${t.name}() takes no arguments`);
    }
    return self;
  }
}

export function typeNameOf(v: PyValue): string {
  // late import to avoid a cycle at module init
  return typeOfHook(v).name;
}
const typeOfHook: (v: PyValue) => PyType = (v) => typeOf(v);
export function setTypeOfHook(_f: (v: PyValue) => PyType): void {
  // kept for API stability: typeOf is imported directly
}

export function unhashable(key: PyValue): PyError {
  // Objects/dictobject.c (3.14): "cannot use 'list' as a dict key (unhashable type: 'list')"
  const n = typeNameOf(key);
  return new PyError("TypeError", `cannot use '${n}' as a dict key (unhashable type: '${n}')`);
}

export function useAfterFree(o: HeapObject, what: string): InternalError {
  return new InternalError(`use-after-free: ${what} of freed ${o.describe()} at 0x${o.addr.toString(16)} (generation ${o.gen})`, "use-after-free");
}

export { PyModule };
