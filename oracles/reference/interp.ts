/**
 * The reference interpreter: one plain `switch` over BASE opcodes with generic semantics only —
 * no inline caches, no specialization, no versions, no tier 2. It is the yardstick every engine
 * configuration is compared against, so it favours being obviously right over being fast.
 * Value semantics come from the shared runtime (engine/runtime/ops.ts); what is written here a
 * second time, on purpose, is the instruction sequencing: stack discipline, reference ownership
 * (which decides when __del__ runs), calls, exceptions and unwinding (Python/bytecodes.c,
 * Python/ceval.c).
 */
import { Frame } from "../../engine/vm/frame.ts";
import { instrsOf } from "../../engine/vm/code-info.ts";
import { bindArguments } from "../../engine/vm/calls.ts";
import { buildClass } from "../../engine/vm/classes.ts";
import { clearFrame } from "../../engine/vm/frames.ts";
import { ReRaise, raiseVarargs, unwind } from "../../engine/vm/unwind.ts";
import { ProgramModules } from "../../engine/vm/modules.ts";
import { jumpTarget } from "../../engine/bytecode/instructions.ts";
import { CodeDef, CO_FAST_CELL, CO_FAST_FREE, None, type ProgramDef } from "../../engine/bytecode/code.ts";
import { HeapObject, InternalError } from "../../engine/runtime/heap.ts";
import {
  PyTuple, PyList, PyDict, PyCode, PyFunction, PyModule, PyMethod, PyCell, PyType, PyException,
  PySlice, PyBuiltin, PyNoneType, type PyValue,
} from "../../engine/runtime/objects.ts";
import { snapshotFrames } from "../../engine/vm/snapshot.ts";
import { Runtime, PyRaise, BudgetExhausted, type InterpHooks } from "../../engine/runtime/runtime.ts";
import { PyError } from "../../engine/runtime/pyerror.ts";
import * as ops from "../../engine/runtime/ops.ts";
import { T, typeOf } from "../../engine/runtime/types.ts";
import { COMMON_CONSTANTS, FN_DEFAULTS, FN_KWDEFAULTS, FN_CLOSURE, FN_ANNOTATIONS, FN_ANNOTATE } from "../../engine/bytecode/subset.ts";

/** CHECK_EXC_MATCH: may `except` name this? */
function isExceptionClass(c: PyValue): boolean {
  return c instanceof PyType && c.isSubtypeOf(T.BaseException);
}

/** COMPARE_OP: the comparison, converted to bool when oparg & 16 (the `bool(...)` form) */
function compareOp(rt: Runtime, oparg: number, lhs: PyValue, rhs: PyValue): PyValue {
  const r = ops.compare(rt, oparg >> 5, lhs, rhs);
  if (oparg & 16) {
    const b = ops.truthy(rt, r);
    rt.decref(r);
    return b;
  }
  return r;
}

/** CONTAINS_OP: `lhs in rhs`, negated when oparg is 1 */
function containsOp(rt: Runtime, oparg: number, lhs: PyValue, rhs: PyValue): PyValue {
  return ops.contains(rt, rhs, lhs) !== (oparg === 1);
}

export interface ReferenceOptions {
  /** instructions executed before the run is abandoned as "budget" (default 10 million) */
  readonly stepBudget?: number;
}

export class ReferenceInterpreter implements InterpHooks {
  steps = 0;
  readonly stepBudget: number;
  /** tstate->exc_info->exc_value: the exception being handled (None when none) */
  excInfo: PyValue = None;
  private current: Frame | null = null;
  private readonly modules: ProgramModules;

  constructor(
    readonly rt: Runtime,
    program: ProgramDef,
    opts: ReferenceOptions = {},
  ) {
    this.stepBudget = opts.stepBudget ?? 10_000_000;
    this.modules = new ProgramModules(rt, program, (code, def, d) => {
      const frame = new Frame(code, def, null, d, rt.builtins, d, new Array<PyValue | null>(def.nlocalsplus).fill(null), instrsOf(def), this.current);
      rt.decref(this.run(frame));
    });
    rt.interp = this;
    rt.dictSet(rt.builtins, "__build_class__", new PyBuiltin("__build_class__", (_rt, args, kw) => buildClass(rt, args, kw, (body, ns) => this.runClassBody(body, ns)), "FAST_WITH_KEYWORDS"));
  }

  // ------------------------------------------------------------------ modules

  /** Execute a program module (first import, or the entry module as __main__). New ref to the module. */
  execModule(name: string, asName = name): PyModule {
    return this.modules.exec(name, asName);
  }

  // ------------------------------------------------------------------ calls

  callFunction(fn: PyFunction, args: PyValue[], kwnames: readonly string[]): PyValue {
    // vectorcall: args are borrowed, the new frame takes its own references
    for (const a of args) this.rt.incref(a);
    this.rt.incref(fn);
    return this.run(this.frameForCall(fn, args, kwnames));
  }

