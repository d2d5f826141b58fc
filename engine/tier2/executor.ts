/**
 * Executors (Include/internal/pycore_optimizer.h _PyExecutorObject): a superblock of uops with one
 * entry and side exits. Executors are heap objects here, as in CPython, so the leak check covers
 * them: the code object's executor array (co_executors) holds a strong reference to each executor
 * installed at an ENTER_EXECUTOR, and a side exit holds a strong reference to the executor linked
 * to it (trace stitching). Dependencies (dicts, types, code objects whose change invalidates the
 * executor) are an EXACT set here, not CPython's 256-bit bloom filter: no false positives, so an
 * invalidation the model performs is one the dependency really asked for.
 */
import { HeapObject, type RefOps } from "../runtime/heap.ts";
import { PyType, type PyCode, type PyDict, type PyValue } from "../runtime/objects.ts";
import type { UopDef } from "../uops/table.ts";
import type { CompiledTrace } from "./compile.ts";

/** One uop of a trace (_PyUOpInstruction): opcode, oparg, target, operand. */
export interface TraceUop {
  uop: UopDef;
  /** the name tier 2 spells it with (CPython: an inst X becomes _X) */
  name: string;
  oparg: number;
  /** the uop's operand (a copy of its inline-cache entry, or set by the projector/optimizer) */
  operand: number;
  /** code unit of the instruction this uop came from, in `code` */
  target: number;
  /** code unit after that instruction (the return offset of a call) */
  next: number;
  /** where tier 1 continues when this uop exits or deopts */
  exitTarget: number;
  /** the code object the instruction belongs to (borrowed: it outlives its executors or invalidates them) */
  code: PyCode;
  /** trace stack depth: 0 in the frame the executor was entered in, +1 per _PUSH_FRAME */
  depth: number;
  /** instructions that start at this uop (step counting; moved forward when the optimizer drops uops) */
  steps: number;
  /** when steps were moved here from dropped uops: the instruction of each step, in order (a step
   *  budget running out among them stops at the right one, as tier 1 would) */
  stepTargets?: number[];
  /** the instruction (code unit in `code`) whose own step is among `steps`, or -1: an exit back to
   *  that instruction re-executes it, so its step is taken back */
  stepOf: number;
  /** executor-control kind (engine/uops/tier2.ts CONTROL_KIND), 0 for a uop whose fn runs */
  kind: number;
  /** the side exit of an EXIT-flagged uop or _EXIT_TRACE */
  exit: ExitStub | null;
  /** how the operand is shown in a listing */
  operandNote?: string;
  /** a promoted global: the watched dict and key it was read from (for the invariant checker) */
  promoted?: { readonly dict: PyDict; readonly key: PyValue };
}

/** A side exit (_PyExitData): a temperature counter and, once warm, the executor linked to it. */
export class ExitStub {
  /** times this exit was taken */
  taken = 0;
  /** tier 2's statistics cell for exits of this kind (set on the first exit) */
  statCell: { n: number } | null = null;
  executor: ExecutorObject | null = null;
  constructor(
    /** code unit where tier 1 (or the linked executor) continues */
    readonly target: number,
    /** the code running at the exit (null: the first instruction of a callee the projector did not know) */
    readonly code: PyCode | null,
    /** what kind of exit: the exiting uop's name */
    readonly kind: string,
    /** 16-bit backoff counter (engine/tier1/counters.ts layout) */
    public temperature: number,
  ) {}
}

/** How control left an executor (ExecutorObject.noteLeft). */
export type LeftHow = "exit" | "deopt" | "recursion" | "exception";

export type StopReason =
  | "closed loop"
  | "inner loop"
  | "trace too long"
  | "recursive call"
  | "unknown callee"
  | "callee code changed"
  | "trace stack overflow"
  | "return from root frame"
  | "low confidence"
  | "unsupported instruction"
  | "backward jump";

