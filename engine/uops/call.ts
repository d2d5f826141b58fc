/**
 * The CALL and CALL_KW families' specialized uops and macros, after Python/bytecodes.c (3.14).
 * Spellings, part order and unused/N are CPython's (engine/uops/cpython314-facts.json); the
 * func_version cache entry (2 units) is what tier 2 uses to look the callee up in the function
 * cache (engine/tier1/funccache.ts).
 *
 * Modelling notes:
 *  - A new frame is built by VmServices.frameForCall (which owns the callee and the arguments
 *    exactly as the generic _DO_CALL path does). The uops that CPython types as producing
 *    `new_frame: _PyInterpreterFrame*` (_INIT_CALL_PY_EXACT_ARGS, _PY_FRAME_GENERAL, _PY_FRAME_KW)
 *    leave the frame in c.pushed and a NULL placeholder in its stack slot; _PUSH_FRAME consumes the
 *    placeholder and signals PUSHED. _SAVE_RETURN_OFFSET is a no-op in tier 1 (the engine records
 *    the return offset when a frame is pushed). _PUSH_FRAME is declared `(new_frame -- res)`, not
 *    CPython's `(new_frame -- )`: its output is the value the callee hands back to this frame, the
 *    convention the generic _DO_CALL (`-- res` though it may push a frame) already follows, so that
 *    every frame-pushing form has its family's stack effect.
 *  - Non-Python calls go through the generic path's vectorcall helper (callNonPython), so the
 *    order in which inputs are released — hence __del__ timing — is the generic path's.
 *  - No PEP 523 frame evaluator and no data stack are modelled: _CHECK_PEP_523 and
 *    _CHECK_STACK_SPACE always pass. CPython's _CHECK_STACK_SPACE deopts whenever a frame would
 *    need a new 16 KiB data-stack chunk (a 900-deep recursion misses 3 times in pyodide), at
 *    points that depend on the frames below the program: counters differ there, values never.
 *    _CHECK_RECURSION_REMAINING compares the frame depth with the recursion limit like
 *    `py_recursion_remaining <= 1`.
 *  - Instructions CPython writes with a fixed stack shape for oparg == 1 (`callable, null, arg --
 *    res`) declare oparg + 2 inputs here: equal at oparg 1, and the family's shape for every oparg.
 *  - CALL_LIST_APPEND does NOT skip the following POP_TOP (CPython's SKIP_OVER): it pushes the
 *    None that list.append returns and the POP_TOP discards it, so tier 1 executes the same
 *    instructions as the reference interpreter (step counts stay equal) and the declared stack
 *    effect is the family's.
 *  - CALL_ALLOC_AND_ENTER_INIT: CPython's _Py_InitCleanup shim frame (EXIT_INIT_CHECK +
 *    RETURN_VALUE under __init__'s frame, kept out of tracebacks) is modeled by Frame.initSelf
 *    (engine/vm/frame.ts): the engine checks __init__'s None and hands `self` to the caller.
 */
import "./generic.ts";
import { PyBoundBuiltin, PyBuiltin, PyFunction, PyInstance, PyList, PyMethod, PyType, type PyValue } from "../runtime/objects.ts";
import { T, typeOf } from "../runtime/types.ts";
import * as ops from "../runtime/ops.ts";
import { InternalError } from "../runtime/heap.ts";
import {
  defineUop, defineMacro, OK, DEOPT, EXIT, PUSHED, F_DEOPT, F_EXIT, F_ERROR, F_ESCAPES, F_PURE, F_FRAME,
  type UopContext, type Signal,
} from "./table.ts";
import { expandMethod, popCallInputs, popKwnames, callNonPython } from "./generic.ts";
import { popMaybeNull, push } from "./stack.ts";

const E = F_ERROR | F_ESCAPES;

// ------------------------------------------------------------------ helpers shared with the specializer

/** stack_pointer[-depth] (NULL allowed) */
function at(c: UopContext, depth: number): PyValue | null {
  const s = c.f.stack;
  const v = s[s.length - depth];
  if (v === undefined) throw new InternalError(`${c.f.def.qualname}+${c.offset * 2}: stack underflow`);
  return v;
}

