/**
 * LOAD_ATTR's and STORE_ATTR's specializers (Python/specialize.c _Py_Specialize_LoadAttr,
 * _Py_Specialize_StoreAttr and their helpers, CPython 3.14), with CPython's SPEC_FAIL_* kinds
 * (names without the prefix). A failure CPython records without a kind is reported as NO_KIND.
 *
 * What the subset can reach (checked against CPython 3.14.2 in pyodide, engine/tier1/attr.test.ts):
 *  - instances of Python classes: INSTANCE_VALUE / WITH_HINT (instance attributes, inline or in a
 *    materialized __dict__), METHOD_WITH_VALUES, NONDESCRIPTOR_WITH_VALUES; stores INSTANCE_VALUE /
 *    WITH_HINT;
 *  - instances of builtin types: METHOD_NO_DICT (`xs.append(...)`), NONDESCRIPTOR_NO_DICT;
 *  - exception instances (a dict slot, not a managed dict): METHOD_LAZY_DICT while no attribute
 *    was ever stored in them;
 *  - modules: MODULE; classes: CLASS (LOAD_ATTR_CLASS_WITH_METACLASS_CHECK needs a Python
 *    metaclass, outside the subset);
 *  - SLOT: object slots of member descriptors — `obj.__class__` on anything with the generic
 *    getattr (descriptor_is_class -> DUNDER_CLASS reads ob_type), `f.__globals__`, `f.__module__`,
 *    `code.co_name`, `code.co_qualname`.
 * Refused: LOAD_ATTR_PROPERTY and LOAD_ATTR_GETATTRIBUTE_OVERRIDDEN (the subset has no property
 * and no __getattribute__), STORE_ATTR_SLOT (the object slots the subset can store to are none:
 * `__class__` is DUNDER_CLASS -> ATTR_NON_OBJECT_SLOT, the others are read-only).
 *
 * A freshly (re)specialized instruction may deopt at once when re-dispatched: CPython specializes
 * for cases its own guards then reject for the very operand at hand (an attribute in the class's
 * shared keys that THIS instance lacks; an instance whose inline values were given up; a "no-op
 * success" that keeps the old form). Tier 1 runs the base instruction then, as CPython does
 * (REDISPATCH_MAY_DEOPT documents the switch for an engine that cannot).
 */
import "../uops/attr.ts";
import { inlineSlotOffset, BASE_EXCEPTION_DICTOFFSET, MANAGED_DICT_OFFSET, OB_TYPE_OFFSET, FUNC_GLOBALS_OFFSET, FUNC_MODULE_OFFSET, CODE_NAME_OFFSET, CODE_QUALNAME_OFFSET } from "../uops/attr.ts";
import {
  PyBuiltin, PyFunction, PyInstance, PyMethod, PyModule, PyType, type PyValue,
} from "../runtime/objects.ts";
import { typeOf } from "../runtime/types.ts";
import { OPNAME } from "../bytecode/opcodes.ts";
import { registerSpecializer, type SpecializeContext, type SpecializeResult } from "./specializer.ts";
import { dictKeysVersion, encodeBorrowed, sharedKeysVersion } from "./versions.ts";

/**
 * Whether tier 1 lets a re-dispatched, freshly specialized instruction deopt (CPython does, and so
 * does engine.ts). If false, the specializer returns the base form where the new form would
 * deopt at once: same counter, same values, only the opcode shown differs until the next
 * re-specialization.
 */
export const REDISPATCH_MAY_DEOPT: boolean = true;

const fail = (kind: string): SpecializeResult => ({ fail: kind });
/** a failure CPython counts without recording a SPEC_FAIL kind */
const NO_KIND = "NO_KIND";

// ------------------------------------------------------------------ descriptor classification

/** DescriptorClassification (Python/specialize.c) */
type Kind =
  | "OVERRIDING" | "METHOD" | "PROPERTY" | "OBJECT_SLOT" | "OTHER_SLOT" | "NON_OVERRIDING"
  | "BUILTIN_CLASSMETHOD" | "PYTHON_CLASSMETHOD" | "NON_DESCRIPTOR" | "MUTABLE" | "ABSENT"
  | "DUNDER_CLASS" | "GETSET_OVERRIDDEN" | "GETATTRIBUTE_IS_PYTHON_FUNCTION";

