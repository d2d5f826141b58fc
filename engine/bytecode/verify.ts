/**
 * Static verifier for programs: everything an interpreter may assume about a CodeDef without
 * re-checking at run time. It rejects, with a VerifyError naming the code object, the byte offset
 * (as dis shows it), the instruction and the reason:
 *  - opcodes that are unknown, outside the supported subset (subset.ts), specialized or instrumented,
 *    and generator/coroutine co_flags; a reachable CACHE (fatal in CPython);
 *  - malformed encodings: truncated inline caches, a trailing EXTENDED_ARG, prefixes on an
 *    instruction without argument, nonzero cache units (program files carry zero caches);
 *  - malformed code object fields: counts, local kinds (free variables last), line table length,
 *    non-canonical int constants;
 *  - opargs out of range (consts, names, locals, cells, operator tables, flag sets);
 *  - jumps off the code or into the middle of an instruction; a FOR_ITER whose target is not
 *    its END_FOR (the interpreters skip that END_FOR, Python/bytecodes.c `FOR_ITER`);
 *  - a malformed exception table (Objects/exception_handling_notes.txt: sorted, non-overlapping,
 *    on instruction boundaries);
 *  - inconsistent stack depths, underflow, a depth above co_stacksize, and execution falling off the
 *    end of the code: the abstract interpretation of Python/flowgraph.c `stackdepth`, with exception
 *    handlers entered at `depth + lasti + 1` from every reachable instruction their entry covers.
 * Unreachable code is allowed (CPython leaves some) but is still checked statically.
 *
 * verifyProgram/verifyCode never throw anything but VerifyError, whatever the input.
 */
import {
  CodeDef, ConstSlice, ConstTuple, PyNoneType, PROGRAM_FORMAT_VERSION, type Const, type ProgramDef,
  CO_OPTIMIZED, CO_NEWLOCALS, CO_VARARGS, CO_VARKEYWORDS, CO_NESTED, CO_GENERATOR, CO_NOFREE, CO_COROUTINE,
  CO_ITERABLE_COROUTINE, CO_ASYNC_GENERATOR, CO_HAS_DOCSTRING, CO_METHOD,
  CO_FAST_ARG_POS, CO_FAST_ARG_KW, CO_FAST_ARG_VAR, CO_FAST_HIDDEN, CO_FAST_LOCAL, CO_FAST_CELL, CO_FAST_FREE,
} from "./code.ts";
import { PyFloat } from "../runtime/primitive.ts";
import { decode, jumpTarget, type Instr } from "./instructions.ts";
import { BASE_OF, isJump } from "./opcodes.ts";
import { HAS_ARG, NB_OPS, CMP_OPS } from "./opcodes.generated.ts";
import { SUPPORTED_OPCODES, UNSUPPORTED_CONSTRUCTS, COMMON_CONSTANTS } from "./subset.ts";
import { stackEffect, stackInputs } from "./stackeffect.ts";
import { LocatedError } from "./errors.ts";

/** COMPARE_OP outcome masks per operator (Python/flowgraph.c, Include/internal/pycore_opcode_utils.h). */
const CMP_MASKS: readonly number[] = [2, 10, 8, 7, 4, 12];

export class VerifyError extends LocatedError {
  override readonly name = "VerifyError";
  constructor(
    /** how the code object is named in the message: module prefix + co_qualname ("" for program-level) */
    readonly where: string,
    /** co_qualname of the offending code object ("" for program-level errors) */
    readonly qualname: string,
    /** code unit of the offending instruction's opcode (undefined: not about one instruction) */
    readonly offset: number | undefined,
    readonly opname: string | undefined,
    readonly oparg: number | undefined,
    reason: string,
  ) {
    super(VerifyError.location(where, offset, opname, oparg), reason);
  }
  private static location(where: string, offset: number | undefined, opname: string | undefined, oparg: number | undefined): string {
    if (offset === undefined) return where || "program";
    const ins = opname === undefined ? "" : ` ${opname}${oparg === undefined ? "" : ` ${oparg}`}`;
    return `${where}+${2 * offset}${ins}`;
  }
}

