/**
 * Tier 1: the specializing adaptive interpreter (PEP 659, Python/ceval.c + Python/bytecodes.c).
 * It dispatches on the ADAPTIVE opcode in the code object's units, and executes an instruction by
 * running its macro's uops from the one table (engine/uops) in order. A failing guard (DEOPT/EXIT)
 * continues in the base instruction's generic path, whose `_SPECIALIZE_*` uop counts down the
 * inline-cache counter and re-specializes when it triggers, as CPython's JUMP_TO_PREDICTED does.
 *
 * Frames, calls, classes, exception unwinding and the outcome protocol are shared with the
 * reference interpreter through engine/vm and the runtime; only instruction sequencing differs.
 */
import { Frame } from "../vm/frame.ts";
import { instrsOf } from "../vm/code-info.ts";
import { bindArguments } from "../vm/calls.ts";
import { buildClass } from "../vm/classes.ts";
import { clearFrame } from "../vm/frames.ts";
import { ReRaise, raiseVarargs, unwind } from "../vm/unwind.ts";
import { ProgramModules } from "../vm/modules.ts";
import type { CodeDef, ProgramDef } from "../bytecode/code.ts";
import { OPMAP, OPNAME, BASE_OF } from "../bytecode/opcodes.ts";
import { InternalError } from "../runtime/heap.ts";
import {
  PyCode, PyDict, PyException, PyFunction, PyModule, PyBuiltin, None, type PyValue,
} from "../runtime/objects.ts";
import { snapshotFrames } from "../vm/snapshot.ts";
import { Runtime, PyRaise, BudgetExhausted, type InterpHooks } from "../runtime/runtime.ts";
import { PyError } from "../runtime/pyerror.ts";
import { typeOf } from "../runtime/types.ts";
import { UndefinedBehavior } from "../runtime/ops.ts";
import {
  macroFor, readCache, count, OK, DEOPT, EXIT, PUSHED, RETURNED, REDISPATCH, ENTER, type UopContext, type VmServices, type MacroDef,
} from "../uops/table.ts";
import "../uops/generic.ts";
import "./families.ts";
import { specializerFor, InstructionSpecializeContext } from "./specializer.ts";
import { CPYTHON_TIER1_PARAMS, cooldownCounter, restart, warmupCounter, type Tier1Params } from "./counters.ts";
import { SpecializationStats, type FamilyStats } from "./stats.ts";
import { FunctionCache, type FunctionCacheVariant, type FunctionCacheFaults } from "./funccache.ts";
import { INLINE_CACHE_ENTRIES } from "../bytecode/opcodes.generated.ts";
import { Tier2 } from "../tier2/tier2.ts";
import type { Tier2Faults, Tier2Params } from "../tier2/params.ts";

export interface Tier1Options {
  readonly stepBudget?: number;
  readonly params?: Partial<Tier1Params>;
  readonly funcCacheVariant?: FunctionCacheVariant;
  /** test-only fault switches of the function cache (each disables one clearing rule); never on by default */
  readonly faults?: FunctionCacheFaults;
  /** check every uop's stack effect against the table (slow; tests and paranoid runs) */
  readonly checkStackEffects?: boolean;
  /** look the callee up in the function-version cache at every specialized Python call, as tier 2's
   *  projector would, so the cache variants' hit rates can be compared before tier 2 exists */
  readonly probeFunctionCache?: boolean;
  /** tier 2 on (engine/tier2): JUMP_BACKWARD becomes JUMP_BACKWARD_JIT, hot loops get executors */
  readonly tier2?: { readonly params?: Partial<Tier2Params>; readonly faults?: Tier2Faults };
}

/** specialized calls whose inline cache holds the callee's func_version (tier 2 follows them) */
const PY_CALL_FORMS = new Set(["CALL_PY_EXACT_ARGS", "CALL_PY_GENERAL", "CALL_BOUND_METHOD_EXACT_ARGS", "CALL_BOUND_METHOD_GENERAL", "CALL_KW_PY", "CALL_KW_BOUND_METHOD"]);
/** PY_CALL_FORMS by opcode (the dispatch loop tests it for every specialized instruction) */
const IS_PY_CALL_FORM: readonly boolean[] = Array.from({ length: 256 }, (_, op) => PY_CALL_FORMS.has(OPNAME[op] ?? ""));

class Return {
  constructor(
    readonly value: PyValue,
    /** the instance of a CALL_ALLOC_AND_ENTER_INIT frame (owned), or null */
    readonly initSelf: PyValue | null = null,
  ) {}
}