interface Found {
  readonly kind: Kind;
  /** the class attribute (METHOD, NON_DESCRIPTOR, ...), undefined for builtin descriptors */
  readonly descr?: PyValue;
  /** OBJECT_SLOT: the member's offset; `readonly`: Py_READONLY */
  readonly offset?: number;
  readonly readonly?: boolean;
}

/**
 * The getset and member descriptors of builtin types that the runtime answers outside the type
 * dicts (ops.specialAttr), classified as CPython 3.14 does (checked in pyodide): getsets are data
 * descriptors (OVERRIDING), members of object type are OBJECT_SLOT, other members OTHER_SLOT.
 * `object.__class__` is special (descriptor_is_class: DUNDER_CLASS).
 */
const BUILTIN_DESCRIPTORS: Readonly<Record<string, Readonly<Record<string, Found>>>> = {
  function: {
    __name__: { kind: "OVERRIDING" },
    __qualname__: { kind: "OVERRIDING" },
    __code__: { kind: "OVERRIDING" },
    __defaults__: { kind: "OVERRIDING" },
    __kwdefaults__: { kind: "OVERRIDING" },
    __globals__: { kind: "OBJECT_SLOT", offset: FUNC_GLOBALS_OFFSET, readonly: true },
    __module__: { kind: "OBJECT_SLOT", offset: FUNC_MODULE_OFFSET, readonly: false },
  },
  BaseException: {
    args: { kind: "OVERRIDING" },
    __traceback__: { kind: "OVERRIDING" },
    __context__: { kind: "OVERRIDING" },
    __cause__: { kind: "OVERRIDING" },
  },
  code: {
    co_name: { kind: "OBJECT_SLOT", offset: CODE_NAME_OFFSET, readonly: true },
    co_qualname: { kind: "OBJECT_SLOT", offset: CODE_QUALNAME_OFFSET, readonly: true },
    co_argcount: { kind: "OTHER_SLOT" },
  },
};

/**
 * Names the metaclass `type` (or `object`, in its MRO) defines as data descriptors in CPython 3.14
 * (getsets and members; read from pyodide): a class attribute load of one of them is never
 * specialized (ATTR_METACLASS_ATTRIBUTE).
 */
const TYPE_DATA_DESCRIPTORS: ReadonlySet<string> = new Set([
  "__basicsize__", "__itemsize__", "__flags__", "__weakrefoffset__", "__base__", "__dictoffset__",
  "__name__", "__qualname__", "__bases__", "__mro__", "__module__", "__abstractmethods__", "__dict__",
  "__doc__", "__text_signature__", "__annotations__", "__annotate__", "__type_params__", "__class__",
]);

/** classify_descriptor of a class attribute's value */
function classify(v: PyValue): Kind {
  if (v instanceof PyFunction) return "METHOD"; // function has Py_TPFLAGS_METHOD_DESCRIPTOR
  if (v instanceof PyBuiltin) return v.ownerTypeName !== null ? "METHOD" : "NON_DESCRIPTOR"; // method_descriptor / builtin_function_or_method
  if (v instanceof PyMethod) return "NON_OVERRIDING"; // method has tp_descr_get
  if (v instanceof PyInstance && !v.type.builtin) return "MUTABLE"; // an instance of a Python class
  return "NON_DESCRIPTOR";
}

/** _PyType_LookupRef + classify_descriptor (+ descriptor_is_class) in the model's types */
function findAttribute(t: PyType, name: string): Found {
  for (const b of t.mro) {
    if (b.builtin) {
      const d = BUILTIN_DESCRIPTORS[b.name]?.[name];
      if (d !== undefined) return d;
      if (b.base === null && name === "__class__") return { kind: "DUNDER_CLASS" };
    }
    const v = b.dict.getStr(name);
    if (v !== undefined) return { kind: classify(v), descr: v };
  }
  return { kind: "ABSENT" };
}

/** load_attr_fail_kind (statistics) */
function loadAttrFailKind(kind: Kind): string {
  switch (kind) {
    case "OVERRIDING": return "ATTR_OVERRIDING_DESCRIPTOR";
    case "METHOD": return "ATTR_METHOD";
    case "PROPERTY": return "ATTR_PROPERTY";
    case "OBJECT_SLOT": return "ATTR_OBJECT_SLOT";
    case "OTHER_SLOT": return "ATTR_NON_OBJECT_SLOT";
    case "DUNDER_CLASS": return "OTHER";
    case "MUTABLE": return "ATTR_MUTABLE_CLASS";
    case "GETSET_OVERRIDDEN":
    case "GETATTRIBUTE_IS_PYTHON_FUNCTION": return "OVERRIDDEN";
    case "BUILTIN_CLASSMETHOD": return "ATTR_BUILTIN_CLASS_METHOD";
    case "PYTHON_CLASSMETHOD": return "ATTR_CLASS_METHOD_OBJ";
    case "NON_OVERRIDING": return "ATTR_NON_OVERRIDING_DESCRIPTOR";
    case "NON_DESCRIPTOR": return "ATTR_NOT_DESCRIPTOR";
    case "ABSENT": return "ATTR_INSTANCE_ATTRIBUTE";
  }
}

