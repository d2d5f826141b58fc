/**
 * The object model. Value types (None, bool, int, float, str) are JS values — immutable, not
 * refcounted (their deallocation is unobservable in CPython too). Everything else is a HeapObject
 * with a modeled address and a reference count; `clear()` releases what the object holds in the
 * order CPython's tp_dealloc does (e.g. tuples and lists release their items LAST TO FIRST,
 * Objects/tupleobject.c tupledealloc, Objects/listobject.c list_dealloc; dicts FIRST TO LAST,
 * Objects/dictobject.c free_keys_object), because that order is what `__del__` makes observable.
 */
import { HeapObject, type RefOps } from "./heap.ts";
import type { Runtime as RuntimeApi } from "./runtime.ts";
import { DictStore, hashKey, setTupleKeyFunction, type HashKey } from "./dictstore.ts";
import { None, PyNoneType, CodeDef } from "../bytecode/code.ts";
import { PyFloat, type PyInt } from "./primitive.ts";

export { None, PyNoneType, PyFloat };
export type PyValue = PyNoneType | boolean | PyInt | PyFloat | string | HeapObject;

// ---------------------------------------------------------------- containers

export class PyTuple extends HeapObject {
  constructor(readonly items: PyValue[]) {
    super();
  }
  sizeClass(): string {
    // CPython keeps one tuple freelist per length (Objects/tupleobject.c)
    return `tuple/${this.items.length}`;
  }
  describe(): string {
    return `tuple of ${this.items.length}`;
  }
  clear(rt: RefOps): void {
    for (let i = this.items.length - 1; i >= 0; i--) rt.decref(this.items[i]);
  }
}

export class PyList extends HeapObject {
  constructor(public items: PyValue[]) {
    super();
  }
  sizeClass(): string {
    return "list";
  }
  describe(): string {
    return `list of ${this.items.length}`;
  }
  clear(rt: RefOps): void {
    const items = this.items;
    this.items = [];
    for (let i = items.length - 1; i >= 0; i--) rt.decref(items[i]);
  }
}

export class PyDict extends HeapObject {
  readonly store = new DictStore();
  sizeClass(): string {
    return "dict";
  }
  describe(): string {
    return `dict of ${this.store.size}`;
  }
  clear(rt: RefOps): void {
    for (const e of this.store.clear()) {
      rt.decref(e.key);
      rt.decref(e.value);
    }
  }
}

export class PyRange extends HeapObject {
  constructor(
    readonly start: PyInt,
    readonly stop: PyInt,
    readonly step: PyInt,
  ) {
    super();
  }
  sizeClass(): string {
    return "range";
  }
  describe(): string {
    return "range";
  }
  clear(): void {}
}

export class PySlice extends HeapObject {
  constructor(
    readonly start: PyValue,
    readonly stop: PyValue,
    readonly step: PyValue,
  ) {
    super();
  }
  sizeClass(): string {
    return "slice";
  }
  describe(): string {
    return "slice";
  }
  clear(rt: RefOps): void {
    // Objects/sliceobject.c slice_dealloc: step, start, stop
    rt.decref(this.step);
    rt.decref(this.start);
    rt.decref(this.stop);
  }
}

export class PyCell extends HeapObject {
  constructor(public ref: PyValue | null) {
    super();
  }
  sizeClass(): string {
    return "cell";
  }
  describe(): string {
    return "cell";
  }
  clear(rt: RefOps): void {
    const r = this.ref;
    this.ref = null;
    if (r !== null) rt.decref(r);
  }
}

// ---------------------------------------------------------------- code, functions, modules

/** A code object: the static CodeDef plus run-time state tier 1/2 mutate (adaptive units, version). */
export class PyCode extends HeapObject {
  /** co_code_adaptive: tier 1 rewrites opcodes and caches here */
  readonly units: Uint16Array;
  /** co_version (PR #117028: handed out from a global counter, never reused) */
  coVersion = 0;
  constructor(
    readonly def: CodeDef,
    /** co_consts as a tuple object (nested code objects are PyCode) */
    readonly consts: PyTuple,
  ) {
    super();
    this.units = def.units.slice();
  }
  sizeClass(): string {
    return `code/${this.def.units.length}`;
  }
  describe(): string {
    return `code ${this.def.qualname}`;
  }
  clear(rt: RefOps): void {
    rt.decref(this.consts);
  }
}

