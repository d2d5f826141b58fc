/**
 * Trace projection (Python/optimizer.c translate_bytecode_to_trace, 3.13/3.14): walk the
 * SPECIALIZED bytecode from a start instruction and expand every instruction into its uops from
 * the one table (engine/uops), following the likely side of branches (the 16-bit history tier 1
 * keeps in POP_JUMP_IF_*), JUMP_FORWARD, and Python calls and returns: a CALL_PY_X,
 * CALL_BOUND_METHOD_X or CALL_KW_PY is followed into the callee found through the
 * FUNCTION-BY-VERSION CACHE (the seed PR gh-107793) — borrowed references, looked up by the
 * version in the call's inline cache.
 *
 * Layout of a trace: _START_EXECUTOR, _MAKE_WARM, then per instruction _CHECK_VALIDITY + _SET_IP +
 * the instruction's uops; it ends with _JUMP_TO_TOP (a loop closed back to the start) or with
 * _CHECK_VALIDITY + _SET_IP + _EXIT_TRACE (a side exit to the instruction where projection
 * stopped). Room for that final exit is reserved before every instruction (gh-117434).
 */
import { OPMAP, OPNAME } from "../bytecode/opcodes.ts";
import type { Instr } from "../bytecode/instructions.ts";
import { instrsOf } from "../vm/code-info.ts";
import { PyCode, PyFunction } from "../runtime/objects.ts";
import { InternalError } from "../runtime/heap.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { FunctionCache } from "../tier1/funccache.ts";
import { encodeBorrowed } from "../tier1/versions.ts";
import {
  macroFor, readCache, uopNamed, F_EXIT, F_DEOPT, F_SPECIALIZING, F_TIER1_ONLY, type MacroDef, type UopDef,
} from "../uops/table.ts";
import { CONTROL_KIND } from "../uops/tier2.ts";
import { ExitStub, type StopReason, type TraceUop } from "./executor.ts";
import type { Tier2Faults, Tier2Params } from "./params.ts";

/** Instructions without a tier-2 expansion in CPython 3.14 (_PyOpcode_macro_expansion has none):
 *  a trace ends before them (checked against engine/uops/cpython314-facts.json by the tests). */
export const NO_TIER2_EXPANSION: ReadonlySet<string> = new Set([
  "RESUME", "LOAD_CONST", "LOAD_ATTR_GETATTRIBUTE_OVERRIDDEN", "JUMP_FORWARD", "JUMP_BACKWARD",
  "JUMP_BACKWARD_NO_JIT", "JUMP_BACKWARD_JIT", "JUMP_BACKWARD_NO_INTERRUPT", "CALL", "CALL_KW",
  "RAISE_VARARGS", "RERAISE", "ENTER_EXECUTOR",
]);

/** tier-1 uops the projector substitutes (`replaced` ops; _PyUOp_Replacements) */
const REPLACED: Readonly<Record<string, string>> = {
  _ITER_JUMP_LIST: "_GUARD_NOT_EXHAUSTED_LIST",
  _ITER_JUMP_TUPLE: "_GUARD_NOT_EXHAUSTED_TUPLE",
  _ITER_JUMP_RANGE: "_GUARD_NOT_EXHAUSTED_RANGE",
  _ITER_NEXT_LIST: "_ITER_NEXT_LIST_TIER_TWO",
  _FOR_ITER: "_FOR_ITER_TIER_TWO",
};
/** BRANCH_TO_GUARD: [guard when the jump is likely, guard when it is not] */
const BRANCH_GUARDS: Readonly<Record<string, readonly [string, string]>> = {
  _POP_JUMP_IF_FALSE: ["_GUARD_IS_FALSE_POP", "_GUARD_IS_TRUE_POP"],
  _POP_JUMP_IF_TRUE: ["_GUARD_IS_TRUE_POP", "_GUARD_IS_FALSE_POP"],
};
/** calls whose inline cache holds the callee's func_version at cache unit 1 */
const FOLLOWED_CALLS = new Set([
  "CALL_PY_EXACT_ARGS", "CALL_PY_GENERAL", "CALL_BOUND_METHOD_EXACT_ARGS", "CALL_BOUND_METHOD_GENERAL", "CALL_KW_PY", "CALL_KW_BOUND_METHOD",
]);
const CONFIDENCE_RANGE = 1000;