/** PyCFunction_CheckExact: a builtin function, or a builtin method bound to its object ([].append). */
export function isCFunction(v: PyValue | null): v is PyBuiltin | PyBoundBuiltin {
  return (v instanceof PyBuiltin && v.ownerTypeName === null) || v instanceof PyBoundBuiltin;
}
/** PyCFunction_GET_FLAGS: the METH_* calling convention */
export function cFunctionFlags(v: PyBuiltin | PyBoundBuiltin): PyBuiltin["flavor"] {
  return v instanceof PyBoundBuiltin ? v.descr.flavor : v.flavor;
}
/** Py_IS_TYPE(v, &PyMethodDescr_Type): a method descriptor (list.append looked up on the type) */
export function isMethodDescriptor(v: PyValue | null): v is PyBuiltin {
  return v instanceof PyBuiltin && v.ownerTypeName !== null;
}
/** method->d_common.d_type */
export function descriptorType(d: PyBuiltin): PyType | undefined {
  const t = (T as Record<string, PyType>)[d.ownerTypeName ?? ""];
  return t;
}

/**
 * Builtin classes WITHOUT a tp_vectorcall in CPython 3.14 (checked against pyodide: calling them
 * specializes to CALL_NON_PY_GENERAL, every other builtin class to CALL_BUILTIN_CLASS).
 */
const NO_VECTORCALL: ReadonlySet<PyType> = new Set([T.object, T.zip]);
/** tp->tp_vectorcall != NULL */
export function hasVectorcall(t: PyType): boolean {
  return t.builtin && !NO_VECTORCALL.has(t);
}

/** interp->callable_cache: len, isinstance and list.append as the runtime created them. */
interface CallableCache {
  readonly len: PyValue | undefined;
  readonly isinstance: PyValue | undefined;
  readonly listAppend: PyValue | undefined;
}
const callableCaches = new WeakMap<object, CallableCache>();
export function callableCache(c: { rt: UopContext["rt"] }): CallableCache {
  let cc = callableCaches.get(c.rt);
  if (cc === undefined) {
    const b = c.rt.builtins.store;
    cc = { len: b.getStr("len"), isinstance: b.getStr("isinstance"), listAppend: T.list.dict.getStr("append") };
    callableCaches.set(c.rt, cc);
  }
  return cc;
}

/** _CHECK_RECURSION_REMAINING: `tstate->py_recursion_remaining <= 1` (remaining = limit - depth) */
function recursionExhausted(c: UopContext): boolean {
  return c.rt.depth >= c.rt.recursionLimit - 1;
}

/** Build the callee frame (the generic path's frame constructor) and leave the placeholder of `new_frame`. */
function newFrame(c: UopContext, callable: PyValue, all: PyValue[], kwnames: readonly string[]): Signal {
  if (!(callable instanceof PyFunction)) throw new InternalError(`${c.f.def.qualname}+${c.offset * 2}: frame for a non-function`);
  c.pushed = c.vm.frameForCall(callable, all, kwnames);
  push(c, null);
  return OK;
}

// ------------------------------------------------------------------ guards

defineUop("_CHECK_PEP_523", { inputs: 0, outputs: 0, flags: F_DEOPT }, () => OK);

