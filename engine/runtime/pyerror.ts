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

/**
 * The base class of the JS exceptions that carry Python exceptions through the engines — PyError
 * here, PyRaise (runtime.ts), ReRaise (vm/unwind.ts): one per failing operation, `raise`, and
 * frame an exception leaves. Error.prototype is on their prototype chain (`instanceof Error`,
 * `name` and toString() behave as for an Error), but Error's constructor never runs: V8 captures
 * a JS stack trace there, which made raising cost more than everything else about it (~7% of a
 * fuzzing run; still ~0.5 µs per construction with capture turned off). So they have no `stack`,
 * and each subclass provides `message` on its prototype (not an own property, as with Error).
 * Engine bugs (InternalError) and other engine errors remain real Errors with stacks.
 */
function ErrorWithoutStack(): void {}
ErrorWithoutStack.prototype = Error.prototype;
export const PythonErrorBase = ErrorWithoutStack as unknown as new () => Error;

/** Give a PythonErrorBase subclass its `message` (a fixed text, or computed from the instance). */
export function defineMessage<T>(cls: { prototype: T }, message: string | ((e: T) => string)): void {
  Object.defineProperty(cls.prototype, "message", typeof message === "string"
    ? { value: message, writable: true, configurable: true }
    : { get(this: T) { return message(this); }, configurable: true });
}

export class PyError extends PythonErrorBase {
  constructor(
    readonly pyType: BuiltinExcName,
    readonly pyMessage: string,
    /** For KeyError the args tuple is the key itself, not the message (str(KeyError('a')) == "'a'"). */
    readonly pyArgs?: readonly unknown[],
  ) {
    super();
  }
}
defineMessage(PyError, (e) => `${e.pyType}: ${e.pyMessage}`);

export function raise(pyType: BuiltinExcName, message: string): never {
  throw new PyError(pyType, message);
}
