/**
 * LOAD_ATTR's and STORE_ATTR's specialized forms (Python/bytecodes.c, CPython 3.14). Spellings:
 *
 *   LOAD_ATTR_INSTANCE_VALUE = unused/1 + _GUARD_TYPE_VERSION + _CHECK_MANAGED_OBJECT_HAS_VALUES + _LOAD_ATTR_INSTANCE_VALUE + unused/5 + _PUSH_NULL_CONDITIONAL
 *   LOAD_ATTR_MODULE         = unused/1 + _LOAD_ATTR_MODULE + unused/5 + _PUSH_NULL_CONDITIONAL
 *   LOAD_ATTR_WITH_HINT      = unused/1 + _GUARD_TYPE_VERSION + _LOAD_ATTR_WITH_HINT + unused/5 + _PUSH_NULL_CONDITIONAL
 *   LOAD_ATTR_SLOT           = unused/1 + _GUARD_TYPE_VERSION + _LOAD_ATTR_SLOT + unused/5 + _PUSH_NULL_CONDITIONAL
 *   LOAD_ATTR_CLASS          = unused/1 + _CHECK_ATTR_CLASS + unused/2 + _LOAD_ATTR_CLASS + _PUSH_NULL_CONDITIONAL
 *   LOAD_ATTR_CLASS_WITH_METACLASS_CHECK = unused/1 + _CHECK_ATTR_CLASS + _GUARD_TYPE_VERSION + _LOAD_ATTR_CLASS + _PUSH_NULL_CONDITIONAL
 *   LOAD_ATTR_METHOD_WITH_VALUES = unused/1 + _GUARD_TYPE_VERSION + _GUARD_DORV_VALUES_INST_ATTR_FROM_DICT + _GUARD_KEYS_VERSION + _LOAD_ATTR_METHOD_WITH_VALUES
 *   LOAD_ATTR_METHOD_NO_DICT     = unused/1 + _GUARD_TYPE_VERSION + unused/2 + _LOAD_ATTR_METHOD_NO_DICT
 *   LOAD_ATTR_METHOD_LAZY_DICT   = unused/1 + _GUARD_TYPE_VERSION + _CHECK_ATTR_METHOD_LAZY_DICT + unused/1 + _LOAD_ATTR_METHOD_LAZY_DICT
 *   LOAD_ATTR_NONDESCRIPTOR_WITH_VALUES = unused/1 + _GUARD_TYPE_VERSION + _GUARD_DORV_VALUES_INST_ATTR_FROM_DICT + _GUARD_KEYS_VERSION + _LOAD_ATTR_NONDESCRIPTOR_WITH_VALUES
 *   LOAD_ATTR_NONDESCRIPTOR_NO_DICT     = unused/1 + _GUARD_TYPE_VERSION + unused/2 + _LOAD_ATTR_NONDESCRIPTOR_NO_DICT
 *   STORE_ATTR_INSTANCE_VALUE = unused/1 + _GUARD_TYPE_VERSION_AND_LOCK + _GUARD_DORV_NO_DICT + _STORE_ATTR_INSTANCE_VALUE
 *   STORE_ATTR_WITH_HINT      = unused/1 + _GUARD_TYPE_VERSION + _STORE_ATTR_WITH_HINT
 *
 * Not defined (the specializer never picks them; see specialize-attr.ts): LOAD_ATTR_PROPERTY and
 * LOAD_ATTR_GETATTRIBUTE_OVERRIDDEN (no properties or __getattribute__ in the subset) and
 * STORE_ATTR_SLOT (the only object slots the subset reaches are read-only or `__class__`).
 *
 * Reference order follows each uop body, also where it differs from the generic path: the
 * STORE_ATTR forms release the owner BEFORE the value they replaced (PyStackRef_CLOSE(owner);
 * Py_XDECREF(old_value)) where PyObject_SetAttr + DECREF_INPUTS release the old value first, and
 * the NONDESCRIPTOR forms close the owner before taking their new reference to the cached class
 * attribute. Both are observable through __del__, in CPython as here.
 *
 * Cache operands are byte offsets, entry indexes and versions as in CPython, in the 64-bit layout
 * (the values are never observable; only which field they name is).
 */