defineUop("_CHECK_FUNCTION_VERSION", { inputs: (o) => o + 2, outputs: (o) => o + 2, cache: 2, flags: F_EXIT }, (c, oparg, funcVersion) => {
  const callable = at(c, oparg + 2);
  if (!(callable instanceof PyFunction) || callable.funcVersion !== funcVersion) return EXIT;
  return OK;
});
defineUop("_CHECK_FUNCTION_VERSION_KW", { inputs: (o) => o + 3, outputs: (o) => o + 3, cache: 2, flags: F_EXIT }, (c, oparg, funcVersion) => {
  const callable = at(c, oparg + 3);
  if (!(callable instanceof PyFunction) || callable.funcVersion !== funcVersion) return EXIT;
  return OK;
});
defineUop("_CHECK_FUNCTION_EXACT_ARGS", { inputs: (o) => o + 2, outputs: (o) => o + 2, flags: F_EXIT }, (c, oparg) => {
  const callable = at(c, oparg + 2) as PyFunction;
  const hasSelf = at(c, oparg + 1) !== null ? 1 : 0;
  if (callable.code.def.argcount !== oparg + hasSelf) return EXIT;
  return OK;
});
defineUop("_CHECK_STACK_SPACE", { inputs: (o) => o + 2, outputs: (o) => o + 2, flags: F_DEOPT }, () => OK);
defineUop("_CHECK_RECURSION_REMAINING", { inputs: 0, outputs: 0, flags: F_DEOPT }, (c) => (recursionExhausted(c) ? DEOPT : OK));

defineUop("_CHECK_CALL_BOUND_METHOD_EXACT_ARGS", { inputs: (o) => o + 2, outputs: (o) => o + 2, flags: F_EXIT }, (c, oparg) => {
  if (at(c, oparg + 1) !== null) return EXIT;
  if (!(at(c, oparg + 2) instanceof PyMethod)) return EXIT;
  return OK;
});
function methodVersionOk(c: UopContext, depth: number, funcVersion: number): boolean {
  const callable = at(c, depth);
  if (!(callable instanceof PyMethod)) return false;
  const func = callable.func;
  if (!(func instanceof PyFunction) || func.funcVersion !== funcVersion) return false;
  return at(c, depth - 1) === null;
}
defineUop("_CHECK_METHOD_VERSION", { inputs: (o) => o + 2, outputs: (o) => o + 2, cache: 2, flags: F_EXIT }, (c, oparg, v) => (methodVersionOk(c, oparg + 2, v) ? OK : EXIT));
defineUop("_CHECK_METHOD_VERSION_KW", { inputs: (o) => o + 3, outputs: (o) => o + 3, cache: 2, flags: F_EXIT }, (c, oparg, v) => (methodVersionOk(c, oparg + 3, v) ? OK : EXIT));

const isPyCallable = (v: PyValue | null): boolean => v instanceof PyFunction || v instanceof PyMethod;
defineUop("_CHECK_IS_NOT_PY_CALLABLE", { inputs: (o) => o + 2, outputs: (o) => o + 2, flags: F_EXIT }, (c, oparg) => (isPyCallable(at(c, oparg + 2)) ? EXIT : OK));
defineUop("_CHECK_IS_NOT_PY_CALLABLE_KW", { inputs: (o) => o + 3, outputs: (o) => o + 3, flags: F_EXIT }, (c, oparg) => (isPyCallable(at(c, oparg + 3)) ? EXIT : OK));

defineUop("_GUARD_NOS_NULL", { inputs: 2, outputs: 2, flags: F_DEOPT }, (c) => (at(c, 2) === null ? OK : DEOPT));
defineUop("_GUARD_CALLABLE_TYPE_1", { inputs: 3, outputs: 3, flags: F_DEOPT }, (c) => (at(c, 3) === T.type ? OK : DEOPT));
defineUop("_GUARD_CALLABLE_STR_1", { inputs: 3, outputs: 3, flags: F_DEOPT }, (c) => (at(c, 3) === T.str ? OK : DEOPT));
defineUop("_GUARD_CALLABLE_TUPLE_1", { inputs: 3, outputs: 3, flags: F_DEOPT }, (c) => (at(c, 3) === T.tuple ? OK : DEOPT));
defineUop("_GUARD_CALLABLE_LEN", { inputs: 3, outputs: 3, flags: F_DEOPT }, (c) => (at(c, 3) === callableCache(c).len ? OK : DEOPT));

// ------------------------------------------------------------------ Python calls: frames

