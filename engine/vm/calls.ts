/**
 * Binding call arguments to a new frame's locals (Python/ceval.c initialize_locals): positional,
 * *args, keywords, **kwargs, defaults and keyword-only defaults, with CPython 3.14's TypeError
 * messages. Shared by every interpreter: it is runtime semantics, not instruction sequencing.
 */
import type { CodeDef } from "../bytecode/code.ts";
import { CO_VARARGS, CO_VARKEYWORDS } from "../bytecode/code.ts";
import type { PyDict, PyFunction, PyValue } from "../runtime/objects.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { PyError } from "../runtime/pyerror.ts";

/** Python/ceval.c initialize_locals: positional, *args, keywords, **kwargs, defaults; owned args. */
export function bindArguments(rt: Runtime, fn: PyFunction, def: CodeDef, args: PyValue[], kwnames: readonly string[]): (PyValue | null)[] {
  const lp = new Array<PyValue | null>(def.nlocalsplus).fill(null);
  const npos = args.length - kwnames.length;
  const argcount = def.argcount;
  const total = argcount + def.kwonlyargcount;
  const hasVarargs = (def.flags & CO_VARARGS) !== 0;
  const hasVarkw = (def.flags & CO_VARKEYWORDS) !== 0;
  const name = fn.qualname;
  // args are BORROWED here: everything stored in the new locals is a new reference.
  // (No closures in this function: it runs for every Python call, and a closure capturing its
  // variables makes V8 allocate a context on every call — plus a defineProperty under tsx, whose
  // esbuild keepNames wraps every named function expression in __name(). Errors go through
  // bindFail; the lists of missing names are only made when something is missing.)
  let kwdict: PyDict | null = null;
  if (hasVarkw) {
    kwdict = rt.dict();
    lp[total + (hasVarargs ? 1 : 0)] = kwdict;
  }
  const n = Math.min(npos, argcount);
  for (let i = 0; i < n; i++) lp[i] = rt.newRef(args[i]!);
  if (hasVarargs) {
    const rest = args.slice(n, npos);
    for (let i = 0; i < rest.length; i++) rest[i] = rt.newRef(rest[i]!);
    lp[total] = rt.tuple(rest);
  }
  for (let k = 0; k < kwnames.length; k++) {
    const kname = kwnames[k]!;
    const value = args[npos + k]!;
    let j = -1;
    for (let p = def.posonlyargcount; p < total; p++) if (def.localsplusnames[p] === kname) { j = p; break; }
    if (j < 0) {
      if (kwdict !== null) {
        rt.dictSet(kwdict, kname, value);
        continue;
      }
      const posonly = def.localsplusnames.slice(0, def.posonlyargcount).includes(kname);
      if (posonly) bindFail(rt, lp, `${name}() got some positional-only arguments passed as keyword arguments: '${kname}'`);
      bindFail(rt, lp, `${name}() got an unexpected keyword argument '${kname}'`);
    }
    if (lp[j] !== null) bindFail(rt, lp, `${name}() got multiple values for argument '${kname}'`);
    lp[j] = rt.newRef(value);
  }
  if (npos > argcount && !hasVarargs) {
    const defcount = fn.defaults?.items.length ?? 0;
    let kwonlyGiven = 0;
    for (const k of kwnames) if (def.localsplusnames.slice(argcount, total).includes(k)) kwonlyGiven++;
    const takes = defcount > 0 ? `from ${argcount - defcount} to ${argcount} positional arguments` : `${argcount} positional argument${plural(argcount)}`;
    const given = kwonlyGiven > 0
      ? `${npos} positional argument${plural(npos)} (and ${kwonlyGiven} keyword-only argument${plural(kwonlyGiven)}) were given`
      : `${npos} ${npos === 1 ? "was" : "were"} given`;
    bindFail(rt, lp, `${name}() takes ${takes} but ${given}`);
  }
  // defaults for missing positional parameters
  const defaults = fn.defaults?.items ?? NO_DEFAULTS;
  const firstDefault = argcount - defaults.length;
  let missing: string[] | null = null;
  for (let i = 0; i < argcount; i++) {
    if (lp[i] !== null) continue;
    if (i >= firstDefault) lp[i] = rt.newRef(defaults[i - firstDefault]!);
    else (missing ??= []).push(def.localsplusnames[i]!);
  }
  if (missing !== null) bindFail(rt, lp, `${name}() missing ${missing.length} required positional argument${missing.length === 1 ? "" : "s"}: ${joinNames(missing)}`);
  let kwmissing: string[] | null = null;
  for (let i = argcount; i < total; i++) {
    if (lp[i] !== null) continue;
    const kn = def.localsplusnames[i]!;
    const dv = fn.kwdefaults !== null ? fn.kwdefaults.store.getStr(kn) : undefined;
    if (dv !== undefined) lp[i] = rt.newRef(dv);
    else (kwmissing ??= []).push(kn);
  }
  if (kwmissing !== null) bindFail(rt, lp, `${name}() missing ${kwmissing.length} required keyword-only argument${kwmissing.length === 1 ? "" : "s"}: ${joinNames(kwmissing)}`);
  return lp;
}

const NO_DEFAULTS: readonly PyValue[] = [];

/** A binding error: release what was bound so far (last to first), then raise TypeError. */
function bindFail(rt: Runtime, lp: (PyValue | null)[], msg: string): never {
  for (let i = lp.length - 1; i >= 0; i--) if (lp[i] !== null) rt.decref(lp[i]);
  throw new PyError("TypeError", msg);
}

function plural(c: number): string {
  return c === 1 ? "" : "s";
}

function joinNames(names: string[]): string {
  const q = names.map((n) => `'${n}'`);
  if (q.length === 1) return q[0]!;
  if (q.length === 2) return `${q[0]} and ${q[1]}`;
  return `${q.slice(0, -1).join(", ")}, and ${q[q.length - 1]}`;
}