  /** Build a frame for `fn`, TAKING ownership of fn and args (CPython's _PyEvalFramePushAndInit). */
  private frameForCall(fn: PyFunction, args: PyValue[], kwnames: readonly string[]): Frame {
    const rt = this.rt;
    const code = fn.code;
    const def = code.def;
    let localsplus: (PyValue | null)[];
    try {
      localsplus = bindArguments(rt, fn, def, args, kwnames);
    } catch (e) {
      rt.decref(fn);
      throw e;
    } finally {
      // binding took its own references; release the ones handed to us
      for (const a of args) rt.decref(a);
    }
    rt.incref(code);
    return new Frame(code, def, fn, fn.globals, fn.builtins, null, localsplus, instrsOf(def), this.current);
  }





  /** Python-level call from bytecode: TAKES ownership of callable, self_or_null and args. */
  private callOwned(callable: PyValue, selfOrNull: PyValue | null, args: PyValue[], kwnames: readonly string[]): PyValue | Frame {
    const rt = this.rt;
    if (callable instanceof PyMethod && selfOrNull === null) {
      // CALL: expand a bound method in place (new refs), drop the method object
      const m = callable;
      selfOrNull = rt.newRef(m.self);
      callable = rt.newRef(m.func);
      rt.decref(m);
    }
    const all = selfOrNull === null ? args : [selfOrNull, ...args];
    if (callable instanceof PyFunction) return this.frameForCall(callable, all, kwnames);
    try {
      return rt.call(callable, all, kwnames);
    } finally {
      // DECREF_INPUTS with no output written yet releases from the top of the stack down:
      // the last argument first, then self, then the callable (verified against CPython 3.14)
      for (let i = all.length - 1; i >= 0; i--) rt.decref(all[i]);
      rt.decref(callable);
    }
  }

  // ------------------------------------------------------------------ classes



  /** Run a class body with `ns` as its f_locals (borrowed function). */
  private runClassBody(body: PyFunction, ns: PyDict): PyValue {
    const rt = this.rt;
    rt.incref(body);
    const frame = new Frame(rt.newRef(body.code), body.code.def, body, body.globals, body.builtins, ns,
      new Array<PyValue | null>(body.code.def.nlocalsplus).fill(null), instrsOf(body.code.def), this.current);
    return this.run(frame);
  }

  // ------------------------------------------------------------------ the evaluation loop

  private push(f: Frame, v: PyValue | null): void {
    f.stack.push(v);
  }
  private pop(f: Frame): PyValue {
    const v = f.stack.pop();
    if (v === undefined || v === null) {
      if (v === undefined) throw new InternalError(`${f.def.qualname}+${f.ip * 2}: stack underflow`);
      throw new ops.UndefinedBehavior(`${f.def.qualname}+${f.ip * 2}: NULL used as a value`);
    }
    return v;
  }
  private popMaybeNull(f: Frame): PyValue | null {
    const v = f.stack.pop();
    if (v === undefined) throw new InternalError(`${f.def.qualname}+${f.ip * 2}: stack underflow`);
    return v;
  }
  private setLocal(f: Frame, i: number, v: PyValue | null): void {
    const old = f.localsplus[i] ?? null;
    f.localsplus[i] = v;
    if (old !== null) this.rt.decref(old);
  }

  /**
   * Run a frame to completion: returns its value (new ref) or throws PyRaise. Consumes the frame.
   * Python-to-Python calls do not recurse in JS: like CPython 3.11+ (which "inlines" Python calls
   * in one C loop), the driver switches to the callee frame and back, so a recursion limit of 1000
   * frames needs no deep host stack. Only builtins calling back into Python (__init__, __del__,
   * sort keys) re-enter `run`, as CPython re-enters _PyEval_EvalFrameDefault.
   */
  run(entry: Frame): PyValue {
    const rt = this.rt;
    if (rt.depth >= rt.recursionLimit) {
      clearFrame(this.rt, entry);
      throw new PyError("RecursionError", "maximum recursion depth exceeded");
    }
    const saved = this.current;
    let f = entry;
    rt.depth++;
    this.current = f;
    try {
      let pendingUnwind: unknown = undefined;
      for (;;) {
        // An exception raised in `f`, or re-dispatched to `f` by the frame it left
        // (`pendingUnwind`), is handled right here; the pending one is not thrown again just to
        // reach a catch block (a JS throw per frame an exception passes costs ~1 µs).
        let r: Frame | Return | undefined;
        let e: unknown = pendingUnwind;
        let raised = pendingUnwind !== undefined;
        pendingUnwind = undefined;
        if (!raised) {
          try {
            r = this.loop(f, entry);
          } catch (x) {
            raised = true;
            e = x;
          }
          f = this.current!; // loop switches frames on calls and returns
        }
        if (raised || r === undefined) { // (r is undefined only when raised)
          if (this.handle(f, e)) continue;
          // the exception left frame f: continue unwinding in its caller (at its CALL)
          const leaving = e instanceof PyError || e instanceof ReRaise ? new PyRaise(this.lastMaterialized!) : e;
          if (f === entry) throw leaving;
          rt.depth--;
          f = f.back!;
          this.current = f;
          // re-dispatch as if the CALL in the caller raised it
          pendingUnwind = leaving;
          continue;
        }
        if (r instanceof Frame) {
          if (rt.depth >= rt.recursionLimit) {
            // _Py_EnterRecursivePy fails in the callee: the error surfaces at the caller's CALL
            clearFrame(this.rt, r);
            pendingUnwind = new PyError("RecursionError", "maximum recursion depth exceeded");
            continue;
          }
          rt.depth++;
          f = r;
          this.current = f;
          continue;
        }
        if (f === entry) return r.value;
        rt.depth--;
        f = f.back!;
        this.current = f;
        f.stack.push(r.value);
        f.ip = f.resumeAt;
      }
    } finally {
      this.current = saved;
      rt.depth--;
    }
  }