/** What the projector needs from the engine. */
export interface ProjectionHost {
  readonly rt: Runtime;
  readonly funcCache: FunctionCache;
  /** the instruction an ENTER_EXECUTOR replaced (its executor keeps it) */
  originalOpcode(code: PyCode, offset: number): number;
}

export interface Projection {
  readonly uops: TraceUop[];
  readonly stopReason: StopReason;
  readonly stopDetail: string;
  readonly dependencies: Set<object>;
}

interface TraceFrame {
  readonly code: PyCode;
  /** the function running the code when known (borrowed; null when only the code was found) */
  readonly func: PyFunction | null;
  /** where the caller continues after the callee returns */
  readonly returnTo: number;
}

/** The name tier 2 gives a uop: an instruction `inst(X)` is the uop `_X` (Tools/cases_generator). */
export function tier2Name(u: UopDef): string {
  return u.name.startsWith("_") ? u.name : `_${u.name}`;
}

/**
 * How the projector translates one uop of an instruction's macro: null — not emitted (the
 * specializing uop, which consults the adaptive counter); "tier1-only" — the instruction cannot be
 * traced; otherwise the uop the trace holds: the guard for the likely side of a branch uop
 * (BRANCH_TO_GUARD: `jumpLikely` = the jump is likely taken), a replaced uop's substitute
 * (_PyUOp_Replacements), or the uop itself.
 */
export function tier2UopFor(u: UopDef, jumpLikely: boolean): UopDef | null | "tier1-only" {
  if ((u.flags & F_SPECIALIZING) !== 0) return null;
  const branch = BRANCH_GUARDS[u.name];
  if (branch !== undefined) return uopNamed(branch[jumpLikely ? 0 : 1]);
  const replacement = REPLACED[u.name];
  if (replacement !== undefined) return uopNamed(replacement);
  if ((u.flags & F_TIER1_ONLY) !== 0) return "tier1-only";
  return u;
}

/**
 * The uops (tier-2 names) the projector emits for one instruction `m` — its tier-2 expansion,
 * without the per-instruction _CHECK_VALIDITY/_SET_IP — or null when the instruction has none
 * (NO_TIER2_EXPANSION, or a tier-1-only uop). Calls are listed up to their _PUSH_FRAME; JUMP_FORWARD
 * (followed, no uop of its own) and the JUMP_BACKWARD family (loop closing) give null, as in CPython.
 */
export function tier2UopsOf(m: MacroDef, jumpLikely: boolean): string[] | null {
  if (NO_TIER2_EXPANSION.has(m.name)) return null;
  const out: string[] = [];
  for (const p of m.parts) {
    const t = tier2UopFor(p.uop, jumpLikely);
    if (t === null) continue;
    if (t === "tier1-only") return null;
    out.push(tier2Name(t));
  }
  return out;
}

/**
 * Project a trace starting at `start` in `code` (run by `func`). `fromBackedge`: the start is a
 * JUMP_BACKWARD whose counter fired (the trace begins at its target, the loop head, and closing
 * the loop there gives _JUMP_TO_TOP); otherwise a side exit's target, whose first instruction is
 * projected in its unspecialized form so the new trace always makes progress.
 */