/** _INIT_CALL_BOUND_METHOD_EXACT_ARGS / _EXPAND_METHOD(_KW): the bound method becomes function + self (a side effect the generic path accepts) */
defineUop("_INIT_CALL_BOUND_METHOD_EXACT_ARGS", { inputs: (o) => o + 2, outputs: (o) => o + 2, flags: F_ESCAPES }, (c, oparg) => {
  expandMethod(c, oparg + 2);
  return OK;
});
defineUop("_EXPAND_METHOD", { inputs: (o) => o + 2, outputs: (o) => o + 2, flags: F_ESCAPES }, (c, oparg) => {
  expandMethod(c, oparg + 2);
  return OK;
});
defineUop("_EXPAND_METHOD_KW", { inputs: (o) => o + 3, outputs: (o) => o + 3, flags: F_ESCAPES }, (c, oparg) => {
  expandMethod(c, oparg + 3);
  return OK;
});

defineUop("_INIT_CALL_PY_EXACT_ARGS", { inputs: (o) => o + 2, outputs: 1, flags: F_PURE }, (c, oparg) => {
  const [callable, all] = popCallInputs(c, oparg);
  return newFrame(c, callable, all, []);
});
defineUop("_PY_FRAME_GENERAL", { inputs: (o) => o + 2, outputs: 1, flags: E }, (c, oparg) => {
  const [callable, all] = popCallInputs(c, oparg);
  return newFrame(c, callable, all, []);
});
defineUop("_PY_FRAME_KW", { inputs: (o) => o + 3, outputs: 1, flags: E }, (c, oparg) => {
  const kwnames = popKwnames(c);
  const [callable, all] = popCallInputs(c, oparg);
  return newFrame(c, callable, all, kwnames);
});
defineUop("_SAVE_RETURN_OFFSET", { inputs: 0, outputs: 0 }, () => OK);
defineUop("_PUSH_FRAME", { inputs: 1, outputs: 1, flags: F_FRAME }, (c) => {
  popMaybeNull(c);
  if (c.pushed === null) throw new InternalError(`${c.f.def.qualname}+${c.offset * 2}: _PUSH_FRAME without a frame`);
  return PUSHED;
});

// CALL_ALLOC_AND_ENTER_INIT = unused/1 + _CHECK_PEP_523 + _CHECK_AND_ALLOCATE_OBJECT + _CREATE_INIT_FRAME + _PUSH_FRAME:
// a plain class whose __init__ is a simple Python function: allocate the instance here (as
// object.__new__ would) and enter __init__ directly, with `self` kept for the init-cleanup shim.
defineUop("_CHECK_AND_ALLOCATE_OBJECT", { inputs: (o) => o + 2, outputs: (o) => o + 2, cache: 2, flags: F_DEOPT | F_ESCAPES }, (c, oparg, typeVersion) => {
  const s = c.f.stack;
  const selfAt = s.length - oparg - 1;
  const callable = s[selfAt - 1];
  if (s[selfAt] !== null) return DEOPT;
  if (!(callable instanceof PyType) || callable.builtin || callable.versionTag !== typeVersion) return DEOPT;
  const init = callable.lookup("__init__");
  if (!(init instanceof PyFunction)) return DEOPT;
  c.rt.incref(callable);
  s[selfAt] = c.rt.alloc(new PyInstance(callable));
  s[selfAt - 1] = c.rt.newRef(init);
  c.rt.decref(callable);
  return OK;
});
defineUop("_CREATE_INIT_FRAME", { inputs: (o) => o + 2, outputs: 1, flags: F_ERROR | F_ESCAPES }, (c, oparg) => {
  const [init, all] = popCallInputs(c, oparg);
  const self = all[0]!;
  c.rt.incref(self); // the shim's reference (its localsplus[0])
  try {
    newFrame(c, init, all, []);
  } catch (e) {
    c.rt.decref(self);
    throw e;
  }
  c.pushed!.initSelf = self;
  return OK;
});
defineMacro("CALL_ALLOC_AND_ENTER_INIT", [1, "_CHECK_PEP_523", "_CHECK_AND_ALLOCATE_OBJECT", "_CREATE_INIT_FRAME", "_PUSH_FRAME"]);

