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

/** `tuple/N` for the common lengths, made once (sizeClass() runs on every alloc and free) */
const TUPLE_SIZE_CLASSES: readonly string[] = Array.from({ length: 32 }, (_, n) => `tuple/${n}`);

export class PyTuple extends HeapObject {
  constructor(readonly items: PyValue[]) {
    super();
  }
  sizeClass(): string {
    // CPython keeps one tuple freelist per length (Objects/tupleobject.c)
    const n = this.items.length;
    return n < TUPLE_SIZE_CLASSES.length ? TUPLE_SIZE_CLASSES[n]! : `tuple/${n}`;
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

/**
 * Where instances of a class keep their attributes. CPython derives it from the type flags that
 * type_new / type_ready compute (Objects/typeobject.c, 3.14):
 *  - "inline": Py_TPFLAGS_MANAGED_DICT | Py_TPFLAGS_INLINE_VALUES — every Python class whose bases
 *    are object or other such classes (tp_basicsize == sizeof(PyObject)). Attributes live in inline
 *    values indexed by the class's shared keys until a __dict__ must be materialized.
 *  - "dictoffset": tp_dictoffset > 0 — BaseException and every class derived from it (the dict slot
 *    of PyBaseExceptionObject; subclasses inherit it and get no managed dict). The dict is created
 *    on the first attribute store.
 *  - "none": no __dict__ (builtin types, `object()` instances).
 */
export type InstanceLayout = "inline" | "dictoffset" | "none";

/** SHARED_KEYS_MAX_SIZE (Objects/dictobject.c): a class's shared keys hold at most 30 names. */
export const SHARED_KEYS_MAX_SIZE = 30;
/** MAX_VERSIONS_PER_CLASS (Objects/typeobject.c): version tags one class may be assigned. */
export const MAX_VERSIONS_PER_CLASS = 1000;
/** MCACHE_MAX_ATTR_SIZE: longer names are not cached, so lookups of them assign and report no version. */
export const MCACHE_MAX_ATTR_SIZE = 100;

/** The interpreter-wide source of heap type version tags (Runtime.nextTypeVersion: interp->types.next_version_tag). */
export interface TypeVersionSource {
  nextTypeVersion: number;
  /** _PyType_LookupByVersion's cache (borrowed, by version): tier 2's optimizer resolves guarded types */
  readonly typesByVersion?: Map<number, PyType>;
}

/**
 * A heap type's ht_cached_keys: the split-table keys its instances' inline values are indexed by
 * (Objects/dictobject.c). Created for the class (_PyDict_NewKeysForClass) with room for
 * SHARED_KEYS_MAX_SIZE names and pre-filled with the class body's `__static_attributes__` (the
 * names assigned as `self.X` in its methods, a sorted tuple). Every instance allocation shrinks the
 * room by one while more than one slot is left (_PyObject_InitInlineValues: "it will shrink by one
 * before each new object"), so classes with many instances take few new names. Names are never
 * removed. dk_version is the keys version LOAD_ATTR_METHOD_WITH_VALUES /
 * NONDESCRIPTOR_WITH_VALUES guard on (adding a name resets it); it comes from the same per
 * interpreter counter as dict keys versions.
 */
export class SharedKeys {
  readonly names: string[] = [];
  private readonly index = new Map<string, number>();
  /** dk_usable */
  usable = SHARED_KEYS_MAX_SIZE;
  /** dk_version (0: none assigned since the last change) */
  version = 0;

  /** _PyDictKeys_StringLookupSplit: the slot of `name`, or -1 */
  lookup(name: string): number {
    return this.index.get(name) ?? -1;
  }
  /** insert_split_key: the slot of `name`, adding it while there is room (resets dk_version); -1 when full */
  insert(name: string): number {
    const i = this.index.get(name);
    if (i !== undefined) return i;
    if (this.usable <= 0) return -1;
    this.version = 0;
    const n = this.names.length;
    this.names.push(name);
    this.index.set(name, n);
    this.usable--;
    return n;
  }
  /** _PyObject_InitInlineValues: a new instance takes one slot of room while more than one is left */
  instanceAllocated(): void {
    if (this.usable > 1) this.usable--;
  }
}

/** PyDict_MINSIZE, USABLE_FRACTION, calculate_log2_keysize (Objects/dictobject.c) */
const DICT_MINSIZE = 8;
const usableFraction = (size: number): number => Math.floor((size << 1) / 3);
function log2KeySize(minsize: number): number {
  const n = Math.max(minsize, DICT_MINSIZE) - 1;
  return n === 0 ? 0 : 32 - Math.clz32(n);
}

/** One entry of a materialized instance dict (a unicode-keys PyDictUnicodeEntry). */
export interface InstanceDictEntry {
  readonly key: string;
  value: PyValue;
}

/**
 * A materialized instance __dict__ as CPython lays it out: a combined table of str keys whose
 * entries keep their index until the table is resized (a deleted entry leaves a hole; an insert
 * appends; when the usable room runs out the table is rebuilt compactly with room for three times
 * the live entries). The entry index is the "hint" LOAD_ATTR_WITH_HINT / STORE_ATTR_WITH_HINT
 * cache. Entries are released FIRST TO LAST when the instance dies (free_keys_object). The dict is
 * not a separate heap object in tierdiff (no Python code can reach it: the subset has no
 * `__dict__`/`vars()`), so materializing it allocates no address.
 */
export class InstanceDict {
  /** dk_entries, holes included */
  entries: (InstanceDictEntry | null)[] = [];
  private index = new Map<string, number>();
  /** ma_used */
  used = 0;
  /** dk_usable (0 for a new empty dict: Py_EMPTY_KEYS) */
  usable = 0;

  get(name: string): PyValue | undefined {
    const i = this.index.get(name);
    return i === undefined ? undefined : this.entries[i]!.value;
  }
  /** the entry index of `name` (_PyDict_LookupIndex), or -1 */
  indexOf(name: string): number {
    return this.index.get(name) ?? -1;
  }
  get nentries(): number {
    return this.entries.length;
  }
  /** insertdict: store an owned reference; returns the replaced value (released by the caller after the store) */
  set(name: string, value: PyValue): PyValue | undefined {
    const i = this.index.get(name);
    if (i !== undefined) {
      const e = this.entries[i]!;
      const old = e.value;
      e.value = value;
      return old;
    }
    // insert_combined_dict: no room -> insertion_resize (GROWTH_RATE = used * 3)
    if (this.usable <= 0) this.resize(log2KeySize(this.used * 3));
    this.index.set(name, this.entries.length);
    this.entries.push({ key: name, value });
    this.usable--;
    this.used++;
    return undefined;
  }
  /** delitem_common: the entry becomes a hole; returns the removed value (owned), or undefined */
  delete(name: string): PyValue | undefined {
    const i = this.index.get(name);
    if (i === undefined) return undefined;
    const v = this.entries[i]!.value;
    this.entries[i] = null;
    this.index.delete(name);
    this.used--;
    return v;
  }
  /** dictresize: compact the live entries into a table of 2**log2 slots */
  resize(log2: number): void {
    const live = this.entries.filter((e): e is InstanceDictEntry => e !== null);
    this.entries = live;
    this.index = new Map(live.map((e, i) => [e.key, i]));
    this.used = live.length;
    this.usable = usableFraction(1 << log2) - live.length;
  }
  /** _STORE_ATTR_WITH_HINT: replace the value of the live entry `hint` (named `name`); returns the old value (owned) */
  replaceAt(hint: number, value: PyValue): PyValue {
    const e = this.entries[hint]!;
    const old = e.value;
    e.value = value;
    return old;
  }
  /** live entries in table order */
  live(): InstanceDictEntry[] {
    return this.entries.filter((e): e is InstanceDictEntry => e !== null);
  }
}

export class PyType extends HeapObject {
  /**
   * tp_version_tag: 0 = none assigned. Builtin types have fixed tags (types.ts); heap types get one
   * lazily from the runtime's counter (assignVersionTag) whenever the type attribute cache looks a
   * name up in them or a specializer asks, and type_modified resets it to 0 for the type and all
   * its subclasses (ops.typeModified).
   */
  versionTag = 0;
  /** tp_versions_used: tags assigned so far (capped at MAX_VERSIONS_PER_CLASS) */
  versionsUsed = 0;
  mro: PyType[] = [];
  readonly subclasses = new Set<PyType>();
  private sharedKeys: SharedKeys | undefined;
  private layoutCache: InstanceLayout | undefined;
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
  /** See InstanceLayout (fixed once the type exists: its bases cannot change). */
  get layout(): InstanceLayout {
    if (this.layoutCache === undefined) {
      if (this.builtin) this.layoutCache = this.mro.some((t) => t.builtin && t.name === "BaseException") ? "dictoffset" : "none";
      else if (this.base === null || (this.base.builtin && this.base.base === null)) this.layoutCache = "inline";
      else this.layoutCache = this.base.layout;
    }
    return this.layoutCache;
  }
  /**
   * ht_cached_keys of an "inline" class, made on first use from the class dict's
   * `__static_attributes__` (CPython makes it in type_ready, from the same class dict; nothing the
   * subset can do changes `__static_attributes__` in between).
   */
  cachedKeys(): SharedKeys {
    if (this.sharedKeys === undefined) {
      const keys = new SharedKeys();
      const attrs = this.dict.getStr("__static_attributes__");
      if (attrs instanceof PyTuple) {
        for (const k of attrs.items) if (typeof k === "string" && keys.insert(k) < 0) break;
      }
      this.sharedKeys = keys;
    }
    return this.sharedKeys;
  }
  /**
   * assign_version_tag (Objects/typeobject.c): give the type (bases first) a version tag if it has
   * none. Fails (false) once the class has used MAX_VERSIONS_PER_CLASS tags, or a base cannot get
   * one. Builtin types always have their fixed tag.
   */
  assignVersionTag(src: TypeVersionSource): boolean {
    if (this.versionTag !== 0) return true;
    if (this.builtin) return false;
    if (this.versionsUsed >= MAX_VERSIONS_PER_CLASS) return false;
    if (this.base !== null && !this.base.assignVersionTag(src)) return false;
    this.versionTag = src.nextTypeVersion++;
    this.versionsUsed++;
    src.typesByVersion?.set(this.versionTag, this);
    return true;
  }
  /**
   * The version _PyType_LookupRefAndVersion reports with a lookup of `name`: a cacheable name
   * (MCACHE_CACHEABLE_NAME: length <= 100) assigns the tag first; 0 when none can be had.
   */
  versionForLookup(src: TypeVersionSource, name: string): number {
    if (name.length > MCACHE_MAX_ATTR_SIZE) return 0;
    return this.assignVersionTag(src) ? this.versionTag : 0;
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

/**
 * An instance of a Python class (or of `object`, or an exception: see PyException). Attribute
 * storage follows CPython 3.14 exactly, because it decides both what tier 1 can specialize and the
 * order in which attributes are released when the instance dies:
 *  - layout "inline": `values[i]` is the attribute named by slot i of the class's shared keys
 *    (Include/internal/pycore_dict.h PyDictValues), `order` the slots in insertion order, `valid`
 *    the inline values' valid flag. Storing a name the shared keys cannot take materializes a
 *    combined __dict__ from the values (insertion order) and invalidates the inline values for good
 *    (dictresize of the split table: `oldvalues->valid = 0`).
 *  - layout "dictoffset": `dict` is created by the first attribute store.
 *  - layout "none": no attributes can be stored.
 * Deallocation releases inline values BY SLOT (clear_inline_values: slot 0 first — the class's
 * sorted `__static_attributes__` first, then names in the order the class first saw them), a
 * materialized dict by entry (first to last); then the type.
 */
export class PyInstance extends HeapObject {
  /** inline values by shared-keys slot (layout "inline", while `valid`) */
  values: (PyValue | null)[] = [];
  /** _PyDictValues order: occupied slots in insertion order */
  order: number[] = [];
  /** _PyObject_InlineValues(obj)->valid: false once a combined __dict__ took the values over (and for other layouts) */
  valid: boolean;
  /** the materialized __dict__ (managed dict of an "inline" instance, or the dict slot of an exception) */
  dict: InstanceDict | null = null;
  constructor(public type: PyType) {
    super();
    this.valid = type.layout === "inline";
    if (this.valid) type.cachedKeys().instanceAllocated();
  }
  sizeClass(): string {
    return "instance";
  }
  describe(): string {
    return `${this.type.qualname} object`;
  }
  /** The instance's own attribute `name` (borrowed), or undefined. */
  getOwnAttr(name: string): PyValue | undefined {
    if (this.valid) {
      // _PyObject_TryGetInstanceAttribute: only names among the shared keys can be inline
      const i = this.type.cachedKeys().lookup(name);
      return i < 0 ? undefined : (this.values[i] ?? undefined);
    }
    return this.dict?.get(name);
  }
  /**
   * Store an OWNED reference as attribute `name` (_PyObject_StoreInstanceAttribute /
   * _PyObjectDict_SetItem). Returns the value it replaced (owned: the caller releases it AFTER the
   * store), or undefined. Returns null, storing nothing, when instances have no __dict__.
   */
  setOwnAttr(name: string, value: PyValue): PyValue | undefined | null {
    switch (this.type.layout) {
      case "none":
        return null;
      case "dictoffset":
        if (this.dict === null) this.dict = new InstanceDict();
        return this.dict.set(name, value);
      case "inline": {
        if (!this.valid) return this.dict!.set(name, value);
        // store_instance_attr_lock_held: the name takes a shared-keys slot if it can
        const ix = this.type.cachedKeys().insert(name);
        if (ix < 0) {
          this.materializeDict();
          return this.dict!.set(name, value);
        }
        const old = this.values[ix] ?? null;
        this.values[ix] = value;
        if (old === null) {
          this.order.push(ix);
          return undefined;
        }
        return old;
      }
    }
  }
  /**
   * Delete attribute `name`: returns the removed value (owned), undefined when absent, null when
   * instances have no __dict__. Deleting through inline values still inserts the name into the
   * shared keys when there is room (store_instance_attr_lock_held calls insert_split_key first).
   */
  deleteOwnAttr(name: string): PyValue | undefined | null {
    switch (this.type.layout) {
      case "none":
        return null;
      case "dictoffset":
        // _PyObjectDict_SetItem: ensure_nonmanaged_dict creates the dict even to delete from it
        if (this.dict === null) this.dict = new InstanceDict();
        return this.dict.delete(name);
      case "inline": {
        if (!this.valid) return this.dict!.delete(name);
        const ix = this.type.cachedKeys().insert(name);
        // a name the keys cannot take: the dict made for the store fails and is dropped again
        if (ix < 0) return undefined;
        const old = this.values[ix] ?? null;
        if (old === null) return undefined;
        this.values[ix] = null;
        this.order.splice(this.order.indexOf(ix), 1);
        return old;
      }
    }
  }
  /**
   * _STORE_ATTR_INSTANCE_VALUE: put an OWNED reference into inline slot `ix` (a slot of the shared
   * keys; the inline values are valid and no dict exists), returning the old value (owned) or null.
   */
  storeInlineSlot(ix: number, value: PyValue): PyValue | null {
    const old = this.values[ix] ?? null;
    this.values[ix] = value;
    if (old === null) this.order.push(ix); // _PyDictValues_AddToInsertionOrder
    return old;
  }
  /**
   * make_dict_from_instance_attributes + the resize that turns the split table into a combined one
   * (insertion_resize: room for three times the live attributes): entries in insertion order; the
   * inline values become invalid.
   */
  private materializeDict(): void {
    const d = new InstanceDict();
    const names = this.type.cachedKeys().names;
    d.resize(log2KeySize(this.order.length * 3));
    for (const ix of this.order) d.set(names[ix]!, this.values[ix]!);
    this.dict = d;
    this.values = [];
    this.order = [];
    this.valid = false;
  }
  /** The attributes as (name, value) entries in __dict__ order (inline values: insertion order). */
  get attrs(): { entries(): Iterable<{ key: string; value: PyValue }> } {
    return {
      entries: () => {
        if (this.valid) {
          const names = this.type.cachedKeys().names;
          return this.order.map((ix) => ({ key: names[ix]!, value: this.values[ix]! }));
        }
        return this.dict === null ? [] : this.dict.live();
      },
    };
  }
  /** Release the attributes as the instance dies (see the class comment), leaving the storage empty. */
  protected releaseAttrs(rt: RefOps): void {
    if (this.valid) {
      // clear_inline_values: slot order
      const values = this.values;
      this.values = [];
      this.order = [];
      this.valid = false;
      for (const v of values) if (v !== null && v !== undefined) rt.decref(v);
      return;
    }
    const d = this.dict;
    this.dict = null;
    if (d !== null) for (const e of d.live()) rt.decref(e.value);
  }
  clear(rt: RefOps): void {
    // subtype_dealloc: PyObject_ClearManagedDict / the dict slot, then drop the (heap) type
    this.releaseAttrs(rt);
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
    this.releaseAttrs(rt);
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
