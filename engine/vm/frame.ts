/**
 * An executing frame (CPython's _PyInterpreterFrame), shared as a data structure by the reference
 * interpreter and the engine tiers: the locals, the evaluation stack and the instruction pointer.
 * The reference reads `instrs` decoded from the static code; tier 1 reads the adaptive units.
 */
import type { PyCode, PyDict, PyFunction, PyFrameObject, PyValue } from "../runtime/objects.ts";
import type { CodeDef } from "../bytecode/code.ts";
import type { Instr } from "../bytecode/instructions.ts";

/**
 * An empty array whose V8 elements kind is already the generic one. A `[]` literal starts as
 * "small integers only" and changes kind as other values are pushed, so the stack accessors every
 * frame shares would see arrays of several kinds and take V8's slow polymorphic paths (that was
 * about a quarter of a call-heavy run).
 */
function emptyStack(): (PyValue | null)[] {
  const s: (PyValue | null)[] = [null];
  s.pop();
  return s;
}

export class Frame {
  /** evaluation stack; null is C's NULL (PUSH_NULL, method calls) */
  readonly stack: (PyValue | null)[] = emptyStack();
  /** code unit of the instruction being executed */
  ip = 0;
  /** where to continue after the callee of the CALL at `ip` returns */
  resumeAt = 0;
  frameObj: PyFrameObject | null = null;
  /**
   * CALL_ALLOC_AND_ENTER_INIT: the new instance this __init__ frame initializes (a strong
   * reference, held for CPython's hidden init-cleanup shim frame, which checks that __init__
   * returned None and hands `self` to the caller instead; the shim itself is not modeled as a
   * frame because it never shows in tracebacks and executes no counted instruction).
   */
  initSelf: PyValue | null = null;
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