export class Tier1Engine implements InterpHooks, VmServices {
  steps = 0;
  readonly stepBudget: number;
  readonly params: Tier1Params;
  readonly stats = new SpecializationStats();
  readonly funcCache: FunctionCache;
  excInfo: PyValue = None;
  /** the frame executing (tier 2 keeps it up to date while an executor pushes and pops frames) */
  current: Frame | null = null;
  private lastException: PyException | null = null;
  readonly ctx: UopContext;
  /** tier 2, when on */
  readonly tier2: Tier2 | null;
  readonly tier2Enabled: boolean;
  private readonly modules: ProgramModules;
  private readonly checkStack: boolean;
  private readonly probe: boolean;
  /** code objects whose counters were initialized (CPython's _PyCode_Quicken) */
  private readonly quickened = new WeakSet<PyCode>();
  /** adaptive units of every code object that ran, by its static definition (for dis --adaptive) */
  readonly adaptive = new Map<CodeDef, Uint16Array>();
  /**
   * this.stats.of(family) by the family's base opcode, filled at a family's first hit: the
   * dispatch loop counts a hit for every specialized instruction it runs, and an array index is
   * much cheaper than a Map lookup by name (the FamilyStats object is the same, created at the
   * same moment as before).
   */
  private readonly hitStats: (FamilyStats | undefined)[] = new Array<FamilyStats | undefined>(256).fill(undefined);

  constructor(
    readonly rt: Runtime,
    program: ProgramDef,
    opts: Tier1Options = {},
  ) {
    this.stepBudget = opts.stepBudget ?? 10_000_000;
    this.params = { ...CPYTHON_TIER1_PARAMS, ...(opts.params ?? {}) };
    this.funcCache = new FunctionCache(rt, opts.funcCacheVariant ?? "borrowed", opts.faults ?? {});
    // the cache must see every version clear, function dealloc and code dealloc
    const fc = this.funcCache;
    rt.funcVersionHooks = fc;
    this.checkStack = opts.checkStackEffects ?? false;
    this.probe = opts.probeFunctionCache ?? false;
    this.modules = new ProgramModules(rt, program, (code, def, d) => {
      this.quicken(code);
      const frame = new Frame(code, def, null, d, rt.builtins, d, new Array<PyValue | null>(def.nlocalsplus).fill(null), instrsOf(def), this.current);
      rt.decref(this.run(frame));
    });
    this.ctx = { rt, f: undefined as unknown as Frame, offset: 0, next: 0, pushed: null, retval: null, vm: this };
    this.tier2 = opts.tier2 !== undefined ? new Tier2(this, opts.tier2.params ?? {}, opts.tier2.faults ?? {}) : null;
    this.tier2Enabled = this.tier2 !== null;
    const t2 = this.tier2;
    if (t2 !== null) {
      // code_dealloc also frees the executors attached to the code and invalidates those that inlined it
      rt.funcVersionHooks = {
        versionCleared: (f, attr) => fc.versionCleared(f, attr),
        functionDealloc: (f) => fc.functionDealloc(f),
        codeDealloc: (code) => {
          fc.codeDealloc(code);
          t2.codeDealloc(code);
        },
      };
    }
    rt.interp = this;
    rt.dictSet(rt.builtins, "__build_class__", new PyBuiltin("__build_class__", (_rt, args, kw) => buildClass(rt, args, kw, (body, ns) => this.runClassBody(body, ns)), "FAST_WITH_KEYWORDS"));
  }

  // ------------------------------------------------------------------ code objects

  /** _PyCode_Quicken: every specializable instruction's counter starts at the warm-up value. */
  private quicken(code: PyCode): void {
    if (this.quickened.has(code)) return;
    this.quickened.add(code);
    this.adaptive.set(code.def, code.units);
    const warm = warmupCounter(this.params);
    for (const ins of instrsOf(code.def)) {
      if (ins === undefined || ins.caches === 0) continue;
      const base = BASE_OF[ins.name] ?? ins.name;
      // POP_JUMP_IF_* keep a branch history, JUMP_BACKWARD a backedge counter (tier 2), others warm up
      if (base.startsWith("POP_JUMP_IF")) code.units[ins.offset + 1] = 0x5555; // _PyCode_Quicken: 50/50 history
      else if (base === "JUMP_BACKWARD") {
        // the backedge counter (initial_jump_backoff_counter); tier 1 alone never reads it
        if (this.tier2 !== null) code.units[ins.offset + 1] = this.tier2.backedgeCounter();
      } else if ((INLINE_CACHE_ENTRIES[base] ?? 0) > 0) code.units[ins.offset + 1] = warm;
    }
  }