const KNOWN_FLAGS = CO_OPTIMIZED | CO_NEWLOCALS | CO_VARARGS | CO_VARKEYWORDS | CO_NESTED | CO_GENERATOR | CO_NOFREE |
  CO_COROUTINE | CO_ITERABLE_COROUTINE | CO_ASYNC_GENERATOR | CO_HAS_DOCSTRING | CO_METHOD;
const GENERATOR_FLAGS = CO_GENERATOR | CO_COROUTINE | CO_ITERABLE_COROUTINE | CO_ASYNC_GENERATOR;
const KNOWN_KINDS = CO_FAST_ARG_POS | CO_FAST_ARG_KW | CO_FAST_ARG_VAR | CO_FAST_HIDDEN | CO_FAST_LOCAL | CO_FAST_CELL | CO_FAST_FREE;
const HAS_ARG_SET = new Set(HAS_ARG);
/** Instructions after which execution never continues with the next one. */
const NO_FALLTHROUGH = new Set(["RETURN_VALUE", "RAISE_VARARGS", "RERAISE", "JUMP_FORWARD", "JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT"]);
const MAX_PREFIXES = 3; // a C int oparg holds at most 3 EXTENDED_ARG bytes + 1

const CONST_OPS = new Set(["LOAD_CONST"]);
const NAME_OPS = new Set(["STORE_GLOBAL", "DELETE_GLOBAL", "LOAD_NAME", "STORE_NAME", "DELETE_NAME", "STORE_ATTR",
  "DELETE_ATTR", "IMPORT_NAME", "IMPORT_FROM"]);
const LOCAL_OPS = new Set(["LOAD_FAST", "LOAD_FAST_BORROW", "LOAD_FAST_CHECK", "LOAD_FAST_AND_CLEAR", "STORE_FAST", "DELETE_FAST"]);
const PAIR_OPS = new Set(["LOAD_FAST_LOAD_FAST", "LOAD_FAST_BORROW_LOAD_FAST_BORROW", "STORE_FAST_LOAD_FAST", "STORE_FAST_STORE_FAST"]);
const DEREF_OPS = new Set(["LOAD_DEREF", "STORE_DEREF", "DELETE_DEREF", "LOAD_FROM_DICT_OR_DEREF"]);
const AT_LEAST_ONE = new Set(["COPY", "LIST_APPEND", "LIST_EXTEND", "MAP_ADD", "DICT_UPDATE"]);

const hex = (n: number): string => "0x" + n.toString(16);
const isCount = (x: unknown): x is number => typeof x === "number" && Number.isInteger(x) && x >= 0;

/** Per-code-object checking context. */
class Checker {
  readonly where: string;
  constructor(
    readonly code: CodeDef,
    prefix: string,
  ) {
    this.where = prefix + String(code.qualname);
  }
  fail(reason: string): never {
    throw new VerifyError(this.where, String(this.code.qualname), undefined, undefined, undefined, reason);
  }
  failAt(ins: Instr, reason: string): never {
    const shown = HAS_ARG_SET.has(BASE_OF[ins.name] ?? ins.name) ? ins.oparg : undefined;
    throw new VerifyError(this.where, String(this.code.qualname), ins.offset, ins.name, shown, reason);
  }
}

// ---------------------------------------------------------------------------------------------
// Code object fields and constants

