/**
 * Raising and exception unwinding, shared by every interpreter (Python/ceval.c `error:` /
 * `exception_unwind:`, Python/bytecodes.c RAISE_VARARGS and RERAISE). Only the instruction
 * sequencing differs between the interpreters; these rules are the same for all of them.
 */
import { PyException, PyNoneType, type PyValue } from "../runtime/objects.ts";
import { PyRaise, type Runtime } from "../runtime/runtime.ts";
import { PyError, PythonErrorBase, defineMessage } from "../runtime/pyerror.ts";
import { addTraceback, chainContext, clearFrame, instantiateException } from "./frames.ts";
import type { Frame } from "./frame.ts";

/** RERAISE: re-raise without adding a traceback entry; the handler is looked up at `at`. */
export class ReRaise extends PythonErrorBase {
  // an Error without a JS stack (see PythonErrorBase)
  constructor(
    readonly exc: PyException,
    /** offset of the RERAISE instruction itself */
    readonly at: number,
  ) {
    super();
  }
}
defineMessage(ReRaise, "reraise");

/**
 * Unwind `f` for the exception `e`: add a traceback entry (unless it is a re-raise), then either
 * jump to the handler covering the raising instruction (returns null) or clear the frame and
 * return the exception leaving it. Engine errors (internal, budget) are rethrown untouched.
 */
export function unwind(rt: Runtime, f: Frame, e: unknown, excInfo: PyValue): PyException | null {
  if (!(e instanceof PyRaise || e instanceof PyError || e instanceof ReRaise)) throw e;
  // The handler is looked up at the instruction that raised — for RERAISE its own offset, even
  // when it restored f.ip from a saved lasti (ceval.c: "We can't use frame->instr_ptr here, as
  // RERAISE may have set it").
  const at = e instanceof ReRaise ? e.at : f.ip;
  let exc: PyException;
  if (e instanceof ReRaise) exc = e.exc;
  else {
    exc = e instanceof PyError ? chainContext(rt, excInfo, rt.materialize(e)) : e.exc;
    addTraceback(rt, f, exc);
  }
  const entry = handlerAt(f, at);
  if (entry === undefined) {
    while (f.stack.length > 0) {
      const v = f.stack.pop()!;
      if (v !== null) rt.decref(v);
    }
    clearFrame(rt, f);
    return exc;
  }
  while (f.stack.length > entry.depth) {
    const v = f.stack.pop()!;
    if (v !== null) rt.decref(v);
  }
  if (entry.lasti) f.stack.push(f.ip);
  f.stack.push(exc);
  f.ip = entry.target;
  return null;
}

/** The exception table entry covering code unit `at`, if any (a loop, not a closure per raise). */
function handlerAt(f: Frame, at: number): Frame["def"]["exceptiontable"][number] | undefined {
  for (const x of f.def.exceptiontable) if (at >= x.start && at < x.end) return x;
  return undefined;
}

/**
 * RAISE_VARARGS: 0 re-raises the handled exception, 1 raises a class or instance, 2 adds a cause.
 * `pop` takes the operands from the stack (top first). Always throws.
 */
export function raiseVarargs(rt: Runtime, oparg: number, pop: () => PyValue, excInfo: PyValue): never {
  if (oparg === 0) {
    if (!(excInfo instanceof PyException)) throw new PyError("RuntimeError", "No active exception to reraise");
    throw new PyRaise(rt.newRef(excInfo));
  }
  const cause = oparg === 2 ? pop() : null;
  const v = pop();
  let exc: PyException;
  try {
    exc = instantiateException(rt, v, "exceptions must derive from BaseException");
  } catch (e) {
    if (cause !== null) rt.decref(cause);
    throw e;
  } finally {
    rt.decref(v);
  }
  if (cause !== null) {
    let cv: PyValue | null = null;
    try {
      cv = cause instanceof PyNoneType ? null : instantiateException(rt, cause, "exception causes must derive from BaseException");
    } catch (e) {
      rt.decref(exc);
      throw e;
    } finally {
      rt.decref(cause);
    }
    const old = exc.cause;
    exc.cause = cv;
    if (old !== null) rt.decref(old);
  }
  throw new PyRaise(chainContext(rt, excInfo, exc));
}
