/**
 * PyError: how runtime code (arithmetic, builtins, attribute lookup, ...) raises a *builtin*
 * Python exception without needing a heap. The interpreter that catches it materializes a real
 * exception instance of the named class (see runtime/exceptions.ts), exactly once, at the point
 * where CPython's `_PyErr_SetString` would have created it.
 *
 * Messages must be byte-identical to CPython 3.14's for every case the subset can raise.
 */
export type BuiltinExcName =
  | "BaseException"
  | "Exception"
  | "ArithmeticError"
  | "LookupError"
  | "ZeroDivisionError"
  | "TypeError"
  | "NameError"
  | "UnboundLocalError"
  | "AttributeError"
  | "IndexError"
  | "KeyError"
  | "ValueError"
  | "OverflowError"
  | "RecursionError"
  | "RuntimeError"
  | "StopIteration"
  | "AssertionError"
  | "NotImplementedError"
  | "ImportError"
  | "ModuleNotFoundError";

export class PyError extends Error {
  constructor(
    readonly pyType: BuiltinExcName,
    readonly pyMessage: string,
    /** For KeyError the args tuple is the key itself, not the message (str(KeyError('a')) == "'a'"). */
    readonly pyArgs?: readonly unknown[],
  ) {
    const limit = suspendStackCapture();
    super(`${pyType}: ${pyMessage}`);
    Error.stackTraceLimit = limit;
  }
}

/**
 * Python exceptions travel through the engines as JS exceptions — PyError, PyRaise
 * (runtime.ts), ReRaise (vm/unwind.ts) — one per failing operation, `raise`, and frame an
 * exception leaves. V8 captures a JS stack trace in every Error constructor, which cost more than
 * everything else about raising (~7% of a fuzzing run). Those classes are Python control flow,
 * not engine bugs, so they construct their Error with capture turned off (their `stack` is the
 * header line only); InternalError and other engine errors keep their stacks. Usage:
 * `const limit = suspendStackCapture(); super(...); Error.stackTraceLimit = limit;`
 * (delete the suspension to see where one was thrown when debugging the engine itself).
 */
export function suspendStackCapture(): number {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  return limit;
}

export function raise(pyType: BuiltinExcName, message: string): never {
  throw new PyError(pyType, message);
}