// ------------------------------------------------------------------ cache writes

/** LOAD_ATTR: _PyAttrCache {counter, version/2, index/1} and _PyLoadMethodCache {counter, type_version/2, keys_version/2, descr/4} */
function setTypeVersion(s: SpecializeContext, v: number): void {
  s.setCache("version", v);
}
/** the 1-unit operand at unit 3 (index / offset / hint / dictoffset); LOAD_ATTR names units 3-4 keys_version */
function setIndex(s: SpecializeContext, family: "LOAD_ATTR" | "STORE_ATTR", v: number): void {
  s.setCache(family === "LOAD_ATTR" ? "keys_version" : "index", v);
}

/** The form to return when its guards would fail on the re-dispatch (see REDISPATCH_MAY_DEOPT). */
function deoptsAtOnce(base: string, form: string): SpecializeResult {
  return { form: REDISPATCH_MAY_DEOPT ? form : base };
}

// ------------------------------------------------------------------ instance dict access

/** specialize_dict_access (+ _inline / _hint) */
function dictAccess(
  s: SpecializeContext, owner: PyValue, name: string, tpVersion: number,
  base: "LOAD_ATTR" | "STORE_ATTR", valuesForm: string, hintForm: string,
): SpecializeResult {
  if (!(owner instanceof PyInstance) || owner.type.layout !== "inline") return fail("ATTR_NOT_MANAGED_DICT");
  if (owner.valid && !(base === "STORE_ATTR" && owner.dict !== null)) {
    // a materialized dict that still shares the inline values: the subset cannot make one
    if (owner.dict !== null) return fail("OTHER");
    const ix = owner.type.cachedKeys().lookup(name);
    if (ix < 0) return fail("ATTR_NOT_IN_KEYS");
    setIndex(s, base, inlineSlotOffset(ix));
    setTypeVersion(s, tpVersion);
    // the name is a shared key, but this instance may not have it: _LOAD_ATTR_INSTANCE_VALUE deopts
    if (base === "LOAD_ATTR" && (owner.values[ix] ?? null) === null) return deoptsAtOnce(base, valuesForm);
    return { form: valuesForm };
  }
  const dict = owner.dict;
  if (dict === null) return fail("NO_DICT");
  const index = dict.indexOf(name);
  if (index < 0) return fail("ATTR_NOT_IN_DICT");
  if (index > 0xffff) return fail("OUT_OF_RANGE");
  setIndex(s, base, index);
  setTypeVersion(s, tpVersion);
  return { form: hintForm };
}

// ------------------------------------------------------------------ LOAD_ATTR

/** LOAD_ATTR of an attribute the instance itself holds (shadowing the class's) */
function instanceAttr(s: SpecializeContext, owner: PyValue, name: string, tpVersion: number): SpecializeResult {
  return dictAccess(s, owner, name, tpVersion, "LOAD_ATTR", "LOAD_ATTR_INSTANCE_VALUE", "LOAD_ATTR_WITH_HINT");
}

/** specialize_attr_loadclassattr: a method (method load) or a non-descriptor (plain load) found on the class */
function loadClassAttr(s: SpecializeContext, owner: PyValue, descr: PyValue, tpVersion: number, isMethod: boolean, sharedVersion: number): SpecializeResult {
  const type = typeOf(owner);
  let form: string;
  if (type.layout === "inline") {
    if (sharedVersion === 0) return fail("OUT_OF_VERSIONS");
    s.setCache("keys_version", sharedVersion);
    form = isMethod ? "LOAD_ATTR_METHOD_WITH_VALUES" : "LOAD_ATTR_NONDESCRIPTOR_WITH_VALUES";
  } else if (type.layout === "none") {
    form = isMethod ? "LOAD_ATTR_METHOD_NO_DICT" : "LOAD_ATTR_NONDESCRIPTOR_NO_DICT";
  } else if (isMethod) {
    // a dict slot (tp_dictoffset, exceptions): only while the dict does not exist
    if ((owner as PyInstance).dict !== null) return fail("ATTR_NOT_MANAGED_DICT");
    s.setCache("keys_version", BASE_EXCEPTION_DICTOFFSET - MANAGED_DICT_OFFSET);
    form = "LOAD_ATTR_METHOD_LAZY_DICT";
  } else {
    return fail("ATTR_CLASS_ATTR_SIMPLE");
  }
  // descr is borrowed: the type version guard proves the class still holds it
  setTypeVersion(s, tpVersion);
  s.setCache("descr", encodeBorrowed(s.rt, descr));
  if (type.layout === "inline" && !(owner as PyInstance).valid) return deoptsAtOnce("LOAD_ATTR", form);
  return { form };
}