function checkFields(c: Checker): void {
  const code = c.code;
  for (const f of ["name", "qualname", "filename"] as const) if (typeof code[f] !== "string") c.fail(`co_${f} is not a string`);
  for (const f of ["firstlineno", "argcount", "posonlyargcount", "kwonlyargcount", "stacksize", "flags"] as const) {
    if (!isCount(code[f])) c.fail(`co_${f} is not a non-negative integer (${String(code[f])})`);
  }
  if (!(code.units instanceof Uint16Array)) c.fail("code units are not a Uint16Array");
  if (!Array.isArray(code.consts) || !Array.isArray(code.names) || !Array.isArray(code.localsplusnames) ||
      !Array.isArray(code.localspluskinds) || !Array.isArray(code.exceptiontable) || !Array.isArray(code.lines)) {
    c.fail("a table field is not an array");
  }
  if ((code.flags & ~KNOWN_FLAGS) !== 0) c.fail(`unknown co_flags bits ${hex(code.flags & ~KNOWN_FLAGS)}`);
  // a call would build a generator/coroutine object from such code (Objects/funcobject.c, ceval.c)
  if ((code.flags & GENERATOR_FLAGS) !== 0) c.fail(`co_flags ${hex(code.flags & GENERATOR_FLAGS)} mark a generator or coroutine (outside the supported subset)`);
  if (code.posonlyargcount > code.argcount) c.fail(`co_posonlyargcount (${code.posonlyargcount}) exceeds co_argcount (${code.argcount})`);
  if (code.localspluskinds.length !== code.localsplusnames.length) {
    c.fail(`localspluskinds has ${code.localspluskinds.length} entries but localsplusnames has ${code.localsplusnames.length}`);
  }
  let seenFree = false;
  code.localsplusnames.forEach((n, i) => {
    if (typeof n !== "string") c.fail(`localsplus entry ${i} is not a string`);
    const k = code.localspluskinds[i];
    if (!isCount(k) || (k & ~KNOWN_KINDS) !== 0 || (k & (CO_FAST_LOCAL | CO_FAST_CELL | CO_FAST_FREE)) === 0 ||
        ((k & CO_FAST_FREE) !== 0 && k !== CO_FAST_FREE)) {
      c.fail(`localsplus entry ${i} ('${n}') has invalid kind ${isCount(k) ? hex(k) : String(k)}`);
    }
    // COPY_FREE_VARS fills the last nfree slots (Python/bytecodes.c): free variables come last.
    if (k === CO_FAST_FREE) seenFree = true;
    else if (seenFree) c.fail(`localsplus entry ${i} ('${n}') follows a free variable (free variables must come last)`);
  });
  const nlocals = code.nlocals;
  if (code.totalargs > nlocals) c.fail(`${code.totalargs} arguments but only ${nlocals} locals`);
  code.names.forEach((n, i) => {
    if (typeof n !== "string") c.fail(`co_names entry ${i} is not a string`);
  });
  if (code.lines.length !== code.units.length) c.fail(`line table has ${code.lines.length} entries for ${code.units.length} code units`);
  code.lines.forEach((l, i) => {
    if (l !== undefined && !isCount(l)) c.fail(`line number of code unit ${i} is invalid (${String(l)})`);
  });
}

/** Why a constant is malformed, or undefined. Nested code objects are collected, checked later. */
function badConst(k: Const, nested: CodeDef[], depth: number): string | undefined {
  if (depth > 100) return "constant nested too deeply";
  if (k instanceof PyNoneType || typeof k === "boolean" || typeof k === "string") return undefined;
  if (typeof k === "number") {
    if (!Number.isSafeInteger(k)) return `int constant ${Number.isInteger(k) ? BigInt(k) : k} is not a safe integer (use a bigint)`;
    if (Object.is(k, -0)) return "int constant is -0";
    return undefined;
  }
  if (typeof k === "bigint") {
    return k <= BigInt(Number.MAX_SAFE_INTEGER) && k >= -BigInt(Number.MAX_SAFE_INTEGER) ? `int constant ${k}n is not canonical (use a number)` : undefined;
  }
  if (k instanceof PyFloat) return typeof k.v === "number" ? undefined : "float constant without a number";
  if (k instanceof ConstTuple) {
    if (!Array.isArray(k.items)) return "tuple constant without items";
    for (const x of k.items) {
      const r = badConst(x, nested, depth + 1);
      if (r) return r;
    }
    return undefined;
  }
  if (k instanceof ConstSlice) return badConst(k.start, nested, depth + 1) ?? badConst(k.stop, nested, depth + 1) ?? badConst(k.step, nested, depth + 1);
  if (k instanceof CodeDef) {
    nested.push(k);
    return undefined;
  }
  return `constant of unknown type (${typeof k})`;
}