  // ------------------------------------------------------------------ modules and calls

  execModule(name: string, asName = name): PyModule {
    return this.modules.exec(name, asName);
  }

  importModule(name: string): PyValue {
    return this.modules.import(name);
  }


  callFunction(fn: PyFunction, args: PyValue[], kwnames: readonly string[]): PyValue {
    for (const a of args) this.rt.incref(a);
    this.rt.incref(fn);
    return this.run(this.frameForCall(fn, args, kwnames));
  }

  frameForCall(fn: PyFunction, args: PyValue[], kwnames: readonly string[]): Frame {
    const rt = this.rt;
    const code = fn.code;
    let localsplus: (PyValue | null)[];
    try {
      localsplus = bindArguments(rt, fn, code.def, args, kwnames);
    } catch (e) {
      rt.decref(fn);
      throw e;
    } finally {
      for (const a of args) rt.decref(a);
    }
    this.quicken(code);
    rt.incref(code);
    return new Frame(code, code.def, fn, fn.globals, fn.builtins, null, localsplus, instrsOf(code.def), this.current);
  }

  private runClassBody(body: PyFunction, ns: PyDict): PyValue {
    const rt = this.rt;
    rt.incref(body);
    this.quicken(body.code);
    const frame = new Frame(rt.newRef(body.code), body.code.def, body, body.globals, body.builtins, ns,
      new Array<PyValue | null>(body.code.def.nlocalsplus).fill(null), instrsOf(body.code.def), this.current);
    return this.run(frame);
  }

  makeFunction(code: PyCode, globals: PyDict, builtins: PyDict): PyFunction {
    const rt = this.rt;
    const modname = globals.store.getStr("__name__") ?? None;
    const fn = rt.alloc(new PyFunction(code, rt.newRef(globals), rt.newRef(builtins), code.def.name, code.def.qualname, null, null, null, rt.newRef(modname)));
    // MAKE_FUNCTION: func_version = co_version, and the function goes into the version cache
    this.funcCache.setVersion(fn, code.coVersion);
    return fn;
  }

  // ------------------------------------------------------------------ exceptions

  swapExcInfo(v: PyValue): PyValue {
    const old = this.excInfo;
    this.excInfo = v;
    return old;
  }

  raise(c: UopContext, oparg: number): never {
    const stack = c.f.stack;
    return raiseVarargs(this.rt, oparg, () => {
      const v = stack.pop();
      if (v === undefined || v === null) throw new UndefinedBehavior("RAISE_VARARGS without an exception");
      return v;
    }, this.excInfo);
  }


  reraise(c: UopContext, oparg: number): never {
    const stack = c.f.stack;
    const exc = stack.pop();
    c.f.ip = c.offset;
    if (oparg) {
      const lasti = stack.pop();
      if (typeof lasti !== "number" || c.f.instrs[lasti] === undefined) throw new UndefinedBehavior(`${c.f.def.qualname}+${c.offset * 2}: RERAISE with a lasti that is not an instruction offset`);
      c.f.ip = lasti;
    }
    if (!(exc instanceof PyException)) throw new UndefinedBehavior("RERAISE of a non-exception");
    throw new ReRaise(exc, c.offset);
  }

  /** Unwind to a handler in `f`, or clear `f` and report that the exception left it. */
  private handle(f: Frame, e: unknown): boolean {
    const left = unwind(this.rt, f, e, this.excInfo);
    if (left === null) return true;
    this.lastException = left;
    return false;
  }


  // ------------------------------------------------------------------ specialization

  deferred(base: string): void {
    this.stats.of(base).deferred++;
  }

  backedge(c: UopContext): boolean {
    return this.tier2 !== null && this.tier2.backedge(c);
  }

  rewritten(form: string): void {
    this.stats.forms.set(form, (this.stats.forms.get(form) ?? 0) + 1);
  }

  specialize(base: string, c: UopContext, oparg: number): void {
    const units = c.f.code.units;
    const off = c.offset;
    const current = OPNAME[units[off]! & 0xff]!;
    const st = this.stats.of(base);
    if (current !== base) st.deopt++;
    const fn = specializerFor(base);
    const sctx = new InstructionSpecializeContext(this.rt, c.f, off, oparg, this.funcCache, units, base);
    const r = fn === undefined ? { fail: "not modeled" } : fn(sctx);
    if ("form" in r) {
      units[off] = (units[off]! & 0xff00) | OPMAP[r.form]!;
      units[off + 1] = cooldownCounter(this.params);
      st.success++;
      this.stats.forms.set(r.form, (this.stats.forms.get(r.form) ?? 0) + 1);
    } else {
      units[off] = (units[off]! & 0xff00) | OPMAP[base]!;
      units[off + 1] = restart(units[off + 1]!);
      this.stats.fail(base, r.fail);
    }
  }