/** specialize_instance_load_attr + do_specialize_instance_load_attr */
function instanceLoadAttr(s: SpecializeContext, owner: PyValue, name: string): SpecializeResult {
  const type = typeOf(owner);
  // instance_has_key: for inline values the class's shared keys decide (and get a keys version)
  let shadow = false;
  let sharedVersion = 0;
  if (owner instanceof PyInstance && type.layout === "inline") {
    const keys = type.cachedKeys();
    shadow = keys.lookup(name) >= 0;
    sharedVersion = sharedKeysVersion(s.rt, keys);
  }
  // analyze_descriptor_load: bound methods have their own tp_getattro
  let found: Found;
  let tpVersion: number;
  if (owner instanceof PyMethod) {
    found = { kind: "GETSET_OVERRIDDEN" };
    tpVersion = type.versionTag;
  } else {
    tpVersion = type.versionForLookup(s.rt, name);
    found = findAttribute(type, name);
  }
  if (tpVersion === 0) return fail("OUT_OF_VERSIONS");
  const isMethodLoad = (s.oparg & 1) !== 0;
  switch (found.kind) {
    case "OVERRIDING":
      return fail("ATTR_OVERRIDING_DESCRIPTOR");
    case "METHOD":
      if (shadow) return instanceAttr(s, owner, name, tpVersion);
      if (isMethodLoad) return loadClassAttr(s, owner, found.descr!, tpVersion, true, sharedVersion);
      return fail("ATTR_METHOD");
    case "PROPERTY":
    case "GETATTRIBUTE_IS_PYTHON_FUNCTION":
      return fail("OTHER"); // no property / __getattribute__ in the subset
    case "OBJECT_SLOT":
    case "DUNDER_CLASS":
      // ATTR_AUDITED_SLOT: none of the subset's members is audited
      setIndex(s, "LOAD_ATTR", found.kind === "DUNDER_CLASS" ? OB_TYPE_OFFSET : found.offset!);
      setTypeVersion(s, tpVersion);
      return { form: "LOAD_ATTR_SLOT" };
    case "OTHER_SLOT":
      return fail("ATTR_NON_OBJECT_SLOT");
    case "MUTABLE":
      return fail("ATTR_MUTABLE_CLASS");
    case "GETSET_OVERRIDDEN":
      return fail("OVERRIDDEN");
    case "BUILTIN_CLASSMETHOD":
    case "PYTHON_CLASSMETHOD":
    case "NON_OVERRIDING":
      if (shadow) return instanceAttr(s, owner, name, tpVersion);
      return fail(NO_KIND);
    case "NON_DESCRIPTOR":
      if (shadow) return instanceAttr(s, owner, name, tpVersion);
      if (!isMethodLoad) return loadClassAttr(s, owner, found.descr!, tpVersion, false, sharedVersion);
      return fail(NO_KIND);
    case "ABSENT": {
      if (shadow) return instanceAttr(s, owner, name, tpVersion);
      // nothing to specialize for: keep the instruction as it is with a cooldown counter
      const current = OPNAME[s.f.code.units[s.offset]! & 0xff]!;
      return current === "LOAD_ATTR" ? { form: current } : deoptsAtOnce("LOAD_ATTR", current);
    }
  }
}