  private lastMaterialized: PyException | null = null;

  /**
   * Exception unwinding (Python/ceval.c `error:` / `exception_unwind:`): add a traceback entry
   * for this frame (unless it is a re-raise), then jump to the handler covering the instruction,
   * or clear the frame and let the exception leave it. Returns true when a handler was found.
   */
  private handle(f: Frame, e: unknown): boolean {
    const left = unwind(this.rt, f, e, this.excInfo);
    if (left === null) return true;
    this.lastMaterialized = left;
    return false;
  }








  /**
   * Execute instructions, starting in `f`. Python calls and returns switch frames right here, as
   * run() would (without a round trip through it — and a re-entry of this big function — per
   * call); left to run(): the return of `entry`, a call past the recursion limit (the callee frame
   * is returned unentered) and every exception (thrown). this.current is always the frame executing.
   */
  private loop(f: Frame, entry: Frame): Frame | Return {
    const rt = this.rt;
    let def = f.def;
    let instrs = f.instrs;
    let consts = f.code.consts.items;
    let names = def.names;
    let lp = f.localsplus;
    for (;;) {
      const ins = instrs[f.ip];
      if (ins === undefined) throw new InternalError(`${def.qualname}+${f.ip * 2}: no instruction at this offset`);
      f.ip = ins.offset; // a jump to an EXTENDED_ARG prefix executes the prefixed instruction
      if (++this.steps > this.stepBudget) throw new BudgetExhausted(snapshotFrames(f));
      const oparg = ins.oparg;
      let next = ins.next;
      switch (ins.name) {
        case "RESUME":
        case "NOP":
        case "NOT_TAKEN":
          break;
        case "LOAD_FAST":
        case "LOAD_FAST_BORROW":
        case "LOAD_FAST_CHECK":
          this.push(f, rt.newRef(this.local(f, oparg)));
          break;
        case "LOAD_FAST_LOAD_FAST":
        case "LOAD_FAST_BORROW_LOAD_FAST_BORROW":
          this.push(f, rt.newRef(this.local(f, oparg >> 4)));
          this.push(f, rt.newRef(this.local(f, oparg & 15)));
          break;
        case "LOAD_FAST_AND_CLEAR":
          this.push(f, lp[oparg] ?? null);
          lp[oparg] = null;
          break;
        case "STORE_FAST":
          this.setLocal(f, oparg, this.popMaybeNull(f));
          break;
        case "STORE_FAST_LOAD_FAST":
          this.setLocal(f, oparg >> 4, this.pop(f));
          this.push(f, rt.newRef(this.local(f, oparg & 15)));
          break;
        case "STORE_FAST_STORE_FAST":
          this.setLocal(f, oparg >> 4, this.pop(f));
          this.setLocal(f, oparg & 15, this.pop(f));
          break;
        case "DELETE_FAST":
          this.local(f, oparg);
          this.setLocal(f, oparg, null);
          break;
        case "LOAD_CONST":
          this.push(f, rt.newRef(consts[oparg]!));
          break;
        case "LOAD_SMALL_INT":
          this.push(f, oparg);
          break;
        case "LOAD_COMMON_CONSTANT": {
          const cname = COMMON_CONSTANTS[oparg]!;
          const v = cname === "tuple" ? T.tuple : cname === "AssertionError" ? T.AssertionError : cname === "NotImplementedError" ? T.NotImplementedError : undefined;
          if (v === undefined) throw new ops.Unsupported(`builtin ${cname}`);
          this.push(f, v);
          break;
        }
        case "LOAD_GLOBAL": {
          const name = names[oparg >> 1]!;
          this.push(f, rt.newRef(this.loadGlobal(f, name)));
          if (oparg & 1) this.push(f, null);
          break;
        }
        case "STORE_GLOBAL": {
          const v = this.pop(f);
          rt.dictSet(f.globals, names[oparg]!, v);
          rt.decref(v);
          break;
        }
        case "DELETE_GLOBAL":
          if (!rt.dictDel(f.globals, names[oparg]!)) throw new PyError("NameError", `name '${names[oparg]}' is not defined`);
          break;
        case "LOAD_NAME": {
          const name = names[oparg]!;
          const v = (f.locals !== null ? f.locals.store.getStr(name) : undefined) ?? this.loadGlobal(f, name);
          this.push(f, rt.newRef(v));
          break;
        }
        case "STORE_NAME": {
          const v = this.pop(f);
          if (f.locals === null) throw new PyError("RuntimeError", `no locals found when storing '${names[oparg]}'`);
          rt.dictSet(f.locals, names[oparg]!, v);
          rt.decref(v);
          break;
        }
        case "DELETE_NAME":
          if (f.locals === null) throw new PyError("RuntimeError", `no locals when deleting '${names[oparg]}'`);
          if (!rt.dictDel(f.locals, names[oparg]!)) throw new PyError("NameError", `name '${names[oparg]}' is not defined`);
          break;
        case "LOAD_LOCALS":
          if (f.locals === null) throw new PyError("SystemError" as never, "no locals found");
          this.push(f, rt.newRef(f.locals));
          break;
        case "LOAD_FROM_DICT_OR_DEREF": {
          const mapping = this.pop(f);
          const name = def.localsplusnames[oparg]!;
          let v = mapping instanceof PyDict ? mapping.store.getStr(name) : undefined;
          if (v === undefined) {
            const cell = lp[oparg];
            v = cell instanceof PyCell && cell.ref !== null ? cell.ref : undefined;
            if (v === undefined) {
              rt.decref(mapping);
              throw this.unboundDeref(def, oparg);
            }
          }
          this.push(f, rt.newRef(v));
          rt.decref(mapping);
          break;
        }
        case "LOAD_BUILD_CLASS": {
          const bc = rt.builtins.store.getStr("__build_class__");
          if (bc === undefined) throw new PyError("NameError", "__build_class__ not found");
          this.push(f, rt.newRef(bc));
          break;
        }
        case "LOAD_ATTR": {
          const owner = this.pop(f);
          const name = names[oparg >> 1]!;
          try {
            if (oparg & 1) {
              const [m, self] = ops.getMethod(rt, owner, name);
              this.push(f, m);
              this.push(f, self);
            } else this.push(f, ops.getAttr(rt, owner, name));
          } finally {
            rt.decref(owner);
          }
          break;
        }
        case "STORE_ATTR": {
          const owner = this.pop(f);
          const v = this.pop(f);
          try {
            ops.setAttr(rt, owner, names[oparg]!, v);
          } finally {
            rt.decref(owner);
            rt.decref(v);
          }
          break;
        }
        case "DELETE_ATTR": {
          const owner = this.pop(f);
          try {
            ops.delAttr(rt, owner, names[oparg]!);
          } finally {
            rt.decref(owner);
          }
          break;
        }
        case "BINARY_OP": {
          const rhs = this.pop(f);
          const lhs = this.pop(f);
          this.consume2(f, lhs, rhs, ops.binaryOp, oparg);
          break;
        }
        case "STORE_SUBSCR": {
          const sub = this.pop(f);
          const container = this.pop(f);
          const v = this.pop(f);
          try {
            ops.setItem(rt, container, sub, v);
          } finally {
            rt.decref(sub);
            rt.decref(container);
            rt.decref(v);
          }
          break;
        }
        case "DELETE_SUBSCR": {
          const sub = this.pop(f);
          const container = this.pop(f);
          try {
            ops.delItem(rt, container, sub);
          } finally {
            rt.decref(sub);
            rt.decref(container);
          }
          break;
        }
        case "BINARY_SLICE": {
          const stop = this.pop(f);
          const start = this.pop(f);
          const container = this.pop(f);
          const slice = rt.alloc(new PySlice(start, stop, None));
          try {
            this.push(f, ops.getItem(rt, container, slice));
          } finally {
            rt.decref(slice);
            rt.decref(container);
          }
          break;
        }
        case "STORE_SLICE": {
          const stop = this.pop(f);
          const start = this.pop(f);
          const container = this.pop(f);
          const v = this.pop(f);
          const slice = rt.alloc(new PySlice(start, stop, None));
          try {
            ops.setItem(rt, container, slice, v);
          } finally {
            rt.decref(slice);
            rt.decref(v);
            rt.decref(container);
          }
          break;
        }
        case "BUILD_SLICE": {
          const step = oparg === 3 ? this.pop(f) : None;
          const stop = this.pop(f);
          const start = this.pop(f);
          this.push(f, rt.alloc(new PySlice(start, stop, step)));
          break;
        }
        case "COMPARE_OP": {
          const rhs = this.pop(f);
          const lhs = this.pop(f);
          this.consume2(f, lhs, rhs, compareOp, oparg, "ba");
          break;
        }
        case "IS_OP": {
          const rhs = this.pop(f);
          const lhs = this.pop(f);
          const r = ops.isOp(lhs, rhs) !== (oparg === 1);
          rt.decref(lhs);
          rt.decref(rhs);
          this.push(f, r);
          break;
        }
        case "CONTAINS_OP": {
          const rhs = this.pop(f);
          const lhs = this.pop(f);
          this.consume2(f, lhs, rhs, containsOp, oparg, "ba");
          break;
        }
        case "UNARY_NEGATIVE":
        case "UNARY_INVERT": {
          const v = this.pop(f);
          try {
            this.push(f, ins.name === "UNARY_NEGATIVE" ? ops.unaryNegative(rt, v) : ops.unaryInvert(rt, v));
          } finally {
            rt.decref(v);
          }
          break;
        }
        case "UNARY_NOT": {
          const v = this.pop(f);
          // 3.14: the operand is a bool (TO_BOOL precedes); the generic meaning is `not truthy`
          const r = !ops.truthy(rt, v);
          rt.decref(v);
          this.push(f, r);
          break;
        }
        case "TO_BOOL": {
          const v = this.pop(f);
          try {
            this.push(f, ops.truthy(rt, v));
          } finally {
            rt.decref(v);
          }
          break;
        }
        case "POP_JUMP_IF_FALSE":
        case "POP_JUMP_IF_TRUE":
        case "POP_JUMP_IF_NONE":
        case "POP_JUMP_IF_NOT_NONE": {
          const v = this.pop(f);
          // CPython 3.14 release builds test identity with the True/False singletons (the
          // compiler guarantees a bool); a non-bool simply does not match.
          const take =
            ins.name === "POP_JUMP_IF_FALSE" ? v === false
            : ins.name === "POP_JUMP_IF_TRUE" ? v === true
            : ins.name === "POP_JUMP_IF_NONE" ? v instanceof PyNoneType
            : !(v instanceof PyNoneType);
          rt.decref(v);
          if (take) next = jumpTarget(ins)!;
          break;
        }
        case "JUMP_FORWARD":
        case "JUMP_BACKWARD":
        case "JUMP_BACKWARD_NO_INTERRUPT":
          next = jumpTarget(ins)!;
          break;
        case "GET_ITER": {
          const v = this.pop(f);
          try {
            this.push(f, ops.getIter(rt, v));
          } finally {
            rt.decref(v);
          }
          break;
        }
        case "FOR_ITER": {
          const it = f.stack[f.stack.length - 1];
          if (it === undefined || it === null) throw new ops.UndefinedBehavior(`${def.qualname}+${f.ip * 2}: FOR_ITER without an iterator`);
          const x = ops.iterNext(rt, it);
          if (x === undefined) {
            // exhausted: jump past the END_FOR at the target (the iterator stays for POP_ITER)
            next = jumpTarget(ins)! + 1;
          } else this.push(f, x);
          break;
        }
        case "END_FOR":
        case "POP_ITER":
        case "POP_TOP":
          rt.decref(this.popMaybeNull(f));
          break;
        case "PUSH_NULL":
          this.push(f, null);
          break;
        case "COPY": {
          const v = f.stack[f.stack.length - oparg];
          if (v === undefined) throw new InternalError(`${def.qualname}+${f.ip * 2}: COPY ${oparg} below the stack`);
          this.push(f, v === null ? null : rt.newRef(v));
          break;
        }
        case "SWAP": {
          const s = f.stack;
          const i = s.length - 1, j = s.length - oparg;
          if (j < 0) throw new InternalError(`${def.qualname}+${f.ip * 2}: SWAP ${oparg} below the stack`);
          [s[i], s[j]] = [s[j]!, s[i]!];
          break;
        }
        case "CALL":
        case "CALL_KW": {
          let kwnames: readonly string[] = [];
          if (ins.name === "CALL_KW") {
            const kn = this.pop(f);
            if (!(kn instanceof PyTuple)) throw new ops.UndefinedBehavior(`${def.qualname}+${f.ip * 2}: CALL_KW without a kwnames tuple`);
            kwnames = kn.items.map((x) => String(x));
            rt.decref(kn);
          }
          const args = f.stack.splice(f.stack.length - oparg, oparg) as PyValue[];
          const selfOrNull = this.popMaybeNull(f);
          const callable = this.pop(f);
          f.ip = ins.offset;
          const res = this.callOwned(callable, selfOrNull, args, kwnames);
          if (res instanceof Frame) {
            f.resumeAt = next;
            if (rt.depth >= rt.recursionLimit) return res;
            rt.depth++;
            f = res;
            this.current = f;
            def = f.def;
            instrs = f.instrs;
            consts = f.code.consts.items;
            names = def.names;
            lp = f.localsplus;
            continue;
          }
          this.push(f, res);
          break;
        }
        case "RETURN_VALUE": {
          const v = this.pop(f);
          clearFrame(this.rt, f);
          if (f === entry) return new Return(v);
          rt.depth--;
          f = f.back!;
          this.current = f;
          f.stack.push(v);
          f.ip = f.resumeAt;
          def = f.def;
          instrs = f.instrs;
          consts = f.code.consts.items;
          names = def.names;
          lp = f.localsplus;
          continue;
        }
        case "MAKE_FUNCTION": {
          const code = this.pop(f);
          if (!(code instanceof PyCode)) throw new ops.UndefinedBehavior(`${def.qualname}+${f.ip * 2}: MAKE_FUNCTION of a non-code object`);
          const modname = f.globals.store.getStr("__name__") ?? None;
          const fn = rt.alloc(new PyFunction(code, rt.newRef(f.globals), rt.newRef(f.builtins), code.def.name, code.def.qualname, null, null, null, rt.newRef(modname)));
          // MAKE_FUNCTION copies co_version into func_version (gh-98522)
          fn.funcVersion = code.coVersion;
          this.push(f, fn);
          break;
        }
        case "SET_FUNCTION_ATTRIBUTE": {
          const fn = this.pop(f);
          const attr = this.pop(f);
          if (!(fn instanceof PyFunction)) throw new ops.UndefinedBehavior(`${def.qualname}+${f.ip * 2}: SET_FUNCTION_ATTRIBUTE on a non-function`);
          if (oparg === FN_DEFAULTS && attr instanceof PyTuple) fn.defaults = attr;
          else if (oparg === FN_KWDEFAULTS && attr instanceof PyDict) fn.kwdefaults = attr;
          else if (oparg === FN_CLOSURE && attr instanceof PyTuple) fn.closure = attr;
          else if (oparg === FN_ANNOTATIONS || oparg === FN_ANNOTATE) rt.decref(attr);
          else throw new ops.UndefinedBehavior(`${def.qualname}+${f.ip * 2}: SET_FUNCTION_ATTRIBUTE ${oparg} with a ${typeOf(attr).name}`);
          this.push(f, fn);
          break;
        }
        case "MAKE_CELL": {
          const init = lp[oparg] ?? null;
          lp[oparg] = rt.alloc(new PyCell(init));
          break;
        }
        case "LOAD_DEREF": {
          const cell = lp[oparg];
          if (!(cell instanceof PyCell)) throw new ops.UndefinedBehavior(`${def.qualname}+${f.ip * 2}: LOAD_DEREF of a non-cell`);
          if (cell.ref === null) throw this.unboundDeref(def, oparg);
          this.push(f, rt.newRef(cell.ref));
          break;
        }
        case "STORE_DEREF": {
          const cell = lp[oparg];
          if (!(cell instanceof PyCell)) throw new ops.UndefinedBehavior(`${def.qualname}+${f.ip * 2}: STORE_DEREF of a non-cell`);
          const v = this.pop(f);
          const old = cell.ref;
          cell.ref = v;
          if (old !== null) rt.decref(old);
          break;
        }
        case "DELETE_DEREF": {
          const cell = lp[oparg];
          if (!(cell instanceof PyCell)) throw new ops.UndefinedBehavior(`${def.qualname}+${f.ip * 2}: DELETE_DEREF of a non-cell`);
          if (cell.ref === null) throw this.unboundDeref(def, oparg);
          const old = cell.ref;
          cell.ref = null;
          rt.decref(old);
          break;
        }
        case "COPY_FREE_VARS": {
          const closure = f.func?.closure;
          if (closure === null || closure === undefined) throw new ops.UndefinedBehavior(`${def.qualname}: COPY_FREE_VARS without a closure`);
          const offset = def.nlocalsplus - oparg;
          for (let i = 0; i < oparg; i++) lp[offset + i] = rt.newRef(closure.items[i]!);
          break;
        }
        case "BUILD_TUPLE":
          this.push(f, rt.tuple(f.stack.splice(f.stack.length - oparg, oparg) as PyValue[]));
          break;
        case "BUILD_LIST":
          this.push(f, rt.list(f.stack.splice(f.stack.length - oparg, oparg) as PyValue[]));
          break;
        case "BUILD_MAP": {
          const items = f.stack.splice(f.stack.length - 2 * oparg, 2 * oparg) as PyValue[];
          const d = rt.dict();
          try {
            for (let i = 0; i < items.length; i += 2) rt.dictSet(d, items[i]!, items[i + 1]!);
          } catch (e) {
            rt.decref(d);
            throw e;
          } finally {
            for (const x of items) rt.decref(x);
          }
          this.push(f, d);
          break;
        }
        case "LIST_APPEND": {
          const v = this.pop(f);
          const l = f.stack[f.stack.length - oparg];
          if (!(l instanceof PyList)) throw new ops.UndefinedBehavior(`${def.qualname}+${f.ip * 2}: LIST_APPEND to a non-list`);
          l.items.push(v);
          break;
        }
        case "LIST_EXTEND": {
          const v = this.pop(f);
          const l = f.stack[f.stack.length - oparg];
          if (!(l instanceof PyList)) throw new ops.UndefinedBehavior(`${def.qualname}+${f.ip * 2}: LIST_EXTEND to a non-list`);
          try {
            ops.listExtend(rt, l, v);
          } catch (e) {
            if (e instanceof PyError && e.pyType === "TypeError" && !(v instanceof PyList || v instanceof PyTuple)) {
              throw new PyError("TypeError", `Value after * must be an iterable, not ${typeOf(v).name}`);
            }
            throw e;
          } finally {
            rt.decref(v);
          }
          break;
        }
        case "DICT_UPDATE": {
          // CPython 3.14 builds dict displays of more than 16 items in chunks: BUILD_MAP + DICT_UPDATE
          const v = this.pop(f);
          const d = f.stack[f.stack.length - oparg];
          if (!(d instanceof PyDict)) throw new ops.UndefinedBehavior(`${def.qualname}+${f.ip * 2}: DICT_UPDATE of a non-dict`);
          try {
            ops.dictUpdateFrom(rt, d, v);
          } finally {
            rt.decref(v);
          }
          break;
        }
        case "MAP_ADD": {
          const value = this.pop(f);
          const key = this.pop(f);
          const d = f.stack[f.stack.length - oparg];
          if (!(d instanceof PyDict)) throw new ops.UndefinedBehavior(`${def.qualname}+${f.ip * 2}: MAP_ADD to a non-dict`);
          try {
            rt.dictSet(d, key, value);
          } finally {
            rt.decref(key);
            rt.decref(value);
          }
          break;
        }
        case "UNPACK_SEQUENCE": {
          const seq = this.pop(f);
          try {
            this.push(f, null); // placeholder popped below; keeps depth right if unpacking raises
            f.stack.pop();
            const items = ops.unpackSequence(rt, seq, oparg);
            for (let i = items.length - 1; i >= 0; i--) this.push(f, items[i]!);
          } finally {
            rt.decref(seq);
          }
          break;
        }
        case "FORMAT_SIMPLE": {
          const v = this.pop(f);
          try {
            this.push(f, typeof v === "string" ? v : ops.formatValue(rt, v, ""));
          } finally {
            rt.decref(v);
          }
          break;
        }
        case "FORMAT_WITH_SPEC": {
          const spec = this.pop(f);
          const v = this.pop(f);
          try {
            this.push(f, ops.formatValue(rt, v, typeof spec === "string" ? spec : ops.str(rt, spec)));
          } finally {
            rt.decref(v);
            rt.decref(spec);
          }
          break;
        }
        case "CONVERT_VALUE": {
          const v = this.pop(f);
          try {
            if (oparg === 1) this.push(f, ops.str(rt, v));
            else if (oparg === 2) this.push(f, ops.repr(rt, v));
            else throw new ops.Unsupported("ascii() conversion (!a)");
          } finally {
            rt.decref(v);
          }
          break;
        }
        case "BUILD_STRING": {
          const parts = f.stack.splice(f.stack.length - oparg, oparg) as PyValue[];
          this.push(f, parts.map((p) => (typeof p === "string" ? p : ops.str(rt, p))).join(""));
          for (const p of parts) rt.decref(p);
          break;
        }
        case "RAISE_VARARGS":
          f.ip = ins.offset;
          this.doRaise(f, oparg);
          break;
        case "PUSH_EXC_INFO": {
          const exc = this.pop(f);
          this.push(f, this.excInfo);
          this.excInfo = rt.newRef(exc);
          this.push(f, exc);
          break;
        }
        case "POP_EXCEPT": {
          const v = this.popMaybeNull(f);
          const old = this.excInfo;
          this.excInfo = v ?? None;
          rt.decref(old);
          break;
        }
        case "CHECK_EXC_MATCH": {
          const right = this.pop(f);
          const left = f.stack[f.stack.length - 1]!;
          try {
            if (!(isExceptionClass(right) || (right instanceof PyTuple && right.items.every(isExceptionClass)))) {
              throw new PyError("TypeError", "catching classes that do not inherit from BaseException is not allowed");
            }
            const t = typeOf(left as PyValue);
            const match = right instanceof PyTuple ? right.items.some((c) => t.isSubtypeOf(c as PyType)) : t.isSubtypeOf(right as PyType);
            this.push(f, match);
          } finally {
            rt.decref(right);
          }
          break;
        }
        case "RERAISE": {
          const exc = this.pop(f);
          f.ip = ins.offset;
          if (oparg) {
            const lasti = this.pop(f);
            // the saved offset of the raising instruction; anything else is a value CPython would
            // jump to blindly (only reachable by malformed exception tables)
            if (typeof lasti !== "number" || f.instrs[lasti] === undefined) throw new ops.UndefinedBehavior(`${def.qualname}+${ins.offset * 2}: RERAISE with a lasti that is not an instruction offset`);
            f.ip = lasti;
          }
          if (!(exc instanceof PyException)) throw new ops.UndefinedBehavior(`${def.qualname}: RERAISE of a non-exception`);
          throw new ReRaise(exc, ins.offset);
        }
        case "IMPORT_NAME": {
          const fromlist = this.pop(f);
          const level = this.pop(f);
          rt.decref(fromlist);
          rt.decref(level);
          f.ip = ins.offset;
          this.push(f, this.importModule(names[oparg]!));
          break;
        }
        case "IMPORT_FROM": {
          const mod = f.stack[f.stack.length - 1]!;
          const name = names[oparg]!;
          try {
            this.push(f, ops.getAttr(rt, mod as PyValue, name));
          } catch (e) {
            if (e instanceof PyError && e.pyType === "AttributeError" && mod instanceof PyModule) {
              const file = mod.dict.store.getStr("__file__");
              throw new PyError("ImportError", `cannot import name '${name}' from '${mod.name}' (${typeof file === "string" ? file : "unknown location"})`);
            }
            throw e;
          }
          break;
        }
        default:
          throw new ops.Unsupported(`instruction ${ins.name}`);
      }
      f.ip = next;
    }
  }