// ---------------------------------------------------------------------------------------------
// Instructions

function checkOparg(c: Checker, ins: Instr, base: string): void {
  const code = c.code;
  const a = ins.oparg;
  if (!HAS_ARG_SET.has(base)) {
    if (ins.start !== ins.offset) c.failAt(ins, "EXTENDED_ARG prefix on an instruction without argument");
    if (a !== 0) c.failAt(ins, `nonzero oparg ${a} on an instruction without argument`);
    return;
  }
  if (a < 0) c.failAt(ins, "oparg is negative (EXTENDED_ARG overflow)");
  // (checkLocal / checkName are module functions, not closures: this runs for every instruction
  // of every case the fuzzer generates)
  if (CONST_OPS.has(base)) {
    if (a >= code.consts.length) c.failAt(ins, `constant index out of range (len(co_consts)=${code.consts.length})`);
  } else if (NAME_OPS.has(base)) checkName(c, ins, a, "");
  else if (base === "LOAD_GLOBAL" || base === "LOAD_ATTR") checkName(c, ins, a >> 1, " (oparg>>1)");
  else if (LOCAL_OPS.has(base)) checkLocal(c, ins, a, "");
  else if (PAIR_OPS.has(base)) {
    checkLocal(c, ins, a >> 4, " (oparg>>4)");
    checkLocal(c, ins, a & 15, " (oparg&15)");
  } else if (DEREF_OPS.has(base) || base === "MAKE_CELL") {
    checkLocal(c, ins, a, "");
    const k = code.localspluskinds[a]!;
    const n = code.localsplusnames[a]!;
    if (base === "MAKE_CELL") {
      if ((k & CO_FAST_CELL) === 0) c.failAt(ins, `'${n}' is not a cell variable`);
    } else if ((k & (CO_FAST_CELL | CO_FAST_FREE)) === 0) c.failAt(ins, `'${n}' is not a cell or free variable`);
  } else if (base === "COPY_FREE_VARS") {
    if (a !== code.nfree) c.failAt(ins, `oparg must equal the number of free variables (${code.nfree})`);
  } else if (base === "BINARY_OP") {
    if (a >= NB_OPS.length) c.failAt(ins, `unknown binary operator (there are ${NB_OPS.length})`);
  } else if (base === "COMPARE_OP") {
    if (a >> 5 >= CMP_OPS.length) c.failAt(ins, `unknown comparison (oparg>>5 must be < ${CMP_OPS.length})`);
    // the low 4 bits are the outcome mask the specialized forms test (1 unordered, 2 less,
    // 4 greater, 8 equal); CPython's compiler always sets it from the operator, and a mismatch
    // makes its specialized and generic forms disagree (undefined behaviour), so reject it
    else if ((a & 15) !== CMP_MASKS[a >> 5]) c.failAt(ins, `comparison mask ${a & 15} does not match '${CMP_OPS[a >> 5]}' (expected ${CMP_MASKS[a >> 5]})`);
  } else if (base === "IS_OP" || base === "CONTAINS_OP" || base === "RERAISE") {
    if (a > 1) c.failAt(ins, "oparg must be 0 or 1");
  } else if (base === "CONVERT_VALUE") {
    if (a < 1 || a > 3) c.failAt(ins, "oparg must be 1 (str), 2 (repr) or 3 (ascii)");
  } else if (base === "SET_FUNCTION_ATTRIBUTE") {
    if (![1, 2, 4, 8, 16].includes(a)) c.failAt(ins, "oparg must be one of 1, 2, 4, 8, 16");
  } else if (base === "LOAD_COMMON_CONSTANT") {
    if (a >= COMMON_CONSTANTS.length) c.failAt(ins, `oparg must be < ${COMMON_CONSTANTS.length}`);
  } else if (base === "RAISE_VARARGS") {
    if (a > 2) c.failAt(ins, "oparg must be 0, 1 or 2");
  } else if (base === "SWAP") {
    if (a < 2) c.failAt(ins, "oparg must be >= 2");
  } else if (AT_LEAST_ONE.has(base)) {
    if (a < 1) c.failAt(ins, "oparg must be >= 1");
  } else if (base === "BUILD_SLICE") {
    if (a !== 2 && a !== 3) c.failAt(ins, "oparg must be 2 or 3");
  } else if (base === "LOAD_SMALL_INT") {
    if (a >= 256) c.failAt(ins, "oparg must be < 256");
  } else if (base === "RESUME") {
    // low 2 bits: where (0 = function start, 1-3 = after yield / yield from / await); bit 2: depth-1 flag
    if (a >= 8) c.failAt(ins, "oparg must be < 8");
    if ((a & 3) !== 0) c.failAt(ins, "RESUME after yield/await (location bits != 0) is outside the supported subset");
  }
}

