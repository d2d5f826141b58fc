/**
 * The optimizer passes of _Py_uop_analyze_and_optimize (Python/optimizer_analysis.c and
 * optimizer_bytecodes.c, 3.13/3.14), each switchable (OptimizerPasses):
 *  - globals  (remove_globals): loads of globals/builtins of a function whose dicts are watched
 *    become _LOAD_CONST_INLINE(_BORROW) of the value (a BORROWED pointer: the dict watcher
 *    invalidates the executor before the dict can drop the value); the per-load version guards
 *    become one _CHECK_FUNCTION per frame (the function's version pins its globals) and _NOPs.
 *    A dict changed `maxGlobalsModifications` times is no longer promoted (give up, as CPython).
 *  - types    (optimize_uops): abstract interpretation over stack slots and locals with type and
 *    constant symbols: a type guard on a slot already known to have the type becomes _NOP, a
 *    type-version guard already proven for the slot becomes _NOP (its type is watched: a change
 *    invalidates the executor), a branch guard on a known constant becomes _POP_TOP,
 *    _CHECK_STACK_SPACE checks merge into one _CHECK_STACK_SPACE_OPERAND; a guard that can never
 *    pass is a contradiction: the trace is dropped.
 *  - removeUnneeded (remove_unneeded_uops): _SET_IP stays only before a uop that can escape or
 *    raise (or _PUSH_FRAME, which needs the return address); _CHECK_VALIDITY only after something
 *    escaped.
 * Removed uops become _NOP and are compacted away at the end; the instructions they started
 * (step counts) move to the next uop kept.
 */
import { HeapObject } from "../runtime/heap.ts";
import { PyCode, PyDict, PyFloat, PyFunction, PyNoneType, type PyValue } from "../runtime/objects.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { T, typeOf } from "../runtime/types.ts";
import { decodeBorrowed, encodeBorrowed } from "../tier1/versions.ts";
import { count, operandUnit, uopNamed, F_DEOPT, F_ERROR, F_ESCAPES, F_EXIT } from "../uops/table.ts";
import { CONTROL_KIND } from "../uops/tier2.ts";
import type { TraceUop } from "./executor.ts";
import type { Tier2Faults, Tier2Params } from "./params.ts";
import { tier2Name } from "./project.ts";
import { summarize } from "../vm/snapshot.ts";

export interface OptimizeHost {
  readonly rt: Runtime;
  /** watched-dict modifications so far (the globals watcher counts them) */
  modifications(d: PyDict): number;
}

export interface Optimized {
  readonly uops: TraceUop[];
  readonly removed: Record<string, number>;
  /** set when the abstract interpreter found a guard that can never pass */
  readonly contradiction?: string;
}

function become(t: TraceUop, name: string, operand = 0, note?: string): void {
  const u = uopNamed(name);
  t.uop = u;
  t.name = tier2Name(u);
  t.kind = CONTROL_KIND[u.name] ?? 0;
  t.operand = operand;
  t.exit = null;
  if (note !== undefined) t.operandNote = note;
  else delete t.operandNote;
}

export function optimizeTrace(host: OptimizeHost, uops: TraceUop[], rootFunc: PyFunction | null, deps: Set<object>,
  params: Tier2Params, faults: Tier2Faults): Optimized {
  const removed: Record<string, number> = { globals: 0, types: 0, removeUnneeded: 0 };
  if (params.passes.globals) removed["globals"] = removeGlobals(host, uops, rootFunc, deps, params);
  if (params.passes.types) {
    const r = abstractInterpret(host, uops, deps, faults);
    if (typeof r === "string") return { uops, removed, contradiction: r };
    removed["types"] = r;
  }
  if (params.passes.removeUnneeded) removed["removeUnneeded"] = removeUnneeded(uops, faults);
  return { uops: compact(uops), removed };
}