export function projectTrace(host: ProjectionHost, code: PyCode, func: PyFunction | null, start: number, fromBackedge: boolean,
  params: Tier2Params, faults: Tier2Faults): Projection {
  const rt = host.rt;
  const uops: TraceUop[] = [];
  const deps = new Set<object>();
  const stack: TraceFrame[] = [];
  let frame: TraceFrame = { code, func, returnTo: 0 };
  let instrs = instrsOf(code.def);
  let off = start;
  let confidence = CONFIDENCE_RANGE;
  let forceBase = !fromBackedge;
  let initial = start;
  /** steps attributed to the next uop added (an instruction starts) */
  let pendingSteps = 0;
  /** instructions projected (a trace of none is dropped: it could only exit) */
  let instructions = 0;

  const add = (u: UopDef, ins: Instr, oparg: number, operand: number, extra: Partial<TraceUop> = {}): TraceUop => {
    const t: TraceUop = {
      uop: u, name: tier2Name(u), oparg, operand, target: ins.offset, next: ins.next, exitTarget: ins.offset,
      code: frame.code, depth: stack.length, steps: pendingSteps, stepOf: pendingSteps > 0 ? ins.offset : -1, kind: CONTROL_KIND[u.name] ?? 0, exit: null, ...extra,
    };
    pendingSteps = 0;
    if ((u.flags & F_EXIT) !== 0 || u.name === "_EXIT_TRACE") {
      t.exit = new ExitStub(t.exitTarget, frame.code, t.name, params.sideExitCounter);
    }
    uops.push(t);
    return t;
  };
  const control = (name: string, ins: Instr, operand = 0, extra: Partial<TraceUop> = {}): TraceUop => add(uopNamed(name), ins, 0, operand, extra);
  /** end the trace with a side exit to `ins` (not executed) */
  const done = (reason: StopReason, detail: string, ins: Instr): Projection => {
    pendingSteps = 0;
    control("_CHECK_VALIDITY", ins);
    control("_SET_IP", ins, ins.offset);
    control("_EXIT_TRACE", ins);
    if (uops.length > params.maxTraceLength) {
      throw new InternalError(`trace buffer overflow: ${uops.length} uops in a buffer of ${params.maxTraceLength} (no room was reserved for the final exit)`, "invariant");
    }
    return { uops: instructions === 0 ? [] : uops, stopReason: reason, stopDetail: detail, dependencies: deps };
  };

  const first = instrs[start];
  if (first === undefined) throw new InternalError(`${code.def.qualname}+${start * 2}: projection starts at no instruction`);
  control("_START_EXECUTOR", first);
  control("_MAKE_WARM", first);
  if (fromBackedge) {
    // the JUMP_BACKWARD already ran in tier 1 (its step is counted): the trace starts at its target
    if (first.target === undefined) throw new InternalError(`${code.def.qualname}+${start * 2}: backedge trace from a non-jump`);
    off = first.target;
    initial = off;
  }

  for (;;) {
    const ins = instrs[off];
    if (ins === undefined) throw new InternalError(`${frame.code.def.qualname}+${off * 2}: projection reached no instruction`);
    let opcode = frame.code.units[ins.offset]! & 0xff;
    if (opcode === OPMAP["ENTER_EXECUTOR"]) opcode = host.originalOpcode(frame.code, ins.offset);
    let m: MacroDef | undefined = macroFor(opcode);
    if (m === undefined) return done("unsupported instruction", `opcode ${opcode}`, ins);
    if (forceBase && (m.flags & (F_EXIT | F_DEOPT)) !== 0) m = macroFor(m.baseOpcode)!;
    forceBase = false;
    const name = m.name;

    // room for this instruction (at most its uops + _CHECK_VALIDITY + _SET_IP) and, unless the
    // fault is on, for the final _CHECK_VALIDITY + _SET_IP + _EXIT_TRACE
    // (CALL_ALLOC_AND_ENTER_INIT adds a _CHECK_FUNCTION in the new frame)
    const reserve = faults.noExitRoomReserved ? 0 : 3;
    const own = m.parts.length + 2 + (name === "CALL_ALLOC_AND_ENTER_INIT" ? 1 : 0);
    if (uops.length + own + reserve > params.maxTraceLength) return done("trace too long", `${uops.length} uops`, ins);

    // a conditional branch: follow the side its 16-bit history (taken 1 / not taken 0) says is
    // likely, scaling the confidence down (translate_bytecode_to_trace, 3.13/3.14): a 50/50
    // branch halves it, one that always went the same way still takes 10% off ("the future is
    // still somewhat uncertain"); below the cutoff the trace ends AT the branch
    let likely = false;
    if (m.parts.some((p) => BRANCH_GUARDS[p.uop.name] !== undefined)) {
      const bits = popcount16(frame.code.units[ins.offset + 1]!);
      likely = bits > 8;
      confidence = Math.trunc(likely ? (confidence * (bits + 2)) / 20 : (confidence * (18 - bits)) / 20);
      if (confidence < params.confidenceCutoff) return done("low confidence", `confidence ${confidence}`, ins);
    }

    // jumps: no uops of their own beyond the periodic check
    if (name.startsWith("JUMP_BACKWARD")) {
      if (ins.target === initial && stack.length === 0 && frame.code === code) {
        pendingSteps = 1;
        control("_CHECK_VALIDITY", ins);
        control("_SET_IP", ins, ins.offset);
        if (name !== "JUMP_BACKWARD_NO_INTERRUPT") add(uopNamed("_CHECK_PERIODIC"), ins, 0, 0);
        control("_JUMP_TO_TOP", ins);
        if (uops.length > params.maxTraceLength) throw new InternalError(`trace buffer overflow: ${uops.length} uops`, "invariant");
        return { uops, stopReason: "closed loop", stopDetail: "", dependencies: deps };
      }
      return done("inner loop", `JUMP_BACKWARD at ${frame.code.def.qualname}+${ins.offset * 2} not to the trace start`, ins);
    }
    if (NO_TIER2_EXPANSION.has(name) && name !== "JUMP_FORWARD") return done("unsupported instruction", name, ins);
    if (name === "RETURN_VALUE" && stack.length === 0) return done("return from root frame", `${frame.code.def.qualname}+${ins.offset * 2}`, ins);

    pendingSteps = 1;
    instructions++;
    control("_CHECK_VALIDITY", ins);
    control("_SET_IP", ins, ins.offset);
    if (name === "JUMP_FORWARD") {
      off = ins.target!;
      continue;
    }

    let nextOff = ins.next;
    for (const p of m.parts) {
      const orig = p.uop;
      if ((orig.flags & F_SPECIALIZING) !== 0) continue;
      const operand = orig.cache === 0 ? 0 : readCache(frame.code.units, ins.offset + 1 + p.cacheOffset, orig.cache);
      if (BRANCH_GUARDS[orig.name] !== undefined) {
        const guard = tier2UopFor(orig, likely) as UopDef;
        const jumpTo = ins.target!;
        add(guard, ins, ins.oparg, 0, { exitTarget: likely ? ins.next : jumpTo });
        if (likely) nextOff = jumpTo;
        continue;
      }
      const u = tier2UopFor(orig, false);
      if (u === null) continue;
      if (u === "tier1-only") return done("unsupported instruction", `${name} (${orig.name} is tier-1 only)`, ins);
      if (u !== orig) {
        // a replaced uop; FOR_ITER exhausted: continue after the END_FOR at the jump target (at its POP_ITER)
        add(u, ins, ins.oparg, operand, { exitTarget: ins.target! + 1 });
        continue;
      }
      if (u.name === "_PUSH_FRAME") {
        let version: number;
        if (name === "CALL_ALLOC_AND_ENTER_INIT") {
          // its cache holds the class's type version (specialize_class_call), where the other calls
          // keep the callee's function version. CPython 3.14's projector looks that number up in
          // the function-version cache anyway (and normally finds nothing: "unknown callee");
          // tierdiff follows the call: the class by its version (_PyType_LookupByVersion, which
          // checks the version is still the type's), its __init__, and that function's version
          // through the function-version cache like any callee. The init-cleanup shim is not a
          // frame here (Frame.initSelf): the __init__ frame's _RETURN_VALUE does its work.
          const typeVersion = readCache(frame.code.units, ins.offset + 2, 2);
          const cls = rt.typesByVersion.get(typeVersion);
          const init = cls !== undefined && !cls.freed && cls.versionTag === typeVersion ? cls.lookup("__init__") : undefined;
          if (!(init instanceof PyFunction)) {
            add(u, ins, ins.oparg, 0);
            return doneInCallee("unknown callee", `${name}: no class with type version ${typeVersion}`);
          }
          version = init.funcVersion;
        } else if (FOLLOWED_CALLS.has(name)) {
          version = readCache(frame.code.units, ins.offset + 2, 2);
        } else {
          add(u, ins, ins.oparg, 0);
          return doneInCallee("unknown callee", `${name}: the callee is not known when projecting`);
        }
        const found = host.funcCache.lookup(version);
        const newCode = found.code;
        if (newCode === null) {
          add(u, ins, ins.oparg, 0);
          return doneInCallee("unknown callee", `function version ${version} not in the function-version cache`);
        }
        if (newCode === frame.code || stack.some((s) => s.code === newCode)) {
          add(u, ins, ins.oparg, 0);
          return doneInCallee("recursive call", newCode.def.qualname);
        }
        if (newCode.coVersion !== version) {
          add(u, ins, ins.oparg, 0);
          return doneInCallee("callee code changed", `${newCode.def.qualname}: co_version ${newCode.coVersion}, call cached ${version}`);
        }
        // TRACE_STACK_PUSH: `if (trace_stack_depth >= TRACE_STACK_SIZE)` bail — TRACE_STACK_SIZE
        // frames may be pushed (the caller's entries fill the C array exactly), not one fewer
        if (stack.length >= params.traceStackSize) {
          // gh-117180: without the check, TRACE_STACK_PUSH wrote past the C array
          if (faults.noTraceStackCheck) throw new InternalError(`trace stack overflow: frame ${stack.length + 1} written past TRACE_STACK_SIZE ${params.traceStackSize}`, "invariant");
          return { uops: [], stopReason: "trace stack overflow", stopDetail: `depth ${stack.length + 1}`, dependencies: deps };
        }
        // operand: the function, or the code object tagged |1 (CPython's convention), borrowed
        const note = found.func !== null ? `<function ${found.func.qualname}> (borrowed)` : `<code ${newCode.def.qualname}>|1 (borrowed)`;
        const ptr = found.func !== null ? encodeBorrowed(rt, found.func) : encodeBorrowed(rt, newCode);
        add(u, ins, ins.oparg, ptr, { operandNote: note });
        deps.add(newCode);
        stack.push(frame);
        frame = { code: newCode, func: found.func, returnTo: ins.next };
        instrs = instrsOf(newCode.def);
        nextOff = 0;
        if (name === "CALL_ALLOC_AND_ENTER_INIT") {
          // the call's own guard is the class's type version, which `C.__init__.__code__ = ...`
          // does not change: guard the function version in the new frame before its inlined body
          // (a mismatch deopts to the frame's first instruction; the frame has the current code)
          control("_CHECK_FUNCTION", instrs[0]!, version, { operandNote: `func_version ${version}` });
        }
        break;
      }
      if (u.name === "RETURN_VALUE") {
        const caller = stack.pop()!;
        const note = caller.func !== null ? `<function ${caller.func.qualname}> (borrowed)` : `<code ${caller.code.def.qualname}>|1 (borrowed)`;
        const ptr = caller.func !== null ? encodeBorrowed(rt, caller.func) : encodeBorrowed(rt, caller.code);
        add(u, ins, ins.oparg, ptr, { operandNote: note });
        nextOff = frame.returnTo;
        frame = caller;
        instrs = instrsOf(caller.code.def);
        break;
      }
      add(u, ins, ins.oparg, operand);
    }
    off = nextOff;
  }

  /** the trace stops right after a _PUSH_FRAME: exit at the callee's first instruction */
  function doneInCallee(reason: StopReason, detail: string): Projection {
    const fake: Instr = { offset: 0, start: 0, opcode: OPMAP["NOP"]!, name: OPNAME[OPMAP["NOP"]!]!, oparg: 0, caches: 0, next: 1, target: undefined };
    pendingSteps = 0;
    // the exit is in the new frame (one deeper) at its first instruction; its code is not known here
    const t = add(uopNamed("_EXIT_TRACE"), fake, 0, 0);
    t.depth = stack.length + 1;
    t.exit = new ExitStub(0, null, "_EXIT_TRACE", params.sideExitCounter);
    return { uops, stopReason: reason, stopDetail: detail, dependencies: deps };
  }
}

function popcount16(x: number): number {
  let n = 0;
  for (let v = x & 0xffff; v !== 0; v &= v - 1) n++;
  return n;
}