export class PyFunction extends HeapObject {
  /** func_version: 0 = never versioned, FUNC_VERSION_CLEARED = 1 (PR #124997), else == code's co_version */
  funcVersion = 0;
  constructor(
    public code: PyCode,
    readonly globals: PyDict,
    readonly builtins: PyDict,
    public name: string,
    public qualname: string,
    public defaults: PyTuple | null,
    public kwdefaults: PyDict | null,
    public closure: PyTuple | null,
    readonly moduleName: PyValue,
  ) {
    super();
  }
  sizeClass(): string {
    return "function";
  }
  describe(): string {
    return `function ${this.qualname}`;
  }
  clear(rt: RefOps): void {
    // Objects/funcobject.c func_dealloc -> func_clear: globals, builtins, module, defaults,
    // kwdefaults, doc, dict, closure, annotations...; the code object last.
    rt.decref(this.globals);
    rt.decref(this.builtins);
    rt.decref(this.moduleName);
    if (this.defaults !== null) rt.decref(this.defaults);
    if (this.kwdefaults !== null) rt.decref(this.kwdefaults);
    if (this.closure !== null) rt.decref(this.closure);
    rt.decref(this.code);
    this.defaults = null;
    this.kwdefaults = null;
    this.closure = null;
  }
}

export class PyModule extends HeapObject {
  constructor(
    readonly name: string,
    readonly dict: PyDict,
  ) {
    super();
  }
  sizeClass(): string {
    return "module";
  }
  describe(): string {
    return `module ${this.name}`;
  }
  clear(rt: RefOps): void {
    rt.decref(this.dict);
  }
}

/** A bound method of a Python function (Objects/classobject.c). */
export class PyMethod extends HeapObject {
  constructor(
    readonly func: PyValue,
    readonly self: PyValue,
  ) {
    super();
  }
  sizeClass(): string {
    return "method";
  }
  describe(): string {
    return "bound method";
  }
  clear(rt: RefOps): void {
    // meth_dealloc: im_func then im_self
    rt.decref(this.func);
    rt.decref(this.self);
  }
}

// ---------------------------------------------------------------- builtin callables

export type BuiltinImpl = (rt: RuntimeApi, args: PyValue[], kwnames: readonly string[]) => PyValue;

/** METH_* calling convention of a builtin, used by tier 1's CALL_BUILTIN_* specializations. */
export type BuiltinFlavor = "O" | "FAST" | "FAST_WITH_KEYWORDS" | "NOARGS" | "VARARGS";

/**
 * A builtin function (`len`) or a method descriptor (`list.append`: `self` is args[0]).
 * Builtins are immortal. Returned values are NEW references; arguments are borrowed.
 */
export class PyBuiltin extends HeapObject {
  constructor(
    readonly name: string,
    readonly impl: BuiltinImpl,
    readonly flavor: BuiltinFlavor,
    /** for method descriptors: the type that defines them (`list` for list.append) */
    readonly ownerTypeName: string | null = null,
  ) {
    super();
    this.immortal = true;
  }
  sizeClass(): string {
    return "builtin";
  }
  describe(): string {
    return `builtin ${this.name}`;
  }
  clear(): void {}
}

/** A builtin method bound to its object (`xs.append` read as an attribute, not called at once). */
export class PyBoundBuiltin extends HeapObject {
  constructor(
    readonly descr: PyBuiltin,
    readonly self: PyValue,
  ) {
    super();
  }
  sizeClass(): string {
    return "builtin_method";
  }
  describe(): string {
    return `bound builtin ${this.descr.name}`;
  }
  clear(rt: RefOps): void {
    rt.decref(this.self);
  }
}

// ---------------------------------------------------------------- classes and instances