/** specialize_class_load_attr: the metaclass is always `type` (immutable, type_getattro) in the subset */
function classLoadAttr(s: SpecializeContext, cls: PyType, name: string): SpecializeResult {
  if (TYPE_DATA_DESCRIPTORS.has(name)) return fail("ATTR_METACLASS_ATTRIBUTE");
  const tpVersion = cls.versionForLookup(s.rt, name);
  const found = findAttribute(cls, name);
  if (tpVersion === 0) return fail("OUT_OF_VERSIONS");
  switch (found.kind) {
    case "METHOD":
    case "NON_DESCRIPTOR":
      setTypeVersion(s, tpVersion);
      s.setCache("descr", encodeBorrowed(s.rt, found.descr!));
      return { form: "LOAD_ATTR_CLASS" };
    case "ABSENT":
      return fail("EXPECTED_ERROR");
    default:
      return fail(loadAttrFailKind(found.kind));
  }
}

/** specialize_module_load_attr_lock_held */
function moduleLoadAttr(s: SpecializeContext, mod: PyModule, name: string): SpecializeResult {
  const store = mod.dict.store;
  if (!store.allKeysStr()) return fail("ATTR_NON_STRING");
  if (store.getStr("__getattr__") !== undefined) return fail("ATTR_MODULE_ATTR_NOT_FOUND");
  const index = store.indexOfStr(name);
  if (index < 0) return fail("ATTR_MODULE_ATTR_NOT_FOUND");
  if (index > 0xffff) return fail("OUT_OF_RANGE");
  const version = dictKeysVersion(s.rt, store);
  if (version === 0) return fail("OUT_OF_VERSIONS");
  s.setCache("version", version);
  setIndex(s, "LOAD_ATTR", index);
  return { form: "LOAD_ATTR_MODULE" };
}

/** _Py_Specialize_LoadAttr */
function specializeLoadAttr(s: SpecializeContext): SpecializeResult {
  const owner = s.peek(1);
  if (owner === null) return fail("OTHER");
  const name = s.f.def.names[s.oparg >> 1]!;
  if (owner instanceof PyModule) return moduleLoadAttr(s, owner, name);
  if (owner instanceof PyType) return classLoadAttr(s, owner, name);
  return instanceLoadAttr(s, owner, name);
}

// ------------------------------------------------------------------ STORE_ATTR

/** _Py_Specialize_StoreAttr */
function specializeStoreAttr(s: SpecializeContext): SpecializeResult {
  const owner = s.peek(1);
  if (owner === null) return fail("OTHER");
  const name = s.f.def.names[s.oparg]!;
  if (owner instanceof PyModule) return fail("OVERRIDDEN");
  // analyze_descriptor_store: classes have type_setattro (no version is asked for: a failure without a kind)
  if (owner instanceof PyType) return fail(NO_KIND);
  const type = typeOf(owner);
  const tpVersion = type.versionForLookup(s.rt, name);
  const found = findAttribute(type, name);
  if (tpVersion === 0) return fail(NO_KIND);
  switch (found.kind) {
    case "OVERRIDING":
      return fail("ATTR_OVERRIDING_DESCRIPTOR");
    case "METHOD":
      return fail("ATTR_METHOD");
    case "PROPERTY":
      return fail("ATTR_PROPERTY");
    case "OBJECT_SLOT":
      // STORE_ATTR_SLOT would need a writable object slot; the subset's are read-only, and
      // storing to function.__module__ is outside the model (ops.setAttr raises Unsupported first)
      return fail(found.readonly === true ? "ATTR_READ_ONLY" : "OTHER");
    case "DUNDER_CLASS":
    case "OTHER_SLOT":
      return fail("ATTR_NON_OBJECT_SLOT");
    case "MUTABLE":
      return fail("ATTR_MUTABLE_CLASS");
    case "GETATTRIBUTE_IS_PYTHON_FUNCTION":
    case "GETSET_OVERRIDDEN":
      return fail("OVERRIDDEN");
    case "BUILTIN_CLASSMETHOD":
      return fail("ATTR_BUILTIN_CLASS_METHOD_OBJ");
    case "PYTHON_CLASSMETHOD":
      return fail("ATTR_CLASS_METHOD_OBJ");
    case "NON_OVERRIDING":
      return fail("ATTR_CLASS_ATTR_DESCRIPTOR");
    case "NON_DESCRIPTOR":
      return fail("ATTR_CLASS_ATTR_SIMPLE");
    case "ABSENT":
      return dictAccess(s, owner, name, tpVersion, "STORE_ATTR", "STORE_ATTR_INSTANCE_VALUE", "STORE_ATTR_WITH_HINT");
  }
}

registerSpecializer("LOAD_ATTR", specializeLoadAttr);
registerSpecializer("STORE_ATTR", specializeStoreAttr);