import { PyCode, PyFunction, PyInstance, PyModule, PyType, type PyValue } from "../runtime/objects.ts";
import { typeOf } from "../runtime/types.ts";
import { UndefinedBehavior } from "../runtime/ops.ts";
import { decodeBorrowed } from "../tier1/versions.ts";
import { defineUop, defineMacro, operandUnit, OK, DEOPT, EXIT, F_DEOPT, F_EXIT, F_ESCAPES, type UopContext } from "./table.ts";
import { push, pop, peek } from "./stack.ts";
import { defineSharedUop } from "./global.ts"; // also defines _PUSH_NULL_CONDITIONAL

// ------------------------------------------------------------------ object layout (64-bit CPython)

/** offsetof(PyObject, ob_type): the slot LOAD_ATTR_SLOT reads for `obj.__class__` */
export const OB_TYPE_OFFSET = 8;
/** byte offset of inline value slot 0: after the object header (16) and the PyDictValues header (8) */
export const INLINE_VALUES_OFFSET = 24;
/** MANAGED_DICT_OFFSET (-3 * sizeof(PyObject *)) */
export const MANAGED_DICT_OFFSET = -24;
/** tp_dictoffset of BaseException and its subclasses: offsetof(PyBaseExceptionObject, dict) */
export const BASE_EXCEPTION_DICTOFFSET = 16;
/** member descriptors with object slots the subset can read (offsets into PyFunctionObject / PyCodeObject) */
export const FUNC_GLOBALS_OFFSET = 16;
export const FUNC_MODULE_OFFSET = 104;
export const CODE_NAME_OFFSET = 120;
export const CODE_QUALNAME_OFFSET = 128;

export const inlineSlotOffset = (ix: number): number => INLINE_VALUES_OFFSET + 8 * ix;
const inlineSlotIndex = (offset: number): number => (offset - INLINE_VALUES_OFFSET) / 8;

/**
 * What an object slot at `offset` holds (borrowed), or null for NULL. The type version guard
 * before _LOAD_ATTR_SLOT fixes the owner's type, so the offset names one field.
 */
export function readObjectSlot(owner: PyValue, offset: number): PyValue | null {
  switch (offset) {
    case OB_TYPE_OFFSET:
      return typeOf(owner);
    case FUNC_GLOBALS_OFFSET:
      return owner instanceof PyFunction ? owner.globals : null;
    case FUNC_MODULE_OFFSET:
      return owner instanceof PyFunction ? owner.moduleName : null;
    case CODE_NAME_OFFSET:
      return owner instanceof PyCode ? owner.def.name : null;
    case CODE_QUALNAME_OFFSET:
      return owner instanceof PyCode ? owner.def.qualname : null;
  }
  throw new UndefinedBehavior(`LOAD_ATTR_SLOT at offset ${offset}: no such object slot`);
}

const instanceOf = (c: UopContext, v: PyValue): PyInstance => {
  if (!(v instanceof PyInstance)) throw new UndefinedBehavior(`${c.f.def.qualname}+${c.offset * 2}: attribute form on a ${typeOf(v).name} passed its type guard`);
  return v;
};

// ------------------------------------------------------------------ guards