export class ExecutorObject extends HeapObject {
  valid = true;
  /** executions entered (from ENTER_EXECUTOR, _JIT or a linked exit) */
  executions = 0;
  /** strong references held: linked executors of this executor's exits */
  readonly exits: ExitStub[] = [];
  /** exits of OTHER executors linked to this one (unlinked on invalidation) */
  readonly linkedFrom = new Set<ExitStub>();
  /** where it is installed: the code unit its ENTER_EXECUTOR replaced and its co_executors index (null: detached, or a side-exit executor) */
  installedAt: { readonly unit: number; readonly index: number } | null = null;
  /** bookkeeping of the tier-2 engine when the executor is freed */
  onFree: ((e: ExecutorObject) => void) | null = null;
  /** false only under the test fault "linked executors leak" (gh-120501) */
  releaseLinked = true;
  /** the uops as one function (compile.ts), made once the executor is hot */
  compiled: CompiledTrace | null = null;
  /** entries and loop-backs while interpreted (Tier2Params.compileAfter) */
  warmth = 0;
  // where control last left this executor, recorded without allocating (the executor loop does
  // it at every exit): uop index (-1: an exception unwound out of it; -2: never), how, and where to
  private leftIndex = -2;
  private leftHow: LeftHow = "exit";
  private leftFunction = "";
  private leftOffset = 0;
  noteLeft(index: number, how: LeftHow, fn: string, codeUnit: number): void {
    this.leftIndex = index;
    this.leftHow = how;
    this.leftFunction = fn;
    this.leftOffset = codeUnit;
  }
  /** where control last left this executor through an exit, a deopt, the recursion limit or an
   *  exception (listings and replay): the uop, or -1 when an exception unwound out of it (the
   *  instruction is then the frame's last _SET_IP) */
  get lastLeft(): { readonly index: number; readonly how: string } | null {
    if (this.leftIndex === -2) return null;
    const at = `${this.leftFunction}+${this.leftOffset * 2}`;
    const how = this.leftHow === "exception" ? `an exception unwound out of it at ${at}`
      : this.leftHow === "recursion" ? `recursion limit at a call, ${at}` : `${this.leftHow} to ${at}`;
    return { index: this.leftIndex, how };
  }
  /** version tag of each type dependency when the executor was created (what its guards assume) */
  readonly typeVersions = new Map<PyType, number>();
  constructor(
    readonly uops: TraceUop[],
    /** code the trace starts in, and where (code unit) */
    readonly code: PyCode,
    readonly start: number,
    readonly stopReason: StopReason,
    readonly stopDetail: string,
    /** 0 for an executor installed at a JUMP_BACKWARD, parent + 1 for one linked to a side exit */
    readonly chainDepth: number,
    /** exact dependency set (dicts, types, code objects) */
    readonly dependencies: ReadonlySet<object>,
    /** uops removed per optimizer pass */
    readonly removed: Readonly<Record<string, number>>,
  ) {
    super();
    for (const u of uops) if (u.exit !== null && !this.exits.includes(u.exit)) this.exits.push(u.exit);
    // the optimizer adds a type only when its current version is the guarded one, so this is the guarded version
    for (const d of dependencies) if (d instanceof PyType) this.typeVersions.set(d, d.versionTag);
  }
  sizeClass(): string {
    return "executor";
  }
  describe(): string {
    return `executor of ${this.code.def.qualname} at offset ${this.start * 2}`;
  }
  /** executor_dealloc: release the executors linked to this one's exits */
  clear(rt: RefOps): void {
    this.onFree?.(this);
    for (const e of this.exits) {
      const linked = e.executor;
      if (linked !== null) {
        e.executor = null;
        linked.linkedFrom.delete(e);
        if (this.releaseLinked) rt.decref(linked);
      }
    }
  }
}

/** How a listing marks the uop where control last left the executor. */
export const LEFT_MARK = "<-- control left here";

/** The executor as `_opcode.get_executor(code, offset)` iterates it, one uop per line. */
export function formatExecutor(e: ExecutorObject, title: string): string {
  const lines = [
    `${title}: ${e.code.def.qualname} at offset ${e.start * 2}${e.chainDepth > 0 ? ` (side-exit trace, chain depth ${e.chainDepth})` : ""}`,
    `  stop reason: ${e.stopReason}${e.stopDetail !== "" ? ` (${e.stopDetail})` : ""}; ${e.uops.length} uops; executions ${e.executions}; ${e.valid ? "valid" : "INVALIDATED"}`,
    `  dependencies: ${[...e.dependencies].map(describeDependency).join(", ") || "none"}`,
    `  removed by the optimizer: ${Object.entries(e.removed).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(", ") || "nothing"}`,
    ...(e.lastLeft !== null && e.lastLeft.index < 0 ? [`  control last left it: ${e.lastLeft.how}`] : []),
    `  ${"#".padStart(4)}  ${"uop".padEnd(36)} ${"oparg".padStart(5)} ${"target".padStart(6)}  operand`,
  ];
  e.uops.forEach((u, i) => {
    const where = u.depth > 0 ? `  [${u.code.def.qualname}]` : "";
    const exit = u.exit !== null ? `  -> exit #${e.exits.indexOf(u.exit)}` : "";
    const left = e.lastLeft !== null && e.lastLeft.index === i ? `  ${LEFT_MARK} (${e.lastLeft.how})` : "";
    lines.push(`  ${String(i).padStart(4)}  ${u.name.padEnd(36)} ${String(u.oparg).padStart(5)} ${String(u.target).padStart(6)}  ${u.operandNote ?? (u.operand === 0 ? "0" : `0x${u.operand.toString(16)}`)}${exit}${where}${left}`);
  });
  e.exits.forEach((x, i) => {
    lines.push(`  exit #${i}: ${x.kind} -> ${x.code?.def.qualname ?? "(callee)"}+${x.target * 2}, taken ${x.taken}, temperature 0x${x.temperature.toString(16).padStart(4, "0")}${x.executor !== null ? `, linked to ${x.executor.chainDepth === 0 ? "the executor installed there" : "a side-exit executor"} (${x.executor.uops.length} uops)` : ""}`);
  });
  return lines.join("\n");
}

function describeDependency(d: object): string {
  if (d instanceof HeapObject) return d.describe();
  return String(d);
}