/** Drop _NOPs; an instruction that started at a dropped uop starts at the next one kept. */
function compact(uops: TraceUop[]): TraceUop[] {
  const out: TraceUop[] = [];
  let carry = 0;
  let carriedOwn: TraceUop | null = null;
  /** the instructions (code units) whose steps are carried, in order */
  let carriedAt: number[] = [];
  const stepsAt = (t: TraceUop): number[] => t.stepTargets ?? Array<number>(t.steps).fill(t.target);
  for (const t of uops) {
    if (t.name === "_NOP") {
      carry += t.steps;
      carriedAt.push(...stepsAt(t));
      if (t.stepOf >= 0) carriedOwn = t;
      continue;
    }
    // (carried instructions are in t's frame: frames change only at the last uop of an instruction kept)
    if (carry > 0) t.stepTargets = [...carriedAt, ...stepsAt(t)];
    carriedAt = [];
    t.steps += carry;
    // the step stays "own" only on a uop of the same instruction
    if (t.stepOf < 0 && carriedOwn !== null && carriedOwn.target === t.target && carriedOwn.code === t.code && carriedOwn.depth === t.depth) t.stepOf = t.target;
    carry = 0;
    carriedOwn = null;
    out.push(t);
  }
  return out;
}

// ------------------------------------------------------------------ remove_globals

function removeGlobals(host: OptimizeHost, uops: TraceUop[], rootFunc: PyFunction | null, deps: Set<object>, params: Tier2Params): number {
  const rt = host.rt;
  let n = 0;
  const funcs: (PyFunction | null)[] = [rootFunc];
  const checked: boolean[] = [false];
  const promote = (t: TraceUop, value: PyValue, dict: PyDict, key: PyValue): void => {
    const immortal = !(value instanceof HeapObject) || value.immortal;
    become(t, immortal ? "_LOAD_CONST_INLINE_BORROW" : "_LOAD_CONST_INLINE", encodeBorrowed(rt, value), `${summarize(value)} (borrowed)`);
    t.promoted = { dict, key };
    n++;
  };
  /** the guard uop before a promoted load: the frame's first becomes _CHECK_FUNCTION, later ones _NOP */
  const replaceGuard = (t: TraceUop | undefined, f: PyFunction): void => {
    if (t === undefined) return;
    const d = funcs.length - 1;
    if (!checked[d]) {
      become(t, "_CHECK_FUNCTION", f.funcVersion, `func_version ${f.funcVersion}`);
      checked[d] = true;
    } else {
      become(t, "_NOP");
      n++;
    }
  };
  for (let i = 0; i < uops.length; i++) {
    const t = uops[i]!;
    const f = funcs[funcs.length - 1] ?? null;
    switch (t.uop.name) {
      case "_PUSH_FRAME": {
        let callee: PyFunction | null = null;
        if (t.operand !== 0) {
          const v = decodeBorrowed(rt, t.operand);
          if (v instanceof PyFunction) callee = v;
        }
        funcs.push(callee);
        checked.push(false);
        break;
      }
      case "RETURN_VALUE":
        funcs.pop();
        checked.pop();
        break;
      case "_CHECK_FUNCTION":
        // the projector's guard of an inlined __init__ already pins this frame's function version
        checked[checked.length - 1] = true;
        break;
      case "_LOAD_GLOBAL_MODULE": {
        if (f === null || f.funcVersion < 2) break;
        const g = f.globals;
        if (host.modifications(g) >= params.maxGlobalsModifications) break;
        if (g.store.peekKeysVersion() !== operandUnit(t.operand, 0)) break;
        const e = g.store.entryAt(operandUnit(t.operand, 2));
        if (e === undefined) break;
        deps.add(g);
        replaceGuard(uops[i - 1]?.uop.name === "NOP" ? uops[i - 1] : undefined, f);
        promote(t, e.value, g, e.key);
        break;
      }
      case "_LOAD_GLOBAL_BUILTINS": {
        if (f === null || f.funcVersion < 2) break;
        const g = f.globals;
        const b = f.builtins;
        const guard = uops[i - 1];
        if (guard?.uop.name !== "_GUARD_GLOBALS_VERSION" || g.store.peekKeysVersion() !== guard.operand) break;
        if (host.modifications(g) >= params.maxGlobalsModifications || host.modifications(b) >= params.maxGlobalsModifications) break;
        if (b.store.peekKeysVersion() !== (t.operand & 0xffff)) break;
        const e = b.store.entryAt(t.operand >>> 16);
        if (e === undefined) break;
        deps.add(g);
        deps.add(b);
        replaceGuard(guard, f);
        promote(t, e.value, b, e.key);
        break;
      }
      default:
        break;
    }
  }
  return n;
}

