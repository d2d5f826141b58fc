/**
 * Frame and exception lifecycle shared by every interpreter (Python/frame.c, Python/errors.c,
 * Python/traceback.c): traceback entries with lazily created frame objects, leaving a frame
 * (locals released, or owned by a frame object a traceback still holds), __context__ chaining,
 * and turning a raised value into an exception instance.
 */
import { PyException, PyFrameObject, PyTraceback, PyType, type PyValue } from "../runtime/objects.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { PyError } from "../runtime/pyerror.ts";
import { T, typeOf } from "../runtime/types.ts";
import type { Frame } from "./frame.ts";

/** A new exception raised while another is handled gets it as __context__ (_PyErr_SetObject). */
export function chainContext(rt: Runtime, cur: PyValue, exc: PyException): PyException {
  if (cur instanceof PyException && cur !== exc) {
    // break a cycle through the context chain, as CPython does
    let o: PyException = cur;
    while (o.context instanceof PyException) {
      if (o.context === exc) {
        const c = o.context;
        o.context = null;
        rt.decref(c);
        break;
      }
      o = o.context;
    }
    const old = exc.context;
    exc.context = rt.newRef(cur);
    if (old !== null) rt.decref(old);
  }
  return exc;
}

export function addTraceback(rt: Runtime, f: Frame, exc: PyException): void {
  if (f.frameObj === null) f.frameObj = rt.alloc(new PyFrameObject(f.def.qualname, f.def.filename));
  const tb = rt.alloc(new PyTraceback(exc.traceback, rt.newRef(f.frameObj), f.ip * 2, f.def.lines[f.ip]));
  exc.traceback = tb;
}

/**
 * Leave a frame (Python/frame.c _PyFrame_ClearExceptCode): if a traceback still refers to its
 * frame object, that object takes ownership of the locals (and links f_back); otherwise the
 * locals are released last to first (3.14's _PyFrame_ClearLocals). Then the function, then the code.
 */
export function clearFrame(rt: Runtime, f: Frame): void {
  const fo = f.frameObj;
  f.frameObj = null;
  let owned = false;
  if (fo !== null) {
    if (fo.refcnt > 1) {
      fo.owned = f.localsplus.slice();
      f.localsplus.fill(null);
      if (f.back !== null) {
        if (f.back.frameObj === null) f.back.frameObj = rt.alloc(new PyFrameObject(f.back.def.qualname, f.back.def.filename));
        fo.back = rt.newRef(f.back.frameObj);
      }
      owned = true;
    }
    rt.decref(fo);
  }
  if (!owned) {
    // 3.14 _PyFrame_ClearLocals releases from the stack pointer down: LAST local first
    for (let i = f.localsplus.length - 1; i >= 0; i--) {
      const v = f.localsplus[i];
      f.localsplus[i] = null;
      if (v !== null && v !== undefined) rt.decref(v);
    }
  }
  if (f.func !== null) rt.decref(f.func);
  rt.decref(f.code);
}

/** An exception class is called with no arguments; an instance is used as is. */
export function instantiateException(rt: Runtime, v: PyValue, msg: string): PyException {
  if (v instanceof PyType && v.isSubtypeOf(T.BaseException)) {
    const r = rt.call(v, [], []);
    if (!(r instanceof PyException)) {
      rt.decref(r);
      throw new PyError("TypeError", `calling ${v.name} should have returned an instance of BaseException, not ${typeOf(r).name}`);
    }
    return r;
  }
  if (v instanceof PyException) return rt.newRef(v);
  throw new PyError("TypeError", msg);
}