export class PyType extends HeapObject {
  /** tp_version_tag: 0 = none assigned; bumped (re-assigned) when the class or a base changes */
  versionTag = 0;
  mro: PyType[] = [];
  readonly subclasses = new Set<PyType>();
  constructor(
    public name: string,
    public qualname: string,
    readonly moduleName: string,
    readonly base: PyType | null,
    readonly dict: DictStore,
    readonly builtin: boolean,
  ) {
    super();
    this.immortal = builtin;
    this.mro = base === null ? [this] : [this, ...base.mro];
  }
  sizeClass(): string {
    return "type";
  }
  describe(): string {
    return `class ${this.qualname}`;
  }
  lookup(name: string): PyValue | undefined {
    for (const t of this.mro) {
      const v = t.dict.getStr(name);
      if (v !== undefined) return v;
    }
    return undefined;
  }
  isSubtypeOf(other: PyType): boolean {
    return this.mro.includes(other);
  }
  clear(rt: RefOps): void {
    // type_dealloc releases the dict (FIRST TO LAST), then its base
    for (const e of this.dict.clear()) {
      rt.decref(e.key);
      rt.decref(e.value);
    }
    if (this.base !== null) {
      this.base.subclasses.delete(this);
      rt.decref(this.base);
    }
  }
}

/** An instance of a Python class; attributes live in inline storage (CPython's inline values). */
export class PyInstance extends HeapObject {
  readonly attrs = new DictStore();
  constructor(public type: PyType) {
    super();
  }
  sizeClass(): string {
    return "instance";
  }
  describe(): string {
    return `${this.type.qualname} object`;
  }
  clear(rt: RefOps): void {
    // subtype_dealloc: clear inline values FIRST TO LAST, then drop the (heap) type
    for (const e of this.attrs.clear()) rt.decref(e.value);
    rt.decref(this.type);
  }
}

/** Exception instances (Objects/exceptions.c BaseException): args, traceback, context, cause. */
export class PyException extends PyInstance {
  traceback: PyTraceback | null = null;
  context: PyValue | null = null;
  cause: PyValue | null = null;
  constructor(
    type: PyType,
    public args: PyTuple,
  ) {
    super(type);
  }
  override describe(): string {
    return `${this.type.qualname} exception`;
  }
  override clear(rt: RefOps): void {
    // BaseException_clear: dict, args, notes, traceback, cause, context
    for (const e of this.attrs.clear()) rt.decref(e.value);
    rt.decref(this.args);
    const tb = this.traceback;
    this.traceback = null;
    if (tb !== null) rt.decref(tb);
    const cause = this.cause;
    this.cause = null;
    if (cause !== null) rt.decref(cause);
    const ctx = this.context;
    this.context = null;
    if (ctx !== null) rt.decref(ctx);
    rt.decref(this.type);
  }
}

// ---------------------------------------------------------------- frames and tracebacks

/**
 * A frame object, created only when a traceback needs one (CPython creates PyFrameObject lazily).
 * While its frame runs it only names it; when the frame exits while the frame object is still
 * referenced, the frame object TAKES OWNERSHIP of the locals (Python/frame.c take_ownership), so
 * locals stay alive as long as a traceback does — observable through __del__.
 */
export class PyFrameObject extends HeapObject {
  /** locals (and stack) owned after the frame exited; null while the frame is running */
  owned: (PyValue | null)[] | null = null;
  back: PyFrameObject | null = null;
  constructor(
    readonly qualname: string,
    readonly filename: string,
  ) {
    super();
  }
  sizeClass(): string {
    return "frame";
  }
  describe(): string {
    return `frame of ${this.qualname}`;
  }
  clear(rt: RefOps): void {
    // frame_dealloc: owned locals via _PyFrame_ClearLocals (last to first in 3.14), then f_back
    const owned = this.owned;
    this.owned = null;
    if (owned !== null) for (let i = owned.length - 1; i >= 0; i--) if (owned[i] !== null) rt.decref(owned[i]);
    const back = this.back;
    this.back = null;
    if (back !== null) rt.decref(back);
  }
}

