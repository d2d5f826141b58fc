/**
 * THE uop/macro table (CPython's Python/bytecodes.c idea): every micro-op is defined ONCE here —
 * its stack effect, its cache operand, its flags and its semantics — and every instruction is a
 * macro: a sequence of uops and unused cache entries, grouped into families (base instruction ->
 * specialized forms). Tier 1 executes an instruction by running its macro's uops in order; tier 2
 * runs projected uop lists from the same definitions; metadata (flags, stack effects, expansions)
 * is derived from here and never written twice.
 */
import type { PyValue, PyFunction, PyCode, PyDict } from "../runtime/objects.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { Frame } from "../vm/frame.ts";
import { OPMAP, INLINE_CACHE_ENTRIES, SPECIALIZATIONS } from "../bytecode/opcodes.generated.ts";

/** What a uop tells the loop that runs it. */
export const OK = 0;
/** a DEOPT_IF guard failed: continue in the base instruction's generic path (tier 1) / back to tier 1 (tier 2) */
export const DEOPT = 1;
/** an EXIT_IF guard failed: tier 1 treats it like DEOPT; tier 2 leaves through a side exit */
export const EXIT = 2;
/** a new frame was pushed (c.pushed): continue executing there */
export const PUSHED = 3;
/** the frame returned (c.retval): continue in the caller */
export const RETURNED = 4;
/** the instruction was (re)specialized in place: dispatch the same instruction again */
export const REDISPATCH = 5;
/** tier 1's JUMP_BACKWARD_JIT just installed an executor at this instruction: enter it now (GOTO_TIER_TWO) */
export const ENTER = 6;
export type Signal = typeof OK | typeof DEOPT | typeof EXIT | typeof PUSHED | typeof RETURNED | typeof REDISPATCH | typeof ENTER;

// uop flags (Include/internal/pycore_uop_metadata.h HAS_*_FLAG)
export const F_DEOPT = 1 << 0;
export const F_EXIT = 1 << 1;
export const F_ERROR = 1 << 2;
/** may run arbitrary Python code (calls, __del__ via decref): frames, globals, types may change */
export const F_ESCAPES = 1 << 3;
/** no side effects: tier 2 may remove it when its result is unused */
export const F_PURE = 1 << 4;
/** changes the instruction pointer (tier-1 only behaviour; tier 2 uses guards instead) */
export const F_JUMP = 1 << 5;
/** runs the specializer (the `specializing op`s): tier 1 only */
export const F_SPECIALIZING = 1 << 6;
/** pushes or pops a frame */
export const F_FRAME = 1 << 7;
/** may only appear in tier 1 (e.g. jumps, specializing ops) */
export const F_TIER1_ONLY = 1 << 8;
/** may only appear in tier 2 */
export const F_TIER2_ONLY = 1 << 9;

export const FLAG_NAMES: readonly [number, string][] = [
  [F_DEOPT, "DEOPT"], [F_EXIT, "EXIT"], [F_ERROR, "ERROR"], [F_ESCAPES, "ESCAPES"], [F_PURE, "PURE"],
  [F_JUMP, "JUMP"], [F_SPECIALIZING, "SPECIALIZING"], [F_FRAME, "FRAME"], [F_TIER1_ONLY, "TIER1_ONLY"], [F_TIER2_ONLY, "TIER2_ONLY"],
];

/**
 * The state a uop works on. One context object is reused by an interpreter; the loop sets the
 * fields before running a macro.
 */
export interface UopContext {
  readonly rt: Runtime;
  /** the executing frame; its `stack` is the evaluation stack */
  f: Frame;
  /** code unit of the instruction (tier 1) / of the instruction the uop came from (tier 2) */
  offset: number;
  /** code unit where execution continues; jump uops change it */
  next: number;
  /** set by _PUSH_FRAME: the frame to continue in */
  pushed: Frame | null;
  /** set by the returning uop: the value handed to the caller */
  retval: PyValue | null;
  /** engine services (calls, specialization, function cache, stats) */
  readonly vm: VmServices;
}