// op(_GUARD_TYPE_VERSION, (type_version/2, owner -- owner)) — also TO_BOOL_ALWAYS_TRUE's guard
defineSharedUop("_GUARD_TYPE_VERSION", { inputs: 1, outputs: 1, cache: 2, flags: F_EXIT }, (c, _oparg, version) =>
  typeOf(peek(c, 1)).versionTag === version ? OK : EXIT,
);
// op(_GUARD_TYPE_VERSION_AND_LOCK, ...): no free threading, the lock always succeeds
defineUop("_GUARD_TYPE_VERSION_AND_LOCK", { inputs: 1, outputs: 1, cache: 2, flags: F_EXIT }, (c, _oparg, version) =>
  typeOf(peek(c, 1)).versionTag === version ? OK : EXIT,
);
// op(_CHECK_MANAGED_OBJECT_HAS_VALUES, (owner -- owner))
defineUop("_CHECK_MANAGED_OBJECT_HAS_VALUES", { inputs: 1, outputs: 1, flags: F_DEOPT }, (c) =>
  instanceOf(c, peek(c, 1)).valid ? OK : DEOPT,
);
// op(_GUARD_DORV_VALUES_INST_ATTR_FROM_DICT, (owner -- owner))
defineUop("_GUARD_DORV_VALUES_INST_ATTR_FROM_DICT", { inputs: 1, outputs: 1, flags: F_DEOPT }, (c) =>
  instanceOf(c, peek(c, 1)).valid ? OK : DEOPT,
);
// op(_GUARD_KEYS_VERSION, (keys_version/2, owner -- owner)): the class's shared keys did not change
defineUop("_GUARD_KEYS_VERSION", { inputs: 1, outputs: 1, cache: 2, flags: F_DEOPT }, (c, _oparg, version) =>
  typeOf(peek(c, 1)).cachedKeys().version === version ? OK : DEOPT,
);
// op(_CHECK_ATTR_CLASS, (type_version/2, owner -- owner))
defineUop("_CHECK_ATTR_CLASS", { inputs: 1, outputs: 1, cache: 2, flags: F_EXIT }, (c, _oparg, version) => {
  const owner = peek(c, 1);
  return owner instanceof PyType && owner.versionTag === version ? OK : EXIT;
});
// op(_CHECK_ATTR_METHOD_LAZY_DICT, (dictoffset/1, owner -- owner)): the instance dict is not created yet
defineUop("_CHECK_ATTR_METHOD_LAZY_DICT", { inputs: 1, outputs: 1, cache: 1, flags: F_DEOPT }, (c) =>
  instanceOf(c, peek(c, 1)).dict === null ? OK : DEOPT,
);
// op(_GUARD_DORV_NO_DICT, (owner -- owner))
defineUop("_GUARD_DORV_NO_DICT", { inputs: 1, outputs: 1, flags: F_EXIT }, (c) => {
  const o = instanceOf(c, peek(c, 1));
  return o.dict === null && o.valid ? OK : EXIT;
});

// ------------------------------------------------------------------ loads

/** attr = PyStackRef_FromPyObjectNew(v); PyStackRef_CLOSE(owner) */
function replaceOwner(c: UopContext, v: PyValue): void {
  const owner = pop(c);
  push(c, c.rt.newRef(v));
  c.rt.decref(owner);
}

// op(_LOAD_ATTR_INSTANCE_VALUE, (offset/1, owner -- attr))
defineUop("_LOAD_ATTR_INSTANCE_VALUE", { inputs: 1, outputs: 1, cache: 1, flags: F_DEOPT | F_ESCAPES }, (c, _oparg, offset) => {
  const v = instanceOf(c, peek(c, 1)).values[inlineSlotIndex(offset)];
  if (v === null || v === undefined) return DEOPT;
  replaceOwner(c, v);
  return OK;
});

// op(_LOAD_ATTR_MODULE, (dict_version/2, index/1, owner -- attr)) — at macro cache offset 1
defineUop("_LOAD_ATTR_MODULE", { inputs: 1, outputs: 1, cache: 3, flags: F_DEOPT | F_ESCAPES }, (c, _oparg, operand) => {
  const owner = peek(c, 1);
  if (!(owner instanceof PyModule)) return DEOPT;
  const version = operand >>> 0; // dict_version/2 (units 0-1), index/1 (unit 2)
  const store = owner.dict.store;
  if (store.peekKeysVersion() !== version) return DEOPT;
  const e = store.entryAt(operandUnit(operand, 2));
  if (e === undefined) return DEOPT;
  replaceOwner(c, e.value);
  return OK;
});