// ------------------------------------------------------------------ optimize_uops (abstract interpretation)

type Kind = "int" | "float" | "str" | "bool" | "none" | "list" | "tuple" | "dict" | "other";
interface Sym {
  kind: Kind | null;
  /** a known constant value */
  known?: PyValue;
  /** a proven type version (with the type watched) */
  typeVersion?: number;
}
const unknown = (): Sym => ({ kind: null });
function kindOf(v: PyValue): Kind {
  if (typeof v === "number" || typeof v === "bigint") return "int";
  if (typeof v === "string") return "str";
  if (typeof v === "boolean") return "bool";
  if (v instanceof PyFloat) return "float";
  if (v instanceof PyNoneType) return "none";
  // the container guards test exact types (PyList_CheckExact, ...): a promoted list global is a
  // "list" (calling it "other" made _GUARD_NOS_LIST a contradiction and dropped the trace)
  const t = typeOf(v);
  if (t === T.list) return "list";
  if (t === T.tuple) return "tuple";
  if (t === T.dict) return "dict";
  return "other";
}
const constSym = (v: PyValue): Sym => ({ kind: kindOf(v), known: v });

const TYPE_GUARDS: Readonly<Record<string, readonly [depth: number, kind: Kind]>> = {
  _GUARD_TOS_INT: [1, "int"], _GUARD_NOS_INT: [2, "int"],
  _GUARD_TOS_FLOAT: [1, "float"], _GUARD_NOS_FLOAT: [2, "float"],
  _GUARD_TOS_UNICODE: [1, "str"], _GUARD_NOS_UNICODE: [2, "str"],
  _GUARD_TOS_LIST: [1, "list"], _GUARD_NOS_LIST: [2, "list"],
  _GUARD_TOS_TUPLE: [1, "tuple"], _GUARD_NOS_TUPLE: [2, "tuple"],
  _GUARD_TOS_DICT: [1, "dict"], _GUARD_NOS_DICT: [2, "dict"],
};
const RESULT_KIND: Readonly<Record<string, Kind>> = {
  _BINARY_OP_ADD_INT: "int", _BINARY_OP_SUBTRACT_INT: "int", _BINARY_OP_MULTIPLY_INT: "int",
  _BINARY_OP_ADD_FLOAT: "float", _BINARY_OP_SUBTRACT_FLOAT: "float", _BINARY_OP_MULTIPLY_FLOAT: "float",
  _BINARY_OP_ADD_UNICODE: "str", _BINARY_OP_INPLACE_ADD_UNICODE: "str", _COMPARE_OP_INT: "bool", _COMPARE_OP_FLOAT: "bool", _COMPARE_OP_STR: "bool",
  TO_BOOL_BOOL: "bool", TO_BOOL_INT: "bool", TO_BOOL_NONE: "bool", _TO_BOOL_LIST: "bool", _TO_BOOL_STR: "bool",
  _REPLACE_WITH_TRUE: "bool", _TO_BOOL: "bool", CONTAINS_OP: "bool", _CONTAINS_OP: "bool", _CONTAINS_OP_DICT: "bool",
  IS_OP: "bool", UNARY_NOT: "bool", BUILD_LIST: "list", BUILD_TUPLE: "tuple", BUILD_MAP: "dict", _IS_NONE: "bool",
  _BINARY_OP_SUBSCR_STR_INT: "str", BUILD_STRING: "str", FORMAT_SIMPLE: "str", FORMAT_WITH_SPEC: "str",
};

interface AbstractFrame {
  stack: Sym[];
  locals: Sym[];
  code: PyCode;
  /** an __init__ frame pushed by CALL_ALLOC_AND_ENTER_INIT: the caller gets `self`, not the returned value */
  init?: boolean;
}