/** Services of the engine that uops use; implemented by the tier-1 (and later tier-2) engine. */
export interface VmServices {
  /** build a frame for a Python function call, taking ownership of fn and args (may throw) */
  frameForCall(fn: PyFunction, args: PyValue[], kwnames: readonly string[]): Frame;
  /** MAKE_FUNCTION: a new function (versioned from its code, registered in the function cache) */
  makeFunction(code: PyCode, globals: PyDict, builtins: PyDict): PyFunction;
  /** RAISE_VARARGS */
  raise(c: UopContext, oparg: number): never;
  /** RERAISE */
  reraise(c: UopContext, oparg: number): never;
  /** replace the exception being handled (tstate->exc_info), returning the previous one (ownership moves) */
  swapExcInfo(v: PyValue): PyValue;
  /** IMPORT_NAME of a program module: new reference to the module */
  importModule(name: string): PyValue;
  /** run the specializer of `base` for the instruction at c.offset (writes opcode and caches) */
  specialize(base: string, c: UopContext, oparg: number): void;
  /** statistics: a base instruction's counter counted down without specializing */
  deferred(base: string): void;
  /** statistics: an instruction rewrote itself without the specializer (RESUME, LOAD_CONST, JUMP_BACKWARD) */
  rewritten(form: string): void;
  /** tier 2 is on: JUMP_BACKWARD becomes JUMP_BACKWARD_JIT (else JUMP_BACKWARD_NO_JIT) */
  readonly tier2Enabled: boolean;
  /** _JIT: the backedge counter of the JUMP_BACKWARD_JIT at c.offset; true when an executor was
   *  installed there and should be entered now */
  backedge(c: UopContext): boolean;
}

/** Semantics: (context, oparg, operand) -> signal. `operand` is the uop's cache value (tier 1) or its stored operand (tier 2). */
export type UopFn = (c: UopContext, oparg: number, operand: number) => Signal;

export type Count = number | ((oparg: number) => number);

export interface UopDef {
  readonly name: string;
  /** stack items consumed and produced (CPython's `(inputs -- outputs)`) */
  readonly inputs: Count;
  readonly outputs: Count;
  /** cache units this uop reads as its operand (in tier 1 from the inline cache, in tier 2 from the trace) */
  readonly cache: number;
  readonly flags: number;
  readonly fn: UopFn;
}

export type MacroPart = { readonly uop: UopDef; readonly cacheOffset: number } ;

export interface MacroDef {
  readonly name: string;
  readonly opcode: number;
  /** family (base instruction) name; the base's own macro has base === name */
  readonly base: string;
  readonly parts: readonly MacroPart[];
  /** total inline cache units (must equal CPython's INLINE_CACHE_ENTRIES of the family) */
  readonly cacheUnits: number;
  /** union of the parts' flags */
  readonly flags: number;
  /** the macro as CPython writes it: uop names and `unused/N` */
  readonly spelling: readonly string[];
  // Derived once, for the tier-1 dispatch loop, which runs a macro for every instruction executed.
  /** a specialized form (base !== name) */
  readonly specialized: boolean;
  /** opcode of the family's base instruction */
  readonly baseOpcode: number;
  /** the uops run in order, stopping at the first signal other than OK (see compileMacro) */
  readonly run: MacroRunner;
}

/** Runs a macro's uops for the instruction at c.offset (operands read from `units`). */
export type MacroRunner = (c: UopContext, oparg: number, units: Uint16Array) => Signal;

const uops = new Map<string, UopDef>();
const macros = new Map<string, MacroDef>();
const byOpcode: (MacroDef | undefined)[] = [];

export function count(c: Count, oparg: number): number {
  return typeof c === "number" ? c : c(oparg);
}

/** Define a uop. Names follow CPython. Defining a name twice is a table bug. */
export function defineUop(name: string, spec: { inputs: Count; outputs: Count; cache?: number; flags?: number }, fn: UopFn): UopDef {
  if (uops.has(name)) throw new Error(`uop ${name} defined twice`);
  const def: UopDef = { name, inputs: spec.inputs, outputs: spec.outputs, cache: spec.cache ?? 0, flags: spec.flags ?? 0, fn };
  uops.set(name, def);
  return def;
}

/**
 * Define an instruction as a macro. Parts are uop names or numbers (unused cache units, CPython's
 * `unused/N`). An instruction defined by a single uop of the same name is CPython's `inst(...)`.
 */
export function defineMacro(name: string, parts: readonly (string | number)[]): MacroDef {
  if (macros.has(name)) throw new Error(`macro ${name} defined twice`);
  const opcode = OPMAP[name];
  if (opcode === undefined) throw new Error(`macro ${name}: not a CPython 3.14 opcode`);
  let offset = 0;
  const out: MacroPart[] = [];
  const spelling: string[] = [];
  let flags = 0;
  for (const p of parts) {
    if (typeof p === "number") {
      offset += p;
      spelling.push(`unused/${p}`);
      continue;
    }
    const u = uops.get(p);
    if (u === undefined) throw new Error(`macro ${name}: unknown uop ${p}`);
    out.push({ uop: u, cacheOffset: offset });
    offset += u.cache;
    flags |= u.flags;
    spelling.push(p);
  }
  let base = name;
  for (const [b, forms] of Object.entries(SPECIALIZATIONS)) if (forms.includes(name)) base = b;
  const def: MacroDef = {
    name, opcode, base, parts: out, cacheUnits: offset, flags, spelling,
    specialized: base !== name,
    baseOpcode: OPMAP[base]!,
    run: compileMacro(name, out),
  };
  macros.set(name, def);
  byOpcode[opcode] = def;
  return def;
}