  // ------------------------------------------------------------------ the loop

  run(entry: Frame): PyValue {
    const rt = this.rt;
    if (rt.depth >= rt.recursionLimit) {
      clearFrame(rt, entry);
      throw new PyError("RecursionError", "maximum recursion depth exceeded");
    }
    const saved = this.current;
    // a re-entrant run (a builtin calling Python: __init__, __del__, sort keys) must not clobber
    // the uop context of the instruction that is still executing below it
    const c = this.ctx;
    const savedCtx = { f: c.f, offset: c.offset, next: c.next };
    let f = entry;
    rt.depth++;
    this.current = f;
    let pending: unknown = undefined;
    try {
      for (;;) {
        // An exception raised in `f`, or handed to `f` by the frame it left (`pending`: as if the
        // CALL in `f` raised it), is handled right here; the pending one is not thrown again just
        // to reach a catch block (a JS throw per frame an exception passes costs ~1 µs).
        let r: Frame | Return | undefined;
        let e: unknown = pending;
        let raised = pending !== undefined;
        pending = undefined;
        if (!raised) {
          try {
            r = this.execute(f, entry);
          } catch (x) {
            raised = true;
            e = x;
          }
          f = this.current!; // execute switches frames on calls and returns
        }
        if (raised || r === undefined) { // (r is undefined only when raised)
          if (this.handle(f, e)) continue;
          const leaving = e instanceof PyError || e instanceof ReRaise ? new PyRaise(this.lastException!) : e;
          if (f.initSelf !== null) {
            // the shim frame is left too: it releases its `self`
            const self = f.initSelf;
            f.initSelf = null;
            rt.decref(self);
          }
          if (f === entry) throw leaving;
          rt.depth--;
          f = f.back!;
          this.current = f;
          pending = leaving;
          continue;
        }
        if (r instanceof Frame) {
          if (rt.depth >= rt.recursionLimit) {
            const self = r.initSelf;
            r.initSelf = null;
            clearFrame(rt, r);
            if (self !== null) rt.decref(self);
            pending = new PyError("RecursionError", "maximum recursion depth exceeded");
            continue;
          }
          rt.depth++;
          f = r;
          this.current = f;
          continue;
        }
        if (r.initSelf !== null) {
          // the init-cleanup shim (EXIT_INIT_CHECK): __init__ must return None; the caller gets self
          const self = r.initSelf;
          if (r.value !== None) {
            const n = typeOf(r.value).name;
            rt.decref(r.value);
            rt.decref(self);
            if (f === entry) throw new PyError("TypeError", `__init__() should return None, not '${n}'`);
            rt.depth--;
            f = f.back!;
            this.current = f;
            pending = new PyError("TypeError", `__init__() should return None, not '${n}'`);
            continue;
          }
          r = new Return(self);
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
      c.f = savedCtx.f;
      c.offset = savedCtx.offset;
      c.next = savedCtx.next;
      rt.depth--;
    }
  }

  /**
   * Execute instructions, starting in `f`. Python calls and returns switch frames right here (the
   * bookkeeping run() would do, without a round trip through it per call); what is left to run():
   * the return of `entry` or of an __init__ frame (its shim), a call past the recursion limit
   * (the callee frame is returned unentered) and every exception (thrown). this.current is always
   * the frame executing.
   */
  private execute(f: Frame, entry: Frame): Frame | Return {
    const c = this.ctx;
    const rt = this.rt;
    let units = f.code.units;
    let instrs = f.instrs;
    c.f = f;
    for (;;) {
      const ins = instrs[f.ip];
      if (ins === undefined) throw new InternalError(`${f.def.qualname}+${f.ip * 2}: no instruction at this offset`);
      // a jump to an EXTENDED_ARG prefix executes the prefixed instruction
      const off = ins.offset;
      f.ip = off;
      if (++this.steps > this.stepBudget) throw new BudgetExhausted(snapshotFrames(f));
      c.offset = off;
      c.next = ins.next;
      let m = macroFor(units[off]! & 0xff);
      if (m === undefined) throw this.noDefinition(c, units);
      let sig = this.runMacro(c, m, ins.oparg, units);
      // A failing guard continues in the base instruction's generic path (JUMP_TO_PREDICTED),
      // whose _SPECIALIZE_ uop may (re)specialize and dispatch the same instruction again, which
      // may in turn deopt at once (e.g. an index the specialized form leaves to the generic path).
      if (sig !== OK) {
        for (let rounds = 0; ; rounds++) {
          if (rounds > 8) throw new InternalError(`${f.def.qualname}+${off * 2}: instruction keeps re-dispatching`);
          if (sig === DEOPT || sig === EXIT) {
            this.stats.of(m.base).miss++;
            c.next = ins.next;
            m = macroFor(m.baseOpcode);
          } else if (sig === REDISPATCH) {
            c.next = ins.next;
            m = macroFor(units[off]! & 0xff);
          } else break;
          if (m === undefined) throw this.noDefinition(c, units);
          sig = this.runMacro(c, m, ins.oparg, units);
        }
      }
      if (m.specialized) {
        let st = this.hitStats[m.baseOpcode];
        if (st === undefined) st = this.hitStats[m.baseOpcode] = this.stats.of(m.base);
        st.hit++;
        if (this.probe && IS_PY_CALL_FORM[m.opcode]) this.funcCache.lookup(readCache(units, off + 2, 2));
      }
      switch (sig) {
        case OK:
          f.ip = c.next;
          continue;
        case PUSHED: {
          const callee = c.pushed!;
          c.pushed = null;
          f.ip = off;
          f.resumeAt = c.next;
          if (rt.depth >= rt.recursionLimit) return callee;
          rt.depth++;
          f = callee;
          this.current = f;
          c.f = f;
          units = f.code.units;
          instrs = f.instrs;
          continue;
        }
        case RETURNED: {
          const v = c.retval!;
          c.retval = null;
          const initSelf = f.initSelf;
          f.initSelf = null;
          clearFrame(rt, f);
          if (initSelf !== null || f === entry) return new Return(v, initSelf);
          rt.depth--;
          f = f.back!;
          this.current = f;
          f.stack.push(v);
          f.ip = f.resumeAt;
          c.f = f;
          units = f.code.units;
          instrs = f.instrs;
          continue;
        }
        case ENTER: {
          // ENTER_EXECUTOR (or _JIT having just installed one): tier 2 runs from here
          if (this.tier2 === null) throw new InternalError(`${f.def.qualname}+${off * 2}: ENTER_EXECUTOR without tier 2`);
          f.ip = off;
          const r = this.tier2.enter(off);
          f = this.current!;
          c.f = f;
          units = f.code.units;
          instrs = f.instrs;
          if (r === PUSHED) {
            const callee = c.pushed!;
            c.pushed = null;
            return callee; // the recursion limit: run() raises RecursionError at the CALL
          }
          continue;
        }
        default:
          throw new InternalError(`${f.def.qualname}+${off * 2}: uop signalled ${sig}`);
      }
    }
  }

  private noDefinition(c: UopContext, units: Uint16Array): UndefinedBehavior {
    return new UndefinedBehavior(`${c.f.def.qualname}+${c.offset * 2}: opcode ${units[c.offset]! & 0xff} has no tier-1 definition`);
  }

  /** Run the macro's uops in order until one signals something other than OK. */
  private runMacro(c: UopContext, m: MacroDef, oparg: number, units: Uint16Array): number {
    if (this.checkStack) return this.runMacroCheckingStack(c, m, oparg, units);
    return m.run(c, oparg, units);
  }

  /** runMacro, checking every uop's stack effect against the table (the checkStackEffects option). */
  private runMacroCheckingStack(c: UopContext, m: MacroDef, oparg: number, units: Uint16Array): number {
    const base = c.offset + 1;
    for (const p of m.parts) {
      const u = p.uop;
      const operand = u.cache === 0 ? 0 : readCache(units, base + p.cacheOffset, u.cache);
      const before = c.f.stack.length;
      const next = c.next;
      const sig = u.fn(c, oparg, operand);
      if (sig !== OK) return sig;
      if (c.next === next) {
        const want = before - count(u.inputs, oparg) + count(u.outputs, oparg);
        if (c.f.stack.length !== want) {
          throw new InternalError(`${c.f.def.qualname}+${c.offset * 2}: uop ${u.name} left the stack at ${c.f.stack.length}, its definition says ${want}`, "invariant");
        }
      }
    }
    return OK;
  }
}
