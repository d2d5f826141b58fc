/**
 * Mutation events applied to a running program from outside (the harness's fc.commands): calls,
 * `f.__code__ = g.__code__`, `f.__defaults__ = (...)`, deleting or rebinding the last reference to
 * a function so it is deallocated, creating new functions (so a freed address is reused),
 * rebinding or deleting globals, shadowing and restoring builtins, changing class attributes.
 * Events name module globals of __main__ and resolve them at run time in every configuration, so
 * an event whose name is gone simply raises (the same NameError everywhere) and stays valid.
 */
import { None, PyDict, PyFunction, PyCode, type PyValue } from "../../engine/runtime/objects.ts";
import { PyError } from "../../engine/runtime/pyerror.ts";
import * as ops from "../../engine/runtime/ops.ts";
import type { Session } from "../../oracles/session.ts";
import type { HarnessEngine } from "./configs.ts";

export type Event =
  | { readonly k: "call"; readonly fn: string; readonly args: readonly number[]; readonly times: number }
  | { readonly k: "setcode"; readonly dst: string; readonly src: string }
  | { readonly k: "setdefaults"; readonly fn: string; readonly values: readonly number[] }
  | { readonly k: "del"; readonly name: string }
  | { readonly k: "rebind"; readonly name: string; readonly from: string }
  | { readonly k: "newfunc"; readonly from: string; readonly as: string }
  | { readonly k: "shadow"; readonly builtin: string; readonly from: string }
  | { readonly k: "restore"; readonly builtin: string }
  | { readonly k: "setattr"; readonly obj: string; readonly attr: string; readonly value: number };

/** Python spelling of an event, for failure reports. */
export function eventSource(e: Event): string {
  switch (e.k) {
    case "call":
      return `for _ in range(${e.times}): ${e.fn}(${e.args.join(", ")})`;
    case "setcode":
      return `${e.dst}.__code__ = ${e.src}.__code__`;
    case "setdefaults":
      return `${e.fn}.__defaults__ = (${e.values.join(", ")}${e.values.length === 1 ? "," : ""})`;
    case "del":
      return `del ${e.name}`;
    case "rebind":
      return `${e.name} = ${e.from}`;
    case "newfunc":
      return `${e.as} = types.FunctionType(${e.from}.__code__, globals())`;
    case "shadow":
      return `${e.builtin} = ${e.from}`;
    case "restore":
      return `globals().pop(${JSON.stringify(e.builtin)}, None)`;
    case "setattr":
      return `${e.obj}.${e.attr} = ${e.value}`;
  }
}

function mainDict(s: Session): PyDict {
  const m = s.rt.modules.get("__main__");
  if (m === undefined) throw new PyError("NameError", "no __main__ module");
  return m.dict;
}
function lookup(s: Session, name: string): PyValue {
  const v = mainDict(s).store.getStr(name);
  if (v === undefined) throw new PyError("NameError", `name '${name}' is not defined`);
  return v;
}

/** Apply one event in one configuration; returns the event's value (a new reference). */
export function applyEvent(s: Session, engine: HarnessEngine, e: Event): PyValue {
  const rt = s.rt;
  switch (e.k) {
    case "call": {
      const f = lookup(s, e.fn);
      let last: PyValue = None;
      for (let i = 0; i < e.times; i++) {
        rt.decref(last);
        last = None;
        last = rt.call(f, e.args.slice(), []);
      }
      return last;
    }
    case "setcode": {
      const src = lookup(s, e.src);
      const code = ops.getAttr(rt, src, "__code__");
      try {
        ops.setAttr(rt, lookup(s, e.dst), "__code__", code);
      } finally {
        rt.decref(code);
      }
      return None;
    }
    case "setdefaults": {
      const t = rt.tuple(e.values.slice());
      try {
        ops.setAttr(rt, lookup(s, e.fn), "__defaults__", t);
      } finally {
        rt.decref(t);
      }
      return None;
    }
    case "del":
      if (!rt.dictDel(mainDict(s), e.name)) throw new PyError("NameError", `name '${e.name}' is not defined`);
      return None;
    case "rebind":
      rt.dictSet(mainDict(s), e.name, lookup(s, e.from));
      return None;
    case "newfunc": {
      const f = lookup(s, e.from);
      if (!(f instanceof PyFunction)) throw new PyError("TypeError", `${e.from} is not a function`);
      const code: PyCode = f.code;
      const d = mainDict(s);
      const fn = engine.makeFunction(code, d, rt.builtins);
      try {
        rt.dictSet(d, e.as, fn);
      } finally {
        rt.decref(fn);
      }
      return None;
    }
    case "shadow":
      rt.dictSet(mainDict(s), e.builtin, lookup(s, e.from));
      return None;
    case "restore":
      rt.dictDel(mainDict(s), e.builtin);
      return None;
    case "setattr":
      ops.setAttr(rt, lookup(s, e.obj), e.attr, e.value);
      return None;
  }
}