function abstractInterpret(host: OptimizeHost, uops: TraceUop[], deps: Set<object>, faults: Tier2Faults): number | string {
  const rt = host.rt;
  let n = 0;
  const frames: AbstractFrame[] = [];
  let fr: AbstractFrame = { stack: [], locals: [], code: uops[0]!.code };
  const pop = (): Sym => fr.stack.pop() ?? unknown();
  const push = (s: Sym): void => {
    fr.stack.push(s);
  };
  const at = (k: number): Sym => {
    while (fr.stack.length < k) fr.stack.unshift(unknown()); // below the trace's entry: unknown
    return fr.stack[fr.stack.length - k]!;
  };
  const local = (i: number): Sym => (fr.locals[i] ??= unknown());
  let stackChecks = 0;
  /** the uop before t (CALL_ALLOC_AND_ENTER_INIT's _PUSH_FRAME follows its _CREATE_INIT_FRAME) */
  let prev = "";
  for (const t of uops) {
    const name = t.uop.name;
    const before = prev;
    prev = name;
    const guard = TYPE_GUARDS[name];
    if (guard !== undefined) {
      const s = at(guard[0]);
      const other = at(guard[0] === 1 ? 2 : 1);
      if (s.kind === guard[1] || (faults.guardProvenByOtherOperand && other.kind === guard[1])) {
        become(t, "_NOP");
        n++;
      } else if (s.kind !== null) {
        return `${name} on a value known to be ${s.kind}`;
      } else {
        s.kind = guard[1];
      }
      continue;
    }
    switch (name) {
      case "LOAD_FAST": case "LOAD_FAST_BORROW": case "LOAD_FAST_CHECK":
        push({ ...local(t.oparg) });
        continue;
      case "LOAD_FAST_AND_CLEAR":
        push({ ...local(t.oparg) });
        fr.locals[t.oparg] = unknown();
        continue;
      case "LOAD_FAST_LOAD_FAST": case "LOAD_FAST_BORROW_LOAD_FAST_BORROW":
        push({ ...local(t.oparg >> 4) });
        push({ ...local(t.oparg & 15) });
        continue;
      case "STORE_FAST":
        fr.locals[t.oparg] = pop();
        break;
      case "STORE_FAST_STORE_FAST":
        fr.locals[t.oparg >> 4] = pop();
        fr.locals[t.oparg & 15] = pop();
        break;
      case "STORE_FAST_LOAD_FAST":
        fr.locals[t.oparg >> 4] = pop();
        push({ ...local(t.oparg & 15) });
        break;
      case "DELETE_FAST": case "MAKE_CELL":
        fr.locals[t.oparg] = unknown();
        continue;
      case "COPY_FREE_VARS":
        fr.locals = [];
        continue;
      case "LOAD_SMALL_INT":
        push(constSym(t.oparg));
        continue;
      case "LOAD_CONST_IMMORTAL": case "LOAD_CONST_MORTAL": {
        const v = t.code.consts.items[t.oparg];
        push(v === undefined ? unknown() : constSym(v));
        continue;
      }
      case "_LOAD_CONST_INLINE": case "_LOAD_CONST_INLINE_BORROW":
        push(constSym(decodeBorrowed(rt, t.operand)));
        continue;
      case "_GUARD_TYPE_VERSION": {
        const s = at(1);
        if (s.typeVersion === t.operand) {
          become(t, "_NOP");
          n++;
          continue;
        }
        // _PyType_LookupByVersion: watch the type so a change invalidates the executor
        const type = rt.typesByVersion.get(t.operand);
        if (type !== undefined && !type.freed && type.versionTag === t.operand) {
          deps.add(type);
          s.typeVersion = t.operand;
        }
        continue;
      }
      case "_GUARD_IS_TRUE_POP": case "_GUARD_IS_FALSE_POP": case "_GUARD_IS_NONE_POP": case "_GUARD_IS_NOT_NONE_POP": {
        const s = pop();
        if (s.known !== undefined) {
          const v = s.known;
          const passes = name === "_GUARD_IS_TRUE_POP" ? v === true : name === "_GUARD_IS_FALSE_POP" ? v === false
            : name === "_GUARD_IS_NONE_POP" ? v instanceof PyNoneType : !(v instanceof PyNoneType);
          if (passes) {
            fr.stack.push(s);
            become(t, "POP_TOP");
            fr.stack.pop();
            n++;
          }
        }
        continue;
      }
      case "_CHECK_STACK_SPACE":
        become(t, "_NOP");
        stackChecks++;
        n++;
        continue;
      case "_PUSH_FRAME": {
        pop(); // new_frame
        frames.push(fr);
        fr = { stack: [], locals: [], code: t.code, ...(before === "_CREATE_INIT_FRAME" ? { init: true } : {}) };
        continue;
      }
      case "RETURN_VALUE": {
        const ret = pop();
        const init = fr.init === true;
        const caller = frames.pop();
        if (caller !== undefined) fr = caller;
        // the init-cleanup shim hands the caller the new instance (and checks __init__ returned None)
        push(init ? unknown() : { kind: ret.kind, ...(ret.known !== undefined ? { known: ret.known } : {}) });
        continue;
      }
      default:
        break;
    }
    if (name === "STORE_FAST" || name === "STORE_FAST_STORE_FAST" || name === "STORE_FAST_LOAD_FAST") {
      dropUnwatched(t);
      continue;
    }
    // generic: pop the inputs, push unknown outputs (or the result kind this uop guarantees)
    const ins = count(t.uop.inputs, t.oparg);
    const outs = count(t.uop.outputs, t.oparg);
    const kept: Sym[] = [];
    // guards and ops declared (x -- x) keep their inputs' symbols
    const passThrough = ins === outs && RESULT_KIND[name] === undefined && (t.uop.flags & (F_DEOPT | F_EXIT)) !== 0
      && (name.startsWith("_GUARD") || name.startsWith("_CHECK") || name.startsWith("_ITER_CHECK")) && name !== "_CHECK_AND_ALLOCATE_OBJECT";
    for (let k = 0; k < ins; k++) kept.unshift(pop());
    if (passThrough) for (const s of kept) push(s);
    else for (let k = 0; k < outs; k++) push(k === outs - 1 && RESULT_KIND[name] !== undefined ? { kind: RESULT_KIND[name]! } : unknown());
    dropUnwatched(t);
  }
  if (stackChecks > 0) {
    // the merged check sits where the first one was removed; CPython puts it at the trace start
    const first = uops.findIndex((t) => t.uop.name === "_MAKE_WARM");
    if (first >= 0) {
      const t = uops[first]!;
      uops.splice(first + 1, 0, { ...t, uop: uopNamed("_CHECK_STACK_SPACE_OPERAND"), name: "_CHECK_STACK_SPACE_OPERAND", kind: CONTROL_KIND["_CHECK_STACK_SPACE_OPERAND"]!, operand: stackChecks, steps: 0, stepOf: -1, exit: null, operandNote: `${stackChecks} frame(s)` });
    }
  }
  return n;

  /** escaping code may change anything not watched: forget unwatched type versions */
  function dropUnwatched(t: TraceUop): void {
    if ((t.uop.flags & F_ESCAPES) === 0) return;
    for (const f of [...frames, fr]) {
      for (const s of [...f.stack, ...f.locals]) if (s !== undefined && s.typeVersion !== undefined) {
        const type = rt.typesByVersion.get(s.typeVersion);
        if (type === undefined || !deps.has(type)) delete s.typeVersion;
      }
    }
  }
}