function checkLocal(c: Checker, ins: Instr, i: number, what: string): void {
  const nlp = c.code.localsplusnames.length;
  if (i >= nlp) c.failAt(ins, `local index ${i}${what} out of range (co_nlocalsplus=${nlp})`);
}
function checkName(c: Checker, ins: Instr, i: number, what: string): void {
  const names = c.code.names;
  if (i >= names.length) c.failAt(ins, `name index ${i}${what} out of range (len(co_names)=${names.length})`);
}

interface Decoded {
  readonly instrs: readonly Instr[];
  /** code unit of an instruction start (first EXTENDED_ARG prefix included) -> index in instrs */
  readonly byStart: ReadonlyMap<number, number>;
}

function checkInstructions(c: Checker): Decoded {
  const units = c.code.units;
  const instrs = decode(units);
  const byStart = new Map<number, number>();
  instrs.forEach((ins, i) => byStart.set(ins.start, i));
  let end = 0;
  for (const ins of instrs) {
    end = ins.next;
    if (ins.name.startsWith("<")) c.failAt(ins, `unknown opcode ${ins.opcode}`);
    const base = BASE_OF[ins.name] ?? ins.name;
    if (!SUPPORTED_OPCODES.has(ins.name)) {
      if (base !== ins.name) c.failAt(ins, `specialized instruction (programs contain base instructions only: use ${base})`);
      if (ins.name.startsWith("INSTRUMENTED_") || ins.name === "ENTER_EXECUTOR") c.failAt(ins, "instrumented instruction");
      const what = UNSUPPORTED_CONSTRUCTS[ins.name];
      c.failAt(ins, `outside the supported subset${what ? ` (${what})` : ""}`);
    }
    if (ins.offset - ins.start > MAX_PREFIXES) c.failAt(ins, `too many EXTENDED_ARG prefixes (${ins.offset - ins.start})`);
    if (ins.next > units.length) c.failAt(ins, `truncated: ${ins.caches} inline cache units run past the end of the code`);
    for (let u = ins.offset + 1; u < ins.next; u++) {
      if (units[u] !== 0) c.failAt(ins, `nonzero inline cache unit at +${2 * u} (program files carry zeroed caches)`);
    }
    checkOparg(c, ins, base);
    if (isJump(ins.name)) {
      const t = jumpTarget(ins)!;
      if (t < 0 || t >= units.length) c.failAt(ins, `jump target +${2 * t} is outside the code`);
      const ti = byStart.get(t);
      if (ti === undefined) c.failAt(ins, `jump target +${2 * t} is not an instruction boundary`);
      if (base === "FOR_ITER") {
        const target = instrs[ti]!;
        if (target.name !== "END_FOR") c.failAt(ins, `FOR_ITER target +${2 * t} must be an END_FOR (found ${target.name})`);
      }
    }
  }
  if (units.length === 0) c.fail("code is empty");
  if (end < units.length) {
    // decode() folds EXTENDED_ARG into the next instruction; at the very end there is none.
    throw new VerifyError(c.where, String(c.code.qualname), end, "EXTENDED_ARG", units[end]! >> 8, "EXTENDED_ARG at the end of the code (no instruction follows)");
  }
  return { instrs, byStart };
}