/**
 * A macro's uops as ONE function, generated per macro: `uop_i(c, oparg, operand_i)` in order,
 * returning the first signal other than OK. A loop over the parts would call every uop through one
 * megamorphic call site; here each call site always calls the same uop, so V8 inlines the uops into
 * the macro and tier 1 makes one indirect call per instruction instead of one per uop.
 */
function compileMacro(name: string, parts: readonly MacroPart[]): MacroRunner {
  const params = parts.map((_, i) => `u${i}`);
  const lines = parts.map((p, i) => {
    // A uop whose function does not declare the operand parameter cannot read it: skip reading it
    // (a 3- or 4-unit operand is a double, allocated on every read).
    const used = p.uop.cache !== 0 && p.uop.fn.length >= 3;
    const operand = used ? `readCache(units, c.offset + ${1 + p.cacheOffset}, ${p.uop.cache})` : "0";
    return `  sig = u${i}(c, oparg, ${operand});\n  if (sig !== ${OK}) return sig;`;
  });
  const body = `return function ${name}(c, oparg, units) {\n  let sig;\n${lines.join("\n")}\n  return ${OK};\n};`;
  const make = new Function(...params, "readCache", body) as (...fns: unknown[]) => MacroRunner;
  return make(...parts.map((p) => p.uop.fn), readCache);
}

export function uopNamed(name: string): UopDef {
  const u = uops.get(name);
  if (u === undefined) throw new Error(`no uop ${name}`);
  return u;
}
export function macroNamed(name: string): MacroDef | undefined {
  return macros.get(name);
}
export function macroFor(opcode: number): MacroDef | undefined {
  return byOpcode[opcode];
}
export function allMacros(): MacroDef[] {
  return [...macros.values()];
}
export function allUops(): UopDef[] {
  return [...uops.values()];
}

/** Net stack effect of a macro for an oparg, derived from its uops. */
export function macroStackEffect(m: MacroDef, oparg: number): number {
  let e = 0;
  for (const p of m.parts) e += count(p.uop.outputs, oparg) - count(p.uop.inputs, oparg);
  return e;
}

/** Consistency of the table with CPython's facts: cache sizes per family. Returns problems. */
export function checkTable(): string[] {
  const problems: string[] = [];
  for (const m of macros.values()) {
    const want = INLINE_CACHE_ENTRIES[m.base] ?? 0;
    if (m.cacheUnits !== want) problems.push(`${m.name}: ${m.cacheUnits} cache units, CPython has ${want}`);
  }
  return problems;
}

/** Read a uop's operand from the inline cache: `size` little-endian units (4 units = addr | gen << 32). */
export function readCache(units: Uint16Array, at: number, size: number): number {
  switch (size) {
    case 0:
      return 0;
    case 1:
      return units[at]!;
    case 2:
      return (units[at]! | (units[at + 1]! << 16)) >>> 0;
    case 3:
      // CPython's `version/1, unused/1, index/1` and `dict_version/2, index/1`: units 0-1 in the
      // low 32 bits, unit 2 above them (readUnit3 takes them apart)
      return ((units[at]! | (units[at + 1]! << 16)) >>> 0) + units[at + 2]! * 2 ** 32;
    default: {
      const lo = (units[at]! | (units[at + 1]! << 16)) >>> 0;
      const hi = (units[at + 2]! | (units[at + 3]! << 16)) >>> 0;
      return lo + hi * 2 ** 32;
    }
  }
}
/** Unit k (0-2) of a 3-unit operand read by readCache. */
export function operandUnit(operand: number, k: number): number {
  return k === 2 ? Math.floor(operand / 2 ** 32) & 0xffff : (operand >>> (16 * k)) & 0xffff;
}
export function writeCache(units: Uint16Array, at: number, size: number, value: number): void {
  for (let i = 0; i < size; i++) {
    units[at + i] = i < 2 ? (value >>> (16 * i)) & 0xffff : Math.floor(value / 2 ** (16 * i)) & 0xffff;
  }
}
