/**
 * Builtin classes. They are immortal singletons shared by every Runtime (CPython's static types):
 * their dicts cannot be changed by programs ("cannot set 'x' attribute of immutable type 'int'"),
 * so sharing them across runs is unobservable. Builtin methods are registered by builtins.ts.
 */
import { DictStore } from "./dictstore.ts";
import {
  PyType, PyTuple, PyList, PyDict, PyRange, PySlice, PyCell, PyCode, PyFunction, PyModule, PyMethod,
  PyBuiltin, PyBoundBuiltin, PyInstance, PyFrameObject, PyTraceback, PySeqIter, PyRangeIter, PyDictView,
  PyDictIter, PyEnumerate, PyZip, PyFloat, PyNoneType, type PyValue,
} from "./objects.ts";

function mk(name: string, base: PyType | null): PyType {
  const t = new PyType(name, name, "builtins", base, new DictStore(), true);
  return t;
}

const object = mk("object", null);
const BaseException = mk("BaseException", object);
const Exception = mk("Exception", BaseException);
const ArithmeticError = mk("ArithmeticError", Exception);
const LookupError = mk("LookupError", Exception);
const RuntimeError = mk("RuntimeError", Exception);
const NameError = mk("NameError", Exception);
const ImportError = mk("ImportError", Exception);
const int = mk("int", object);

export const T = {
  object,
  type: mk("type", object),
  NoneType: mk("NoneType", object),
  int,
  bool: mk("bool", int),
  float: mk("float", object),
  str: mk("str", object),
  tuple: mk("tuple", object),
  list: mk("list", object),
  dict: mk("dict", object),
  range: mk("range", object),
  slice: mk("slice", object),
  cell: mk("cell", object),
  code: mk("code", object),
  function: mk("function", object),
  module: mk("module", object),
  method: mk("method", object),
  builtin_function_or_method: mk("builtin_function_or_method", object),
  method_descriptor: mk("method_descriptor", object),
  frame: mk("frame", object),
  traceback: mk("traceback", object),
  list_iterator: mk("list_iterator", object),
  tuple_iterator: mk("tuple_iterator", object),
  str_ascii_iterator: mk("str_ascii_iterator", object),
  range_iterator: mk("range_iterator", object),
  dict_keys: mk("dict_keys", object),
  dict_values: mk("dict_values", object),
  dict_items: mk("dict_items", object),
  dict_keyiterator: mk("dict_keyiterator", object),
  dict_valueiterator: mk("dict_valueiterator", object),
  dict_itemiterator: mk("dict_itemiterator", object),
  enumerate: mk("enumerate", object),
  zip: mk("zip", object),
  BaseException,
  Exception,
  ArithmeticError,
  LookupError,
  RuntimeError,
  NameError,
  ImportError,
  ZeroDivisionError: mk("ZeroDivisionError", ArithmeticError),
  OverflowError: mk("OverflowError", ArithmeticError),
  TypeError: mk("TypeError", Exception),
  UnboundLocalError: mk("UnboundLocalError", NameError),
  AttributeError: mk("AttributeError", Exception),
  IndexError: mk("IndexError", LookupError),
  KeyError: mk("KeyError", LookupError),
  ValueError: mk("ValueError", Exception),
  RecursionError: mk("RecursionError", RuntimeError),
  NotImplementedError: mk("NotImplementedError", RuntimeError),
  StopIteration: mk("StopIteration", Exception),
  AssertionError: mk("AssertionError", Exception),
  ModuleNotFoundError: mk("ModuleNotFoundError", ImportError),
} as const;

export type BuiltinTypeName = keyof typeof T;

/** Exception classes exposed as builtins (the subset's list plus their bases). */
export const EXCEPTION_TYPES: readonly PyType[] = [
  T.BaseException, T.Exception, T.ArithmeticError, T.LookupError, T.RuntimeError, T.NameError,
  T.ImportError, T.ZeroDivisionError, T.OverflowError, T.TypeError, T.UnboundLocalError,
  T.AttributeError, T.IndexError, T.KeyError, T.ValueError, T.RecursionError, T.NotImplementedError,
  T.StopIteration, T.AssertionError, T.ModuleNotFoundError,
];

let nextStaticVersion = 1;
for (const t of Object.values(T)) t.versionTag = nextStaticVersion++;
/** first version tag available for heap (user) classes */
export const FIRST_HEAP_TYPE_VERSION = nextStaticVersion;

export function typeOf(v: PyValue): PyType {
  switch (typeof v) {
    case "number":
    case "bigint":
      return T.int;
    case "boolean":
      return T.bool;
    case "string":
      return T.str;
    default:
      break;
  }
  if (v instanceof PyFloat) return T.float;
  if (v instanceof PyNoneType) return T.NoneType;
  if (v instanceof PyInstance) return v.type;
  if (v instanceof PyList) return T.list;
  if (v instanceof PyTuple) return T.tuple;
  if (v instanceof PyDict) return T.dict;
  if (v instanceof PyFunction) return T.function;
  if (v instanceof PyType) return T.type;
  if (v instanceof PyBuiltin) return v.ownerTypeName === null ? T.builtin_function_or_method : T.method_descriptor;
  if (v instanceof PyBoundBuiltin) return T.builtin_function_or_method;
  if (v instanceof PyMethod) return T.method;
  if (v instanceof PyRange) return T.range;
  if (v instanceof PySlice) return T.slice;
  if (v instanceof PyCell) return T.cell;
  if (v instanceof PyCode) return T.code;
  if (v instanceof PyModule) return T.module;
  if (v instanceof PySeqIter) return T[v.kind];
  if (v instanceof PyRangeIter) return T.range_iterator;
  if (v instanceof PyDictView) return T[`dict_${v.kind}`];
  if (v instanceof PyDictIter) return T[v.kind === "keys" ? "dict_keyiterator" : v.kind === "values" ? "dict_valueiterator" : "dict_itemiterator"];
  if (v instanceof PyEnumerate) return T.enumerate;
  if (v instanceof PyZip) return T.zip;
  if (v instanceof PyFrameObject) return T.frame;
  if (v instanceof PyTraceback) return T.traceback;
  return T.object;
}

export function typeName(v: PyValue): string {
  return typeOf(v).name;
}
