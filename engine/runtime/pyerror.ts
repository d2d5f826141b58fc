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
    super(`${pyType}: ${pyMessage}`);
  }
}

export function raise(pyType: BuiltinExcName, message: string): never {
  throw new PyError(pyType, message);
}
