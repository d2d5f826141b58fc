/**
 * Specializers of the CALL and CALL_KW families (Python/specialize.c, 3.14: _Py_Specialize_Call,
 * _Py_Specialize_CallKw and their helpers specialize_c_call, specialize_py_call(_kw),
 * specialize_class_call, specialize_method_descriptor). Python-function forms cache the callee's
 * func_version (2 units): tier 2 looks the callee up by it in the function cache.
 *
 * Refusals use the names of CPython's SPEC_FAIL_* kinds without the prefix.
 * CALL_ALLOC_AND_ENTER_INIT's _Py_InitCleanup shim frame (invisible to tracebacks and to step
 * counting) is modeled by Frame.initSelf: the engine checks __init__'s None and hands `self` on.
 */
import "../uops/call.ts";
import { CO_OPTIMIZED, CO_VARARGS, CO_VARKEYWORDS } from "../bytecode/code.ts";
import { OPMAP } from "../bytecode/opcodes.ts";
import { INLINE_CACHE_ENTRIES } from "../bytecode/opcodes.generated.ts";
import { PyFunction, PyMethod, PyType, type PyBuiltin, type PyBoundBuiltin, type PyCode } from "../runtime/objects.ts";
import { FUNC_VERSION_FIRST_VALID } from "../runtime/ops.ts";
import { T } from "../runtime/types.ts";
import { registerSpecializer, type SpecializeContext, type SpecializeResult } from "./specializer.ts";
import { typeVersionForLookup } from "./versions.ts";
import { callableCache, cFunctionFlags, hasVectorcall, isCFunction, isMethodDescriptor } from "../uops/call.ts";

const SIMPLE_FUNCTION = "SIMPLE_FUNCTION";

/** function_kind: *args, **kwargs or keyword-only parameters make a function "complex". */
function functionKind(code: PyCode): string {
  const def = code.def;
  if ((def.flags & (CO_VARKEYWORDS | CO_VARARGS)) !== 0 || def.kwonlyargcount !== 0) return "CODE_COMPLEX_PARAMETERS";
  if ((def.flags & CO_OPTIMIZED) === 0) return "CODE_NOT_OPTIMIZED";
  return SIMPLE_FUNCTION;
}

const form = (f: string): SpecializeResult => ({ form: f });
const fail = (reason: string): SpecializeResult => ({ fail: reason });

/** specialize_py_call: the exact-args forms when the code is simple and co_argcount == nargs (+ self of a bound method). */
function pyCall(s: SpecializeContext, func: PyFunction, nargs: number, boundMethod: boolean): SpecializeResult {
  const kind = functionKind(func.code);
  // no PEP 523 frame evaluator is modelled (SPEC_FAIL_CALL_PEP_523 never happens)
  if (kind === "CODE_NOT_OPTIMIZED") return fail(kind);
  const argcount = kind === SIMPLE_FUNCTION ? func.code.def.argcount : -1;
  const version = func.funcVersion;
  if (version < FUNC_VERSION_FIRST_VALID) return fail("OUT_OF_VERSIONS");
  s.setCache("func_version", version);
  if (argcount === nargs + (boundMethod ? 1 : 0)) return form(boundMethod ? "CALL_BOUND_METHOD_EXACT_ARGS" : "CALL_PY_EXACT_ARGS");
  return form(boundMethod ? "CALL_BOUND_METHOD_GENERAL" : "CALL_PY_GENERAL");
}

/** specialize_py_call_kw: no argument-count condition. */
function pyCallKw(s: SpecializeContext, func: PyFunction, boundMethod: boolean): SpecializeResult {
  const kind = functionKind(func.code);
  if (kind === "CODE_NOT_OPTIMIZED") return fail(kind);
  const version = func.funcVersion;
  if (version < FUNC_VERSION_FIRST_VALID) return fail("OUT_OF_VERSIONS");
  s.setCache("func_version", version);
  return form(boundMethod ? "CALL_KW_BOUND_METHOD" : "CALL_KW_PY");
}

/** specialize_c_call: by the METH_* flags of a builtin function (or builtin method bound to its object). */
function cCall(s: SpecializeContext, callable: PyBuiltin | PyBoundBuiltin, nargs: number): SpecializeResult {
  switch (cFunctionFlags(callable)) {
    case "O":
      if (nargs !== 1) return fail("WRONG_NUMBER_ARGUMENTS");
      if (callable === callableCache(s).len && s.oparg === 1) return form("CALL_LEN");
      return form("CALL_BUILTIN_O");
    case "FAST":
      if (nargs === 2 && callable === callableCache(s).isinstance && s.oparg === 2) return form("CALL_ISINSTANCE");
      return form("CALL_BUILTIN_FAST");
    case "FAST_WITH_KEYWORDS":
      return form("CALL_BUILTIN_FAST_WITH_KEYWORDS");
    default:
      return form("CALL_NON_PY_GENERAL");
  }
}

