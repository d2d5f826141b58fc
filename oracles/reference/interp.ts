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

// ------------------------------------------------------------------ what instructions compute

/**
 * What an instruction computes from up to three inputs already popped, for
 * ReferenceInterpreter.consume (which owns the stack traffic and the releases); the parameters are
 * named in the order the inputs are released. `arg` is what the instruction reads besides its
 * inputs (a name, the container below them, its oparg). Returns the output, or nothing when the
 * instruction has none. Module functions, not closures: see `binary`.
 */
type Op<A> = (rt: Runtime, arg: A, a: PyValue, b: PyValue, c: PyValue) => PyValue | void;

const loadAttr: Op<string> = (rt, name, owner) => ops.getAttr(rt, owner, name);
const storeAttr: Op<string> = (rt, name, owner, v) => ops.setAttr(rt, owner, name, v);
const deleteAttr: Op<string> = (rt, name, owner) => ops.delAttr(rt, owner, name);
const storeSubscr: Op<null> = (rt, _, sub, container, v) => ops.setItem(rt, container, sub, v);
const deleteSubscr: Op<null> = (rt, _, sub, container) => ops.delItem(rt, container, sub);
const binarySlice: Op<null> = (rt, _, slice, container) => ops.getItem(rt, container, slice);
const storeSlice: Op<null> = (rt, _, slice, v, container) => ops.setItem(rt, container, slice, v);
const unaryNegative: Op<null> = (rt, _, v) => ops.unaryNegative(rt, v);
const unaryInvert: Op<null> = (rt, _, v) => ops.unaryInvert(rt, v);
const toBool: Op<null> = (rt, _, v) => ops.truthy(rt, v);
const getIter: Op<null> = (rt, _, v) => ops.getIter(rt, v);
const dictUpdate: Op<PyDict> = (rt, d, v) => ops.dictUpdateFrom(rt, d, v);
const mapAdd: Op<PyDict> = (rt, d, key, value) => rt.dictSet(d, key, value);
const formatSimple: Op<null> = (rt, _, v) => (typeof v === "string" ? v : ops.formatValue(rt, v, ""));
const formatWithSpec: Op<null> = (rt, _, v, spec) => ops.formatValue(rt, v, typeof spec === "string" ? spec : ops.str(rt, spec));

/** LIST_EXTEND: `[*v]`, with the TypeError CPython words for a non-iterable */
const listExtend: Op<PyList> = (rt, l, v) => {
  try {
    ops.listExtend(rt, l, v);
  } catch (e) {
    if (e instanceof PyError && e.pyType === "TypeError" && !(v instanceof PyList || v instanceof PyTuple)) {
      throw new PyError("TypeError", `Value after * must be an iterable, not ${typeOf(v).name}`);
    }
    throw e;
  }
};

/** CONVERT_VALUE: oparg 1 is `!s`, 2 is `!r` */
const convertValue: Op<number> = (rt, oparg, v) => {
  if (oparg === 1) return ops.str(rt, v);
  if (oparg === 2) return ops.repr(rt, v);
  throw new ops.Unsupported("ascii() conversion (!a)");
};

/** CHECK_EXC_MATCH: may `except right` handle the exception `left`? */
const checkExcMatch: Op<PyValue> = (_rt, left, right) => {
  if (!(isExceptionClass(right) || (right instanceof PyTuple && right.items.every(isExceptionClass)))) {
    throw new PyError("TypeError", "catching classes that do not inherit from BaseException is not allowed");
  }
  const t = typeOf(left);
  return right instanceof PyTuple ? right.items.some((c) => t.isSubtypeOf(c as PyType)) : t.isSubtypeOf(right as PyType);
};

/** CHECK_EXC_MATCH: may `except` name this? */
function isExceptionClass(c: PyValue): boolean {
  return c instanceof PyType && c.isSubtypeOf(T.BaseException);
}