  /**
   * Run `op` on two popped inputs and push the result. Release order (CPython 3.14's code
   * generator): when `op` raises, top of the stack down (b, then a); otherwise `successOrder`.
   */
  /**
   * `op(rt, oparg, a, b)`, then release the inputs (in `successOrder`; b then a when op raises)
   * and push the result. `op` takes its operands as arguments instead of being a closure on
   * purpose: a closure here would capture `oparg`, and V8 would then allocate a context for the
   * loop body on EVERY instruction (it was a quarter of all memory the fuzzer allocated).
   */
  private consume2(f: Frame, a: PyValue, b: PyValue, op: (rt: Runtime, oparg: number, a: PyValue, b: PyValue) => PyValue, oparg: number, successOrder: "ab" | "ba" = "ab"): void {
    let r: PyValue;
    try {
      r = op(this.rt, oparg, a, b);
    } catch (e) {
      this.rt.decref(b);
      this.rt.decref(a);
      throw e;
    }
    if (successOrder === "ab") {
      this.rt.decref(a);
      this.rt.decref(b);
    } else {
      this.rt.decref(b);
      this.rt.decref(a);
    }
    this.push(f, r);
  }

  private local(f: Frame, i: number): PyValue {
    const v = f.localsplus[i];
    if (v === null || v === undefined) {
      const name = f.def.localsplusnames[i] ?? `#${i}`;
      throw new PyError("UnboundLocalError", `cannot access local variable '${name}' where it is not associated with a value`);
    }
    return v;
  }

  private unboundDeref(def: CodeDef, i: number): PyError {
    const name = def.localsplusnames[i]!;
    if ((def.localspluskinds[i]! & CO_FAST_FREE) !== 0 && (def.localspluskinds[i]! & CO_FAST_CELL) === 0) {
      return new PyError("NameError", `cannot access free variable '${name}' where it is not associated with a value in enclosing scope`);
    }
    return new PyError("UnboundLocalError", `cannot access local variable '${name}' where it is not associated with a value`);
  }

  private loadGlobal(f: Frame, name: string): PyValue {
    const v = f.globals.store.getStr(name) ?? f.builtins.store.getStr(name);
    if (v === undefined) throw new PyError("NameError", `name '${name}' is not defined`);
    return v;
  }



  private doRaise(f: Frame, oparg: number): never {
    return raiseVarargs(this.rt, oparg, () => this.pop(f), this.excInfo);
  }




  private importModule(name: string): PyValue {
    return this.modules.import(name);
  }

}

/** A frame's return value travelling to the driver loop. */
class Return {
  constructor(readonly value: PyValue) {}
}



export { HeapObject };