/** specialize_method_descriptor */
function descriptorCall(s: SpecializeContext, descr: PyBuiltin, nargs: number): SpecializeResult {
  switch (descr.flavor) {
    case "NOARGS":
      if (nargs !== 1) return fail("WRONG_NUMBER_ARGUMENTS");
      return form("CALL_METHOD_DESCRIPTOR_NOARGS");
    case "O": {
      if (nargs !== 2) return fail("WRONG_NUMBER_ARGUMENTS");
      // list.append whose result is discarded (the next instruction is POP_TOP)
      const next = s.f.code.units[s.offset + 1 + INLINE_CACHE_ENTRIES["CALL"]!]! & 0xff;
      if (descr === callableCache(s).listAppend && s.oparg === 1 && next === OPMAP["POP_TOP"]) return form("CALL_LIST_APPEND");
      return form("CALL_METHOD_DESCRIPTOR_O");
    }
    case "FAST":
      return form("CALL_METHOD_DESCRIPTOR_FAST");
    case "FAST_WITH_KEYWORDS":
      return form("CALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS");
    default:
      return form("CALL_NON_PY_GENERAL");
  }
}

/** specialize_class_call */
function classCall(s: SpecializeContext, tp: PyType, nargs: number): SpecializeResult {
  if (tp.builtin) {
    // Py_TPFLAGS_IMMUTABLETYPE: the builtin classes
    if (nargs === 1 && s.oparg === 1) {
      if (tp === T.str) return form("CALL_STR_1");
      if (tp === T.type) return form("CALL_TYPE_1");
      if (tp === T.tuple) return form("CALL_TUPLE_1");
    }
    if (hasVectorcall(tp)) return form("CALL_BUILTIN_CLASS");
    return form("CALL_NON_PY_GENERAL");
  }
  // heap classes: the metaclass is always `type` in the subset; exception classes inherit
  // BaseException's tp_new, not object's, so only plain classes get the __init__ treatment
  if (tp.isSubtypeOf(T.BaseException)) return form("CALL_NON_PY_GENERAL");
  // a class defining __new__ has slot_tp_new, not object's tp_new
  if (tp.lookup("__new__") !== undefined) return form("CALL_NON_PY_GENERAL");
  // get_init_for_simple_managed_python_class: _PyType_LookupRefAndVersion assigns the type version
  const version = typeVersionForLookup(s.rt, tp, "__init__");
  const init = tp.lookup("__init__");
  if (version === 0) return fail("OUT_OF_VERSIONS");
  if (init instanceof PyFunction && functionKind(init.code) === SIMPLE_FUNCTION) {
    // the type version goes where the function version would (CPython: write_u32(func_version, tp_version))
    s.setCache("func_version", version);
    return form("CALL_ALLOC_AND_ENTER_INIT");
  }
  // __init__ not a Python function (SPEC_FAIL_CALL_INIT_NOT_PYTHON) or not simple
  // (SPEC_FAIL_CALL_INIT_NOT_SIMPLE): CPython records the failure and still specializes generically
  return form("CALL_NON_PY_GENERAL");
}

/** _Py_Specialize_Call: nargs counts self when self_or_null is not NULL. */
registerSpecializer("CALL", (s) => {
  const callable = s.peek(s.oparg + 2);
  const nargs = s.oparg + (s.peek(s.oparg + 1) !== null ? 1 : 0);
  if (isCFunction(callable)) return cCall(s, callable, nargs);
  if (callable instanceof PyFunction) return pyCall(s, callable, nargs, false);
  if (callable instanceof PyType) return classCall(s, callable, nargs);
  if (isMethodDescriptor(callable)) return descriptorCall(s, callable, nargs);
  if (callable instanceof PyMethod) {
    const func = callable.func;
    if (func instanceof PyFunction) return pyCall(s, func, nargs, true);
    return fail("CALL_BOUND_METHOD");
  }
  return form("CALL_NON_PY_GENERAL");
});

/** _Py_Specialize_CallKw */
registerSpecializer("CALL_KW", (s) => {
  const callable = s.peek(s.oparg + 3);
  if (callable instanceof PyFunction) return pyCallKw(s, callable, false);
  if (callable instanceof PyMethod) {
    const func = callable.func;
    if (func instanceof PyFunction) return pyCallKw(s, func, true);
    return fail("CALL_BOUND_METHOD");
  }
  return form("CALL_KW_NON_PY");
});