export class PyTraceback extends HeapObject {
  constructor(
    public next: PyTraceback | null,
    readonly frame: PyFrameObject,
    /** byte offset of the instruction (tb_lasti) */
    readonly lasti: number,
    readonly line: number | undefined,
  ) {
    super();
  }
  sizeClass(): string {
    return "traceback";
  }
  describe(): string {
    return `traceback of ${this.frame.qualname}`;
  }
  clear(rt: RefOps): void {
    // tb_dealloc: tb_next, then tb_frame
    const next = this.next;
    this.next = null;
    if (next !== null) rt.decref(next);
    rt.decref(this.frame);
  }
}

// ---------------------------------------------------------------- iterators and views

export class PySeqIter extends HeapObject {
  index = 0;
  constructor(
    readonly kind: "list_iterator" | "tuple_iterator" | "str_ascii_iterator",
    public seq: PyList | PyTuple | string | null,
  ) {
    super();
  }
  sizeClass(): string {
    return "seqiter";
  }
  describe(): string {
    return this.kind;
  }
  clear(rt: RefOps): void {
    const s = this.seq;
    this.seq = null;
    if (s !== null) rt.decref(s);
  }
}

export class PyRangeIter extends HeapObject {
  constructor(
    public next: PyInt,
    public remaining: PyInt,
    readonly step: PyInt,
  ) {
    super();
  }
  sizeClass(): string {
    return "rangeiter";
  }
  describe(): string {
    return "range_iterator";
  }
  clear(): void {}
}

export type DictViewKind = "keys" | "values" | "items";

export class PyDictView extends HeapObject {
  constructor(
    readonly kind: DictViewKind,
    readonly dict: PyDict,
  ) {
    super();
  }
  sizeClass(): string {
    return "dictview";
  }
  describe(): string {
    return `dict_${this.kind}`;
  }
  clear(rt: RefOps): void {
    rt.decref(this.dict);
  }
}

export class PyDictIter extends HeapObject {
  /** snapshot of entries; CPython walks the table and checks the size on every step */
  entries: { key: PyValue; value: PyValue }[];
  index = 0;
  readonly initialSize: number;
  constructor(
    readonly kind: DictViewKind,
    public dict: PyDict | null,
  ) {
    super();
    this.entries = dict!.store.entryList();
    this.initialSize = dict!.store.size;
  }
  sizeClass(): string {
    return "dictiter";
  }
  describe(): string {
    return `dict_${this.kind}iterator`;
  }
  clear(rt: RefOps): void {
    const d = this.dict;
    this.dict = null;
    if (d !== null) rt.decref(d);
  }
}

/** enumerate / zip objects: hold their iterators (and enumerate's counter). */
export class PyEnumerate extends HeapObject {
  constructor(
    public iter: PyValue,
    public count: PyInt,
  ) {
    super();
  }
  sizeClass(): string {
    return "enumerate";
  }
  describe(): string {
    return "enumerate";
  }
  clear(rt: RefOps): void {
    rt.decref(this.iter);
  }
}

export class PyZip extends HeapObject {
  constructor(public iters: PyTuple) {
    super();
  }
  sizeClass(): string {
    return "zip";
  }
  describe(): string {
    return "zip";
  }
  clear(rt: RefOps): void {
    rt.decref(this.iters);
  }
}

// ---------------------------------------------------------------- helpers

export function isHeap(v: PyValue | null | undefined): v is HeapObject {
  return v instanceof HeapObject;
}

// Tuples hash structurally (if all items are hashable); other heap objects hash by identity,
// except unhashable containers (list, dict) which yield undefined.
setTupleKeyFunction((v: HeapObject): HashKey | undefined => {
  if (v instanceof PyTuple) {
    let s = "t(";
    for (const it of v.items) {
      const k = hashKey(it);
      if (k === undefined) return undefined;
      s += typeof k === "string" ? k.length + ":" + k : `o${k.addr}.${k.gen}`;
      s += ",";
    }
    return s + ")";
  }
  if (v instanceof PyList || v instanceof PyDict || v instanceof PyDictView) return undefined;
  return v;
});

export { hashKey };