// op(_LOAD_ATTR_WITH_HINT, (hint/1, owner -- attr))
defineUop("_LOAD_ATTR_WITH_HINT", { inputs: 1, outputs: 1, cache: 1, flags: F_DEOPT | F_ESCAPES }, (c, oparg, hint) => {
  const dict = instanceOf(c, peek(c, 1)).dict;
  if (dict === null) return DEOPT;
  if (hint >= dict.nentries) return DEOPT;
  const e = dict.entries[hint];
  if (e === null || e === undefined || e.key !== c.f.def.names[oparg >> 1]) return DEOPT;
  replaceOwner(c, e.value);
  return OK;
});

// op(_LOAD_ATTR_SLOT, (index/1, owner -- attr)): attr = NewRef(*addr); DECREF_INPUTS
defineUop("_LOAD_ATTR_SLOT", { inputs: 1, outputs: 1, cache: 1, flags: F_DEOPT }, (c, _oparg, offset) => {
  const v = readObjectSlot(peek(c, 1), offset);
  if (v === null) return DEOPT;
  replaceOwner(c, v);
  return OK;
});

// op(_LOAD_ATTR_CLASS, (descr/4, owner -- attr)): attr = NewRef(descr); DECREF_INPUTS
defineUop("_LOAD_ATTR_CLASS", { inputs: 1, outputs: 1, cache: 4 }, (c, _oparg, descr) => {
  replaceOwner(c, decodeBorrowed(c.rt, descr));
  return OK;
});

/** (descr/4, owner -- attr, self): attr = NewRef(descr); self = owner (the reference moves) */
function loadMethod(c: UopContext, descr: number): void {
  const owner = pop(c);
  push(c, c.rt.newRef(decodeBorrowed(c.rt, descr)));
  push(c, owner);
}
defineUop("_LOAD_ATTR_METHOD_WITH_VALUES", { inputs: 1, outputs: 2, cache: 4 }, (c, _oparg, descr) => {
  loadMethod(c, descr);
  return OK;
});
defineUop("_LOAD_ATTR_METHOD_NO_DICT", { inputs: 1, outputs: 2, cache: 4 }, (c, _oparg, descr) => {
  loadMethod(c, descr);
  return OK;
});
defineUop("_LOAD_ATTR_METHOD_LAZY_DICT", { inputs: 1, outputs: 2, cache: 4 }, (c, _oparg, descr) => {
  loadMethod(c, descr);
  return OK;
});

/** (descr/4, owner -- attr): PyStackRef_CLOSE(owner); attr = NewRef(descr) — the owner goes first */
function loadNonDescriptor(c: UopContext, descr: number): void {
  c.rt.decref(pop(c));
  push(c, c.rt.newRef(decodeBorrowed(c.rt, descr)));
}
defineUop("_LOAD_ATTR_NONDESCRIPTOR_WITH_VALUES", { inputs: 1, outputs: 1, cache: 4, flags: F_ESCAPES }, (c, _oparg, descr) => {
  loadNonDescriptor(c, descr);
  return OK;
});
defineUop("_LOAD_ATTR_NONDESCRIPTOR_NO_DICT", { inputs: 1, outputs: 1, cache: 4, flags: F_ESCAPES }, (c, _oparg, descr) => {
  loadNonDescriptor(c, descr);
  return OK;
});

// ------------------------------------------------------------------ stores

// op(_STORE_ATTR_INSTANCE_VALUE, (offset/1, value, owner --)): store, close the owner, then release the old value
defineUop("_STORE_ATTR_INSTANCE_VALUE", { inputs: 2, outputs: 0, cache: 1, flags: F_ESCAPES }, (c, _oparg, offset) => {
  const owner = instanceOf(c, pop(c));
  const value = pop(c);
  const old = owner.storeInlineSlot(inlineSlotIndex(offset), value);
  c.rt.decref(owner);
  if (old !== null) c.rt.decref(old);
  return OK;
});