/** IS_OP: `lhs is rhs`, negated when oparg is 1 */
function isOp(_rt: Runtime, oparg: number, lhs: PyValue, rhs: PyValue): PyValue {
  return ops.isOp(lhs, rhs) !== (oparg === 1);
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
    // (the module's code is rt.loadCode(def): its def is `def`)
    this.modules = new ProgramModules(rt, program, (code, _def, d) => {
      rt.decref(this.run(this.newFrame(code, null, d, rt.builtins, d)));
    });
    rt.interp = this;
    rt.dictSet(rt.builtins, "__build_class__", new PyBuiltin("__build_class__", (_rt, args, kw) => buildClass(rt, args, kw, (body, ns) => this.runClassBody(body, ns)), "FAST_WITH_KEYWORDS"));
  }

  // ------------------------------------------------------------------ modules

  /** Execute a program module (first import, or the entry module as __main__). New ref to the module. */
  execModule(name: string, asName = name): PyModule {
    return this.modules.exec(name, asName);
  }

  // ------------------------------------------------------------------ calls and frames

  callFunction(fn: PyFunction, args: PyValue[], kwnames: readonly string[]): PyValue {
    // vectorcall: args are borrowed, the new frame takes its own references
    for (const a of args) this.rt.incref(a);
    this.rt.incref(fn);
    return this.run(this.frameForCall(fn, args, kwnames));
  }

  /**
   * A frame running `code`, called from the executing frame, TAKING the references to code and fn
   * (f_executable, f_funcobj); its locals start empty unless bound already.
   */
  private newFrame(code: PyCode, fn: PyFunction | null, globals: PyDict, builtins: PyDict, locals: PyDict | null,
    localsplus: (PyValue | null)[] = new Array<PyValue | null>(code.def.nlocalsplus).fill(null)): Frame {
    return new Frame(code, code.def, fn, globals, builtins, locals, localsplus, instrsOf(code.def), this.current);
  }

  /** Build a frame for `fn`, TAKING ownership of fn and args (CPython's _PyEvalFramePushAndInit). */
  private frameForCall(fn: PyFunction, args: PyValue[], kwnames: readonly string[]): Frame {
    const rt = this.rt;
    // read before the releases below, which may run a __del__ that reassigns fn.__code__
    const code = fn.code;
    let localsplus: (PyValue | null)[];
    try {
      localsplus = bindArguments(rt, fn, code.def, args, kwnames);
    } catch (e) {
      rt.decref(fn);
      throw e;
    } finally {
      // binding took its own references; release the ones handed to us
      for (const a of args) rt.decref(a);
    }
    rt.incref(code);
    return this.newFrame(code, fn, fn.globals, fn.builtins, null, localsplus);
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

  /** Run a class body with `ns` as its f_locals (borrowed function). */
  private runClassBody(body: PyFunction, ns: PyDict): PyValue {
    const rt = this.rt;
    rt.incref(body);
    return this.run(this.newFrame(rt.newRef(body.code), body, body.globals, body.builtins, ns));
  }

  /** Would entering one more frame pass the recursion limit (_Py_EnterRecursivePy)? */
  private tooDeep(): boolean {
    return this.rt.depth >= this.rt.recursionLimit;
  }

  /** Refuse to enter `frame`, too deep: it is cleared, and this is the error to raise instead. */
  private refuse(frame: Frame): PyError {
    clearFrame(this.rt, frame);
    return new PyError("RecursionError", "maximum recursion depth exceeded");
  }

  /** `callee` becomes the executing frame, one level deeper. */
  private enter(callee: Frame): Frame {
    this.rt.depth++;
    this.current = callee;
    return callee;
  }

  /** `f` is left (returned from or unwound through): its caller becomes the executing frame. */
  private leave(f: Frame): Frame {
    this.rt.depth--;
    const caller = f.back!;
    this.current = caller;
    return caller;
  }

  /** `f` (cleared) returns `v` to its caller, which continues after its CALL with `v` pushed. */
  private returnTo(f: Frame, v: PyValue): Frame {
    const caller = this.leave(f);
    caller.stack.push(v);
    caller.ip = caller.resumeAt;
    return caller;
  }

  // ------------------------------------------------------------------ the evaluation loop

  /**
   * Run a frame to completion: returns its value (new ref) or throws PyRaise. Consumes the frame.
   * Python-to-Python calls do not recurse in JS: like CPython 3.11+ (which "inlines" Python calls
   * in one C loop), the driver switches to the callee frame and back, so a recursion limit of 1000
   * frames needs no deep host stack. Only builtins calling back into Python (__init__, __del__,
   * sort keys) re-enter `run`, as CPython re-enters _PyEval_EvalFrameDefault.
   */
  run(entry: Frame): PyValue {
    const rt = this.rt;
    if (this.tooDeep()) throw this.refuse(entry);
    const saved = this.current;
    let f = this.enter(entry);
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
          f = this.leave(f);
          // re-dispatch as if the CALL in the caller raised it
          pendingUnwind = leaving;
          continue;
        }
        if (r instanceof Frame) {
          // _Py_EnterRecursivePy fails in the callee: the error surfaces at the caller's CALL
          if (this.tooDeep()) pendingUnwind = this.refuse(r);
          else f = this.enter(r);
          continue;
        }
        if (f === entry) return r.value;
        f = this.returnTo(f, r.value);
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
    frames: for (;;) {
      // read again on every switch to another frame
      const def = f.def;
      const instrs = f.instrs;
      const consts = f.code.consts.items;
      const names = def.names;
      const lp = f.localsplus;
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
            this.pushLocal(f, oparg);
            break;
          case "LOAD_FAST_LOAD_FAST":
          case "LOAD_FAST_BORROW_LOAD_FAST_BORROW":
            this.pushLocal(f, oparg >> 4);
            this.pushLocal(f, oparg & 15);
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
            this.pushLocal(f, oparg & 15);
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
            if (!(oparg & 1)) {
              this.consume(f, loadAttr, name, owner);
              break;
            }
            try {
              const [m, self] = ops.getMethod(rt, owner, name);
              this.push(f, m);
              this.push(f, self);
            } finally {
              rt.decref(owner);
            }
            break;
          }
          case "STORE_ATTR": {
            const owner = this.pop(f);
            const v = this.pop(f);
            this.consume(f, storeAttr, names[oparg]!, owner, v);
            break;
          }
          case "DELETE_ATTR":
            this.consume(f, deleteAttr, names[oparg]!, this.pop(f));
            break;
          case "BINARY_OP":
            this.binary(f, ops.binaryOp, oparg);
            break;
          case "STORE_SUBSCR": {
            const sub = this.pop(f);
            const container = this.pop(f);
            const v = this.pop(f);
            this.consume(f, storeSubscr, null, sub, container, v);
            break;
          }
          case "DELETE_SUBSCR": {
            const sub = this.pop(f);
            const container = this.pop(f);
            this.consume(f, deleteSubscr, null, sub, container);
            break;
          }
          case "BINARY_SLICE": {
            const stop = this.pop(f);
            const start = this.pop(f);
            const container = this.pop(f);
            this.consume(f, binarySlice, null, rt.alloc(new PySlice(start, stop, None)), container);
            break;
          }
          case "STORE_SLICE": {
            const stop = this.pop(f);
            const start = this.pop(f);
            const container = this.pop(f);
            const v = this.pop(f);
            this.consume(f, storeSlice, null, rt.alloc(new PySlice(start, stop, None)), v, container);
            break;
          }
          case "BUILD_SLICE": {
            const step = oparg === 3 ? this.pop(f) : None;
            const stop = this.pop(f);
            const start = this.pop(f);
            this.push(f, rt.alloc(new PySlice(start, stop, step)));
            break;
          }
          case "COMPARE_OP":
            this.binary(f, ops.compareOp, oparg, "ba");
            break;
          case "IS_OP":
            this.binary(f, isOp, oparg);
            break;
          case "CONTAINS_OP":
            this.binary(f, containsOp, oparg, "ba");
            break;
          case "UNARY_NEGATIVE":
            this.consume(f, unaryNegative, null, this.pop(f));
            break;
          case "UNARY_INVERT":
            this.consume(f, unaryInvert, null, this.pop(f));
            break;
          case "UNARY_NOT": {
            const v = this.pop(f);
            // 3.14: the operand is a bool (TO_BOOL precedes); the generic meaning is `not truthy`
            const r = !ops.truthy(rt, v);
            rt.decref(v);
            this.push(f, r);
            break;
          }
          case "TO_BOOL":
            this.consume(f, toBool, null, this.pop(f));
            break;
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
          case "GET_ITER":
            this.consume(f, getIter, null, this.pop(f));
            break;
          case "FOR_ITER": {
            const it = f.stack[f.stack.length - 1];
            if (it === undefined || it === null) throw this.ub(f, "FOR_ITER without an iterator");
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
              if (!(kn instanceof PyTuple)) throw this.ub(f, "CALL_KW without a kwnames tuple");
              kwnames = kn.items.map((x) => String(x));
              rt.decref(kn);
            }
            const args = this.popN(f, oparg);
            const selfOrNull = this.popMaybeNull(f);
            const callable = this.pop(f);
            f.ip = ins.offset;
            const res = this.callOwned(callable, selfOrNull, args, kwnames);
            if (res instanceof Frame) {
              f.resumeAt = next;
              if (this.tooDeep()) return res;
              f = this.enter(res);
              continue frames;
            }
            this.push(f, res);
            break;
          }
          case "RETURN_VALUE": {
            const v = this.pop(f);
            clearFrame(this.rt, f);
            if (f === entry) return new Return(v);
            f = this.returnTo(f, v);
            continue frames;
          }
          case "MAKE_FUNCTION": {
            const code = this.pop(f);
            if (!(code instanceof PyCode)) throw this.ub(f, "MAKE_FUNCTION of a non-code object");
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
            if (!(fn instanceof PyFunction)) throw this.ub(f, "SET_FUNCTION_ATTRIBUTE on a non-function");
            if (oparg === FN_DEFAULTS && attr instanceof PyTuple) fn.defaults = attr;
            else if (oparg === FN_KWDEFAULTS && attr instanceof PyDict) fn.kwdefaults = attr;
            else if (oparg === FN_CLOSURE && attr instanceof PyTuple) fn.closure = attr;
            else if (oparg === FN_ANNOTATIONS || oparg === FN_ANNOTATE) rt.decref(attr);
            else throw this.ub(f, `SET_FUNCTION_ATTRIBUTE ${oparg} with a ${typeOf(attr).name}`);
            this.push(f, fn);
            break;
          }
          case "MAKE_CELL": {
            const init = lp[oparg] ?? null;
            lp[oparg] = rt.alloc(new PyCell(init));
            break;
          }
          case "LOAD_DEREF": {
            const cell = this.cell(f, oparg, "LOAD_DEREF");
            if (cell.ref === null) throw this.unboundDeref(def, oparg);
            this.push(f, rt.newRef(cell.ref));
            break;
          }
          case "STORE_DEREF": {
            const cell = this.cell(f, oparg, "STORE_DEREF");
            const v = this.pop(f);
            const old = cell.ref;
            cell.ref = v;
            if (old !== null) rt.decref(old);
            break;
          }
          case "DELETE_DEREF": {
            const cell = this.cell(f, oparg, "DELETE_DEREF");
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
            this.push(f, rt.tuple(this.popN(f, oparg)));
            break;
          case "BUILD_LIST":
            this.push(f, rt.list(this.popN(f, oparg)));
            break;
          case "BUILD_MAP": {
            const items = this.popN(f, 2 * oparg);
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
            this.below(f, oparg, PyList, "LIST_APPEND to a non-list").items.push(v);
            break;
          }
          case "LIST_EXTEND": {
            const v = this.pop(f);
            this.consume(f, listExtend, this.below(f, oparg, PyList, "LIST_EXTEND to a non-list"), v);
            break;
          }
          case "DICT_UPDATE": {
            // CPython 3.14 builds dict displays of more than 16 items in chunks: BUILD_MAP + DICT_UPDATE
            const v = this.pop(f);
            this.consume(f, dictUpdate, this.below(f, oparg, PyDict, "DICT_UPDATE of a non-dict"), v);
            break;
          }
          case "MAP_ADD": {
            const value = this.pop(f);
            const key = this.pop(f);
            this.consume(f, mapAdd, this.below(f, oparg, PyDict, "MAP_ADD to a non-dict"), key, value);
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
          case "FORMAT_SIMPLE":
            this.consume(f, formatSimple, null, this.pop(f));
            break;
          case "FORMAT_WITH_SPEC": {
            const spec = this.pop(f);
            const v = this.pop(f);
            this.consume(f, formatWithSpec, null, v, spec);
            break;
          }
          case "CONVERT_VALUE":
            this.consume(f, convertValue, oparg, this.pop(f));
            break;
          case "BUILD_STRING": {
            const parts = this.popN(f, oparg);
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
            this.consume(f, checkExcMatch, f.stack[f.stack.length - 1] as PyValue, right);
            break;
          }
          case "RERAISE": {
            const exc = this.pop(f);
            f.ip = ins.offset;
            if (oparg) {
              const lasti = this.pop(f);
              // the saved offset of the raising instruction; anything else is a value CPython would
              // jump to blindly (only reachable by malformed exception tables)
              if (typeof lasti !== "number" || f.instrs[lasti] === undefined) throw this.ub(f, "RERAISE with a lasti that is not an instruction offset");
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
  }

  // ------------------------------------------------------------------ stack and locals

  private push(f: Frame, v: PyValue | null): void {
    f.stack.push(v);
  }
  private pop(f: Frame): PyValue {
    const v = f.stack.pop();
    if (v === undefined || v === null) {
      if (v === undefined) throw new InternalError(`${f.def.qualname}+${f.ip * 2}: stack underflow`);
      throw this.ub(f, "NULL used as a value");
    }
    return v;
  }
  private popMaybeNull(f: Frame): PyValue | null {
    const v = f.stack.pop();
    if (v === undefined) throw new InternalError(`${f.def.qualname}+${f.ip * 2}: stack underflow`);
    return v;
  }
  /** The top `n` entries, bottom first, taken off the stack as they are (BUILD_*, CALL). */
  private popN(f: Frame, n: number): PyValue[] {
    return f.stack.splice(f.stack.length - n, n) as PyValue[];
  }
  /** The entry `depth` down the stack, left in place (the container LIST_APPEND and friends add to). */
  private below<C>(f: Frame, depth: number, cls: new (...args: never[]) => C, what: string): C {
    const v = f.stack[f.stack.length - depth];
    if (!(v instanceof cls)) throw this.ub(f, what);
    return v;
  }

  /**
   * `op` on inputs the instruction popped, then push its output (if it has one) and release the
   * inputs in the order given — also when `op` raised, and after the push (for these instructions
   * CPython 3.14's generated code releases in the same order on both paths).
   */
  private consume<A>(f: Frame, op: Op<A>, arg: A, a: PyValue, b?: PyValue, c?: PyValue): void {
    const rt = this.rt;
    try {
      const r = op(rt, arg, a, b!, c!);
      if (r !== undefined) this.push(f, r);
    } finally {
      rt.decref(a);
      if (b !== undefined) rt.decref(b);
      if (c !== undefined) rt.decref(c);
    }
  }

  /**
   * Pop `b` then `a`, push `op(rt, oparg, a, b)` and release the inputs: in `successOrder`, or b
   * then a (top of the stack down) when op raises (CPython 3.14's code generator). `op` takes its
   * operands as arguments instead of being a closure on purpose: a closure here would capture
   * `oparg`, and V8 would then allocate a context for the loop body on EVERY instruction (it was a
   * quarter of all memory the fuzzer allocated).
   */
  private binary(f: Frame, op: (rt: Runtime, oparg: number, a: PyValue, b: PyValue) => PyValue, oparg: number, successOrder: "ab" | "ba" = "ab"): void {
    const b = this.pop(f);
    const a = this.pop(f);
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
  private pushLocal(f: Frame, i: number): void {
    this.push(f, this.rt.newRef(this.local(f, i)));
  }
  private setLocal(f: Frame, i: number, v: PyValue | null): void {
    const old = f.localsplus[i] ?? null;
    f.localsplus[i] = v;
    if (old !== null) this.rt.decref(old);
  }
  /** The cell in local `i`, for instruction `name` (MAKE_CELL put it there). */
  private cell(f: Frame, i: number, name: string): PyCell {
    const cell = f.localsplus[i];
    if (!(cell instanceof PyCell)) throw this.ub(f, `${name} of a non-cell`);
    return cell;
  }

  private unboundDeref(def: CodeDef, i: number): PyError {
    const name = def.localsplusnames[i]!;
    if ((def.localspluskinds[i]! & CO_FAST_FREE) !== 0 && (def.localspluskinds[i]! & CO_FAST_CELL) === 0) {
      return new PyError("NameError", `cannot access free variable '${name}' where it is not associated with a value in enclosing scope`);
    }
    return new PyError("UnboundLocalError", `cannot access local variable '${name}' where it is not associated with a value`);
  }

  /** Bytecode CPython would crash on, at the instruction `f` is executing. */
  private ub(f: Frame, what: string): ops.UndefinedBehavior {
    return new ops.UndefinedBehavior(`${f.def.qualname}+${f.ip * 2}: ${what}`);
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