function checkExceptionTable(c: Checker, d: Decoded): void {
  const len = c.code.units.length;
  let prevEnd = 0;
  c.code.exceptiontable.forEach((e, i) => {
    const bad = (why: string): never => c.fail(`exception table entry ${i}: ${why}`);
    if (e === null || typeof e !== "object") bad("not an object");
    if (!isCount(e.start) || !isCount(e.end) || !isCount(e.target) || !isCount(e.depth) || typeof e.lasti !== "boolean") {
      bad("fields must be non-negative integers and a boolean lasti");
    }
    if (e.start >= e.end) bad(`empty range +${2 * e.start} to +${2 * e.end}`);
    if (e.end > len) bad(`end +${2 * e.end} is past the end of the code`);
    if (!d.byStart.has(e.start)) bad(`start +${2 * e.start} is not an instruction boundary`);
    if (e.end < len && !d.byStart.has(e.end)) bad(`end +${2 * e.end} is not an instruction boundary`);
    if (e.target >= len) bad(`target +${2 * e.target} is outside the code`);
    if (!d.byStart.has(e.target)) bad(`target +${2 * e.target} is not an instruction boundary`);
    if (e.start < prevEnd) bad("entries must be sorted and must not overlap");
    prevEnd = e.end;
  });
}

/**
 * Python/flowgraph.c `stackdepth` over the decoded code: depth at entry 0 is 0; a jump's taken edge
 * uses stackEffect(jump=true); every reachable instruction covered by an exception table entry
 * enters its handler at `depth + lasti + 1`. Returns the maximum depth.
 */
function checkStack(c: Checker, d: Decoded): number {
  const { instrs, byStart } = d;
  const table = c.code.exceptiontable;
  const depthAt = new Int32Array(instrs.length).fill(-1);
  const stack: number[] = [];
  let max = 0;
  const reach = (from: Instr, targetUnit: number, depth: number): void => {
    const i = byStart.get(targetUnit)!;
    if (depthAt[i] === -1) {
      depthAt[i] = depth;
      stack.push(i);
      if (depth > max) max = depth;
    } else if (depthAt[i] !== depth) {
      c.failAt(from, `inconsistent stack depth at +${2 * targetUnit}: ${depth} on this path, ${depthAt[i]} on another`);
    }
  };
  depthAt[0] = 0;
  stack.push(0);
  while (stack.length > 0) {
    const i = stack.pop()!;
    const ins = instrs[i]!;
    const depth = depthAt[i]!;
    // Python/bytecodes.c: `TARGET(CACHE)` is Py_FatalError("Executing a cache.")
    if (ins.name === "CACHE") c.failAt(ins, "reachable CACHE instruction (executing an inline cache entry is fatal)");
    const needs = stackInputs(ins.name, ins.oparg);
    if (depth < needs) c.failAt(ins, `stack underflow: needs ${needs} values, depth is ${depth}`);
    for (const e of table) {
      if (ins.offset >= e.start && ins.offset < e.end) {
        if (depth < e.depth) c.failAt(ins, `exception handler depth ${e.depth} exceeds the stack depth ${depth}`);
        reach(ins, e.target, e.depth + (e.lasti ? 1 : 0) + 1);
        break;
      }
    }
    if (isJump(ins.name)) reach(ins, jumpTarget(ins)!, depth + stackEffect(ins.name, ins.oparg, true));
    if (!NO_FALLTHROUGH.has(ins.name)) {
      if (ins.next >= c.code.units.length) c.failAt(ins, "execution falls off the end of the code");
      reach(ins, ins.next, depth + stackEffect(ins.name, ins.oparg, false));
    } else if (depth + stackEffect(ins.name, ins.oparg, false) > max) {
      max = depth + stackEffect(ins.name, ins.oparg, false);
    }
  }
  return max;
}

