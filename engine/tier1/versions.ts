/**
 * Version helpers shared by the attribute and global specializations (and by any family that
 * guards on a type version: TO_BOOL_ALWAYS_TRUE, CALL_ALLOC_AND_ENTER_INIT...).
 *
 * Model decisions (CPython 3.14 references in brackets):
 *  - Type version tags [Objects/typeobject.c assign_version_tag, type_modified]. A heap type has
 *    tag 0 until someone asks; the type attribute cache asks on every lookup of a cacheable name
 *    (_PyType_LookupRef: generic getattr/setattr, type_getattro — modeled in ops.getAttr/setAttr/
 *    delAttr/getMethod) and so do the specializers (_PyType_LookupRefAndVersion). Tags come from
 *    the runtime's counter (Runtime.nextTypeVersion, first = FIRST_HEAP_TYPE_VERSION), bases get
 *    theirs first, and one class can be given at most MAX_VERSIONS_PER_CLASS (1000) tags: after
 *    that it is never specialized again (OUT_OF_VERSIONS). type_modified (ops.typeModified) resets
 *    the tag of the class and all its subclasses when a class attribute is set or deleted. Builtin
 *    types are immutable and have fixed tags (types.ts). Not modeled: the lookups CPython's slot
 *    wrappers make (slot_tp_init's __init__, slot_tp_finalize's __del__, slot_tp_repr...) also
 *    assign tags; only a class modified ~1000 times between such calls could tell.
 *  - Dict keys versions [Objects/dictobject.c _PyDictKeys_GetVersionForCurrentState]: handed out
 *    lazily from one counter per interpreter (dictstore.keysVersionCounter(rt), starting at 2),
 *    dropped to 0 whenever a key is added or removed (DictStore). Globals, builtins and module
 *    dicts use it; so do the shared keys of classes (instance_has_key always asks for one).
 *  - Borrowed object pointers in 4-unit caches (descr/4): a heap object is cached as its address
 *    and generation (Heap.borrow); reading it back goes through Heap.deref and treats a freed
 *    address as a use-after-free and a reused one as C would (the object that lives there now).
 *    Objects without an address (value types — ints, strs, floats, None, bools — and the
 *    unallocated immortal builtins) stand for CPython's immortal or kept-alive objects: they are
 *    cached as an index into a per-runtime table (generation 0, which no heap object has).
 */
import { HeapObject, InternalError } from "../runtime/heap.ts";
import type { PyType, PyValue, SharedKeys } from "../runtime/objects.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { keysVersionCounter, nextKeysVersion, type DictStore } from "../runtime/dictstore.ts";

export { MAX_VERSIONS_PER_CLASS, MCACHE_MAX_ATTR_SIZE } from "../runtime/objects.ts";

/** _PyType_GetVersionForCurrentState after assign_version_tag: the type's tag, or 0 if none can be had. */
export function typeVersion(rt: Runtime, t: PyType): number {
  return t.assignVersionTag(rt) ? t.versionTag : 0;
}

/** The version _PyType_LookupRefAndVersion reports along with a lookup of `name` in `t`. */
export function typeVersionForLookup(rt: Runtime, t: PyType, name: string): number {
  return t.versionForLookup(rt, name);
}

/** _PyDict_GetKeysVersionForCurrentState */
export function dictKeysVersion(rt: Runtime, d: DictStore): number {
  return d.getKeysVersion(keysVersionCounter(rt));
}

/** _PyDictKeys_GetVersionForCurrentState of a class's shared keys (ht_cached_keys) */
export function sharedKeysVersion(rt: Runtime, keys: SharedKeys): number {
  if (keys.version === 0) keys.version = nextKeysVersion(keysVersionCounter(rt));
  return keys.version;
}

// ------------------------------------------------------------------ borrowed pointers in caches

interface ValueTable {
  readonly values: PyValue[];
  readonly index: Map<unknown, number>;
}
const valueTables = new WeakMap<Runtime, ValueTable>();

function valueTable(rt: Runtime): ValueTable {
  let t = valueTables.get(rt);
  if (t === undefined) valueTables.set(rt, (t = { values: [], index: new Map() }));
  return t;
}

const GEN_UNIT = 2 ** 32;

/** write_ptr: the cache operand (4 units) that names `v` without owning it. */
export function encodeBorrowed(rt: Runtime, v: PyValue): number {
  if (v instanceof HeapObject && v.addr !== 0) {
    const b = rt.heap.borrow(v);
    return b.addr + b.gen * GEN_UNIT;
  }
  const t = valueTable(rt);
  let i = t.index.get(v);
  if (i === undefined) {
    i = t.values.length;
    t.values.push(v);
    t.index.set(v, i);
  }
  return i;
}

/** read_ptr: the object a borrowed cache operand names (see the module comment for stale ones). */
export function decodeBorrowed(rt: Runtime, operand: number): PyValue {
  const gen = Math.floor(operand / GEN_UNIT);
  const addr = operand - gen * GEN_UNIT;
  if (gen === 0) {
    const v = valueTable(rt).values[addr];
    if (v === undefined) throw new InternalError(`borrowed cache operand ${operand} names no cached value`, "invariant");
    return v;
  }
  const d = rt.heap.deref<HeapObject>({ addr, gen });
  if (d.state === "live") return d.obj;
  if (d.state === "reused") return d.now;
  throw new InternalError(`an inline cache reads 0x${addr.toString(16)} (generation ${gen}), which was freed`, "use-after-free");
}