defineMacro("CALL_PY_EXACT_ARGS", [
  1, "_CHECK_PEP_523", "_CHECK_FUNCTION_VERSION", "_CHECK_FUNCTION_EXACT_ARGS", "_CHECK_STACK_SPACE",
  "_CHECK_RECURSION_REMAINING", "_INIT_CALL_PY_EXACT_ARGS", "_SAVE_RETURN_OFFSET", "_PUSH_FRAME",
]);
defineMacro("CALL_BOUND_METHOD_EXACT_ARGS", [
  1, "_CHECK_PEP_523", "_CHECK_CALL_BOUND_METHOD_EXACT_ARGS", "_INIT_CALL_BOUND_METHOD_EXACT_ARGS",
  "_CHECK_FUNCTION_VERSION", "_CHECK_FUNCTION_EXACT_ARGS", "_CHECK_STACK_SPACE", "_CHECK_RECURSION_REMAINING",
  "_INIT_CALL_PY_EXACT_ARGS", "_SAVE_RETURN_OFFSET", "_PUSH_FRAME",
]);
defineMacro("CALL_PY_GENERAL", [
  1, "_CHECK_PEP_523", "_CHECK_FUNCTION_VERSION", "_CHECK_RECURSION_REMAINING", "_PY_FRAME_GENERAL",
  "_SAVE_RETURN_OFFSET", "_PUSH_FRAME",
]);
defineMacro("CALL_BOUND_METHOD_GENERAL", [
  1, "_CHECK_PEP_523", "_CHECK_METHOD_VERSION", "_EXPAND_METHOD", "_CHECK_RECURSION_REMAINING",
  "_PY_FRAME_GENERAL", "_SAVE_RETURN_OFFSET", "_PUSH_FRAME",
]);
defineMacro("CALL_KW_PY", [1, "_CHECK_PEP_523", "_CHECK_FUNCTION_VERSION_KW", "_PY_FRAME_KW", "_SAVE_RETURN_OFFSET", "_PUSH_FRAME"]);
defineMacro("CALL_KW_BOUND_METHOD", [
  1, "_CHECK_PEP_523", "_CHECK_METHOD_VERSION_KW", "_EXPAND_METHOD_KW", "_PY_FRAME_KW", "_SAVE_RETURN_OFFSET", "_PUSH_FRAME",
]);

// ------------------------------------------------------------------ calls of builtin classes

defineUop("_CALL_TYPE_1", { inputs: (o) => o + 2, outputs: 1, flags: F_ESCAPES }, (c, oparg) => {
  const [callable, all] = popCallInputs(c, oparg);
  const arg = all[0]!;
  return callNonPython(c, callable, all, [], () => c.rt.newRef(typeOf(arg)));
});
defineUop("_CALL_STR_1", { inputs: (o) => o + 2, outputs: 1, flags: E }, (c, oparg) => {
  const [callable, all] = popCallInputs(c, oparg);
  const arg = all[0]!;
  return callNonPython(c, callable, all, [], () => ops.str(c.rt, arg));
});
defineUop("_CALL_TUPLE_1", { inputs: (o) => o + 2, outputs: 1, flags: E }, (c, oparg) => {
  const [callable, all] = popCallInputs(c, oparg);
  // PySequence_Tuple: tuple's own constructor
  return callNonPython(c, callable, all, [], () => c.rt.constructBuiltin(T.tuple, all, []));
});
defineMacro("CALL_TYPE_1", [1, 2, "_GUARD_NOS_NULL", "_GUARD_CALLABLE_TYPE_1", "_CALL_TYPE_1"]);
defineMacro("CALL_STR_1", [1, 2, "_GUARD_NOS_NULL", "_GUARD_CALLABLE_STR_1", "_CALL_STR_1", "_CHECK_PERIODIC"]);
defineMacro("CALL_TUPLE_1", [1, 2, "_GUARD_NOS_NULL", "_GUARD_CALLABLE_TUPLE_1", "_CALL_TUPLE_1", "_CHECK_PERIODIC"]);