// ------------------------------------------------------------------ remove_unneeded_uops

function removeUnneeded(uops: TraceUop[], faults: Tier2Faults): number {
  let n = 0;
  let lastSetIp = -1;
  let mayHaveEscaped = true;
  // the fault keeps a _SET_IP only for _PUSH_FRAME's return address
  const needsIpFlags = faults.dropNeededSetIp ? 0 : F_ESCAPES | F_ERROR;
  for (let pc = 0; pc < uops.length; pc++) {
    const t = uops[pc]!;
    switch (t.name) {
      case "_START_EXECUTOR":
        mayHaveEscaped = false;
        break;
      case "_SET_IP":
        become(t, "_NOP");
        n++;
        lastSetIp = pc;
        break;
      case "_CHECK_VALIDITY":
        if (mayHaveEscaped) mayHaveEscaped = false;
        else {
          become(t, "_NOP");
          n++;
        }
        break;
      case "_JUMP_TO_TOP":
      case "_EXIT_TRACE":
        return n;
      default: {
        let needsIp = t.uop.name === "_PUSH_FRAME";
        if ((t.uop.flags & needsIpFlags) !== 0) needsIp = true;
        if ((t.uop.flags & F_ESCAPES) !== 0) mayHaveEscaped = true;
        if (needsIp && lastSetIp >= 0) {
          const s = uops[lastSetIp]!;
          become(s, "_SET_IP", s.target);
          n--;
          lastSetIp = -1;
        }
        break;
      }
    }
  }
  return n;
}