// op(_STORE_ATTR_WITH_HINT, (hint/1, value, owner --))
defineUop("_STORE_ATTR_WITH_HINT", { inputs: 2, outputs: 0, cache: 1, flags: F_DEOPT | F_ESCAPES }, (c, oparg, hint) => {
  const dict = instanceOf(c, peek(c, 1)).dict;
  if (dict === null) return DEOPT;
  if (hint >= dict.nentries) return DEOPT;
  const e = dict.entries[hint];
  if (e === null || e === undefined || e.key !== c.f.def.names[oparg]) return DEOPT;
  const owner = pop(c);
  const value = pop(c);
  const old = dict.replaceAt(hint, value);
  c.rt.decref(owner);
  c.rt.decref(old);
  return OK;
});

// ------------------------------------------------------------------ macros

defineMacro("LOAD_ATTR_INSTANCE_VALUE", [1, "_GUARD_TYPE_VERSION", "_CHECK_MANAGED_OBJECT_HAS_VALUES", "_LOAD_ATTR_INSTANCE_VALUE", 5, "_PUSH_NULL_CONDITIONAL"]);
defineMacro("LOAD_ATTR_MODULE", [1, "_LOAD_ATTR_MODULE", 5, "_PUSH_NULL_CONDITIONAL"]);
defineMacro("LOAD_ATTR_WITH_HINT", [1, "_GUARD_TYPE_VERSION", "_LOAD_ATTR_WITH_HINT", 5, "_PUSH_NULL_CONDITIONAL"]);
defineMacro("LOAD_ATTR_SLOT", [1, "_GUARD_TYPE_VERSION", "_LOAD_ATTR_SLOT", 5, "_PUSH_NULL_CONDITIONAL"]);
defineMacro("LOAD_ATTR_CLASS", [1, "_CHECK_ATTR_CLASS", 2, "_LOAD_ATTR_CLASS", "_PUSH_NULL_CONDITIONAL"]);
defineMacro("LOAD_ATTR_CLASS_WITH_METACLASS_CHECK", [1, "_CHECK_ATTR_CLASS", "_GUARD_TYPE_VERSION", "_LOAD_ATTR_CLASS", "_PUSH_NULL_CONDITIONAL"]);
defineMacro("LOAD_ATTR_METHOD_WITH_VALUES", [1, "_GUARD_TYPE_VERSION", "_GUARD_DORV_VALUES_INST_ATTR_FROM_DICT", "_GUARD_KEYS_VERSION", "_LOAD_ATTR_METHOD_WITH_VALUES"]);
defineMacro("LOAD_ATTR_METHOD_NO_DICT", [1, "_GUARD_TYPE_VERSION", 2, "_LOAD_ATTR_METHOD_NO_DICT"]);
defineMacro("LOAD_ATTR_METHOD_LAZY_DICT", [1, "_GUARD_TYPE_VERSION", "_CHECK_ATTR_METHOD_LAZY_DICT", 1, "_LOAD_ATTR_METHOD_LAZY_DICT"]);
defineMacro("LOAD_ATTR_NONDESCRIPTOR_WITH_VALUES", [1, "_GUARD_TYPE_VERSION", "_GUARD_DORV_VALUES_INST_ATTR_FROM_DICT", "_GUARD_KEYS_VERSION", "_LOAD_ATTR_NONDESCRIPTOR_WITH_VALUES"]);
defineMacro("LOAD_ATTR_NONDESCRIPTOR_NO_DICT", [1, "_GUARD_TYPE_VERSION", 2, "_LOAD_ATTR_NONDESCRIPTOR_NO_DICT"]);
defineMacro("STORE_ATTR_INSTANCE_VALUE", [1, "_GUARD_TYPE_VERSION_AND_LOCK", "_GUARD_DORV_NO_DICT", "_STORE_ATTR_INSTANCE_VALUE"]);
defineMacro("STORE_ATTR_WITH_HINT", [1, "_GUARD_TYPE_VERSION", "_STORE_ATTR_WITH_HINT"]);
