/**
 * The instructions tierdiff supports: what CPython 3.14 emits for the declared Python subset
 * (README "Supported Python subset"). Program files, the importer and the verifier accept only
 * these BASE instructions; specialized forms appear only at run time (tier 1 rewrites them in place),
 * so a program file containing one is rejected with a message naming its base form.
 */
export const SUPPORTED_OPCODES: ReadonlySet<string> = new Set([
  // frame entry, no-ops
  "RESUME", "NOP", "NOT_TAKEN", "EXTENDED_ARG", "CACHE",
  // locals
  "LOAD_FAST", "LOAD_FAST_BORROW", "LOAD_FAST_LOAD_FAST", "LOAD_FAST_BORROW_LOAD_FAST_BORROW",
  "LOAD_FAST_CHECK", "LOAD_FAST_AND_CLEAR", "STORE_FAST", "STORE_FAST_LOAD_FAST", "STORE_FAST_STORE_FAST",
  "DELETE_FAST",
  // constants
  "LOAD_CONST", "LOAD_SMALL_INT", "LOAD_COMMON_CONSTANT",
  // globals / names (module and class bodies)
  "LOAD_GLOBAL", "STORE_GLOBAL", "DELETE_GLOBAL", "LOAD_NAME", "STORE_NAME", "DELETE_NAME",
  "LOAD_LOCALS", "LOAD_FROM_DICT_OR_DEREF", "LOAD_BUILD_CLASS",
  // attributes
  "LOAD_ATTR", "STORE_ATTR", "DELETE_ATTR",
  // operators
  "BINARY_OP", "STORE_SUBSCR", "DELETE_SUBSCR", "BINARY_SLICE", "STORE_SLICE", "BUILD_SLICE",
  "COMPARE_OP", "IS_OP", "CONTAINS_OP", "UNARY_NEGATIVE", "UNARY_INVERT", "UNARY_NOT", "TO_BOOL",
  // control flow
  "POP_JUMP_IF_FALSE", "POP_JUMP_IF_TRUE", "POP_JUMP_IF_NONE", "POP_JUMP_IF_NOT_NONE",
  "JUMP_FORWARD", "JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT",
  "GET_ITER", "FOR_ITER", "END_FOR", "POP_ITER",
  // stack
  "POP_TOP", "PUSH_NULL", "COPY", "SWAP",
  // calls and functions
  "CALL", "CALL_KW", "RETURN_VALUE", "MAKE_FUNCTION", "SET_FUNCTION_ATTRIBUTE",
  "MAKE_CELL", "LOAD_DEREF", "STORE_DEREF", "DELETE_DEREF", "COPY_FREE_VARS",
  // containers and strings
  "BUILD_TUPLE", "BUILD_LIST", "BUILD_MAP", "LIST_APPEND", "LIST_EXTEND", "MAP_ADD", "DICT_UPDATE", "UNPACK_SEQUENCE",
  "FORMAT_SIMPLE", "FORMAT_WITH_SPEC", "CONVERT_VALUE", "BUILD_STRING",
  // exceptions
  "RAISE_VARARGS", "PUSH_EXC_INFO", "POP_EXCEPT", "CHECK_EXC_MATCH", "RERAISE",
  // modules of the same program
  "IMPORT_NAME", "IMPORT_FROM",
]);

/** What a Python programmer wrote to get an unsupported opcode: used in import/verify errors. */
export const UNSUPPORTED_CONSTRUCTS: Readonly<Record<string, string>> = {
  YIELD_VALUE: "generator (yield)",
  RETURN_GENERATOR: "generator or coroutine",
  SEND: "yield from / await",
  GET_AWAITABLE: "await",
  LOAD_SPECIAL: "with statement",
  WITH_EXCEPT_START: "with statement",
  BUILD_SET: "set display",
  SET_ADD: "set comprehension",
  SET_UPDATE: "set display with unpacking",
  CALL_FUNCTION_EX: "call with *args or **kwargs",
  DICT_MERGE: "call with **kwargs",
  UNPACK_EX: "starred assignment (a, *b = ...)",
  LOAD_SUPER_ATTR: "super()",
  MATCH_CLASS: "match statement",
  MATCH_MAPPING: "match statement",
  MATCH_SEQUENCE: "match statement",
  MATCH_KEYS: "match statement",
  GET_LEN: "match statement",
  CHECK_EG_MATCH: "except* (exception groups)",
  CALL_INTRINSIC_1: "starred expression / import * / type parameters",
  CALL_INTRINSIC_2: "type parameters or exception groups",
  SETUP_ANNOTATIONS: "variable annotations at module or class level",
  BUILD_TEMPLATE: "template string (t-string)",
  BUILD_INTERPOLATION: "template string (t-string)",
  GET_AITER: "async for",
  GET_ANEXT: "async for",
  END_ASYNC_FOR: "async for",
  CLEANUP_THROW: "generator",
  END_SEND: "yield from / await",
  GET_YIELD_FROM_ITER: "yield from",
};

/** LOAD_COMMON_CONSTANT opargs (Include/internal/pycore_opcode_utils.h, 3.14). */
export const COMMON_CONSTANTS = ["AssertionError", "NotImplementedError", "tuple", "all", "any"] as const;

/** CONVERT_VALUE opargs (FVC_*): 1 str, 2 repr, 3 ascii. */
export const CONVERSIONS: Readonly<Record<number, string>> = { 1: "str", 2: "repr", 3: "ascii" };

/** SET_FUNCTION_ATTRIBUTE flags (MAKE_FUNCTION_*). */
export const FN_DEFAULTS = 0x01;
export const FN_KWDEFAULTS = 0x02;
export const FN_ANNOTATIONS = 0x04;
export const FN_CLOSURE = 0x08;
export const FN_ANNOTATE = 0x10;
