/**
 * The reference interpreter's frame: CPython's _PyInterpreterFrame reduced to what the generic
 * semantics need (no caches, no versions, no tiers).
 */
import type { PyCode, PyDict, PyFunction, PyFrameObject, PyValue } from "../../engine/runtime/objects.ts";
import type { CodeDef } from "../../engine/bytecode/code.ts";
import type { Instr } from "../../engine/bytecode/instructions.ts";

export class Frame {
  /** evaluation stack; null is C's NULL (PUSH_NULL, method calls) */
  readonly stack: (PyValue | null)[] = [];
  /** code unit of the instruction being executed */
  ip = 0;
  /** where to continue after the callee of the CALL at `ip` returns */
  resumeAt = 0;
  frameObj: PyFrameObject | null = null;
  constructor(
    readonly code: PyCode,
    readonly def: CodeDef,
    /** strong reference (f_funcobj); null for module bodies run directly */
    readonly func: PyFunction | null,
    readonly globals: PyDict,
    readonly builtins: PyDict,
    /** f_locals: the namespace dict of module and class bodies, else null */
    readonly locals: PyDict | null,
    readonly localsplus: (PyValue | null)[],
    /** decoded instructions by code unit */
    readonly instrs: readonly (Instr | undefined)[],
    readonly back: Frame | null,
  ) {}
}