defineUop("_CALL_BUILTIN_CLASS", { inputs: (o) => o + 2, outputs: 1, flags: F_DEOPT | E }, (c, oparg) => {
  const callable = at(c, oparg + 2);
  if (!(callable instanceof PyType)) return DEOPT;
  if (!hasVectorcall(callable)) return DEOPT;
  const [cl, all] = popCallInputs(c, oparg);
  return callNonPython(c, cl, all, []);
});
defineMacro("CALL_BUILTIN_CLASS", [1, 2, "_CALL_BUILTIN_CLASS", "_CHECK_PERIODIC"]);

// ------------------------------------------------------------------ calls of builtin functions

function totalArgs(c: UopContext, oparg: number): number {
  return oparg + (at(c, oparg + 1) !== null ? 1 : 0);
}

defineUop("_CALL_BUILTIN_O", { inputs: (o) => o + 2, outputs: 1, flags: F_EXIT | E }, (c, oparg) => {
  const callable = at(c, oparg + 2);
  if (totalArgs(c, oparg) !== 1) return EXIT;
  if (!isCFunction(callable) || cFunctionFlags(callable) !== "O") return EXIT;
  const [cl, all] = popCallInputs(c, oparg);
  return callNonPython(c, cl, all, []);
});
defineUop("_CALL_BUILTIN_FAST", { inputs: (o) => o + 2, outputs: 1, flags: F_DEOPT | E }, (c, oparg) => {
  const callable = at(c, oparg + 2);
  if (!isCFunction(callable) || cFunctionFlags(callable) !== "FAST") return DEOPT;
  const [cl, all] = popCallInputs(c, oparg);
  return callNonPython(c, cl, all, []);
});
defineUop("_CALL_BUILTIN_FAST_WITH_KEYWORDS", { inputs: (o) => o + 2, outputs: 1, flags: F_DEOPT | E }, (c, oparg) => {
  const callable = at(c, oparg + 2);
  if (!isCFunction(callable) || cFunctionFlags(callable) !== "FAST_WITH_KEYWORDS") return DEOPT;
  const [cl, all] = popCallInputs(c, oparg);
  return callNonPython(c, cl, all, []);
});
defineMacro("CALL_BUILTIN_O", [1, 2, "_CALL_BUILTIN_O", "_CHECK_PERIODIC"]);
defineMacro("CALL_BUILTIN_FAST", [1, 2, "_CALL_BUILTIN_FAST", "_CHECK_PERIODIC"]);
defineMacro("CALL_BUILTIN_FAST_WITH_KEYWORDS", [1, 2, "_CALL_BUILTIN_FAST_WITH_KEYWORDS", "_CHECK_PERIODIC"]);

defineUop("_CALL_LEN", { inputs: (o) => o + 2, outputs: 1, flags: E }, (c, oparg) => {
  const [callable, all] = popCallInputs(c, oparg);
  const arg = all[0]!;
  return callNonPython(c, callable, all, [], () => ops.length(c.rt, arg));
});
defineMacro("CALL_LEN", [1, 2, "_GUARD_NOS_NULL", "_GUARD_CALLABLE_LEN", "_CALL_LEN"]);

// inst(CALL_ISINSTANCE, (unused/1, unused/2, callable, self_or_null, args[oparg] -- res))
defineUop("CALL_ISINSTANCE", { inputs: (o) => o + 2, outputs: 1, cache: 3, flags: F_DEOPT | E }, (c, oparg) => {
  if (totalArgs(c, oparg) !== 2) return DEOPT;
  if (at(c, oparg + 2) !== callableCache(c).isinstance) return DEOPT;
  const [callable, all] = popCallInputs(c, oparg);
  return callNonPython(c, callable, all, []);
});
defineMacro("CALL_ISINSTANCE", ["CALL_ISINSTANCE"]);

