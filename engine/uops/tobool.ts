/**
 * TO_BOOL's specialized forms (Python/bytecodes.c, CPython 3.14). They give the generic truth test's
 * result for one operand type each; TO_BOOL_ALWAYS_TRUE covers instances of Python classes without
 * __bool__ and __len__ (guarded by the class's type version).
 */
import { PyList, PyNoneType } from "../runtime/objects.ts";
import { defineUop, defineMacro, OK, EXIT, F_EXIT, F_ESCAPES } from "./table.ts";
import { push, pop, peek } from "./stack.ts";
import { isExactInt } from "./binary.ts"; // also defines the shared _GUARD_TOS_* guards
import "./attr.ts"; // defines _GUARD_TYPE_VERSION (shared with the attribute forms)

// inst(TO_BOOL_BOOL, (unused/1, unused/2, value -- value))
defineUop("TO_BOOL_BOOL", { inputs: 1, outputs: 1, cache: 3, flags: F_EXIT }, (c) => (typeof peek(c, 1) === "boolean" ? OK : EXIT));
defineMacro("TO_BOOL_BOOL", ["TO_BOOL_BOOL"]);

// inst(TO_BOOL_INT, (unused/1, unused/2, value -- res)): ints are values, closing one is unobservable
defineUop("TO_BOOL_INT", { inputs: 1, outputs: 1, cache: 3, flags: F_EXIT | F_ESCAPES }, (c) => {
  const v = peek(c, 1);
  if (!isExactInt(v)) return EXIT;
  pop(c);
  push(c, v !== 0);
  return OK;
});
defineMacro("TO_BOOL_INT", ["TO_BOOL_INT"]);

// inst(TO_BOOL_NONE, (unused/1, unused/2, value -- res))
defineUop("TO_BOOL_NONE", { inputs: 1, outputs: 1, cache: 3, flags: F_EXIT }, (c) => {
  if (!(peek(c, 1) instanceof PyNoneType)) return EXIT;
  pop(c);
  push(c, false);
  return OK;
});
defineMacro("TO_BOOL_NONE", ["TO_BOOL_NONE"]);

/** (value -- res): the size test, then DECREF_INPUTS */
defineUop("_TO_BOOL_LIST", { inputs: 1, outputs: 1 }, (c) => {
  const list = pop(c) as PyList;
  const res = list.items.length > 0;
  c.rt.decref(list);
  push(c, res);
  return OK;
});
defineMacro("TO_BOOL_LIST", ["_GUARD_TOS_LIST", 1, 2, "_TO_BOOL_LIST"]);

defineUop("_TO_BOOL_STR", { inputs: 1, outputs: 1, flags: F_ESCAPES }, (c) => {
  const s = pop(c) as string;
  push(c, s !== "");
  return OK;
});
defineMacro("TO_BOOL_STR", ["_GUARD_TOS_UNICODE", 1, 2, "_TO_BOOL_STR"]);

/** (value -- res): PyStackRef_CLOSE(value); res = True */
defineUop("_REPLACE_WITH_TRUE", { inputs: 1, outputs: 1, flags: F_ESCAPES }, (c) => {
  c.rt.decref(pop(c));
  push(c, true);
  return OK;
});
// unused/1 + _GUARD_TYPE_VERSION (version/2) + _REPLACE_WITH_TRUE
defineMacro("TO_BOOL_ALWAYS_TRUE", [1, "_GUARD_TYPE_VERSION", "_REPLACE_WITH_TRUE"]);