/** All checks of one code object (not its nested code objects); returns its max stack depth. */
function checkOne(c: Checker, nested: CodeDef[]): number {
  checkFields(c);
  c.code.consts.forEach((k, i) => {
    const why = badConst(k, nested, 0);
    if (why) c.fail(`co_consts[${i}]: ${why}`);
  });
  const d = checkInstructions(c);
  checkExceptionTable(c, d);
  return checkStack(c, d);
}

function guarded<T>(where: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof VerifyError) throw e;
    // Only malformed objects (not CodeDefs, exotic arrays...) can get here; the fuzz test asserts it never happens for CodeDefs.
    throw new VerifyError(where, "", undefined, undefined, undefined, `verifier internal error: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function verifyTree(root: CodeDef, prefix: string, seen: Set<CodeDef>): void {
  const work = [root];
  while (work.length > 0) {
    const code = work.pop()!;
    if (!(code instanceof CodeDef)) throw new VerifyError(prefix || "program", "", undefined, undefined, undefined, "not a CodeDef");
    if (seen.has(code)) continue;
    seen.add(code);
    const c = new Checker(code, prefix);
    const nested: CodeDef[] = [];
    const depth = checkOne(c, nested);
    if (depth > code.stacksize) c.fail(`stack depth reaches ${depth} but co_stacksize is ${code.stacksize}`);
    work.push(...nested.reverse());
  }
}

/**
 * Verify one code object and, recursively, the code objects among its constants. `prefix` is
 * prepended to each co_qualname in messages (verifyProgram uses "" for __main__, "mod:" otherwise).
 */
export function verifyCode(code: CodeDef, prefix = ""): void {
  guarded(prefix + "<code>", () => verifyTree(code, prefix, new Set()));
}

/**
 * Maximum stack depth of one code object (exception handler entries included), as the verifier
 * computes it; throws VerifyError if the code does not verify (apart from co_stacksize itself).
 * The assembler uses it when a `.code` omits `stacksize=`.
 */
export function maxStackDepth(code: CodeDef): number {
  return guarded(String(code.qualname), () => checkOne(new Checker(code, ""), []));
}

/** Verify a whole program: module table, then every code object of every module. */
export function verifyProgram(p: ProgramDef): void {
  guarded("program", () => {
    const fail = (reason: string): never => {
      throw new VerifyError("", "", undefined, undefined, undefined, reason);
    };
    if (p === null || typeof p !== "object") fail("not a program");
    if (p.formatVersion !== PROGRAM_FORMAT_VERSION) fail(`unsupported format version ${String(p.formatVersion)} (expected ${PROGRAM_FORMAT_VERSION})`);
    if (!Array.isArray(p.modules) || p.modules.length === 0) fail("a program needs at least one module");
    const names = new Set<string>();
    p.modules.forEach((m, i) => {
      if (m === null || typeof m !== "object" || typeof m.name !== "string" || m.name === "") fail(`module ${i} has no name`);
      if (typeof m.filename !== "string") fail(`module ${m.name} has no file name`);
      if (i === 0 && m.name !== "__main__") fail(`the first module must be __main__ (found ${m.name})`);
      if (names.has(m.name)) fail(`duplicate module name ${m.name}`);
      names.add(m.name);
      if (!(m.code instanceof CodeDef)) fail(`module ${m.name} has no code object`);
    });
    const seen = new Set<CodeDef>();
    for (const m of p.modules) verifyTree(m.code, m.name === "__main__" ? "" : `${m.name}:`, seen);
  });
}
