/**
 * Static (pure data) code objects, as loaded from a program file or imported from CPython.
 * They mirror CPython 3.14's PyCodeObject fields that execution needs (Include/cpython/code.h):
 * the runtime materializes each CodeDef into a heap `code` object (runtime/objects.ts) whose
 * `units` array tier 1 may rewrite in place (specialization), exactly like `co_code_adaptive`.
 *
 * Offsets everywhere in tierdiff are in CODE UNITS (16-bit words), as in CPython's C code;
 * CPython's Python-level APIs (dis, tb_lasti) show byte offsets = 2 * code units.
 */
import type { PyInt } from "../runtime/primitive.ts";
import { PyFloat } from "../runtime/primitive.ts";

/** Python's None in static data and at run time (one singleton; runtime/objects.ts re-exports it). */
export class PyNoneType {
  toString(): string {
    return "None";
  }
}
export const None = new PyNoneType();

/** A tuple constant (co_consts may nest them: `(1, (2, 3))`). */
export class ConstTuple {
  constructor(readonly items: readonly Const[]) {}
}
/** A slice constant: CPython 3.14 folds `x[1:3]` into LOAD_CONST slice(1, 3, None). */
export class ConstSlice {
  constructor(
    readonly start: Const,
    readonly stop: Const,
    readonly step: Const,
  ) {}
}

export type Const = PyNoneType | boolean | PyInt | PyFloat | string | ConstTuple | ConstSlice | CodeDef;

/** One row of CPython's exception table (Objects/exception_handling_notes.txt), in code units. */
export interface ExceptionTableEntry {
  /** first covered code unit (inclusive) */
  readonly start: number;
  /** end of the covered range (exclusive) */
  readonly end: number;
  /** handler code unit */
  readonly target: number;
  /** stack depth to pop down to before pushing (lasti?) and the exception */
  readonly depth: number;
  /** push the offset of the raising instruction before the exception */
  readonly lasti: boolean;
}

// co_flags (Include/cpython/code.h)
export const CO_OPTIMIZED = 0x1;
export const CO_NEWLOCALS = 0x2;
export const CO_VARARGS = 0x4;
export const CO_VARKEYWORDS = 0x8;
export const CO_NESTED = 0x10;
export const CO_GENERATOR = 0x20;
export const CO_NOFREE = 0x40;
export const CO_COROUTINE = 0x80;
export const CO_ITERABLE_COROUTINE = 0x100;
export const CO_ASYNC_GENERATOR = 0x200;
export const CO_HAS_DOCSTRING = 0x4000000;
export const CO_METHOD = 0x8000000;

// _PyLocals_Kind (Include/internal/pycore_code.h)
export const CO_FAST_ARG_POS = 0x02;
export const CO_FAST_ARG_KW = 0x04;
export const CO_FAST_ARG_VAR = 0x08;
export const CO_FAST_HIDDEN = 0x10;
export const CO_FAST_LOCAL = 0x20;
export const CO_FAST_CELL = 0x40;
export const CO_FAST_FREE = 0x80;

export class CodeDef {
  constructor(
    readonly name: string,
    readonly qualname: string,
    readonly filename: string,
    readonly firstlineno: number,
    readonly argcount: number,
    readonly posonlyargcount: number,
    readonly kwonlyargcount: number,
    readonly flags: number,
    readonly stacksize: number,
    /** code units: opcode | oparg << 8 for instructions, raw 16-bit values for CACHE entries (0 when unspecialized) */
    readonly units: Uint16Array,
    readonly consts: readonly Const[],
    readonly names: readonly string[],
    /** co_localsplusnames: locals (args first), then cells not already locals, then free vars */
    readonly localsplusnames: readonly string[],
    /** co_localspluskinds, one CO_FAST_* bit set per entry of localsplusnames */
    readonly localspluskinds: readonly number[],
    readonly exceptiontable: readonly ExceptionTableEntry[],
    /** source line of the instruction starting at each code unit (undefined for cache units / no line) */
    readonly lines: readonly (number | undefined)[],
  ) {}

  get nlocalsplus(): number {
    return this.localsplusnames.length;
  }
  get nlocals(): number {
    return this.localspluskinds.filter((k) => (k & CO_FAST_LOCAL) !== 0).length;
  }
  get ncells(): number {
    return this.localspluskinds.filter((k) => (k & CO_FAST_CELL) !== 0).length;
  }
  get nfree(): number {
    return this.localspluskinds.filter((k) => (k & CO_FAST_FREE) !== 0).length;
  }
  /** Number of positional + keyword-only parameters plus *args/**kwargs slots (co_nlocals prefix that are arguments). */
  get totalargs(): number {
    return (
      this.argcount +
      this.kwonlyargcount +
      ((this.flags & CO_VARARGS) !== 0 ? 1 : 0) +
      ((this.flags & CO_VARKEYWORDS) !== 0 ? 1 : 0)
    );
  }
}

/** One module of a program: its name (what `import NAME` finds), file name (for tracebacks) and code. */
export interface ModuleDef {
  readonly name: string;
  readonly filename: string;
  readonly code: CodeDef;
  /** Python source, when the module came from Python (import-py) or an AST (generators); informational. */
  readonly source?: string;
}

export const PROGRAM_FORMAT_VERSION = 1;

/** A whole program: modules, the first of which is `__main__` (the entry point). */
export interface ProgramDef {
  readonly formatVersion: number;
  readonly modules: readonly ModuleDef[];
}