// inst(CALL_LIST_APPEND, (unused/1, unused/2, callable, self, arg -- )) — see the note at the top on SKIP_OVER
defineUop("CALL_LIST_APPEND", { inputs: (o) => o + 2, outputs: 1, cache: 3, flags: F_DEOPT | E }, (c, oparg) => {
  if (at(c, oparg + 2) !== callableCache(c).listAppend) return DEOPT;
  const self = at(c, oparg + 1);
  if (self === null) return DEOPT;
  if (!(self instanceof PyList)) return DEOPT;
  const [callable, all] = popCallInputs(c, oparg);
  return callNonPython(c, callable, all, []);
});
defineMacro("CALL_LIST_APPEND", ["CALL_LIST_APPEND"]);

// ------------------------------------------------------------------ calls of method descriptors

/** The shared guards of _CALL_METHOD_DESCRIPTOR_*: a method descriptor of the flavour, applied to an object of exactly its type. */
function descriptorOk(c: UopContext, oparg: number, flavor: PyBuiltin["flavor"]): boolean {
  const callable = at(c, oparg + 2);
  if (!isMethodDescriptor(callable) || callable.flavor !== flavor) return false;
  const hasSelf = at(c, oparg + 1) !== null;
  const self = hasSelf ? at(c, oparg + 1) : oparg > 0 ? at(c, oparg) : null;
  return self !== null && typeOf(self) === descriptorType(callable);
}
function descriptorCall(flavor: PyBuiltin["flavor"], argsOk: (total: number) => boolean) {
  return (c: UopContext, oparg: number): Signal => {
    if (!argsOk(totalArgs(c, oparg))) return EXIT;
    if (!descriptorOk(c, oparg, flavor)) return EXIT;
    const [callable, all] = popCallInputs(c, oparg);
    return callNonPython(c, callable, all, []);
  };
}
defineUop("_CALL_METHOD_DESCRIPTOR_O", { inputs: (o) => o + 2, outputs: 1, flags: F_EXIT | E }, descriptorCall("O", (n) => n === 2));
defineUop("_CALL_METHOD_DESCRIPTOR_NOARGS", { inputs: (o) => o + 2, outputs: 1, flags: F_EXIT | E }, descriptorCall("NOARGS", (n) => n === 1));
defineUop("_CALL_METHOD_DESCRIPTOR_FAST", { inputs: (o) => o + 2, outputs: 1, flags: F_EXIT | E }, descriptorCall("FAST", (n) => n !== 0));
defineUop("_CALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS", { inputs: (o) => o + 2, outputs: 1, flags: F_EXIT | E }, descriptorCall("FAST_WITH_KEYWORDS", (n) => n !== 0));
defineMacro("CALL_METHOD_DESCRIPTOR_O", [1, 2, "_CALL_METHOD_DESCRIPTOR_O", "_CHECK_PERIODIC"]);
defineMacro("CALL_METHOD_DESCRIPTOR_NOARGS", [1, 2, "_CALL_METHOD_DESCRIPTOR_NOARGS", "_CHECK_PERIODIC"]);
defineMacro("CALL_METHOD_DESCRIPTOR_FAST", [1, 2, "_CALL_METHOD_DESCRIPTOR_FAST", "_CHECK_PERIODIC"]);
defineMacro("CALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS", [1, 2, "_CALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS", "_CHECK_PERIODIC"]);

// ------------------------------------------------------------------ any other callable

defineUop("_CALL_NON_PY_GENERAL", { inputs: (o) => o + 2, outputs: 1, flags: E }, (c, oparg) => {
  const [callable, all] = popCallInputs(c, oparg);
  return callNonPython(c, callable, all, []);
});
defineMacro("CALL_NON_PY_GENERAL", [1, 2, "_CHECK_IS_NOT_PY_CALLABLE", "_CALL_NON_PY_GENERAL", "_CHECK_PERIODIC"]);
defineUop("_CALL_KW_NON_PY", { inputs: (o) => o + 3, outputs: 1, flags: E }, (c, oparg) => {
  const kwnames = popKwnames(c);
  const [callable, all] = popCallInputs(c, oparg);
  return callNonPython(c, callable, all, kwnames);
});
defineMacro("CALL_KW_NON_PY", [1, 2, "_CHECK_IS_NOT_PY_CALLABLE_KW", "_CALL_KW_NON_PY", "_CHECK_PERIODIC"]);

