/**
 * A plain-data picture of the frame stack at an instruction boundary: what replay's divergence
 * localization compares between configurations (function, instruction offset, locals, stack).
 * It never runs Python code (no __repr__ calls): values are summarized structurally, and heap
 * addresses are left out, so two configurations in the same state give equal snapshots.
 */
import type { Frame } from "./frame.ts";
import {
  PyDict, PyFloat, PyFunction, PyInstance, PyList, PyNoneType, PyTuple, PyType, type PyValue,
} from "../runtime/objects.ts";
import { typeOf } from "../runtime/types.ts";

export interface FrameSnapshot {
  /** qualified name of the code running in the frame */
  readonly function: string;
  /** byte offset of the instruction about to run (dis numbering) */
  readonly offset: number;
  /** local variable name -> summary ("<unbound>" when empty) */
  readonly locals: Readonly<Record<string, string>>;
  /** evaluation stack, bottom first */
  readonly stack: readonly string[];
}

/** A structural, side-effect-free summary of a value (depth-limited). */
export function summarize(v: PyValue | null, depth = 0): string {
  if (v === null) return "NULL";
  switch (typeof v) {
    case "string":
      return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
    case "number":
    case "bigint":
      return String(v);
    case "boolean":
      return v ? "True" : "False";
    default:
      break;
  }
  if (v instanceof PyNoneType) return "None";
  if (v instanceof PyFloat) return Object.is(v.v, -0) ? "-0.0" : String(v.v);
  if (depth >= 2) return `<${typeOf(v).name}>`;
  if (v instanceof PyTuple) return `(${v.items.slice(0, 8).map((x) => summarize(x, depth + 1)).join(", ")}${v.items.length > 8 ? ", …" : ""})`;
  if (v instanceof PyList) return `[${v.items.slice(0, 8).map((x) => summarize(x, depth + 1)).join(", ")}${v.items.length > 8 ? ", …" : ""}]`;
  if (v instanceof PyDict) return `<dict of ${v.store.size} items>`;
  if (v instanceof PyFunction) return `<function ${v.qualname}>`;
  if (v instanceof PyType) return `<class ${v.name}>`;
  if (v instanceof PyInstance) return `<${typeOf(v).name} object>`;
  return `<${typeOf(v).name}>`;
}

/** Snapshot `f` and the frames below it, innermost first. */
export function snapshotFrames(f: Frame | null): FrameSnapshot[] {
  const out: FrameSnapshot[] = [];
  for (let fr = f; fr !== null && out.length < 50; fr = fr.back) {
    const locals: Record<string, string> = {};
    fr.def.localsplusnames.forEach((n, i) => {
      const v = fr.localsplus[i];
      locals[n] = v === null || v === undefined ? "<unbound>" : summarize(v);
    });
    out.push({ function: fr.def.qualname, offset: fr.ip * 2, locals, stack: fr.stack.map((v) => summarize(v)) });
  }
  return out;
}
