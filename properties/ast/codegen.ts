/**
 * tierdiff's own code generator: the program IR (properties/ast/types.ts) lowered to
 * CPython-3.14-shaped bytecode (engine/bytecode/code.ts CodeDefs) WITHOUT CPython.
 *
 * It is a port, restricted to the IR's constructs, of the pipeline CPython 3.14 runs on the AST of
 * the printed source (properties/ast/source.ts):
 *  1. symbol table (Python/symtable.c): scopes, cells, free variables, global/nonlocal,
 *     comprehension inlining (PEP 709), private name mangling, the SyntaxErrors the IR can hit;
 *  2. code generation (Python/codegen.c) into an instruction sequence with pseudo-instructions
 *     (JUMP, JUMP_IF_FALSE, SETUP_FINALLY, POP_BLOCK, LOAD_CLOSURE, STORE_FAST_MAYBE_NULL...);
 *  3. the control-flow-graph optimizer (Python/flowgraph.c): exception handler labelling, small
 *     exit block inlining, constant folding (binary/unary operators, tuples, constant lists),
 *     jump threading, SWAP elimination, redundant NOP/jump removal, LOAD_FAST_CHECK insertion,
 *     superinstructions, cold block ordering, line number propagation, jump normalization
 *     (NOT_TAKEN, backward conditional jumps), LOAD_FAST_BORROW;
 *  4. assembly (Python/assemble.c): jump offsets with minimal EXTENDED_ARG, the exception table,
 *     the per-unit line table, co_localsplus, co_stacksize.
 * Because the optimizer is the real one (not an approximation of its output), the generated code
 * also has CPython's observable choices: constant identity (folded tuples and floats share one
 * co_consts entry), local store order after SWAP elimination (which decides `__del__` order), and
 * LOAD_FAST_CHECK exactly where an unbound local raises UnboundLocalError.
 *
 * Deliberate differences from CPython (all semantically neutral; codegen.test.ts checks both the
 * exact equality elsewhere and the behaviour here):
 *  - calls with more than 30 arguments (30 < nargs + 2 * nkeywords), tuple displays of more than
 *    30 items that do not fold to a constant, and dict displays of 18 or more items: CPython
 *    3.14 emits CALL_FUNCTION_EX / CALL_INTRINSIC_1 (list to tuple) / DICT_UPDATE, which are
 *    outside tierdiff's instruction subset; this generator emits CALL or CALL_KW, BUILD_TUPLE n,
 *    and MAP_ADD into the first chunk's dict (same evaluation order, same result);
 *  - EXTENDED_ARG layout of jumps is the least fixpoint (CPython iterates from another starting
 *    point; the two can only differ in code with jumps longer than 255 units), so byte offsets
 *    may then differ.
 * co_stacksize is CPython's (flowgraph.c calculate_stackdepth), which can exceed the verifier's
 * maxStackDepth when an exception handler is unreachable; the verifier only requires >=.
 *
 * Performance: one pass per phase, O(n) in the IR size (the optimizer's passes are linear or
 * converge in a few rounds); no regular expressions, no pyodide.
 */
import {
  CodeDef, ConstSlice, ConstTuple, None, PROGRAM_FORMAT_VERSION, PyNoneType,
  CO_OPTIMIZED, CO_NEWLOCALS, CO_NESTED, CO_HAS_DOCSTRING, CO_METHOD,
  CO_FAST_ARG_POS, CO_FAST_ARG_KW, CO_FAST_HIDDEN, CO_FAST_LOCAL, CO_FAST_CELL, CO_FAST_FREE,
  type Const, type ExceptionTableEntry, type ModuleDef, type ProgramDef,
} from "../../engine/bytecode/code.ts";
import { OPMAP, cacheSize } from "../../engine/bytecode/opcodes.ts";
import { PyFloat, normInt, type PyInt } from "../../engine/runtime/primitive.ts";
import * as I from "../../engine/runtime/int.ts";
import * as F from "../../engine/runtime/float.ts";
import type { BinOp, CmpOp, Expr, Handler, ModuleAst, ProgramAst, Stmt, Target } from "./types.ts";
import { fstringSpecInline, intIsNegative, moduleFilename, moduleSource } from "./source.ts";

// =============================================================================================
// Errors

/** An IR the code generator cannot compile (CPython would raise SyntaxError on its source). */
export class CodegenError extends Error {
  override readonly name = "CodegenError";
  constructor(
    /** the offending construct, e.g. "nonlocal", "break", "return", "default except" */
    readonly construct: string,
    message: string,
    /** module name and 1-based line in programSource's output, when known */
    readonly module?: string,
    readonly line?: number,
  ) {
    super(module !== undefined ? `${module}${line !== undefined && line > 0 ? `:${line}` : ""}: ${message}` : message);
  }
}

// =============================================================================================
// Opcodes (real and pseudo) and their facts

const op = (name: string): number => {
  const n = OPMAP[name];
  if (n === undefined) throw new Error(`codegen: unknown opcode ${name}`);
  return n;
};

const NOP = op("NOP"), NOT_TAKEN = op("NOT_TAKEN"), RESUME = op("RESUME"), EXTENDED_ARG = op("EXTENDED_ARG");
const LOAD_CONST = op("LOAD_CONST"), LOAD_SMALL_INT = op("LOAD_SMALL_INT");
const LOAD_FAST = op("LOAD_FAST"), LOAD_FAST_BORROW = op("LOAD_FAST_BORROW"), LOAD_FAST_CHECK = op("LOAD_FAST_CHECK");
const LOAD_FAST_AND_CLEAR = op("LOAD_FAST_AND_CLEAR"), LOAD_FAST_LOAD_FAST = op("LOAD_FAST_LOAD_FAST");
const LOAD_FAST_BORROW_LOAD_FAST_BORROW = op("LOAD_FAST_BORROW_LOAD_FAST_BORROW");
const STORE_FAST = op("STORE_FAST"), STORE_FAST_LOAD_FAST = op("STORE_FAST_LOAD_FAST"), STORE_FAST_STORE_FAST = op("STORE_FAST_STORE_FAST");
const DELETE_FAST = op("DELETE_FAST");
const LOAD_GLOBAL = op("LOAD_GLOBAL"), STORE_GLOBAL = op("STORE_GLOBAL"), DELETE_GLOBAL = op("DELETE_GLOBAL");
const LOAD_NAME = op("LOAD_NAME"), STORE_NAME = op("STORE_NAME"), DELETE_NAME = op("DELETE_NAME");
const LOAD_LOCALS = op("LOAD_LOCALS"), LOAD_FROM_DICT_OR_DEREF = op("LOAD_FROM_DICT_OR_DEREF"), LOAD_BUILD_CLASS = op("LOAD_BUILD_CLASS");
const LOAD_ATTR = op("LOAD_ATTR"), STORE_ATTR = op("STORE_ATTR"), DELETE_ATTR = op("DELETE_ATTR");
const BINARY_OP = op("BINARY_OP"), STORE_SUBSCR = op("STORE_SUBSCR"), DELETE_SUBSCR = op("DELETE_SUBSCR");
const BINARY_SLICE = op("BINARY_SLICE"), STORE_SLICE = op("STORE_SLICE"), BUILD_SLICE = op("BUILD_SLICE");
const COMPARE_OP = op("COMPARE_OP"), IS_OP = op("IS_OP"), CONTAINS_OP = op("CONTAINS_OP");
const UNARY_NEGATIVE = op("UNARY_NEGATIVE"), UNARY_INVERT = op("UNARY_INVERT"), UNARY_NOT = op("UNARY_NOT"), TO_BOOL = op("TO_BOOL");
const POP_JUMP_IF_FALSE = op("POP_JUMP_IF_FALSE"), POP_JUMP_IF_TRUE = op("POP_JUMP_IF_TRUE");
const POP_JUMP_IF_NONE = op("POP_JUMP_IF_NONE"), POP_JUMP_IF_NOT_NONE = op("POP_JUMP_IF_NOT_NONE");
const JUMP_FORWARD = op("JUMP_FORWARD"), JUMP_BACKWARD = op("JUMP_BACKWARD"), JUMP_BACKWARD_NO_INTERRUPT = op("JUMP_BACKWARD_NO_INTERRUPT");
const GET_ITER = op("GET_ITER"), FOR_ITER = op("FOR_ITER"), END_FOR = op("END_FOR"), POP_ITER = op("POP_ITER");
const POP_TOP = op("POP_TOP"), PUSH_NULL = op("PUSH_NULL"), COPY = op("COPY"), SWAP = op("SWAP");
const CALL = op("CALL"), CALL_KW = op("CALL_KW"), RETURN_VALUE = op("RETURN_VALUE");
const MAKE_FUNCTION = op("MAKE_FUNCTION"), SET_FUNCTION_ATTRIBUTE = op("SET_FUNCTION_ATTRIBUTE");
const MAKE_CELL = op("MAKE_CELL"), LOAD_DEREF = op("LOAD_DEREF"), STORE_DEREF = op("STORE_DEREF"), DELETE_DEREF = op("DELETE_DEREF");
const COPY_FREE_VARS = op("COPY_FREE_VARS");
const BUILD_TUPLE = op("BUILD_TUPLE"), BUILD_LIST = op("BUILD_LIST"), BUILD_MAP = op("BUILD_MAP");
const LIST_APPEND = op("LIST_APPEND"), LIST_EXTEND = op("LIST_EXTEND"), MAP_ADD = op("MAP_ADD"), UNPACK_SEQUENCE = op("UNPACK_SEQUENCE");
const FORMAT_SIMPLE = op("FORMAT_SIMPLE"), FORMAT_WITH_SPEC = op("FORMAT_WITH_SPEC"), CONVERT_VALUE = op("CONVERT_VALUE");
const BUILD_STRING = op("BUILD_STRING");
const RAISE_VARARGS = op("RAISE_VARARGS"), PUSH_EXC_INFO = op("PUSH_EXC_INFO"), POP_EXCEPT = op("POP_EXCEPT");
const CHECK_EXC_MATCH = op("CHECK_EXC_MATCH"), RERAISE = op("RERAISE"), IMPORT_NAME = op("IMPORT_NAME");
// pseudo-instructions (>= 256): replaced before assembly
const JUMP = op("JUMP"), JUMP_NO_INTERRUPT = op("JUMP_NO_INTERRUPT"), JUMP_IF_FALSE = op("JUMP_IF_FALSE"), JUMP_IF_TRUE = op("JUMP_IF_TRUE");
const SETUP_FINALLY = op("SETUP_FINALLY"), SETUP_CLEANUP = op("SETUP_CLEANUP"), SETUP_WITH = op("SETUP_WITH");
const POP_BLOCK = op("POP_BLOCK"), LOAD_CLOSURE = op("LOAD_CLOSURE"), STORE_FAST_MAYBE_NULL = op("STORE_FAST_MAYBE_NULL");

const NOPCODES = 512;
const F_JUMP = 1, F_UNCOND = 2, F_COND = 4, F_EXIT = 8, F_PUSH = 16, F_EVAL_BREAK = 32, F_ARG = 64;
const FACTS = new Uint8Array(NOPCODES);
for (const o of [POP_JUMP_IF_FALSE, POP_JUMP_IF_TRUE, POP_JUMP_IF_NONE, POP_JUMP_IF_NOT_NONE]) FACTS[o]! |= F_JUMP | F_COND;
for (const o of [JUMP_FORWARD, JUMP_BACKWARD, JUMP_BACKWARD_NO_INTERRUPT, JUMP, JUMP_NO_INTERRUPT]) FACTS[o]! |= F_JUMP | F_UNCOND;
for (const o of [FOR_ITER, JUMP_IF_FALSE, JUMP_IF_TRUE]) FACTS[o]! |= F_JUMP;
for (const o of [RETURN_VALUE, RAISE_VARARGS, RERAISE]) FACTS[o]! |= F_EXIT;
for (const o of [SETUP_FINALLY, SETUP_CLEANUP, SETUP_WITH]) FACTS[o]! |= F_PUSH;
for (const o of [JUMP, JUMP_BACKWARD, CALL, CALL_KW, RESUME]) FACTS[o]! |= F_EVAL_BREAK;
for (let o = 0; o < NOPCODES; o++) if (o >= 43 && o !== 256) FACTS[o]! |= F_ARG; // HAVE_ARGUMENT = 43 (pseudo ops all take one but ANNOTATIONS_PLACEHOLDER)
const CACHES = new Uint8Array(256);
for (let o = 0; o < 256; o++) CACHES[o] = cacheSize(o);

const isJump = (o: number): boolean => (FACTS[o]! & F_JUMP) !== 0;
const hasTarget = (o: number): boolean => (FACTS[o]! & (F_JUMP | F_PUSH)) !== 0;
const isUncondJump = (o: number): boolean => (FACTS[o]! & F_UNCOND) !== 0;
const isCondJump = (o: number): boolean => (FACTS[o]! & F_COND) !== 0;
const isScopeExit = (o: number): boolean => (FACTS[o]! & F_EXIT) !== 0;
const isBlockPush = (o: number): boolean => (FACTS[o]! & F_PUSH) !== 0;
const isTerminator = (o: number): boolean => (FACTS[o]! & (F_JUMP | F_EXIT)) !== 0;
const loadsConst = (o: number): boolean => o === LOAD_CONST || o === LOAD_SMALL_INT;

/** _PyOpcode_num_popped (3.14) for every instruction this generator emits, pseudo ones included. */
function numPopped(o: number, a: number): number {
  switch (o) {
    case STORE_FAST: case STORE_FAST_LOAD_FAST: case STORE_GLOBAL: case STORE_NAME: case LOAD_FROM_DICT_OR_DEREF:
    case LOAD_ATTR: case DELETE_ATTR: case UNARY_NEGATIVE: case UNARY_INVERT: case UNARY_NOT: case TO_BOOL:
    case POP_JUMP_IF_FALSE: case POP_JUMP_IF_TRUE: case POP_JUMP_IF_NONE: case POP_JUMP_IF_NOT_NONE:
    case GET_ITER: case FOR_ITER: case END_FOR: case POP_ITER: case POP_TOP: case RETURN_VALUE: case MAKE_FUNCTION:
    case STORE_DEREF: case UNPACK_SEQUENCE: case FORMAT_SIMPLE: case CONVERT_VALUE: case PUSH_EXC_INFO: case POP_EXCEPT:
    case STORE_FAST_MAYBE_NULL: case JUMP_IF_FALSE: case JUMP_IF_TRUE:
      return 1;
    case STORE_FAST_STORE_FAST: case STORE_ATTR: case BINARY_OP: case DELETE_SUBSCR: case COMPARE_OP: case IS_OP: case CONTAINS_OP:
    case SET_FUNCTION_ATTRIBUTE: case FORMAT_WITH_SPEC: case CHECK_EXC_MATCH: case IMPORT_NAME:
      return 2;
    case STORE_SUBSCR: case BINARY_SLICE:
      return 3;
    case STORE_SLICE:
      return 4;
    case BUILD_SLICE: case BUILD_TUPLE: case BUILD_LIST: case BUILD_STRING: case RAISE_VARARGS:
      return a;
    case BUILD_MAP:
      return 2 * a;
    case COPY: case SWAP:
      return a;
    case CALL:
      return 2 + a;
    case CALL_KW:
      return 3 + a;
    case LIST_APPEND: case LIST_EXTEND: case RERAISE:
      return a + 1;
    case MAP_ADD:
      return a + 2;
    default:
      return 0;
  }
}

/** _PyOpcode_num_pushed (3.14); block pushes count their handler-entry values (jump edge). */
function numPushed(o: number, a: number): number {
  switch (o) {
    case LOAD_FAST: case LOAD_FAST_BORROW: case LOAD_FAST_CHECK: case LOAD_FAST_AND_CLEAR: case STORE_FAST_LOAD_FAST:
    case LOAD_CONST: case LOAD_SMALL_INT: case LOAD_NAME: case LOAD_LOCALS: case LOAD_FROM_DICT_OR_DEREF: case LOAD_BUILD_CLASS:
    case BINARY_OP: case BINARY_SLICE: case BUILD_SLICE: case COMPARE_OP: case IS_OP: case CONTAINS_OP:
    case UNARY_NEGATIVE: case UNARY_INVERT: case UNARY_NOT: case TO_BOOL: case GET_ITER: case PUSH_NULL:
    case CALL: case CALL_KW: case RETURN_VALUE: case MAKE_FUNCTION: case SET_FUNCTION_ATTRIBUTE: case LOAD_DEREF:
    case BUILD_TUPLE: case BUILD_LIST: case BUILD_MAP: case FORMAT_SIMPLE: case FORMAT_WITH_SPEC: case CONVERT_VALUE:
    case BUILD_STRING: case IMPORT_NAME: case LOAD_CLOSURE: case JUMP_IF_FALSE: case JUMP_IF_TRUE: case SETUP_FINALLY:
    case SETUP_WITH:
      return 1;
    case LOAD_FAST_LOAD_FAST: case LOAD_FAST_BORROW_LOAD_FAST_BORROW: case FOR_ITER: case PUSH_EXC_INFO: case CHECK_EXC_MATCH:
    case SETUP_CLEANUP:
      return 2;
    case LOAD_GLOBAL:
      return 1 + (a & 1);
    case LOAD_ATTR:
      return 1 + (a & 1);
    case COPY:
      return a + 1;
    case SWAP: case LIST_APPEND: case LIST_EXTEND: case MAP_ADD: case RERAISE: case UNPACK_SEQUENCE:
      return a;
    default:
      return 0;
  }
}

/** Stack effect (flowgraph.c get_stack_effects): block pushes have no effect on the fall-through edge. */
function stackEffect(o: number, a: number, jump: boolean): number {
  if (isBlockPush(o) && !jump) return 0;
  return numPushed(o, a) - numPopped(o, a);
}

// NB_* (Include/opcode.h)
const NB: Readonly<Record<BinOp, number>> = {
  "+": 0, "&": 1, "//": 2, "<<": 3, "*": 5, "%": 6, "|": 7, "**": 8, ">>": 9, "-": 10, "/": 11, "^": 12,
};
const NB_INPLACE = 13;
const NB_SUBSCR = 26;
// (NB_MATRIX_MULTIPLY = 4: no builtin constant implements @, never folded)
const NB_ADD = 0, NB_AND = 1, NB_FLOOR_DIVIDE = 2, NB_LSHIFT = 3, NB_MULTIPLY = 5, NB_REMAINDER = 6;
const NB_OR = 7, NB_POWER = 8, NB_RSHIFT = 9, NB_SUBTRACT = 10, NB_TRUE_DIVIDE = 11, NB_XOR = 12;
// COMPARE_OP oparg: (cmp << 5) | compare_masks[cmp] (codegen.c); bit 16 = convert to bool (set by the optimizer)
const CMP_ARG: Readonly<Record<string, number>> = {
  "<": (0 << 5) | 2, "<=": (1 << 5) | 10, "==": (2 << 5) | 8, "!=": (3 << 5) | 7, ">": (4 << 5) | 4, ">=": (5 << 5) | 12,
};

// =============================================================================================
// Constants: keys (_PyCode_ConstantKey) and folding (flowgraph.c eval_const_binop / unaryop)

let nanIds = 0;
/** Equality key of a constant: type-distinguishing (1, 1.0, True differ; 0.0 and -0.0 differ). */
function constKey(c: Const): string {
  if (c instanceof PyNoneType) return "N";
  switch (typeof c) {
    case "boolean": return c ? "T" : "F";
    case "number": return "i" + c;
    case "bigint": return "i" + c.toString();
    case "string": return "s" + c;
    default: break;
  }
  if (c instanceof PyFloat) {
    const v = c.v;
    if (v !== v) {
      // float('nan') constants compare by identity in CPython's key
      const k = (c as PyFloat & { _nanKey?: string })._nanKey;
      if (k !== undefined) return k;
      const nk = "fnan" + nanIds++;
      Object.defineProperty(c, "_nanKey", { value: nk });
      return nk;
    }
    return Object.is(v, -0) ? "f-0" : "f" + v;
  }
  if (c instanceof ConstTuple) {
    let s = "t" + c.items.length + "(";
    for (const x of c.items) {
      const k = constKey(x);
      s += k.length + ":" + k;
    }
    return s + ")";
  }
  if (c instanceof ConstSlice) {
    const a = constKey(c.start), b = constKey(c.stop), d = constKey(c.step);
    return `l${a.length}:${a}${b.length}:${b}${d.length}:${d}`;
  }
  // code objects: see addCodeConst
  const cd = c as CodeDef;
  return `c${cd.qualname}\0${cd.firstlineno}`;
}

/**
 * Code objects compare by value (code_richcompare): the same def compiled twice (a finally body is
 * compiled once per exit path) or identical lambdas on one line share one constant. The cheap key
 * (qualname, line) finds candidates; the full comparison runs only on such a collision.
 */
function addCodeConst(consts: Const[], constIdx: Map<string, number>, c: CodeDef): number {
  const cheap = constKey(c);
  const i = constIdx.get(cheap);
  if (i === undefined) {
    constIdx.set(cheap, consts.length);
    consts.push(c);
    return consts.length - 1;
  }
  const full = "C" + codeKey(c);
  if (codeKey(consts[i] as CodeDef) === full.slice(1)) return i;
  const j = constIdx.get(full);
  if (j !== undefined) return j;
  constIdx.set(full, consts.length);
  consts.push(c);
  return consts.length - 1;
}

function codeKey(c: CodeDef): string {
  const cached = (c as CodeDef & { _key?: string })._key;
  if (cached !== undefined) return cached;
  let s = `c${c.name}\0${c.qualname}\0${c.argcount},${c.flags},${c.firstlineno},${c.stacksize}:`;
  for (let i = 0; i < c.units.length; i++) s += c.units[i] + ",";
  s += "|";
  for (const l of c.lines) s += (l ?? "-") + ",";
  s += "|";
  for (const k of c.consts) {
    const ck = constKey(k);
    s += ck.length + ":" + ck;
  }
  s += "|" + c.names.join(",") + "|" + c.localsplusnames.join(",") + "|" + c.localspluskinds.join(",") + "|";
  for (const e of c.exceptiontable) s += `${e.start},${e.end},${e.target},${e.depth},${e.lasti ? 1 : 0};`;
  Object.defineProperty(c, "_key", { value: s });
  return s;
}

const isIntC = (c: Const): c is PyInt | boolean => typeof c === "number" || typeof c === "bigint" || typeof c === "boolean";
const intOf = (c: PyInt | boolean): PyInt => (typeof c === "boolean" ? (c ? 1 : 0) : c);
const isZero = (x: PyInt): boolean => x === 0 || x === 0n;
const numBits = (x: PyInt): number => I.bitLength(x);

function truthy(c: Const): boolean {
  if (c instanceof PyNoneType) return false;
  switch (typeof c) {
    case "boolean": return c;
    case "number": return c !== 0;
    case "bigint": return c !== 0n;
    case "string": return c.length > 0;
    default: break;
  }
  if (c instanceof PyFloat) return c.v !== 0;
  if (c instanceof ConstTuple) return c.items.length > 0;
  return true;
}

function asDouble(c: Const): number | undefined {
  if (c instanceof PyFloat) return c.v;
  if (isIntC(c)) return I.intToFloat(intOf(c));
  return undefined;
}

const MAX_INT_SIZE = 128, MAX_COLLECTION_SIZE = 256, MAX_STR_SIZE = 4096, MAX_TOTAL_ITEMS = 1024;

function checkComplexity(c: Const, limit: number): number {
  if (c instanceof ConstTuple) {
    limit -= c.items.length;
    for (let i = 0; limit >= 0 && i < c.items.length; i++) {
      limit = checkComplexity(c.items[i]!, limit);
      if (limit < 0) return limit;
    }
  }
  return limit;
}

/** Sequence repetition (str or tuple) by an int; undefined if CPython would not fold. */
function safeRepeat(n: PyInt, seq: string | ConstTuple): Const | undefined {
  const size = typeof seq === "string" ? seq.length : seq.items.length;
  if (size) {
    if (typeof n === "bigint") return undefined; // PyLong_AsLong overflow -> error -> no fold
    if (n < 0 || n > Math.floor((typeof seq === "string" ? MAX_STR_SIZE : MAX_COLLECTION_SIZE) / size)) return undefined;
    if (typeof seq !== "string" && n && checkComplexity(seq, Math.floor(MAX_TOTAL_ITEMS / n)) < 0) return undefined;
  }
  const k = typeof n === "bigint" ? 0 : Math.max(0, n);
  if (typeof seq === "string") return seq.repeat(k);
  const items: Const[] = [];
  for (let i = 0; i < k; i++) for (const x of seq.items) items.push(x);
  return new ConstTuple(items);
}

function normIndex(len: number, k: PyInt): number | undefined {
  if (typeof k === "bigint") return undefined;
  const i = k < 0 ? k + len : k;
  return i >= 0 && i < len ? i : undefined;
}

/** PySlice_GetIndicesEx on constant parts; undefined if the slice would raise. */
function sliceIndices(s: ConstSlice, len: number): number[] | undefined {
  const part = (c: Const): PyInt | null | undefined => (c instanceof PyNoneType ? null : isIntC(c) ? intOf(c) : undefined);
  const st = part(s.step), a = part(s.start), b = part(s.stop);
  if (st === undefined || a === undefined || b === undefined) return undefined;
  const step = st === null ? 1 : typeof st === "bigint" ? (st > 0n ? Number.MAX_SAFE_INTEGER : -Number.MAX_SAFE_INTEGER) : st;
  if (step === 0) return undefined;
  const clampBig = (x: PyInt): number => (typeof x === "bigint" ? (x > 0n ? Number.MAX_SAFE_INTEGER : -Number.MAX_SAFE_INTEGER) : x);
  const adjust = (x: PyInt | null, dflt: number): number => {
    if (x === null) return dflt;
    let v = clampBig(x);
    if (v < 0) {
      v += len;
      if (v < 0) v = step < 0 ? -1 : 0;
    } else if (v >= len) v = step < 0 ? len - 1 : len;
    return v;
  };
  const start = adjust(a, step < 0 ? len - 1 : 0);
  const stop = adjust(b, step < 0 ? -1 : len);
  const out: number[] = [];
  if (step > 0) for (let i = start; i < stop; i += step) out.push(i);
  else for (let i = start; i > stop; i += step) out.push(i);
  return out;
}

/** eval_const_binop: the folded constant, or undefined when CPython does not fold (or it raises). */
function evalBinop(l: Const, oparg: number, r: Const): Const | undefined {
  try {
    if (oparg === NB_SUBSCR) {
      if (typeof l === "string") {
        if (isIntC(r)) {
          const i = normIndex(l.length, intOf(r));
          return i === undefined ? undefined : l[i]!;
        }
        if (r instanceof ConstSlice) {
          const idx = sliceIndices(r, l.length);
          return idx === undefined ? undefined : idx.map((i) => l[i]!).join("");
        }
        return undefined;
      }
      if (l instanceof ConstTuple) {
        if (isIntC(r)) {
          const i = normIndex(l.items.length, intOf(r));
          return i === undefined ? undefined : l.items[i]!;
        }
        if (r instanceof ConstSlice) {
          const idx = sliceIndices(r, l.items.length);
          return idx === undefined ? undefined : new ConstTuple(idx.map((i) => l.items[i]!));
        }
      }
      return undefined;
    }
    if (isIntC(l) && isIntC(r)) {
      const a = intOf(l), b = intOf(r);
      switch (oparg) {
        case NB_ADD: return I.add(a, b);
        case NB_SUBTRACT: return I.sub(a, b);
        case NB_MULTIPLY:
          if (!isZero(a) && !isZero(b) && numBits(a) + numBits(b) > MAX_INT_SIZE) return undefined;
          return I.mul(a, b);
        case NB_TRUE_DIVIDE: return new PyFloat(I.truediv(a, b));
        case NB_FLOOR_DIVIDE: return I.floordiv(a, b);
        case NB_REMAINDER: return I.mod(a, b);
        case NB_POWER: {
          if (!isZero(a) && (typeof b === "bigint" ? b > 0n : b > 0)) {
            if (typeof b === "bigint") return undefined;
            if (numBits(a) > Math.floor(MAX_INT_SIZE / b)) return undefined;
          }
          const p = I.pow(a, b);
          return p;
        }
        case NB_LSHIFT:
          if (!isZero(a) && !isZero(b)) {
            if (typeof b === "bigint" || b < 0) return undefined; // PyLong_AsSize_t error / negative count
            if (b > MAX_INT_SIZE || numBits(a) > MAX_INT_SIZE - b) return undefined;
          }
          return I.lshift(a, b);
        case NB_RSHIFT: return I.rshift(a, b);
        case NB_AND: return typeof l === "boolean" && typeof r === "boolean" ? l && r : I.and(a, b);
        case NB_OR: return typeof l === "boolean" && typeof r === "boolean" ? l || r : I.or(a, b);
        case NB_XOR: return typeof l === "boolean" && typeof r === "boolean" ? l !== r : I.xor(a, b);
        default: return undefined;
      }
    }
    const fa = asDouble(l), fb = asDouble(r);
    if (fa !== undefined && fb !== undefined) {
      switch (oparg) {
        case NB_ADD: return new PyFloat(fa + fb);
        case NB_SUBTRACT: return new PyFloat(fa - fb);
        case NB_MULTIPLY: return new PyFloat(fa * fb);
        case NB_TRUE_DIVIDE: return new PyFloat(F.truediv(fa, fb));
        case NB_FLOOR_DIVIDE: return new PyFloat(F.floordiv(fa, fb));
        case NB_REMAINDER: return new PyFloat(F.mod(fa, fb));
        case NB_POWER: return new PyFloat(F.pow(fa, fb));
        default: return undefined;
      }
    }
    if (oparg === NB_ADD) {
      if (typeof l === "string" && typeof r === "string") return l + r;
      if (l instanceof ConstTuple && r instanceof ConstTuple) return new ConstTuple([...l.items, ...r.items]);
      return undefined;
    }
    if (oparg === NB_MULTIPLY) {
      if (isIntC(l) && (typeof r === "string" || r instanceof ConstTuple)) return safeRepeat(intOf(l), r);
      if (isIntC(r) && (typeof l === "string" || l instanceof ConstTuple)) return safeRepeat(intOf(r), l);
    }
    return undefined;
  } catch {
    return undefined; // the operation raises: CPython clears the error and does not fold
  }
}

function evalUnaryop(c: Const, o: number): Const | undefined {
  try {
    if (o === UNARY_NOT) return !truthy(c);
    if (o === UNARY_NEGATIVE) {
      if (isIntC(c)) return I.neg(intOf(c));
      if (c instanceof PyFloat) return new PyFloat(-c.v);
      return undefined;
    }
    // UNARY_INVERT: ~bool emits a DeprecationWarning; CPython 3.14 does not fold it
    if (typeof c === "number" || typeof c === "bigint") return I.invert(c);
    return undefined;
  } catch {
    return undefined;
  }
}

/** LOAD_SMALL_INT applies to exact ints 0..255 (not bools). */
function smallInt(c: Const): number | undefined {
  return typeof c === "number" && c >= 0 && c < 256 ? c : undefined;
}

// =============================================================================================
// Line layout: the line every statement has in programSource's output (see source.ts)

/** Lines of one statement and of its nested bodies (positional, so shared IR nodes are fine). */
interface LStmt {
  readonly line: number;
  /** body (if/while/for/def/class/try) */
  a?: LStmt[];
  /** orelse (if: the else branch; try: the else clause) */
  b?: LStmt[];
  /** try: finally body */
  c?: LStmt[];
  /** try: one entry per handler */
  h?: { line: number; body: LStmt[] }[];
}

/** Lay out a statement list starting at `line`; returns the layout and the next free line. */
function layout(stmts: readonly Stmt[], line: number, out: LStmt[]): number {
  if (stmts.length === 0) {
    out.push({ line }); // printed `pass`
    return line + 1;
  }
  for (const s of stmts) line = layoutStmt(s, line, out);
  return line;
}

function layoutStmt(s: Stmt, line: number, out: LStmt[]): number {
  const L: LStmt = { line };
  out.push(L);
  line++;
  switch (s.k) {
    case "if": {
      L.a = [];
      line = layout(s.body, line, L.a);
      if (s.orelse.length > 0) {
        L.b = [];
        // `elif` (a lone `if` in the else branch) shares its header line with nothing: no `else:` line
        if (s.orelse.length === 1 && s.orelse[0]!.k === "if") line = layoutStmt(s.orelse[0]!, line, L.b);
        else line = layout(s.orelse, line + 1, L.b);
      }
      return line;
    }
    case "while": case "for": case "def": case "class":
      L.a = [];
      return layout(s.body, line, L.a);
    case "try":
      L.a = [];
      line = layout(s.body, line, L.a);
      L.h = [];
      for (const h of s.handlers) {
        const H = { line, body: [] as LStmt[] };
        L.h.push(H);
        line = layout(h.body, line + 1, H.body);
      }
      if (s.orelse && s.orelse.length > 0) {
        L.b = [];
        line = layout(s.orelse, line + 1, L.b);
      }
      if (s.final && s.final.length > 0) {
        L.c = [];
        line = layout(s.final, line + 1, L.c);
      }
      return line;
    default:
      return line;
  }
}

// =============================================================================================
// Symbol table (Python/symtable.c)

const DEF_GLOBAL = 1, DEF_LOCAL = 2, DEF_PARAM = 4, DEF_NONLOCAL = 8, USE = 16, DEF_FREE_CLASS = 32, DEF_IMPORT = 64;
const DEF_COMP_ITER = 256, DEF_COMP_CELL = 1024;
const DEF_BOUND = DEF_LOCAL | DEF_PARAM | DEF_IMPORT;
const SC_LOCAL = 1, SC_GLOBAL_EXPLICIT = 2, SC_GLOBAL_IMPLICIT = 3, SC_FREE = 4, SC_CELL = 5;

const enum BT { Module, Function, Class }

interface Sym {
  flags: number;
  scope: number;
}

type ScopeNode = Stmt | Expr | ModuleAst;

class Scope {
  readonly symbols = new Map<string, Sym>();
  /** parameters, in order (ste_varnames) */
  readonly varnames: string[] = [];
  readonly children: Scope[] = [];
  nested = false;
  method = false;
  hasDocstring = false;
  needsClassdict = false;
  /** comprehension (inlined into its parent at analysis) */
  comp = false;
  /** line of each global / nonlocal declaration (for analysis errors) */
  readonly declLines = new Map<string, number>();
  constructor(
    readonly type: BT,
    readonly name: string,
    readonly node: ScopeNode,
    readonly line: number,
  ) {}
  get functionLike(): boolean {
    return this.type === BT.Function;
  }
  scopeOf(name: string): number {
    return this.symbols.get(name)?.scope ?? 0;
  }
  child(node: ScopeNode): Scope {
    for (const c of this.children) if (c.node === node) return c;
    throw new Error("codegen: no symbol table entry for a nested scope");
  }
}

const KEYWORDS = new Set([
  "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
  "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or",
  "pass", "raise", "return", "try", "while", "with", "yield",
]);

function isIdentifier(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (i > 0 && c >= 48 && c <= 57) || c > 127;
    if (!ok) return false;
  }
  return !KEYWORDS.has(s);
}

/** _Py_Mangle: `__x` inside class C is `_C__x` (not dunders, not dotted names). */
function mangle(priv: string | null, name: string): string {
  if (priv === null || name.charCodeAt(0) !== 95 || name.charCodeAt(1) !== 95) return name;
  const n = name.length;
  if (n >= 4 && name.charCodeAt(n - 1) === 95 && name.charCodeAt(n - 2) === 95) return name;
  if (name.includes(".")) return name;
  let i = 0;
  while (i < priv.length && priv.charCodeAt(i) === 95) i++;
  if (i === priv.length) return name;
  return "_" + priv.slice(i) + name;
}

/** An AST Constant node in the parsed source: literals that print without a minus sign. */
function isAstConstant(e: Expr): boolean {
  switch (e.k) {
    case "int": return !intIsNegative(e.v);
    case "float": return Number.isFinite(e.v) && e.v >= 0 && !Object.is(e.v, -0);
    case "str": case "bool": case "none": return true;
    default: return false;
  }
}

/** Builds the scopes of one module (symtable.c symtable_visit_*), then analyzes them. */
class SymtableBuilder {
  cur: Scope;
  priv: string | null = null;
  readonly top: Scope;
  constructor(
    readonly module: string,
    mod: ModuleAst,
  ) {
    this.top = new Scope(BT.Module, "top", mod, 0);
    this.cur = this.top;
  }

  err(construct: string, msg: string, line: number): never {
    throw new CodegenError(construct, msg, this.module, line);
  }

  name(n: string, line: number): void {
    if (!isIdentifier(n)) this.err("name", `invalid identifier ${JSON.stringify(n)}`, line);
  }

  addDef(n: string, flag: number, line: number, scope: Scope = this.cur): void {
    this.name(n, line);
    const m = mangle(this.priv, n);
    const s = scope.symbols.get(m);
    let val = s?.flags ?? 0;
    if ((flag & DEF_PARAM) !== 0 && (val & DEF_PARAM) !== 0) this.err("def", `duplicate argument '${n}' in function definition`, line);
    val |= flag;
    if (s) s.flags = val;
    else scope.symbols.set(m, { flags: val, scope: 0 });
    if ((flag & DEF_PARAM) !== 0) scope.varnames.push(m);
    else if ((flag & DEF_GLOBAL) !== 0) {
      // st_global: the module scope learns the name is global too
      const g = this.top.symbols.get(m);
      if (g) g.flags |= flag;
      else this.top.symbols.set(m, { flags: flag, scope: 0 });
    }
  }

  enter(type: BT, name: string, node: ScopeNode, line: number): Scope {
    const s = new Scope(type, name, node, line);
    const prev = this.cur;
    if (prev.nested || prev.functionLike) s.nested = true;
    if (prev.type === BT.Class && type === BT.Function) s.method = true;
    prev.children.push(s);
    this.cur = s;
    return s;
  }

  body(stmts: readonly Stmt[], lines: readonly LStmt[]): void {
    for (let i = 0; i < stmts.length; i++) this.stmt(stmts[i]!, lines[i]!);
  }

  stmt(s: Stmt, L: LStmt): void {
    const line = L.line;
    switch (s.k) {
      case "def": {
        this.addDef(s.name, DEF_LOCAL, line);
        let seenDefault = false;
        for (const p of s.params) {
          if (p.default) {
            this.expr(p.default, line);
            seenDefault = true;
          } else if (seenDefault) this.err("def", "parameter without a default follows parameter with a default", line);
        }
        // every def in a class body gets an annotation scope that sees the class dict (PEP 649)
        if (this.cur.type === BT.Class) this.cur.needsClassdict = true;
        const prev = this.cur;
        const f = this.enter(BT.Function, s.name, s, line);
        for (const p of s.params) this.addDef(p.name, DEF_PARAM, line);
        f.hasDocstring = hasDocstring(s.body);
        this.body(s.body, L.a!);
        this.cur = prev;
        return;
      }
      case "class": {
        this.addDef(s.name, DEF_LOCAL, line);
        if (s.base !== undefined) this.use(s.base, line);
        const prev = this.cur;
        const prevPriv = this.priv;
        const c = this.enter(BT.Class, s.name, s, line);
        this.priv = s.name;
        c.hasDocstring = hasDocstring(s.body);
        this.body(s.body, L.a!);
        this.priv = prevPriv;
        this.cur = prev;
        return;
      }
      case "return":
        if (s.e) this.expr(s.e, line);
        return;
      case "del":
        this.target(s.target, line, DEF_LOCAL);
        return;
      case "assign":
        this.target(s.target, line, DEF_LOCAL);
        this.expr(s.value, line);
        return;
      case "augassign":
        if (s.target.k === "tuple") this.err("augassign", "'tuple' is an illegal expression for augmented assignment", line);
        this.target(s.target, line, DEF_LOCAL);
        this.expr(s.value, line);
        return;
      case "for":
        this.target(s.v, line, DEF_LOCAL);
        this.expr(s.iter, line);
        this.body(s.body, L.a!);
        return;
      case "while":
        this.expr(s.c, line);
        this.body(s.body, L.a!);
        return;
      case "if":
        this.expr(s.c, line);
        this.body(s.body, L.a!);
        if (s.orelse.length) this.body(s.orelse, L.b!);
        return;
      case "raise":
        if (s.e) this.expr(s.e, line);
        return;
      case "try":
        if (s.handlers.length === 0 && !(s.final && s.final.length)) this.err("try", "expected 'except' or 'finally' block", line);
        if (s.handlers.length === 0 && s.orelse && s.orelse.length) this.err("try", "'else' clause of try needs an 'except' clause", line);
        this.body(s.body, L.a!);
        if (s.orelse && s.orelse.length) this.body(s.orelse, L.b!);
        s.handlers.forEach((h: Handler, i) => {
          const hl = L.h![i]!;
          if (h.type === undefined && i < s.handlers.length - 1) this.err("default except", "default 'except:' must be last", hl.line);
          if (h.type === undefined && h.name !== undefined) this.err("except as", "`except as NAME` needs an exception type", hl.line);
          if (h.type !== undefined) this.use(h.type, hl.line);
          if (h.name !== undefined) this.addDef(h.name, DEF_LOCAL, hl.line);
          this.body(h.body, hl.body);
        });
        if (s.final && s.final.length) this.body(s.final, L.c!);
        return;
      case "import":
        this.addDef(s.module, DEF_IMPORT, line);
        return;
      case "global":
      case "nonlocal": {
        if (s.names.length === 0) this.err(s.k, `empty ${s.k} statement`, line);
        const isGlobal = s.k === "global";
        for (const n of s.names) {
          this.name(n, line);
          const m = mangle(this.priv, n);
          const cur = this.cur.symbols.get(m)?.flags ?? 0;
          if (cur & (DEF_PARAM | DEF_LOCAL | USE)) {
            const what = cur & DEF_PARAM ? "is parameter and" : cur & USE ? "is used prior to" : "is assigned to before";
            this.err(s.k, `name '${n}' ${what} ${s.k} declaration`, line);
          }
          if (isGlobal && (cur & DEF_NONLOCAL)) this.err(s.k, `name '${n}' is nonlocal and global`, line);
          if (!isGlobal && (cur & DEF_GLOBAL)) this.err(s.k, `name '${n}' is nonlocal and global`, line);
          if (!isGlobal && this.cur.type === BT.Module) this.err("nonlocal", "nonlocal declaration not allowed at module level", line);
          this.addDef(n, isGlobal ? DEF_GLOBAL : DEF_NONLOCAL, line);
          if (!this.cur.declLines.has(m)) this.cur.declLines.set(m, line);
        }
        return;
      }
      case "expr":
        this.expr(s.e, line);
        return;
      case "pass": case "break": case "continue":
        return;
    }
  }

  use(n: string, line: number): void {
    if (n === "super" || n === "__class__") this.err("super", `'${n}' (the implicit __class__ cell) is not supported`, line);
    this.addDef(n, USE, line);
  }

  target(t: Target, line: number, flag: number): void {
    switch (t.k) {
      case "name":
        if (t.id === "__class__" || t.id === "super") this.err("super", `'${t.id}' (the implicit __class__ cell) is not supported`, line);
        this.addDef(t.id, flag, line);
        return;
      case "attr":
        this.name(t.name, line);
        this.expr(t.obj, line);
        return;
      case "sub":
        this.expr(t.obj, line);
        this.expr(t.idx, line);
        return;
      case "tuple":
        for (const x of t.items) this.target(x, line, flag);
        return;
    }
  }

  expr(e: Expr, line: number): void {
    switch (e.k) {
      case "int":
        if (!isIntLiteral(e.v)) this.err("int", `invalid int literal ${JSON.stringify(e.v)}`, line);
        return;
      case "str": case "bool": case "none":
        return;
      case "float":
        if (!Number.isFinite(e.v)) this.use("float", line); // float('inf') is a call
        return;
      case "name":
        this.use(e.id, line);
        return;
      case "bin": case "cmp": case "boolop":
        this.expr(e.l, line);
        this.expr(e.r, line);
        return;
      case "not": case "neg": case "invert":
        this.expr(e.e, line);
        return;
      case "call": {
        this.expr(e.f, line);
        for (const a of e.args) this.expr(a, line);
        if (e.kw) {
          const seen = new Set<string>();
          for (const [k, v] of e.kw) {
            this.name(k, line);
            if (seen.has(k)) this.err("call", `keyword argument repeated: ${k}`, line);
            seen.add(k);
            this.expr(v, line);
          }
        }
        return;
      }
      case "attr":
        this.name(e.name, line);
        this.expr(e.obj, line);
        return;
      case "sub":
        this.expr(e.obj, line);
        this.expr(e.idx, line);
        return;
      case "slice":
        this.expr(e.obj, line);
        if (e.lo) this.expr(e.lo, line);
        if (e.hi) this.expr(e.hi, line);
        return;
      case "list": case "tuple":
        for (const x of e.items) this.expr(x, line);
        return;
      case "dict":
        for (const [k] of e.items) this.expr(k, line);
        for (const [, v] of e.items) this.expr(v, line);
        return;
      case "ifexp":
        this.expr(e.c, line);
        this.expr(e.a, line);
        this.expr(e.b, line);
        return;
      case "lambda": {
        const prev = this.cur;
        this.enter(BT.Function, "lambda", e, line);
        for (const p of e.params) this.addDef(p, DEF_PARAM, line);
        this.expr(e.body, line);
        this.cur = prev;
        return;
      }
      case "fstr":
        for (const p of e.parts) if (typeof p !== "string") this.expr(p.e, line);
        return;
      case "listcomp": {
        this.expr(e.iter, line);
        const prev = this.cur;
        const c = this.enter(BT.Function, "listcomp", e, line);
        c.comp = true;
        c.symbols.set(".0", { flags: DEF_PARAM, scope: 0 });
        c.varnames.push(".0");
        this.addDef(e.v, DEF_LOCAL | DEF_COMP_ITER, line);
        if (e.cond) this.expr(e.cond, line);
        this.expr(e.elt, line);
        this.cur = prev;
        return;
      }
    }
  }
}

function docstringOf(body: readonly Stmt[]): string {
  const s = body[0] as Extract<Stmt, { k: "expr" }>;
  return cleanDoc((s.e as Extract<Expr, { k: "str" }>).v);
}

/** An IR int: a safe-integer number, or a decimal string (optional minus sign). */
function isIntLiteral(v: number | string): boolean {
  if (typeof v === "number") return Number.isSafeInteger(v);
  const start = v.charCodeAt(0) === 45 ? 1 : 0;
  if (v.length === start) return false;
  for (let i = start; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function hasDocstring(body: readonly Stmt[]): boolean {
  const s = body[0];
  return s !== undefined && s.k === "expr" && s.e.k === "str";
}

// --- analysis (symtable.c analyze_block and friends) ---------------------------------------

function analyzeName(ste: Scope, scopes: Map<string, number>, name: string, flags: number, bound: Set<string> | null,
  local: Set<string>, free: Set<string>, global: Set<string>, err0: (c: string, m: string, line?: number) => never): void {
  if (flags & DEF_GLOBAL) {
    if (flags & DEF_NONLOCAL) err0("nonlocal", `name '${name}' is nonlocal and global`, ste.declLines.get(name));
    scopes.set(name, SC_GLOBAL_EXPLICIT);
    global.add(name);
    if (bound) bound.delete(name);
    return;
  }
  if (flags & DEF_NONLOCAL) {
    if (!bound) err0("nonlocal", "nonlocal declaration not allowed at module level", ste.declLines.get(name));
    if (!bound.has(name)) err0("nonlocal", `no binding for nonlocal '${name}' found`, ste.declLines.get(name));
    scopes.set(name, SC_FREE);
    free.add(name);
    return;
  }
  if (flags & DEF_BOUND) {
    scopes.set(name, SC_LOCAL);
    local.add(name);
    global.delete(name);
    return;
  }
  if (bound && bound.has(name)) {
    scopes.set(name, SC_FREE);
    free.add(name);
    return;
  }
  scopes.set(name, SC_GLOBAL_IMPLICIT);
}

function isFreeInAnyChild(entry: Scope, key: string): boolean {
  for (const c of entry.children) if (c.scopeOf(key) === SC_FREE) return true;
  return false;
}

function inlineComprehension(ste: Scope, comp: Scope, scopes: Map<string, number>, compFree: Set<string>, inlinedCells: Set<string>): void {
  for (const [k, sym] of comp.symbols) {
    if (sym.flags & DEF_PARAM) continue; // .0
    const scope = sym.scope;
    if (scope === SC_CELL || (sym.flags & DEF_COMP_CELL)) inlinedCells.add(k);
    const existing = ste.symbols.get(k);
    if (!existing) {
      ste.symbols.set(k, { flags: sym.flags, scope: 0 });
      scopes.set(k, scope);
    } else if ((existing.flags & DEF_BOUND) && ste.type !== BT.Class) {
      if (!isFreeInAnyChild(comp, k)) compFree.delete(k);
    }
  }
}

function analyzeBlock(ste: Scope, bound: Set<string> | null, free: Set<string>, global: Set<string>,
  err: (c: string, m: string, line?: number) => never): void {
  const local = new Set<string>();
  const scopes = new Map<string, number>();
  const newglobal = new Set<string>();
  const newfree = new Set<string>();
  const newbound = new Set<string>();
  const inlinedCells = new Set<string>();
  if (ste.type === BT.Class) {
    for (const g of global) newglobal.add(g);
    if (bound) for (const b of bound) newbound.add(b);
  }
  for (const [name, sym] of ste.symbols) analyzeName(ste, scopes, name, sym.flags, bound, local, free, global, err);
  if (ste.type !== BT.Class) {
    if (ste.functionLike) for (const l of local) newbound.add(l);
    if (bound) for (const b of bound) newbound.add(b);
    for (const g of global) newglobal.add(g);
  } else {
    newbound.add("__class__");
    newbound.add("__classdict__");
    newbound.add("__conditional_annotations__");
  }
  for (const child of ste.children) {
    const childFree = new Set(newfree);
    analyzeBlock(child, new Set(newbound), childFree, new Set(newglobal), err);
    if (child.comp) inlineComprehension(ste, child, scopes, childFree, inlinedCells);
    for (const f of childFree) newfree.add(f);
  }
  if (ste.functionLike) {
    // analyze_cells
    for (const [name, sc] of scopes) {
      if (sc !== SC_LOCAL) continue;
      if (!newfree.has(name) && !inlinedCells.has(name)) continue;
      scopes.set(name, SC_CELL);
      newfree.delete(name);
    }
  } else if (ste.type === BT.Class) {
    // drop_class_free (no __class__ here: rejected by the builder); __classdict__ comes from
    // the annotation scopes of the class's defs (needsClassdict, set by the builder)
    newfree.delete("__classdict__");
    newfree.delete("__conditional_annotations__");
  }
  // update_symbols
  const classflag = ste.type === BT.Class;
  for (const [name, sym] of ste.symbols) {
    sym.scope = scopes.get(name) ?? 0;
    if (inlinedCells.has(name)) sym.flags |= DEF_COMP_CELL;
  }
  for (const name of newfree) {
    const sym = ste.symbols.get(name);
    if (sym) {
      if (classflag) sym.flags |= DEF_FREE_CLASS;
      continue;
    }
    if (bound && !bound.has(name)) continue; // a global
    ste.symbols.set(name, { flags: 0, scope: SC_FREE });
  }
  for (const f of newfree) free.add(f);
}

/** Build and analyze the symbol table of one module. */
function buildSymtable(moduleName: string, mod: ModuleAst, lines: readonly LStmt[]): Scope {
  const b = new SymtableBuilder(moduleName, mod);
  b.top.hasDocstring = hasDocstring(mod.body);
  b.body(mod.body, lines);
  const err = (c: string, m: string, line?: number): never => {
    throw new CodegenError(c, m, moduleName, line);
  };
  analyzeBlock(b.top, null, new Set(), new Set(), err);
  return b.top;
}

// =============================================================================================
// Code generation (Python/codegen.c) into an instruction sequence with labels

const NO_LOC = -1;

interface Label {
  /** instruction index the label marks (-1: not placed yet) */
  pos: number;
}

/** One instruction: in the sequence `label` is set for jumps / block pushes; in the CFG `target`. */
interface Ins {
  op: number;
  arg: number;
  line: number;
  label: Label | null;
  target: Block | null;
  except: Block | null;
}

const enum FB { WhileLoop, ForLoop, TryExcept, FinallyTry, FinallyEnd, ExceptionHandler, HandlerCleanup, PopValue }

interface FBlock {
  type: FB;
  block: Label | null;
  exit: Label | null;
  /** FinallyTry: the finally body and its layout; HandlerCleanup: the `as` name or null */
  body?: readonly Stmt[];
  lines?: LStmt[];
  name?: string | null;
}

const enum ST { Module, Function, Lambda, Class }

const FN_DEFAULTS = 0x01, FN_CLOSURE = 0x08;

/** One code object being compiled (compile.c `struct compiler_unit`). */
class Unit {
  readonly seq: Ins[] = [];
  readonly consts: Const[] = [];
  readonly constIdx = new Map<string, number>();
  readonly names = new Map<string, number>();
  readonly varnames = new Map<string, number>();
  readonly cellvars = new Map<string, number>();
  readonly freevars = new Map<string, number>();
  readonly fasthidden = new Map<string, boolean>();
  readonly fblocks: FBlock[] = [];
  inInlinedComp = 0;
  readonly staticAttributes: Set<string> | null;
  /** symbol table entries to search for nested scopes (the unit's own, then inlined comprehensions) */
  readonly lookup: Scope[];
  constructor(
    readonly ste: Scope,
    readonly scopeType: ST,
    readonly name: string,
    readonly qualname: string,
    readonly priv: string | null,
    readonly firstlineno: number,
    readonly argcount: number,
  ) {
    this.lookup = [ste];
    for (const v of ste.varnames) this.varnames.set(v, this.varnames.size);
    const cells: string[] = [];
    const frees: string[] = [];
    for (const [k, s] of ste.symbols) {
      if (s.scope === SC_CELL || (s.flags & DEF_COMP_CELL)) cells.push(k);
      if (s.scope === SC_FREE || (s.flags & DEF_FREE_CLASS)) frees.push(k);
    }
    cells.sort(cmpStr);
    frees.sort(cmpStr);
    for (const c of cells) this.cellvars.set(c, this.cellvars.size);
    if (ste.needsClassdict && scopeType === ST.Class) this.cellvars.set("__classdict__", this.cellvars.size);
    const n = this.cellvars.size;
    for (const f of frees) this.freevars.set(f, n + this.freevars.size);
    this.staticAttributes = scopeType === ST.Class ? new Set() : null;
  }
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function dictAdd(d: Map<string, number>, k: string): number {
  const v = d.get(k);
  if (v !== undefined) return v;
  const i = d.size;
  d.set(k, i);
  return i;
}

const CTX_LOAD = 0, CTX_STORE = 1, CTX_DEL = 2;

/** IR int value as a canonical PyInt. */
function intValue(v: number | string): PyInt {
  return typeof v === "number" ? (v === 0 ? 0 : v) : normInt(BigInt(v));
}

function negate(x: PyInt): PyInt {
  return typeof x === "number" ? (x === 0 ? 0 : -x) : normInt(-x);
}

/** The value of an AST Constant expression (isAstConstant). */
function astConstValue(e: Expr): Const {
  switch (e.k) {
    case "int": return intValue(e.v);
    case "float": return new PyFloat(e.v);
    case "str": return e.v;
    case "bool": return e.v;
    default: return None;
  }
}

interface Compiled {
  readonly code: CodeDef;
  /** names of the code's free variables, in co_localsplusnames order */
  readonly freevars: readonly string[];
}

class Codegen {
  u!: Unit;
  readonly stack: Unit[] = [];

  constructor(
    readonly module: string,
    readonly filename: string,
    readonly top: Scope,
  ) {}

  err(construct: string, msg: string, line: number): never {
    throw new CodegenError(construct, msg, this.module, line > 0 ? line : undefined);
  }

  // ---- emission ----------------------------------------------------------------------------

  addop(o: number, arg: number, line: number): void {
    this.u.seq.push({ op: o, arg, line, label: null, target: null, except: null });
  }
  jump(o: number, l: Label, line: number): void {
    this.u.seq.push({ op: o, arg: 0, line, label: l, target: null, except: null });
  }
  newLabel(): Label {
    return { pos: -1 };
  }
  useLabel(l: Label): void {
    l.pos = this.u.seq.length;
  }
  addConst(c: Const): number {
    const u = this.u;
    if (c instanceof CodeDef) return addCodeConst(u.consts, u.constIdx, c);
    const k = constKey(c);
    const i = u.constIdx.get(k);
    if (i !== undefined) return i;
    u.constIdx.set(k, u.consts.length);
    u.consts.push(c);
    return u.consts.length - 1;
  }
  loadConst(c: Const, line: number): void {
    this.addop(LOAD_CONST, this.addConst(c), line);
  }
  nameIdx(n: string): number {
    return dictAdd(this.u.names, mangle(this.u.priv, n));
  }

  // ---- scopes ------------------------------------------------------------------------------

  childScope(node: ScopeNode): Scope {
    const l = this.u.lookup;
    return l[l.length - 1]!.child(node);
  }

  enterScope(ste: Scope, type: ST, name: string, priv: string | null, line: number, argcount: number): void {
    const parent = this.u;
    let qualname = name;
    if (this.stack.length >= 1 && parent.scopeType !== ST.Module) {
      let forceGlobal = false;
      if (type === ST.Function || type === ST.Class) {
        if (parent.ste.scopeOf(mangle(parent.priv, name)) === SC_GLOBAL_EXPLICIT) forceGlobal = true;
      }
      if (!forceGlobal) {
        const base = parent.scopeType === ST.Function || parent.scopeType === ST.Lambda ? parent.qualname + ".<locals>" : parent.qualname;
        qualname = base + "." + name;
      }
    }
    this.stack.push(parent);
    this.u = new Unit(ste, type, name, qualname, priv, line, argcount);
    this.addop(RESUME, 0, line);
  }

  exitScope(): void {
    this.u = this.stack.pop()!;
  }

  // ---- names -------------------------------------------------------------------------------

  nameop(name: string, ctx: number, line: number): void {
    const u = this.u;
    const mangled = mangle(u.priv, name);
    const scope = u.ste.scopeOf(mangled);
    const functionLike = u.ste.functionLike;
    // _PyCompile_ResolveNameop
    let optype: 0 | 1 | 2 | 3 = 0; // 0 NAME, 1 FAST, 2 GLOBAL, 3 DEREF
    let arg = 0;
    switch (scope) {
      case SC_FREE:
        optype = 3;
        arg = dictAdd(u.freevars, mangled);
        break;
      case SC_CELL:
        optype = 3;
        arg = dictAdd(u.cellvars, mangled);
        break;
      case SC_LOCAL:
        if (functionLike || u.fasthidden.get(mangled) === true) optype = 1;
        break;
      case SC_GLOBAL_IMPLICIT:
        if (functionLike) optype = 2;
        break;
      case SC_GLOBAL_EXPLICIT:
        optype = 2;
        break;
      default:
        break;
    }
    if (optype === 0 || optype === 2) arg = dictAdd(u.names, mangled);
    switch (optype) {
      case 3:
        if (ctx === CTX_LOAD) {
          if (u.scopeType === ST.Class && !u.inInlinedComp) {
            this.addop(LOAD_LOCALS, 0, line);
            this.addop(LOAD_FROM_DICT_OR_DEREF, arg, line);
          } else this.addop(LOAD_DEREF, arg, line);
        } else this.addop(ctx === CTX_STORE ? STORE_DEREF : DELETE_DEREF, arg, line);
        return;
      case 1:
        this.addop(ctx === CTX_LOAD ? LOAD_FAST : ctx === CTX_STORE ? STORE_FAST : DELETE_FAST, dictAdd(u.varnames, mangled), line);
        return;
      case 2:
        if (ctx === CTX_LOAD) this.addop(LOAD_GLOBAL, arg << 1, line);
        else this.addop(ctx === CTX_STORE ? STORE_GLOBAL : DELETE_GLOBAL, arg, line);
        return;
      default:
        if (ctx === CTX_LOAD) {
          if (u.scopeType === ST.Class && u.inInlinedComp) this.addop(LOAD_GLOBAL, arg << 1, line);
          else this.addop(LOAD_NAME, arg, line);
        } else this.addop(ctx === CTX_STORE ? STORE_NAME : DELETE_NAME, arg, line);
    }
  }

  // ---- statements --------------------------------------------------------------------------

  stmts(body: readonly Stmt[], lines: readonly LStmt[], from = 0): void {
    if (body.length === 0) {
      this.addop(NOP, 0, lines[0]!.line); // the printed `pass`
      return;
    }
    for (let i = from; i < body.length; i++) this.stmt(body[i]!, lines[i]!);
  }

  stmt(s: Stmt, L: LStmt): void {
    const line = L.line;
    switch (s.k) {
      case "def": return this.funcDef(s, L);
      case "class": return this.classDef(s, L);
      case "return": return this.ret(s.e, line);
      case "del":
        this.target(s.target, line, CTX_DEL);
        return;
      case "assign":
        this.expr(s.value, line);
        this.target(s.target, line, CTX_STORE);
        return;
      case "augassign": return this.augassign(s.target, s.op, s.value, line);
      case "for": return this.forStmt(s, L);
      case "while": return this.whileStmt(s, L);
      case "if": return this.ifStmt(s, L);
      case "raise":
        if (s.e) this.expr(s.e, line);
        this.addop(RAISE_VARARGS, s.e ? 1 : 0, line);
        return;
      case "try":
        if (s.final && s.final.length) this.tryFinally(s, L);
        else this.tryExcept(s, L);
        return;
      case "import":
        this.loadConst(0, line);
        this.loadConst(None, line);
        this.addop(IMPORT_NAME, this.nameIdx(s.module), line);
        this.nameop(s.module, CTX_STORE, line);
        return;
      case "global": case "nonlocal":
        return;
      case "expr":
        if (isAstConstant(s.e)) this.addop(NOP, 0, line);
        else {
          this.expr(s.e, line);
          this.addop(POP_TOP, 0, NO_LOC);
        }
        return;
      case "pass":
        this.addop(NOP, 0, line);
        return;
      case "break": return this.breakStmt(line);
      case "continue": return this.continueStmt(line);
    }
  }

  funcDef(s: Extract<Stmt, { k: "def" }>, L: LStmt): void {
    const line = L.line;
    let flags = 0;
    let ndefaults = 0;
    for (const p of s.params) {
      if (p.default) {
        this.expr(p.default, line);
        ndefaults++;
      }
    }
    if (ndefaults > 0) {
      this.addop(BUILD_TUPLE, ndefaults, line);
      flags |= FN_DEFAULTS;
    }
    const ste = this.childScope(s);
    this.enterScope(ste, ST.Function, s.name, this.u.priv, line, s.params.length);
    let first = 0;
    if (ste.hasDocstring) {
      this.addConst(docstringOf(s.body));
      first = 1;
    }
    if (s.body.length === 0) this.stmts(s.body, L.a!);
    else for (let i = first; i < s.body.length; i++) this.stmt(s.body[i]!, L.a![i]!);
    const c = this.assemble(true);
    this.exitScope();
    this.makeClosure(c, flags, line);
    this.nameop(s.name, CTX_STORE, line);
  }

  classDef(s: Extract<Stmt, { k: "class" }>, L: LStmt): void {
    const line = L.line;
    const ste = this.childScope(s);
    this.enterScope(ste, ST.Class, s.name, s.name, line, 0);
    const u = this.u;
    this.nameop("__name__", CTX_LOAD, line);
    this.nameop("__module__", CTX_STORE, line);
    this.loadConst(u.qualname, line);
    this.nameop("__qualname__", CTX_STORE, line);
    this.loadConst(line, line);
    this.nameop("__firstlineno__", CTX_STORE, line);
    if (ste.needsClassdict) {
      this.addop(LOAD_LOCALS, 0, line);
      this.addop(STORE_DEREF, u.cellvars.get("__classdict__")!, line);
    }
    this.body(s.body, L.a!, ste.hasDocstring);
    const attrs = [...u.staticAttributes!].sort(cmpStr);
    this.loadConst(new ConstTuple(attrs), NO_LOC);
    this.nameop("__static_attributes__", CTX_STORE, NO_LOC);
    if (ste.needsClassdict) {
      this.addop(LOAD_CLOSURE, u.cellvars.get("__classdict__")!, NO_LOC);
      this.nameop("__classdictcell__", CTX_STORE, NO_LOC);
    }
    this.loadConst(None, NO_LOC);
    this.addop(RETURN_VALUE, 0, NO_LOC);
    const c = this.assemble(true);
    this.exitScope();
    this.addop(LOAD_BUILD_CLASS, 0, line);
    this.addop(PUSH_NULL, 0, line);
    this.makeClosure(c, 0, line);
    this.loadConst(s.name, line);
    if (s.base !== undefined) {
      this.nameop(s.base, CTX_LOAD, line);
      this.addop(CALL, 3, line);
    } else this.addop(CALL, 2, line);
    this.nameop(s.name, CTX_STORE, line);
  }

  /** codegen_body for module and class bodies: the docstring is stored as __doc__. */
  body(stmts: readonly Stmt[], lines: readonly LStmt[], docstring: boolean): void {
    if (docstring) {
      this.loadConst(docstringOf(stmts), lines[0]!.line);
      this.nameop("__doc__", CTX_STORE, NO_LOC);
      for (let i = 1; i < stmts.length; i++) this.stmt(stmts[i]!, lines[i]!);
      return;
    }
    this.stmts(stmts, lines);
  }

  makeClosure(c: Compiled, flags: number, line: number): void {
    const u = this.u;
    if (c.freevars.length > 0) {
      for (const name of c.freevars) {
        // _PyCompile_LookupArg: cell of this unit, else one of its free variables
        const reftype = u.scopeType === ST.Class && name === "__classdict__" ? SC_CELL : u.ste.scopeOf(name);
        const arg = reftype === SC_CELL ? u.cellvars.get(name) : u.freevars.get(name);
        if (arg === undefined) throw new Error(`codegen: closure variable ${name} not found in ${u.qualname}`);
        this.addop(LOAD_CLOSURE, arg, line);
      }
      flags |= FN_CLOSURE;
      this.addop(BUILD_TUPLE, c.freevars.length, line);
    }
    this.loadConst(c.code, line);
    this.addop(MAKE_FUNCTION, 0, line);
    if (flags & FN_CLOSURE) this.addop(SET_FUNCTION_ATTRIBUTE, FN_CLOSURE, line);
    if (flags & FN_DEFAULTS) this.addop(SET_FUNCTION_ATTRIBUTE, FN_DEFAULTS, line);
  }

  ret(e: Expr | undefined, line: number): void {
    if (!this.u.ste.functionLike) this.err("return", "'return' outside function", line);
    const preserve = e !== undefined && !isAstConstant(e);
    if (preserve) this.expr(e!, line);
    else this.addop(NOP, 0, line);
    const loc = { line };
    this.unwindStack(loc, preserve, false);
    if (e === undefined) this.loadConst(None, loc.line);
    else if (!preserve) this.loadConst(astConstValue(e), loc.line);
    this.addop(RETURN_VALUE, 0, loc.line);
  }

  breakStmt(line: number): void {
    this.addop(NOP, 0, line);
    const loc = { line };
    const loop = this.unwindStack(loc, false, true);
    if (loop === null) this.err("break", "'break' outside loop", line);
    this.unwind(loop, loc, false);
    this.jump(JUMP, loop.exit!, loc.line);
  }

  continueStmt(line: number): void {
    this.addop(NOP, 0, line);
    const loc = { line };
    const loop = this.unwindStack(loc, false, true);
    if (loop === null) this.err("continue", "'continue' not properly in loop", line);
    this.jump(JUMP, loop.block!, loc.line);
  }

  /** codegen_unwind_fblock (3.14: a for loop keeps one value, the iterator, on the stack). */
  unwind(info: FBlock, loc: { line: number }, preserve: boolean): void {
    switch (info.type) {
      case FB.WhileLoop: case FB.ExceptionHandler:
        return;
      case FB.ForLoop:
        if (preserve) this.addop(SWAP, 2, loc.line);
        this.addop(POP_TOP, 0, loc.line);
        return;
      case FB.TryExcept:
        this.addop(POP_BLOCK, 0, loc.line);
        return;
      case FB.FinallyTry:
        this.addop(POP_BLOCK, 0, loc.line);
        if (preserve) this.u.fblocks.push({ type: FB.PopValue, block: null, exit: null });
        this.stmts(info.body!, info.lines!);
        if (preserve) this.u.fblocks.pop();
        loc.line = NO_LOC;
        return;
      case FB.FinallyEnd:
        if (preserve) this.addop(SWAP, 2, loc.line);
        this.addop(POP_TOP, 0, loc.line);
        if (preserve) this.addop(SWAP, 2, loc.line);
        this.addop(POP_BLOCK, 0, loc.line);
        this.addop(POP_EXCEPT, 0, loc.line);
        return;
      case FB.HandlerCleanup:
        if (info.name) this.addop(POP_BLOCK, 0, loc.line);
        if (preserve) this.addop(SWAP, 2, loc.line);
        this.addop(POP_BLOCK, 0, loc.line);
        this.addop(POP_EXCEPT, 0, loc.line);
        if (info.name) {
          this.loadConst(None, loc.line);
          this.nameop(info.name, CTX_STORE, loc.line);
          this.nameop(info.name, CTX_DEL, loc.line);
        }
        return;
      case FB.PopValue:
        if (preserve) this.addop(SWAP, 2, loc.line);
        this.addop(POP_TOP, 0, loc.line);
        return;
    }
  }

  /** codegen_unwind_fblock_stack: unwinds to the innermost loop when `toLoop`, returning it. */
  unwindStack(loc: { line: number }, preserve: boolean, toLoop: boolean): FBlock | null {
    const fb = this.u.fblocks;
    const top = fb[fb.length - 1];
    if (top === undefined) return null;
    if (toLoop && (top.type === FB.WhileLoop || top.type === FB.ForLoop)) return top;
    fb.pop();
    this.unwind(top, loc, preserve);
    const r = this.unwindStack(loc, preserve, toLoop);
    fb.push(top);
    return r;
  }

  target(t: Target, line: number, ctx: number): void {
    switch (t.k) {
      case "name":
        this.nameop(t.id, ctx, line);
        return;
      case "attr":
        if (ctx === CTX_STORE && t.obj.k === "name" && t.obj.id === "self") this.addStaticAttribute(t.name);
        this.expr(t.obj, line);
        this.addop(ctx === CTX_STORE ? STORE_ATTR : DELETE_ATTR, this.nameIdx(t.name), line);
        return;
      case "sub":
        this.expr(t.obj, line);
        this.expr(t.idx, line);
        this.addop(ctx === CTX_STORE ? STORE_SUBSCR : DELETE_SUBSCR, 0, line);
        return;
      case "tuple":
        if (ctx === CTX_STORE) this.addop(UNPACK_SEQUENCE, t.items.length, line);
        for (const x of t.items) this.target(x, line, ctx);
        return;
    }
  }

  addStaticAttribute(name: string): void {
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const u = this.stack[i]!;
      if (u.scopeType === ST.Class) {
        u.staticAttributes!.add(name);
        return;
      }
    }
  }

  augassign(t: Target, o: BinOp, value: Expr, line: number): void {
    switch (t.k) {
      case "attr":
        this.expr(t.obj, line);
        this.addop(COPY, 1, line);
        this.addop(LOAD_ATTR, this.nameIdx(t.name) << 1, line);
        break;
      case "sub":
        this.expr(t.obj, line);
        this.expr(t.idx, line);
        this.addop(COPY, 2, line);
        this.addop(COPY, 2, line);
        this.addop(BINARY_OP, NB_SUBSCR, line);
        break;
      case "name":
        this.nameop(t.id, CTX_LOAD, line);
        break;
      case "tuple":
        this.err("augassign", "'tuple' is an illegal expression for augmented assignment", line);
    }
    this.expr(value, line);
    this.addop(BINARY_OP, NB[o] + NB_INPLACE, line);
    switch (t.k) {
      case "attr":
        this.addop(SWAP, 2, line);
        this.addop(STORE_ATTR, this.nameIdx(t.name), line);
        return;
      case "sub":
        this.addop(SWAP, 3, line);
        this.addop(SWAP, 2, line);
        this.addop(STORE_SUBSCR, 0, line);
        return;
      default:
        this.nameop((t as { id: string }).id, CTX_STORE, line);
    }
  }

  forStmt(s: Extract<Stmt, { k: "for" }>, L: LStmt): void {
    const line = L.line;
    const start = this.newLabel(), cleanup = this.newLabel(), end = this.newLabel();
    this.u.fblocks.push({ type: FB.ForLoop, block: start, exit: end });
    this.iterable(s.iter, line);
    this.addop(GET_ITER, 0, line);
    this.useLabel(start);
    this.jump(FOR_ITER, cleanup, line);
    this.addop(NOP, 0, line);
    this.target(s.v, line, CTX_STORE);
    this.stmts(s.body, L.a!);
    this.jump(JUMP, start, NO_LOC);
    this.useLabel(cleanup);
    this.addop(END_FOR, 0, NO_LOC);
    this.addop(POP_ITER, 0, NO_LOC);
    this.u.fblocks.pop();
    this.useLabel(end);
  }

  whileStmt(s: Extract<Stmt, { k: "while" }>, L: LStmt): void {
    const loop = this.newLabel(), end = this.newLabel(), anchor = this.newLabel();
    this.useLabel(loop);
    this.u.fblocks.push({ type: FB.WhileLoop, block: loop, exit: end });
    this.jumpIf(s.c, anchor, false, L.line);
    this.stmts(s.body, L.a!);
    this.jump(JUMP, loop, NO_LOC);
    this.u.fblocks.pop();
    this.useLabel(anchor);
    this.useLabel(end);
  }

  ifStmt(s: Extract<Stmt, { k: "if" }>, L: LStmt): void {
    const end = this.newLabel();
    const next = s.orelse.length ? this.newLabel() : end;
    this.jumpIf(s.c, next, false, L.line);
    this.stmts(s.body, L.a!);
    if (s.orelse.length) {
      this.jump(JUMP_NO_INTERRUPT, end, NO_LOC);
      this.useLabel(next);
      this.stmts(s.orelse, L.b!);
    }
    this.useLabel(end);
  }

  tryFinally(s: Extract<Stmt, { k: "try" }>, L: LStmt): void {
    const end = this.newLabel(), exit = this.newLabel(), cleanup = this.newLabel();
    const final = s.final!;
    this.jump(SETUP_FINALLY, end, L.line);
    this.u.fblocks.push({ type: FB.FinallyTry, block: null, exit: end, body: final, lines: L.c! });
    if (s.handlers.length) this.tryExcept(s, L);
    else this.stmts(s.body, L.a!);
    this.addop(POP_BLOCK, 0, NO_LOC);
    this.u.fblocks.pop();
    this.stmts(final, L.c!);
    this.jump(JUMP_NO_INTERRUPT, exit, NO_LOC);
    this.useLabel(end);
    this.jump(SETUP_CLEANUP, cleanup, NO_LOC);
    this.addop(PUSH_EXC_INFO, 0, NO_LOC);
    this.u.fblocks.push({ type: FB.FinallyEnd, block: null, exit: null });
    this.stmts(final, L.c!);
    this.u.fblocks.pop();
    this.addop(RERAISE, 0, NO_LOC);
    this.useLabel(cleanup);
    this.popExceptAndReraise();
    this.useLabel(exit);
  }

  popExceptAndReraise(): void {
    this.addop(COPY, 3, NO_LOC);
    this.addop(POP_EXCEPT, 0, NO_LOC);
    this.addop(RERAISE, 1, NO_LOC);
  }

  tryExcept(s: Extract<Stmt, { k: "try" }>, L: LStmt): void {
    const line = L.line;
    let except = this.newLabel();
    const end = this.newLabel(), cleanup = this.newLabel();
    this.jump(SETUP_FINALLY, except, line);
    this.u.fblocks.push({ type: FB.TryExcept, block: null, exit: null });
    this.stmts(s.body, L.a!);
    this.u.fblocks.pop();
    this.addop(POP_BLOCK, 0, NO_LOC);
    if (s.orelse && s.orelse.length) this.stmts(s.orelse, L.b!);
    this.jump(JUMP_NO_INTERRUPT, end, NO_LOC);
    this.useLabel(except);
    this.jump(SETUP_CLEANUP, cleanup, NO_LOC);
    this.addop(PUSH_EXC_INFO, 0, NO_LOC);
    this.u.fblocks.push({ type: FB.ExceptionHandler, block: null, exit: null });
    s.handlers.forEach((h, i) => {
      const H = L.h![i]!;
      const hl = H.line;
      except = this.newLabel();
      if (h.type !== undefined) {
        this.nameop(h.type, CTX_LOAD, hl);
        this.addop(CHECK_EXC_MATCH, 0, hl);
        this.jump(POP_JUMP_IF_FALSE, except, hl);
      }
      if (h.name !== undefined) {
        const cleanupEnd = this.newLabel();
        this.nameop(h.name, CTX_STORE, hl);
        this.jump(SETUP_CLEANUP, cleanupEnd, hl);
        this.u.fblocks.push({ type: FB.HandlerCleanup, block: null, exit: null, name: h.name });
        this.stmts(h.body, H.body);
        this.u.fblocks.pop();
        this.addop(POP_BLOCK, 0, NO_LOC);
        this.addop(POP_BLOCK, 0, NO_LOC);
        this.addop(POP_EXCEPT, 0, NO_LOC);
        this.loadConst(None, NO_LOC);
        this.nameop(h.name, CTX_STORE, NO_LOC);
        this.nameop(h.name, CTX_DEL, NO_LOC);
        this.jump(JUMP_NO_INTERRUPT, end, NO_LOC);
        this.useLabel(cleanupEnd);
        this.loadConst(None, NO_LOC);
        this.nameop(h.name, CTX_STORE, NO_LOC);
        this.nameop(h.name, CTX_DEL, NO_LOC);
        this.addop(RERAISE, 1, NO_LOC);
      } else {
        this.addop(POP_TOP, 0, hl);
        this.u.fblocks.push({ type: FB.HandlerCleanup, block: null, exit: null, name: null });
        this.stmts(h.body, H.body);
        this.u.fblocks.pop();
        this.addop(POP_BLOCK, 0, NO_LOC);
        this.addop(POP_EXCEPT, 0, NO_LOC);
        this.jump(JUMP_NO_INTERRUPT, end, NO_LOC);
      }
      this.useLabel(except);
    });
    this.u.fblocks.pop();
    this.addop(RERAISE, 0, NO_LOC);
    this.useLabel(cleanup);
    this.popExceptAndReraise();
    this.useLabel(end);
  }

  // ---- expressions -------------------------------------------------------------------------

  /** codegen_jump_if: jump to `next` when truth(e) == cond. */
  jumpIf(e: Expr, next: Label, cond: boolean, line: number): void {
    switch (e.k) {
      case "not":
        return this.jumpIf(e.e, next, !cond, line);
      case "boolop": {
        const values = flattenBoolop(e);
        const n = values.length - 1;
        const cond2 = e.op === "or";
        let next2 = next;
        if (cond2 !== cond) next2 = this.newLabel();
        for (let i = 0; i < n; i++) this.jumpIf(values[i]!, next2, cond2, line);
        this.jumpIf(values[n]!, next, cond, line);
        if (next2 !== next) this.useLabel(next2);
        return;
      }
      case "ifexp": {
        const end = this.newLabel(), next2 = this.newLabel();
        this.jumpIf(e.c, next2, false, line);
        this.jumpIf(e.a, next, cond, line);
        this.jump(JUMP_NO_INTERRUPT, end, NO_LOC);
        this.useLabel(next2);
        this.jumpIf(e.b, next, cond, line);
        this.useLabel(end);
        return;
      }
      default:
        this.expr(e, line);
        this.addop(TO_BOOL, 0, line);
        this.jump(cond ? POP_JUMP_IF_TRUE : POP_JUMP_IF_FALSE, next, line);
    }
  }

  expr(e: Expr, line: number): void {
    switch (e.k) {
      case "int": {
        const v = intValue(e.v);
        if (intIsNegative(e.v)) {
          this.loadConst(negate(v), line);
          this.addop(UNARY_NEGATIVE, 0, line);
        } else this.loadConst(v, line);
        return;
      }
      case "float": {
        const v = e.v;
        if (!Number.isFinite(v)) {
          // printed as float('inf') / float('-inf') / float('nan'): a call
          this.nameop("float", CTX_LOAD, line);
          this.addop(PUSH_NULL, 0, line);
          this.loadConst(v !== v ? "nan" : v > 0 ? "inf" : "-inf", line);
          this.addop(CALL, 1, line);
        } else if (v < 0 || Object.is(v, -0)) {
          this.loadConst(new PyFloat(-v), line);
          this.addop(UNARY_NEGATIVE, 0, line);
        } else this.loadConst(new PyFloat(v), line);
        return;
      }
      case "str":
        this.loadConst(e.v, line);
        return;
      case "bool":
        this.loadConst(e.v, line);
        return;
      case "none":
        this.loadConst(None, line);
        return;
      case "name":
        this.nameop(e.id, CTX_LOAD, line);
        return;
      case "bin":
        this.expr(e.l, line);
        this.expr(e.r, line);
        this.addop(BINARY_OP, NB[e.op], line);
        return;
      case "cmp":
        this.expr(e.l, line);
        this.expr(e.r, line);
        this.compareOp(e.op, line);
        return;
      case "boolop": {
        const values = flattenBoolop(e);
        const jumpi = e.op === "and" ? JUMP_IF_FALSE : JUMP_IF_TRUE;
        const end = this.newLabel();
        const n = values.length - 1;
        for (let i = 0; i < n; i++) {
          this.expr(values[i]!, line);
          this.jump(jumpi, end, line);
          this.addop(POP_TOP, 0, line);
        }
        this.expr(values[n]!, line);
        this.useLabel(end);
        return;
      }
      case "not":
        this.expr(e.e, line);
        this.addop(TO_BOOL, 0, line);
        this.addop(UNARY_NOT, 0, line);
        return;
      case "neg":
        this.expr(e.e, line);
        this.addop(UNARY_NEGATIVE, 0, line);
        return;
      case "invert":
        this.expr(e.e, line);
        this.addop(UNARY_INVERT, 0, line);
        return;
      case "call": return this.call(e, line);
      case "attr":
        this.expr(e.obj, line);
        this.addop(LOAD_ATTR, this.nameIdx(e.name) << 1, line);
        return;
      case "sub":
        this.expr(e.obj, line);
        this.expr(e.idx, line);
        this.addop(BINARY_OP, NB_SUBSCR, line);
        return;
      case "slice": {
        this.expr(e.obj, line);
        const constSlice = (!e.lo || isAstConstant(e.lo)) && (!e.hi || isAstConstant(e.hi));
        if (constSlice) {
          this.loadConst(new ConstSlice(e.lo ? astConstValue(e.lo) : None, e.hi ? astConstValue(e.hi) : None, None), line);
          this.addop(BINARY_OP, NB_SUBSCR, line);
        } else {
          if (e.lo) this.expr(e.lo, line);
          else this.loadConst(None, line);
          if (e.hi) this.expr(e.hi, line);
          else this.loadConst(None, line);
          this.addop(BINARY_SLICE, 0, line);
        }
        return;
      }
      case "list": {
        const n = e.items.length;
        if (n > STACK_USE_GUIDELINE) {
          this.addop(BUILD_LIST, 0, line);
          for (const x of e.items) {
            this.expr(x, line);
            this.addop(LIST_APPEND, 1, line);
          }
        } else {
          for (const x of e.items) this.expr(x, line);
          this.addop(BUILD_LIST, n, line);
        }
        return;
      }
      case "tuple":
        // (> 30 items: CPython builds a list and converts it with CALL_INTRINSIC_1, outside the subset;
        // BUILD_TUPLE n gives the same tuple, and the optimizer folds an all-constant one the same way)
        for (const x of e.items) this.expr(x, line);
        this.addop(BUILD_TUPLE, e.items.length, line);
        return;
      case "dict": return this.dict(e.items, line);
      case "ifexp": {
        const end = this.newLabel(), next = this.newLabel();
        this.jumpIf(e.c, next, false, line);
        this.expr(e.a, line);
        this.jump(JUMP_NO_INTERRUPT, end, NO_LOC);
        this.useLabel(next);
        this.expr(e.b, line);
        this.useLabel(end);
        return;
      }
      case "lambda": return this.lambda(e, line);
      case "fstr": return this.fstring(e.parts, line);
      case "listcomp": return this.listcomp(e, line);
    }
  }

  /**
   * An expression about to be iterated. A tuple display of more than 30 items is built as a list:
   * CPython builds it with BUILD_LIST + LIST_APPEND + CALL_INTRINSIC_1 (list to tuple) and its
   * optimizer drops the conversion before GET_ITER.
   */
  iterable(e: Expr, line: number): void {
    if (e.k === "tuple" && e.items.length > STACK_USE_GUIDELINE) this.expr({ k: "list", items: e.items }, line);
    else this.expr(e, line);
  }

  compareOp(o: CmpOp, line: number): void {
    switch (o) {
      case "is": this.addop(IS_OP, 0, line); return;
      case "is not": this.addop(IS_OP, 1, line); return;
      case "in": this.addop(CONTAINS_OP, 0, line); return;
      case "not in": this.addop(CONTAINS_OP, 1, line); return;
      default: this.addop(COMPARE_OP, CMP_ARG[o]!, line);
    }
  }

  call(e: Extract<Expr, { k: "call" }>, line: number): void {
    const nargs = e.args.length;
    const kw = e.kw ?? [];
    const nkw = kw.length;
    const f = e.f;
    if (f.k === "attr" && !this.importOriginated(f.obj) && nargs + nkw + (nkw !== 0 ? 1 : 0) < STACK_USE_GUIDELINE) {
      // maybe_optimize_method_call
      this.expr(f.obj, line);
      this.addop(LOAD_ATTR, (this.nameIdx(f.name) << 1) | 1, line);
      for (const a of e.args) this.expr(a, line);
      this.callTail(kw, nargs, line);
      return;
    }
    this.expr(f, line);
    this.addop(PUSH_NULL, 0, line);
    for (const a of e.args) this.expr(a, line);
    // (nargs + 2 * nkw > 30: CPython uses CALL_FUNCTION_EX, outside the subset; CALL is equivalent)
    this.callTail(kw, nargs, line);
  }

  callTail(kw: readonly (readonly [string, Expr])[], nargs: number, line: number): void {
    if (kw.length) {
      for (const [, v] of kw) this.expr(v, line);
      this.loadConst(new ConstTuple(kw.map(([k]) => k)), line);
      this.addop(CALL_KW, nargs + kw.length, line);
    } else this.addop(CALL, nargs, line);
  }

  importOriginated(e: Expr): boolean {
    return e.k === "name" && ((this.top.symbols.get(e.id)?.flags ?? 0) & DEF_IMPORT) !== 0;
  }

  dict(items: readonly (readonly [Expr, Expr])[], line: number): void {
    // codegen_dict / codegen_subdict; where CPython would merge chunks with DICT_UPDATE (outside the
    // subset), the later chunks are added to the first dict with MAP_ADD (same insertion order)
    const n = items.length;
    let haveDict = false;
    let elements = 0;
    const subdict = (begin: number, end: number): void => {
      const m = end - begin;
      const big = m * 2 > STACK_USE_GUIDELINE || haveDict;
      if (big && !haveDict) this.addop(BUILD_MAP, 0, line);
      for (let i = begin; i < end; i++) {
        this.expr(items[i]![0], line);
        this.expr(items[i]![1], line);
        if (big) this.addop(MAP_ADD, 1, line);
      }
      if (!big) this.addop(BUILD_MAP, m, line);
      haveDict = true;
    };
    for (let i = 0; i < n; i++) {
      if (elements * 2 > STACK_USE_GUIDELINE) {
        subdict(i - elements, i + 1);
        elements = 0;
      } else elements++;
    }
    if (elements) subdict(n - elements, n);
    if (!haveDict) this.addop(BUILD_MAP, 0, line);
  }

  fstring(parts: Extract<Expr, { k: "fstr" }>["parts"], line: number): void {
    // the parser merges adjacent literal parts and drops empty ones
    const values: (string | Exclude<(typeof parts)[number], string>)[] = [];
    for (const p of parts) {
      if (typeof p === "string") {
        if (p === "") continue;
        const last = values[values.length - 1];
        if (typeof last === "string") values[values.length - 1] = last + p;
        else values.push(p);
      } else values.push(p);
    }
    const n = values.length;
    const emit = (v: (typeof values)[number]): void => {
      if (typeof v === "string") {
        this.loadConst(v, line);
        return;
      }
      this.expr(v.e, line);
      if (v.conv) this.addop(CONVERT_VALUE, v.conv === "s" ? 1 : 2, line);
      if (v.spec !== undefined) {
        this.loadConst(v.spec, line);
        if (!fstringSpecInline(v.spec)) this.addop(FORMAT_SIMPLE, 0, line); // `{x:{'spec'}}`
        this.addop(FORMAT_WITH_SPEC, 0, line);
      } else this.addop(FORMAT_SIMPLE, 0, line);
    };
    if (n > STACK_USE_GUIDELINE) {
      this.loadConst("", line);
      this.addop(LOAD_ATTR, (dictAdd(this.u.names, "join") << 1) | 1, line);
      this.addop(BUILD_LIST, 0, line);
      for (const v of values) {
        emit(v);
        this.addop(LIST_APPEND, 1, line);
      }
      this.addop(CALL, 1, line);
      return;
    }
    for (const v of values) emit(v);
    if (n > 1) this.addop(BUILD_STRING, n, line);
    else if (n === 0) this.loadConst("", line);
  }

  lambda(e: Extract<Expr, { k: "lambda" }>, line: number): void {
    const ste = this.childScope(e);
    this.enterScope(ste, ST.Lambda, "<lambda>", this.u.priv, line, e.params.length);
    this.expr(e.body, line);
    this.addop(RETURN_VALUE, 0, line);
    const c = this.assemble(true);
    this.exitScope();
    this.makeClosure(c, 0, line);
  }

  /** An inlined list comprehension (PEP 709; codegen_comprehension with is_inlined). */
  listcomp(e: Extract<Expr, { k: "listcomp" }>, line: number): void {
    const u = this.u;
    const comp = this.childScope(e);
    this.iterable(e.iter, line);
    this.addop(GET_ITER, 0, line);
    // push_inlined_comprehension_state: _PyCompile_TweakInlinedComprehensionScopes
    const inClassBlock = u.scopeType === ST.Class && !u.inInlinedComp;
    u.inInlinedComp++;
    const saved: [string, Sym | undefined][] = [];
    const hidden: string[] = [];
    const outer = u.ste;
    for (const [k, sym] of comp.symbols) {
      if (sym.flags & DEF_PARAM) continue;
      const scope = sym.scope;
      const outSym = outer.symbols.get(k);
      const outsc = outSym?.scope ?? 0;
      if ((scope !== outsc && scope !== SC_FREE && !(scope === SC_CELL && outsc === SC_FREE)) || inClassBlock) {
        saved.push([k, outSym]);
        outer.symbols.set(k, sym);
      }
      if ((sym.flags & DEF_LOCAL) && !(sym.flags & DEF_NONLOCAL) && !outer.functionLike) {
        if (u.fasthidden.get(k) !== true) {
          u.fasthidden.set(k, true);
          hidden.push(k);
        }
      }
    }
    // codegen_push_inlined_comprehension_locals
    const pushed: string[] = [];
    for (const [k, sym] of comp.symbols) {
      if (!(sym.flags & DEF_LOCAL) || (sym.flags & DEF_NONLOCAL)) continue;
      this.addop(LOAD_FAST_AND_CLEAR, dictAdd(u.varnames, k), line);
      if (sym.scope === SC_CELL) {
        const outsc = outer.scopeOf(k);
        this.addop(MAKE_CELL, outsc === SC_FREE ? dictAdd(u.freevars, k) : dictAdd(u.cellvars, k), line);
      }
      pushed.push(k);
    }
    let cleanup: Label | null = null;
    if (pushed.length) {
      this.addop(SWAP, pushed.length + 1, line);
      cleanup = this.newLabel();
      this.jump(SETUP_FINALLY, cleanup, line);
    }
    u.lookup.push(comp);
    this.addop(BUILD_LIST, 0, line);
    this.addop(SWAP, 2, line);
    // codegen_sync_comprehension_generator (iterator on the stack)
    const start = this.newLabel(), ifCleanup = this.newLabel(), anchor = this.newLabel();
    this.useLabel(start);
    this.jump(FOR_ITER, anchor, line);
    this.nameop(e.v, CTX_STORE, line);
    if (e.cond) this.jumpIf(e.cond, ifCleanup, false, line);
    this.expr(e.elt, line);
    this.addop(LIST_APPEND, 2, line);
    this.useLabel(ifCleanup);
    this.jump(JUMP, start, line);
    this.useLabel(anchor);
    this.addop(END_FOR, 0, NO_LOC);
    this.addop(POP_ITER, 0, NO_LOC);
    u.lookup.pop();
    // pop_inlined_comprehension_state
    if (pushed.length) {
      const restore = (): void => {
        this.addop(SWAP, pushed.length + 1, line);
        for (let i = pushed.length - 1; i >= 0; i--) this.addop(STORE_FAST_MAYBE_NULL, dictAdd(u.varnames, pushed[i]!), line);
      };
      this.addop(POP_BLOCK, 0, NO_LOC);
      const end = this.newLabel();
      this.jump(JUMP_NO_INTERRUPT, end, NO_LOC);
      this.useLabel(cleanup!);
      this.addop(SWAP, 2, NO_LOC);
      this.addop(POP_TOP, 0, NO_LOC);
      restore();
      this.addop(RERAISE, 0, NO_LOC);
      this.useLabel(end);
      restore();
    }
    u.inInlinedComp--;
    for (let i = saved.length - 1; i >= 0; i--) {
      const [k, s] = saved[i]!;
      if (s === undefined) outer.symbols.delete(k);
      else outer.symbols.set(k, s);
    }
    for (const k of hidden) u.fasthidden.set(k, false);
  }

  // ---- assembly of the current unit ----------------------------------------------------------

  assemble(addNone: boolean): Compiled {
    if (addNone) this.loadConst(None, NO_LOC);
    this.addop(RETURN_VALUE, 0, NO_LOC);
    return assembleUnit(this.u, this.filename);
  }
}

const STACK_USE_GUIDELINE = 30;

function flattenBoolop(e: Extract<Expr, { k: "boolop" }>): Expr[] {
  const out: Expr[] = [];
  let cur: Expr = e;
  const rights: Expr[] = [];
  while (cur.k === "boolop" && cur.op === e.op) {
    rights.push(cur.r);
    cur = cur.l;
  }
  out.push(cur);
  for (let i = rights.length - 1; i >= 0; i--) out.push(rights[i]!);
  return out;
}

// =============================================================================================
// Control flow graph and its optimizer (Python/flowgraph.c)

const INT_MIN = -0x80000000;
const MAX_COPY_SIZE = 4;

class Block {
  instrs: Ins[] = [];
  next: Block | null = null;
  /** jump target label (-1: none) */
  label = -1;
  visited = false;
  predecessors = 0;
  startdepth = INT_MIN;
  preserveLasti = false;
  exceptHandler = false;
  cold = false;
  warm = false;
  unsafeLo = 0;
  unsafeHi = 0;
  exceptStack: (Block | null)[] | null = null;
  /**
   * i_except left in the C array's slots past the end by earlier removals: an instruction the
   * optimizer later appends (basicblock_addop does not set i_except) inherits it. Only NOT_TAKEN
   * is appended into a used slot, so this only decides whether a NOT_TAKEN is covered by the
   * exception table, exactly as in CPython.
   */
  stale: (Block | null)[] = [];
  /** index of the block's first instruction in the final sequence */
  index = 0;
}

/** Shrink a block's instruction list, remembering the handlers left in the C array's slots. */
function truncate(b: Block, n: number): void {
  const ins = b.instrs;
  if (n === ins.length) return;
  for (let k = n; k < ins.length; k++) b.stale[k] = ins[k]!.except;
  ins.length = n;
}

/** basicblock_addop: append a new instruction; its i_except is whatever the slot held. */
function appendNew(b: Block, i: Ins): void {
  i.except = b.stale[b.instrs.length] ?? null;
  b.instrs.push(i);
}

class Graph {
  readonly entry = new Block();
  nextLabel = 0;
  newBlock(): Block {
    return new Block();
  }
}

const lastInstr = (b: Block): Ins | undefined => b.instrs[b.instrs.length - 1];
function hasFallthrough(b: Block): boolean {
  const last = lastInstr(b);
  return !(last && (isScopeExit(last.op) || isUncondJump(last.op)));
}
function exitsScope(b: Block): boolean {
  const last = lastInstr(b);
  return last !== undefined && isScopeExit(last.op);
}
function hasNoLineno(b: Block): boolean {
  for (const i of b.instrs) if (i.line >= 0) return false;
  return true;
}
function hasEvalBreak(b: Block): boolean {
  for (const i of b.instrs) if (FACTS[i.op]! & F_EVAL_BREAK) return true;
  return false;
}
function nextNonempty(b: Block | null): Block | null {
  while (b && b.instrs.length === 0) b = b.next;
  return b;
}
const copyIns = (i: Ins): Ins => ({ op: i.op, arg: i.arg, line: i.line, label: null, target: i.target, except: i.except });
const newIns = (o: number, arg: number, line: number, target: Block | null = null): Ins => ({ op: o, arg, line, label: null, target, except: null });
function setOp0(i: Ins, o: number): void {
  i.op = o;
  i.arg = 0;
}
function resetVisited(g: Graph): void {
  for (let b: Block | null = g.entry; b; b = b.next) b.visited = false;
}

/** _PyCfg_FromInstructionSequence: blocks start at jump targets and after terminators. */
function buildCfg(seq: readonly Ins[]): Graph {
  const n = seq.length;
  const isTarget = new Uint8Array(n + 1);
  for (const ins of seq) if (ins.label !== null && hasTarget(ins.op)) isTarget[ins.label.pos] = 1;
  const g = new Graph();
  g.nextLabel = n + 1;
  const blockAt = new Array<Block | undefined>(n + 1);
  let cur = g.entry;
  for (let i = 0; i < n; i++) {
    const last = lastInstr(cur);
    if (isTarget[i]) {
      if ((last && isTerminator(last.op)) || last || cur.label >= 0) {
        const b = g.newBlock();
        cur.next = b;
        cur = b;
      }
      cur.label = i;
      blockAt[i] = cur;
    } else if (last && isTerminator(last.op)) {
      const b = g.newBlock();
      cur.next = b;
      cur = b;
    }
    cur.instrs.push(seq[i]!);
  }
  for (const ins of seq) {
    if (ins.label !== null) {
      const t = blockAt[ins.label.pos];
      if (t === undefined) throw new Error("codegen: jump to a label with no instruction");
      ins.target = t;
      ins.label = null;
    }
  }
  return g;
}

function markExceptHandlers(g: Graph): void {
  for (let b: Block | null = g.entry; b; b = b.next) for (const i of b.instrs) if (isBlockPush(i.op)) i.target!.exceptHandler = true;
}

function labelExceptionTargets(g: Graph): void {
  resetVisited(g);
  const todo: Block[] = [g.entry];
  g.entry.visited = true;
  g.entry.exceptStack = [null];
  while (todo.length) {
    const b = todo.pop()!;
    const stack = b.exceptStack!;
    b.exceptStack = null;
    let handler = stack[stack.length - 1]!;
    for (const ins of b.instrs) {
      if (isBlockPush(ins.op)) {
        const t = ins.target!;
        if (!t.visited) {
          t.exceptStack = stack.slice();
          todo.push(t);
          t.visited = true;
        }
        if (ins.op === SETUP_WITH || ins.op === SETUP_CLEANUP) t.preserveLasti = true;
        stack.push(t);
        handler = t;
      } else if (ins.op === POP_BLOCK) {
        stack.pop();
        handler = stack[stack.length - 1]!;
        setOp0(ins, NOP);
      } else if (isJump(ins.op)) {
        ins.except = handler;
        const t = ins.target!;
        if (!t.visited) {
          // (a jump is the block's last instruction: without fall-through the stack can be handed over)
          t.exceptStack = hasFallthrough(b) ? stack.slice() : stack;
          todo.push(t);
          t.visited = true;
        }
      } else ins.except = handler;
    }
    if (hasFallthrough(b) && b.next && !b.next.visited) {
      b.next.exceptStack = stack;
      todo.push(b.next);
      b.next.visited = true;
    }
  }
}

function removeUnreachable(g: Graph): void {
  for (let b: Block | null = g.entry; b; b = b.next) {
    b.predecessors = 0;
    b.visited = false;
  }
  const stack: Block[] = [g.entry];
  g.entry.predecessors = 1;
  g.entry.visited = true;
  while (stack.length) {
    const b = stack.pop()!;
    if (b.next && hasFallthrough(b)) {
      if (!b.next.visited) {
        stack.push(b.next);
        b.next.visited = true;
      }
      b.next.predecessors++;
    }
    for (const ins of b.instrs) {
      if (isJump(ins.op) || isBlockPush(ins.op)) {
        const t = ins.target!;
        if (!t.visited) {
          stack.push(t);
          t.visited = true;
        }
        t.predecessors++;
      }
    }
  }
  for (let b: Block | null = g.entry; b; b = b.next) {
    if (b.predecessors === 0) {
      truncate(b, 0);
      b.exceptHandler = false;
    }
  }
}

function inlineSmallOrNoLinenoBlocks(g: Graph): void {
  let changes: boolean;
  do {
    changes = false;
    for (let b: Block | null = g.entry; b; b = b.next) {
      const last = lastInstr(b);
      if (!last || !isUncondJump(last.op)) continue;
      const target = last.target!;
      const smallExit = exitsScope(target) && target.instrs.length <= MAX_COPY_SIZE;
      const noLineno = hasNoLineno(target) && !hasFallthrough(target);
      if (smallExit || noLineno) {
        const removed = last.op;
        setOp0(last, NOP);
        for (const i of target.instrs) b.instrs.push(copyIns(i));
        if (noLineno) {
          const l2 = lastInstr(b)!;
          if (isUncondJump(l2.op) && removed === JUMP) l2.op = JUMP;
        }
        target.predecessors--;
        changes = true;
      }
    }
  } while (changes);
}

function isExitOrEvalCheckWithoutLineno(b: Block): boolean {
  return exitsScope(b) || hasEvalBreak(b) ? hasNoLineno(b) : false;
}

function duplicateExitsWithoutLineno(g: Graph): void {
  for (let b: Block | null = g.entry; b; b = b.next) {
    const last = lastInstr(b);
    if (!last || !isJump(last.op)) continue;
    const target = nextNonempty(last.target);
    if (target && isExitOrEvalCheckWithoutLineno(target) && target.predecessors > 1) {
      const nt = g.newBlock();
      for (const i of target.instrs) nt.instrs.push(copyIns(i));
      nt.instrs[0]!.line = last.line;
      last.target = nt;
      target.predecessors--;
      nt.predecessors = 1;
      nt.next = target.next;
      nt.label = g.nextLabel++;
      target.next = nt;
    }
  }
  for (let b: Block | null = g.entry; b; b = b.next) {
    if (hasFallthrough(b) && b.next && b.instrs.length > 0 && isExitOrEvalCheckWithoutLineno(b.next)) {
      b.next.instrs[0]!.line = lastInstr(b)!.line;
    }
  }
}

function propagateLineNumbers(g: Graph): void {
  for (let b: Block | null = g.entry; b; b = b.next) {
    const last = lastInstr(b);
    if (!last) continue;
    let prev = NO_LOC;
    for (const i of b.instrs) {
      if (i.line === NO_LOC) i.line = prev;
      else prev = i.line;
    }
    if (hasFallthrough(b) && b.next && b.next.predecessors === 1) {
      const f = b.next.instrs[0];
      if (f && f.line === NO_LOC) f.line = prev;
    }
    if (isJump(last.op)) {
      const t = last.target!;
      if (t.predecessors === 1) {
        const f = t.instrs[0];
        if (f && f.line === NO_LOC) f.line = prev;
      }
    }
  }
}

function resolveLineNumbers(g: Graph): void {
  duplicateExitsWithoutLineno(g);
  propagateLineNumbers(g);
}

/** The optimizer's view of one code unit's constants (the list add_const appends to). */
interface ConstPool {
  consts: Const[];
  constIdx: Map<string, number>;
}

function addConst(p: ConstPool, c: Const): number {
  const k = constKey(c);
  const i = p.constIdx.get(k);
  if (i !== undefined) return i;
  p.constIdx.set(k, p.consts.length);
  p.consts.push(c);
  return p.consts.length - 1;
}

function constValue(p: ConstPool, i: Ins): Const {
  return i.op === LOAD_SMALL_INT ? i.arg : p.consts[i.arg]!;
}

function makeLoadConst(p: ConstPool, i: Ins, c: Const): void {
  const s = smallInt(c);
  if (s !== undefined) {
    i.op = LOAD_SMALL_INT;
    i.arg = s;
  } else {
    i.op = LOAD_CONST;
    i.arg = addConst(p, c);
  }
}

function optimizeLoadConst(g: Graph, p: ConstPool): void {
  for (let bb: Block | null = g.entry; bb; bb = bb.next) {
    const ins = bb.instrs;
    let o = 0;
    let arg = 0;
    for (let i = 0; i < ins.length; i++) {
      const inst = ins[i]!;
      if (inst.op === LOAD_CONST) {
        const s = smallInt(p.consts[inst.arg]!);
        if (s !== undefined) {
          inst.op = LOAD_SMALL_INT;
          inst.arg = s;
        }
      }
      const isCopyOfLoadConst = o === LOAD_CONST && inst.op === COPY && inst.arg === 1;
      if (!isCopyOfLoadConst) {
        o = inst.op;
        arg = inst.arg;
      }
      if (o !== LOAD_CONST && o !== LOAD_SMALL_INT) continue;
      const next = ins[i + 1];
      const nextop = next ? next.op : 0;
      if (nextop !== POP_JUMP_IF_FALSE && nextop !== POP_JUMP_IF_TRUE && nextop !== JUMP_IF_FALSE && nextop !== JUMP_IF_TRUE &&
          nextop !== IS_OP && nextop !== TO_BOOL) continue;
      const cnt: Const = o === LOAD_SMALL_INT ? arg : p.consts[arg]!;
      switch (nextop) {
        case POP_JUMP_IF_FALSE: case POP_JUMP_IF_TRUE: case JUMP_IF_FALSE: case JUMP_IF_TRUE: {
          const isTrue = truthy(cnt);
          if (nextop === POP_JUMP_IF_FALSE || nextop === POP_JUMP_IF_TRUE) setOp0(inst, NOP);
          const jumpIfTrue = nextop === POP_JUMP_IF_TRUE || nextop === JUMP_IF_TRUE;
          if (isTrue === jumpIfTrue) next!.op = JUMP;
          else setOp0(next!, NOP);
          break;
        }
        case IS_OP: {
          if (!(cnt instanceof PyNoneType)) break;
          if (ins.length <= i + 2) break;
          const isInstr = ins[i + 1]!;
          let jumpInstr = ins[i + 2]!;
          if (jumpInstr.op === TO_BOOL) {
            setOp0(jumpInstr, NOP);
            if (ins.length <= i + 3) break;
            jumpInstr = ins[i + 3]!;
          }
          let invert = isInstr.arg !== 0;
          if (jumpInstr.op === POP_JUMP_IF_FALSE) invert = !invert;
          else if (jumpInstr.op !== POP_JUMP_IF_TRUE) break;
          setOp0(inst, NOP);
          setOp0(isInstr, NOP);
          jumpInstr.op = invert ? POP_JUMP_IF_NOT_NONE : POP_JUMP_IF_NONE;
          break;
        }
        case TO_BOOL: {
          const index = addConst(p, truthy(cnt));
          setOp0(inst, NOP);
          next!.op = LOAD_CONST;
          next!.arg = index;
          break;
        }
      }
    }
  }
}

/** get_const_loading_instrs: the `size` constant loads just before `start` (NOPs skipped). */
function constLoads(bb: Block, start: number, size: number): Ins[] | null {
  const out = new Array<Ins>(size);
  for (; start >= 0 && size > 0; start--) {
    const i = bb.instrs[start]!;
    if (i.op === NOP) continue;
    if (!loadsConst(i.op)) return null;
    out[--size] = i;
  }
  return size === 0 ? out : null;
}

function nopOut(list: readonly Ins[]): void {
  for (const i of list) {
    setOp0(i, NOP);
    i.line = NO_LOC;
  }
}

function foldTupleOfConstants(bb: Block, i: number, p: ConstPool): void {
  const inst = bb.instrs[i]!;
  const n = inst.arg;
  const loads = constLoads(bb, i - 1, n);
  if (!loads) return;
  const t = new ConstTuple(loads.map((l) => constValue(p, l)));
  nopOut(loads);
  makeLoadConst(p, inst, t);
}

function optimizeLists(bb: Block, i: number, nextop: number, p: ConstPool): void {
  const inst = bb.instrs[i]!;
  const containsOrIter = nextop === GET_ITER || nextop === CONTAINS_OP;
  const n = inst.arg;
  if (n > STACK_USE_GUIDELINE || (n < 3 && !containsOrIter)) return;
  const loads = constLoads(bb, i - 1, n);
  if (!loads) {
    if (containsOrIter) inst.op = BUILD_TUPLE;
    return;
  }
  const t = new ConstTuple(loads.map((l) => constValue(p, l)));
  const index = addConst(p, t);
  nopOut(loads);
  if (containsOrIter) {
    inst.op = LOAD_CONST;
    inst.arg = index;
  } else {
    const a = bb.instrs[i - 2]!, b = bb.instrs[i - 1]!;
    a.line = inst.line;
    a.op = BUILD_LIST;
    a.arg = 0;
    b.op = LOAD_CONST;
    b.arg = index;
    inst.op = LIST_EXTEND;
    inst.arg = 1;
  }
}

function foldBinop(bb: Block, i: number, p: ConstPool): void {
  const inst = bb.instrs[i]!;
  const loads = constLoads(bb, i - 1, 2);
  if (!loads) return;
  const r = evalBinop(constValue(p, loads[0]!), inst.arg, constValue(p, loads[1]!));
  if (r === undefined) return;
  nopOut(loads);
  makeLoadConst(p, inst, r);
}

function foldUnaryop(bb: Block, i: number, p: ConstPool): void {
  const inst = bb.instrs[i]!;
  const loads = constLoads(bb, i - 1, 1);
  if (!loads) return;
  const r = evalUnaryop(constValue(p, loads[0]!), inst.op);
  if (r === undefined) return;
  nopOut(loads);
  makeLoadConst(p, inst, r);
}

function jumpThread(bb: Block, inst: Ins, target: Ins, o: number): boolean {
  if (inst.target !== target.target) {
    setOp0(inst, NOP);
    appendNew(bb, newIns(o, 0, target.line, target.target));
    return true;
  }
  return false;
}

const SWAPPABLE = (o: number): boolean => o === STORE_FAST || o === STORE_FAST_MAYBE_NULL || o === POP_TOP;
const storesTo = (i: Ins): number => (i.op === STORE_FAST || i.op === STORE_FAST_MAYBE_NULL ? i.arg : -1);

/** swaptimize: replace a run of SWAPs and NOPs with an optimal one; returns the new index. */
function swaptimize(bb: Block, ix: number): number {
  const ins = bb.instrs;
  let depth = ins[ix]!.arg;
  let len = 0;
  let more = false;
  const limit = ins.length - ix;
  while (++len < limit) {
    const o = ins[ix + len]!.op;
    if (o === SWAP) {
      depth = Math.max(depth, ins[ix + len]!.arg);
      more = true;
    } else if (o !== NOP) break;
  }
  if (!more) return ix;
  const stack = new Array<number>(depth);
  for (let i = 0; i < depth; i++) stack[i] = i;
  for (let i = 0; i < len; i++) {
    const x = ins[ix + i]!;
    if (x.op === SWAP) {
      const top = stack[0]!;
      stack[0] = stack[x.arg - 1]!;
      stack[x.arg - 1] = top;
    }
  }
  const VISITED = -1;
  let current = len - 1;
  for (let i = 0; i < depth; i++) {
    if (stack[i] === VISITED || stack[i] === i) continue;
    let j = i;
    for (;;) {
      if (j) {
        const x = ins[ix + current--]!;
        x.op = SWAP;
        x.arg = j + 1;
      }
      if (stack[j] === VISITED) break;
      const nj = stack[j]!;
      stack[j] = VISITED;
      j = nj;
    }
  }
  while (0 <= current) setOp0(ins[ix + current--]!, NOP);
  return ix + len - 1;
}

function nextSwappable(bb: Block, i: number, lineno: number): number {
  while (++i < bb.instrs.length) {
    const x = bb.instrs[i]!;
    if (0 <= lineno && x.line !== lineno) return -1;
    if (x.op === NOP) continue;
    if (SWAPPABLE(x.op)) return i;
    return -1;
  }
  return -1;
}

function applyStaticSwaps(bb: Block, i: number): void {
  const ins = bb.instrs;
  for (; 0 <= i; i--) {
    const swap = ins[i]!;
    if (swap.op !== SWAP) {
      if (swap.op === NOP || SWAPPABLE(swap.op)) continue;
      return;
    }
    const j = nextSwappable(bb, i, -1);
    if (j < 0) return;
    let k = j;
    const lineno = ins[j]!.line;
    for (let count = swap.arg - 1; 0 < count; count--) {
      k = nextSwappable(bb, k, lineno);
      if (k < 0) return;
    }
    const sj = storesTo(ins[j]!), sk = storesTo(ins[k]!);
    if (sj >= 0 || sk >= 0) {
      if (sj === sk) return;
      for (let idx = j + 1; idx < k; idx++) {
        const s = storesTo(ins[idx]!);
        if (s >= 0 && (s === sj || s === sk)) return;
      }
    }
    setOp0(swap, NOP);
    const tmp = ins[j]!;
    ins[j] = ins[k]!;
    ins[k] = tmp;
  }
}

function optimizeBasicBlock(bb: Block, p: ConstPool): void {
  const ins = bb.instrs;
  for (let i = 0; i < ins.length; i++) {
    const inst = ins[i]!;
    const o = inst.op;
    const oparg = inst.arg;
    const target: Ins | undefined = hasTarget(o) ? inst.target!.instrs[0] : undefined;
    const tgtop = target ? target.op : NOP;
    const nextop = i + 1 < ins.length ? ins[i + 1]!.op : 0;
    switch (o) {
      case BUILD_TUPLE:
        if (nextop === UNPACK_SEQUENCE && oparg === ins[i + 1]!.arg) {
          if (oparg === 1) {
            setOp0(inst, NOP);
            setOp0(ins[i + 1]!, NOP);
            continue;
          }
          if (oparg === 2 || oparg === 3) {
            setOp0(inst, NOP);
            ins[i + 1]!.op = SWAP;
            continue;
          }
        }
        foldTupleOfConstants(bb, i, p);
        break;
      case BUILD_LIST:
        optimizeLists(bb, i, nextop, p);
        break;
      case POP_JUMP_IF_NOT_NONE: case POP_JUMP_IF_NONE: case POP_JUMP_IF_FALSE: case POP_JUMP_IF_TRUE:
        if (tgtop === JUMP && jumpThread(bb, inst, target!, o)) i--;
        break;
      case JUMP_IF_FALSE:
        if (tgtop === JUMP || tgtop === JUMP_IF_FALSE) {
          if (jumpThread(bb, inst, target!, JUMP_IF_FALSE)) i--;
          continue;
        }
        if (tgtop === JUMP_IF_TRUE) {
          inst.target = inst.target!.next;
          i--;
          continue;
        }
        break;
      case JUMP_IF_TRUE:
        if (tgtop === JUMP || tgtop === JUMP_IF_TRUE) {
          if (jumpThread(bb, inst, target!, JUMP_IF_TRUE)) i--;
          continue;
        }
        if (tgtop === JUMP_IF_FALSE) {
          inst.target = inst.target!.next;
          i--;
          continue;
        }
        break;
      case JUMP: case JUMP_NO_INTERRUPT:
        if (tgtop === JUMP) {
          if (jumpThread(bb, inst, target!, JUMP)) i--;
          continue;
        }
        if (tgtop === JUMP_NO_INTERRUPT) {
          if (jumpThread(bb, inst, target!, o)) i--;
          continue;
        }
        break;
      case STORE_FAST:
        if (o === nextop && oparg === ins[i + 1]!.arg && inst.line === ins[i + 1]!.line) setOp0(inst, POP_TOP);
        break;
      case SWAP:
        if (oparg === 1) setOp0(inst, NOP);
        break;
      case LOAD_GLOBAL:
        if (nextop === PUSH_NULL && (oparg & 1) === 0) {
          inst.arg = oparg | 1;
          setOp0(ins[i + 1]!, NOP);
        }
        break;
      case COMPARE_OP:
        if (nextop === TO_BOOL) {
          setOp0(inst, NOP);
          ins[i + 1]!.op = COMPARE_OP;
          ins[i + 1]!.arg = oparg | 16;
          continue;
        }
        break;
      case CONTAINS_OP: case IS_OP:
        if (nextop === TO_BOOL) {
          setOp0(inst, NOP);
          ins[i + 1]!.op = o;
          ins[i + 1]!.arg = oparg;
          continue;
        }
        if (nextop === UNARY_NOT) {
          setOp0(inst, NOP);
          ins[i + 1]!.op = o;
          ins[i + 1]!.arg = oparg ^ 1;
          continue;
        }
        break;
      case TO_BOOL:
        if (nextop === TO_BOOL) {
          setOp0(inst, NOP);
          continue;
        }
        break;
      case UNARY_NOT:
        if (nextop === TO_BOOL) {
          setOp0(inst, NOP);
          setOp0(ins[i + 1]!, UNARY_NOT);
          continue;
        }
        if (nextop === UNARY_NOT) {
          setOp0(inst, NOP);
          setOp0(ins[i + 1]!, NOP);
          continue;
        }
        foldUnaryop(bb, i, p);
        break;
      case UNARY_INVERT: case UNARY_NEGATIVE:
        foldUnaryop(bb, i, p);
        break;
      case BINARY_OP:
        foldBinop(bb, i, p);
        break;
    }
  }
  for (let i = 0; i < ins.length; i++) {
    if (ins[i]!.op === SWAP) {
      i = swaptimize(bb, i);
      applyStaticSwaps(bb, i);
    }
  }
}

function removeRedundantNopsIn(bb: Block): number {
  const ins = bb.instrs;
  let dest = 0;
  let prevLineno = -1;
  for (let src = 0; src < ins.length; src++) {
    const cur = ins[src]!;
    const lineno = cur.line;
    if (cur.op === NOP) {
      if (lineno < 0) continue;
      if (prevLineno === lineno) continue;
      if (src < ins.length - 1) {
        const nextLineno = ins[src + 1]!.line;
        if (nextLineno === lineno) continue;
        if (nextLineno < 0) {
          ins[src + 1]!.line = lineno;
          continue;
        }
      } else {
        const next = nextNonempty(bb.next);
        if (next) {
          let nextLoc = NO_LOC;
          for (const x of next.instrs) {
            if (x.op === NOP && x.line < 0) continue;
            nextLoc = x.line;
            break;
          }
          if (lineno === nextLoc) continue;
        }
      }
    }
    ins[dest++] = cur;
    prevLineno = lineno;
  }
  const removed = ins.length - dest;
  truncate(bb, dest);
  return removed;
}

function removeRedundantNops(g: Graph): number {
  let changes = 0;
  for (let b: Block | null = g.entry; b; b = b.next) changes += removeRedundantNopsIn(b);
  return changes;
}

function removeRedundantNopsAndPairs(g: Graph): void {
  let done = false;
  while (!done) {
    done = true;
    let prev: Ins | null = null;
    let instr: Ins | null = null;
    for (let b: Block | null = g.entry; b; b = b.next) {
      removeRedundantNopsIn(b);
      if (b.label >= 0) instr = null;
      for (const x of b.instrs) {
        prev = instr;
        instr = x;
        const po = prev ? prev.op : 0;
        const pa = prev ? prev.arg : 0;
        if (x.op === POP_TOP && prev && (po === LOAD_CONST || po === LOAD_SMALL_INT || (po === COPY && pa === 1))) {
          setOp0(prev, NOP);
          setOp0(x, NOP);
          done = false;
        }
      }
      if ((instr && isJump(instr.op)) || !hasFallthrough(b)) instr = null;
    }
  }
}

function removeRedundantJumps(g: Graph): number {
  let changes = 0;
  for (let b: Block | null = g.entry; b; b = b.next) {
    const last = lastInstr(b);
    if (!last || !isUncondJump(last.op)) continue;
    const jt = nextNonempty(last.target);
    if (jt === null) throw new Error("codegen: jump with no target");
    if (jt === nextNonempty(b.next)) {
      changes++;
      setOp0(last, NOP);
    }
  }
  return changes;
}

function removeRedundantNopsAndJumps(g: Graph): void {
  let n: number;
  do {
    n = removeRedundantNops(g);
    n += removeRedundantJumps(g);
  } while (n > 0);
}

function optimizeCfg(g: Graph, p: ConstPool): void {
  inlineSmallOrNoLinenoBlocks(g);
  removeUnreachable(g);
  resolveLineNumbers(g);
  optimizeLoadConst(g, p);
  for (let b: Block | null = g.entry; b; b = b.next) optimizeBasicBlock(b, p);
  removeRedundantNopsAndPairs(g);
  removeUnreachable(g);
  removeRedundantNopsAndJumps(g);
}

function removeUnusedConsts(g: Graph, p: ConstPool): void {
  const n = p.consts.length;
  if (n === 0) return;
  const used = new Uint8Array(n);
  used[0] = 1; // may be the docstring
  for (let b: Block | null = g.entry; b; b = b.next) for (const i of b.instrs) if (i.op === LOAD_CONST) used[i.arg] = 1;
  const map = new Int32Array(n).fill(-1);
  const out: Const[] = [];
  for (let i = 0; i < n; i++) {
    if (used[i]) {
      map[i] = out.length;
      out.push(p.consts[i]!);
    }
  }
  if (out.length === n) return;
  for (let b: Block | null = g.entry; b; b = b.next) for (const i of b.instrs) if (i.op === LOAD_CONST) i.arg = map[i.arg]!;
  p.consts = out;
}

// --- add_checks_for_loads_of_uninitialized_variables (64-bit masks as two 32-bit halves) ---

function maybePush(b: Block, lo: number, hi: number, sp: Block[]): void {
  const nlo = (b.unsafeLo | lo) >>> 0, nhi = (b.unsafeHi | hi) >>> 0;
  if (b.unsafeLo >>> 0 !== nlo || b.unsafeHi >>> 0 !== nhi) {
    b.unsafeLo = nlo;
    b.unsafeHi = nhi;
    if (!b.visited) {
      sp.push(b);
      b.visited = true;
    }
  }
}

function scanBlockForLocals(b: Block, sp: Block[]): void {
  let lo = b.unsafeLo >>> 0, hi = b.unsafeHi >>> 0;
  for (const i of b.instrs) {
    if (i.except !== null) maybePush(i.except, lo, hi, sp);
    const a = i.arg;
    if (a >= 64) continue;
    const blo = a < 32 ? (1 << a) >>> 0 : 0, bhi = a >= 32 ? (1 << (a - 32)) >>> 0 : 0;
    switch (i.op) {
      case DELETE_FAST: case LOAD_FAST_AND_CLEAR: case STORE_FAST_MAYBE_NULL:
        lo = (lo | blo) >>> 0;
        hi = (hi | bhi) >>> 0;
        break;
      case STORE_FAST: case LOAD_FAST_CHECK:
        lo = (lo & ~blo) >>> 0;
        hi = (hi & ~bhi) >>> 0;
        break;
      case LOAD_FAST:
        if ((lo & blo) || (hi & bhi)) i.op = LOAD_FAST_CHECK;
        lo = (lo & ~blo) >>> 0;
        hi = (hi & ~bhi) >>> 0;
        break;
    }
  }
  if (b.next && hasFallthrough(b)) maybePush(b.next, lo, hi, sp);
  const last = lastInstr(b);
  if (last && isJump(last.op)) maybePush(last.target!, lo, hi, sp);
}

function fastScanManyLocals(g: Graph, nlocals: number): void {
  const states = new Int32Array(nlocals - 64);
  let blocknum = 0;
  for (let b: Block | null = g.entry; b; b = b.next) {
    blocknum++;
    for (const i of b.instrs) {
      const a = i.arg;
      if (a < 64) continue;
      switch (i.op) {
        case DELETE_FAST: case LOAD_FAST_AND_CLEAR: case STORE_FAST_MAYBE_NULL:
          states[a - 64] = blocknum - 1;
          break;
        case STORE_FAST:
          states[a - 64] = blocknum;
          break;
        case LOAD_FAST:
          if (states[a - 64] !== blocknum) i.op = LOAD_FAST_CHECK;
          states[a - 64] = blocknum;
          break;
      }
    }
  }
}

function addChecksForLoadsOfUninitializedVariables(g: Graph, nlocals: number, nparams: number): void {
  if (nlocals === 0) return;
  if (nlocals > 64) {
    fastScanManyLocals(g, nlocals);
    nlocals = 64;
  }
  resetVisited(g);
  for (let b: Block | null = g.entry; b; b = b.next) {
    b.unsafeLo = 0;
    b.unsafeHi = 0;
  }
  const sp: Block[] = [];
  let lo = 0, hi = 0;
  for (let i = nparams; i < nlocals; i++) {
    if (i < 32) lo = (lo | (1 << i)) >>> 0;
    else hi = (hi | (1 << (i - 32))) >>> 0;
  }
  maybePush(g.entry, lo, hi, sp);
  for (let b: Block | null = g.entry; b; b = b.next) scanBlockForLocals(b, sp);
  while (sp.length) {
    const b = sp.pop()!;
    b.visited = false;
    scanBlockForLocals(b, sp);
  }
}

function makeSuper(a: Ins, b: Ins, superOp: number): void {
  if (a.line >= 0 && b.line >= 0 && a.line !== b.line) return;
  if (a.arg >= 16 || b.arg >= 16) return;
  a.op = superOp;
  a.arg = (a.arg << 4) | b.arg;
  setOp0(b, NOP);
}

function insertSuperinstructions(g: Graph): void {
  for (let b: Block | null = g.entry; b; b = b.next) {
    const ins = b.instrs;
    for (let i = 0; i < ins.length; i++) {
      const inst = ins[i]!;
      const nextop = i + 1 < ins.length ? ins[i + 1]!.op : 0;
      if (inst.op === LOAD_FAST) {
        if (nextop === LOAD_FAST) makeSuper(inst, ins[i + 1]!, LOAD_FAST_LOAD_FAST);
      } else if (inst.op === STORE_FAST) {
        if (nextop === LOAD_FAST) makeSuper(inst, ins[i + 1]!, STORE_FAST_LOAD_FAST);
        else if (nextop === STORE_FAST) makeSuper(inst, ins[i + 1]!, STORE_FAST_STORE_FAST);
      }
    }
  }
  removeRedundantNops(g);
}

function markWarm(g: Graph): void {
  resetVisited(g);
  const sp: Block[] = [g.entry];
  g.entry.visited = true;
  while (sp.length) {
    const b = sp.pop()!;
    b.warm = true;
    const next = b.next;
    if (next && hasFallthrough(b) && !next.visited) {
      sp.push(next);
      next.visited = true;
    }
    for (const i of b.instrs) {
      if (isJump(i.op) && !i.target!.visited) {
        sp.push(i.target!);
        i.target!.visited = true;
      }
    }
  }
}

function markCold(g: Graph): void {
  markWarm(g);
  resetVisited(g);
  const sp: Block[] = [];
  for (let b: Block | null = g.entry; b; b = b.next) {
    if (b.exceptHandler) {
      sp.push(b);
      b.visited = true;
    }
  }
  while (sp.length) {
    const b = sp.pop()!;
    b.cold = true;
    const next = b.next;
    if (next && hasFallthrough(b) && !next.warm && !next.visited) {
      sp.push(next);
      next.visited = true;
    }
    for (const i of b.instrs) {
      if (isJump(i.op)) {
        const t = i.target!;
        if (!t.warm && !t.visited) {
          sp.push(t);
          t.visited = true;
        }
      }
    }
  }
}

function pushColdBlocksToEnd(g: Graph): void {
  const entry = g.entry;
  if (entry.next === null) return;
  markCold(g);
  for (let b: Block | null = entry; b; b = b.next) {
    if (b.cold && hasFallthrough(b) && b.next && b.next.warm) {
      const ej = g.newBlock();
      if (b.next.label < 0) b.next.label = g.nextLabel++;
      ej.instrs.push(newIns(JUMP_NO_INTERRUPT, 0, NO_LOC, b.next));
      ej.cold = true;
      ej.next = b.next;
      ej.predecessors = 1;
      b.next = ej;
    }
  }
  let coldBlocks: Block | null = null;
  let coldTail: Block | null = null;
  let b = entry;
  while (b.next) {
    while (b.next && !b.next.cold) b = b.next;
    if (b.next === null) break;
    let bEnd = b.next;
    while (bEnd.next && bEnd.next.cold) bEnd = bEnd.next;
    if (coldBlocks === null) coldBlocks = b.next;
    else coldTail!.next = b.next;
    coldTail = bEnd;
    b.next = bEnd.next;
    bEnd.next = null;
  }
  b.next = coldBlocks;
  if (coldBlocks !== null) removeRedundantNopsAndJumps(g);
}

function convertPseudoConditionalJumps(g: Graph): void {
  for (let b: Block | null = g.entry; b; b = b.next) {
    const ins = b.instrs;
    for (let i = 0; i < ins.length; i++) {
      const x = ins[i]!;
      if (x.op === JUMP_IF_FALSE || x.op === JUMP_IF_TRUE) {
        x.op = x.op === JUMP_IF_FALSE ? POP_JUMP_IF_FALSE : POP_JUMP_IF_TRUE;
        const copy = newIns(COPY, 1, x.line);
        const tb = newIns(TO_BOOL, 0, x.line);
        copy.except = tb.except = x.except;
        ins.splice(i, 0, copy, tb);
        i += 2;
      }
    }
  }
}

function calculateStackdepth(g: Graph): number {
  for (let b: Block | null = g.entry; b; b = b.next) b.startdepth = INT_MIN;
  const stack: Block[] = [];
  const push = (b: Block, depth: number): void => {
    if (!(b.startdepth < 0 || b.startdepth === depth)) throw new Error("codegen: invalid CFG, inconsistent stack depth");
    if (b.startdepth < depth && b.startdepth < 100) {
      b.startdepth = depth;
      stack.push(b);
    }
  };
  let maxdepth = 0;
  push(g.entry, 0);
  while (stack.length) {
    const b = stack.pop()!;
    let depth = b.startdepth;
    let next = b.next;
    for (const ins of b.instrs) {
      const newDepth = depth + stackEffect(ins.op, ins.arg, false);
      if (newDepth < 0) throw new Error("codegen: invalid CFG, stack underflow");
      if (depth > maxdepth) maxdepth = depth;
      if (hasTarget(ins.op)) push(ins.target!, depth + stackEffect(ins.op, ins.arg, true));
      depth = newDepth;
      if (isUncondJump(ins.op) || isScopeExit(ins.op)) {
        next = null;
        break;
      }
    }
    if (next !== null) push(next, depth);
  }
  return maxdepth;
}

const IS_DEREF = new Uint8Array(NOPCODES);
for (const o of [MAKE_CELL, LOAD_CLOSURE, LOAD_DEREF, STORE_DEREF, DELETE_DEREF, LOAD_FROM_DICT_OR_DEREF]) IS_DEREF[o] = 1;

/** prepare_localsplus: MAKE_CELL / COPY_FREE_VARS prefix, cell and free opargs as localsplus indexes. */
function prepareLocalsplus(u: Unit, g: Graph): void {
  const nlocals = u.varnames.size;
  const ncells = u.cellvars.size;
  const nfree = u.freevars.size;
  const noffsets = ncells + nfree;
  const fixed = new Int32Array(noffsets);
  for (let i = 0; i < noffsets; i++) fixed[i] = nlocals + i;
  for (const [name, ci] of u.cellvars) {
    const vi = u.varnames.get(name);
    if (vi !== undefined) fixed[ci] = vi;
  }
  const prefix: Ins[] = [];
  if (nfree) prefix.push(newIns(COPY_FREE_VARS, nfree, NO_LOC));
  if (ncells) {
    const sorted = new Int32Array(ncells + nlocals);
    for (let i = 0; i < ncells; i++) sorted[fixed[i]!] = i + 1;
    for (let i = 0, used = 0; used < ncells; i++) {
      const old = sorted[i]! - 1;
      if (old === -1) continue;
      prefix.push(newIns(MAKE_CELL, old, NO_LOC));
      used++;
    }
  }
  if (prefix.length) g.entry.instrs.unshift(...prefix);
  let dropped = 0;
  for (let i = 0; i < noffsets; i++) {
    if (fixed[i] === i + nlocals) fixed[i] -= dropped;
    else dropped++;
  }
  if (noffsets) for (let b: Block | null = g.entry; b; b = b.next) for (const i of b.instrs) if (IS_DEREF[i.op]) i.arg = fixed[i.arg]!;
}

function convertPseudoOps(g: Graph): void {
  for (let b: Block | null = g.entry; b; b = b.next) {
    for (const i of b.instrs) {
      if (isBlockPush(i.op)) setOp0(i, NOP);
      else if (i.op === LOAD_CLOSURE) i.op = LOAD_FAST;
      else if (i.op === STORE_FAST_MAYBE_NULL) i.op = STORE_FAST;
    }
  }
  removeRedundantNopsAndJumps(g);
}

function normalizeJumps(g: Graph): void {
  resetVisited(g);
  for (let b: Block | null = g.entry; b; b = b.next) {
    b.visited = true;
    const last = lastInstr(b);
    if (!last || !isCondJump(last.op)) continue;
    if (!last.target!.visited) {
      appendNew(b, newIns(NOT_TAKEN, 0, last.line));
      continue;
    }
    const reversed = last.op === POP_JUMP_IF_NOT_NONE ? POP_JUMP_IF_NONE : last.op === POP_JUMP_IF_NONE ? POP_JUMP_IF_NOT_NONE
      : last.op === POP_JUMP_IF_FALSE ? POP_JUMP_IF_TRUE : POP_JUMP_IF_FALSE;
    const target = last.target!;
    const bj = g.newBlock();
    bj.instrs.push(newIns(NOT_TAKEN, 0, last.line), newIns(JUMP, 0, last.line, target));
    bj.startdepth = target.startdepth;
    last.op = reversed;
    last.target = b.next;
    bj.cold = b.cold;
    bj.next = b.next;
    b.next = bj;
  }
}

// --- optimize_load_fast: LOAD_FAST -> LOAD_FAST_BORROW where the frame's reference outlives the stack's

const SUPPORT_KILLED = 1, STORED_AS_LOCAL = 2, REF_UNCONSUMED = 4;
const NOT_LOCAL = -1, DUMMY_INSTR = -1;

function killLocal(flags: Uint8Array, refInstr: number[], refLocal: number[], local: number): void {
  for (let i = 0; i < refInstr.length; i++) if (refLocal[i] === local) flags[refInstr[i]!]! |= SUPPORT_KILLED;
}

function storeLocal(flags: Uint8Array, refInstr: number[], refLocal: number[], local: number, rInstr: number): void {
  killLocal(flags, refInstr, refLocal, local);
  if (rInstr !== DUMMY_INSTR) flags[rInstr]! |= STORED_AS_LOCAL;
}

function optimizeLoadFast(g: Graph): void {
  let maxInstrs = 0;
  for (let b: Block | null = g.entry; b; b = b.next) maxInstrs = Math.max(maxInstrs, b.instrs.length);
  const flags = new Uint8Array(maxInstrs);
  const refInstr: number[] = [];
  const refLocal: number[] = [];
  resetVisited(g);
  const blocks: Block[] = [g.entry];
  g.entry.startdepth = 0;
  g.entry.visited = true;
  while (blocks.length) {
    const block = blocks.pop()!;
    const ins = block.instrs;
    flags.fill(0, 0, ins.length);
    refInstr.length = 0;
    refLocal.length = 0;
    for (let i = 0; i < block.startdepth; i++) {
      refInstr.push(DUMMY_INSTR);
      refLocal.push(NOT_LOCAL);
    }
    for (let i = 0; i < ins.length; i++) {
      const x = ins[i]!;
      const o = x.op, a = x.arg;
      switch (o) {
        case LOAD_FAST:
          refInstr.push(i);
          refLocal.push(a);
          break;
        case LOAD_FAST_AND_CLEAR:
          killLocal(flags, refInstr, refLocal, a);
          refInstr.push(i);
          refLocal.push(a);
          break;
        case LOAD_FAST_LOAD_FAST:
          refInstr.push(i, i);
          refLocal.push(a >> 4, a & 15);
          break;
        case STORE_FAST:
          refLocal.pop();
          storeLocal(flags, refInstr, refLocal, a, refInstr.pop()!);
          break;
        case STORE_FAST_LOAD_FAST:
          refLocal.pop();
          storeLocal(flags, refInstr, refLocal, a >> 4, refInstr.pop()!);
          refInstr.push(i);
          refLocal.push(a & 15);
          break;
        case STORE_FAST_STORE_FAST:
          refLocal.pop();
          storeLocal(flags, refInstr, refLocal, a >> 4, refInstr.pop()!);
          refLocal.pop();
          storeLocal(flags, refInstr, refLocal, a & 15, refInstr.pop()!);
          break;
        case COPY: {
          const idx = refInstr.length - a;
          refInstr.push(refInstr[idx]!);
          refLocal.push(refLocal[idx]!);
          break;
        }
        case SWAP: {
          const idx = refInstr.length - a, top = refInstr.length - 1;
          const ti = refInstr[idx]!, tl = refLocal[idx]!;
          refInstr[idx] = refInstr[top]!;
          refLocal[idx] = refLocal[top]!;
          refInstr[top] = ti;
          refLocal[top] = tl;
          break;
        }
        case LIST_APPEND: case LIST_EXTEND: case MAP_ADD: case RERAISE: {
          const net = numPopped(o, a) - numPushed(o, a);
          refInstr.length -= net;
          refLocal.length -= net;
          break;
        }
        case CHECK_EXC_MATCH:
          refInstr[refInstr.length - 1] = i;
          refLocal[refLocal.length - 1] = NOT_LOCAL;
          break;
        case FOR_ITER: {
          const t = x.target!;
          if (!t.visited) {
            t.visited = true;
            blocks.push(t);
          }
          refInstr.push(i);
          refLocal.push(NOT_LOCAL);
          break;
        }
        case LOAD_ATTR: {
          const selfLocal = refLocal.pop()!;
          const selfInstr = refInstr.pop()!;
          refInstr.push(i);
          refLocal.push(NOT_LOCAL);
          if (a & 1) {
            refInstr.push(selfInstr);
            refLocal.push(selfLocal);
          }
          break;
        }
        default: {
          const np = numPopped(o, a), nq = numPushed(o, a);
          if (hasTarget(o)) {
            const t = x.target!;
            if (!t.visited) {
              t.visited = true;
              blocks.push(t);
            }
          }
          if (!isBlockPush(o)) {
            refInstr.length -= np;
            refLocal.length -= np;
            for (let k = 0; k < nq; k++) {
              refInstr.push(i);
              refLocal.push(NOT_LOCAL);
            }
          }
        }
      }
    }
    const term = lastInstr(block);
    if (term && block.next && !(isUncondJump(term.op) || isScopeExit(term.op)) && !block.next.visited) {
      block.next.visited = true;
      blocks.push(block.next);
    }
    for (let k = 0; k < refInstr.length; k++) if (refInstr[k] !== -1) flags[refInstr[k]!]! |= REF_UNCONSUMED;
    for (let i = 0; i < ins.length; i++) {
      if (flags[i]) continue;
      const x = ins[i]!;
      if (x.op === LOAD_FAST) x.op = LOAD_FAST_BORROW;
      else if (x.op === LOAD_FAST_LOAD_FAST) x.op = LOAD_FAST_BORROW_LOAD_FAST_BORROW;
    }
  }
}

// =============================================================================================
// Assembly (Python/assemble.c)

function prefixes(a: number): number {
  return a > 0xffffff ? 3 : a > 0xffff ? 2 : a > 0xff ? 1 : 0;
}

function assembleUnit(u: Unit, filename: string): Compiled {
  const g = buildCfg(u.seq);
  const pool: ConstPool = { consts: u.consts, constIdx: u.constIdx };
  // _PyCfg_OptimizeCodeUnit
  markExceptHandlers(g);
  labelExceptionTargets(g);
  optimizeCfg(g, pool);
  removeUnusedConsts(g, pool);
  addChecksForLoadsOfUninitializedVariables(g, u.varnames.size, u.ste.varnames.length);
  insertSuperinstructions(g);
  pushColdBlocksToEnd(g);
  resolveLineNumbers(g);
  // _PyCfg_OptimizedCfgToInstructionSequence
  convertPseudoConditionalJumps(g);
  // (3.14 counts RESUME's transient use: no code object has co_stacksize 0)
  const stacksize = Math.max(calculateStackdepth(g), 1);
  prepareLocalsplus(u, g);
  convertPseudoOps(g);
  normalizeJumps(g);
  optimizeLoadFast(g);

  // _PyCfg_ToInstructionSequence: block -> index of its first instruction
  let count = 0;
  for (let b: Block | null = g.entry; b; b = b.next) {
    b.index = count;
    count += b.instrs.length;
  }
  const fop = new Int32Array(count), farg = new Int32Array(count), fline = new Int32Array(count);
  const ftarget = new Int32Array(count), fhandler = new Int32Array(count), fhdepth = new Int32Array(count);
  const fhlasti = new Uint8Array(count);
  let k = 0;
  for (let b: Block | null = g.entry; b; b = b.next) {
    for (const i of b.instrs) {
      const h = i.except;
      fop[k] = i.op;
      farg[k] = i.arg;
      fline[k] = i.line;
      ftarget[k] = i.target !== null && hasTarget(i.op) ? i.target.index : -1;
      if (h !== null) {
        fhandler[k] = h.index;
        fhdepth[k] = h.startdepth - 1 - (h.preserveLasti ? 1 : 0);
        fhlasti[k] = h.preserveLasti ? 1 : 0;
      } else fhandler[k] = -1;
      k++;
    }
  }
  // resolve_unconditional_jumps
  for (let i = 0; i < count; i++) {
    const o = fop[i]!;
    if (o === JUMP) fop[i] = ftarget[i]! > i ? JUMP_FORWARD : JUMP_BACKWARD;
    else if (o === JUMP_NO_INTERRUPT) fop[i] = ftarget[i]! > i ? JUMP_FORWARD : JUMP_BACKWARD_NO_INTERRUPT;
    else if (o >= 256) throw new Error(`codegen: pseudo-instruction ${o} left at assembly`);
  }
  // jump offsets: minimal EXTENDED_ARG prefixes, grown to a fixpoint
  const size = new Int32Array(count);
  const offset = new Int32Array(count + 1);
  let hasJumps = false;
  for (let i = 0; i < count; i++) {
    if (ftarget[i]! >= 0) hasJumps = true;
    size[i] = 1 + CACHES[fop[i]!]! + (ftarget[i]! >= 0 ? 0 : prefixes(farg[i]!));
  }
  for (;;) {
    let off = 0;
    for (let i = 0; i < count; i++) {
      offset[i] = off;
      off += size[i]!;
    }
    offset[count] = off;
    if (!hasJumps) break;
    let changed = false;
    for (let i = 0; i < count; i++) {
      const t = ftarget[i]!;
      if (t < 0) continue;
      const next = offset[i]! + size[i]!;
      const to = offset[t]!;
      const a = to < next ? next - to : to - next;
      farg[i] = a;
      const sz = 1 + CACHES[fop[i]!]! + prefixes(a);
      if (sz > size[i]!) {
        size[i] = sz;
        changed = true;
      }
    }
    if (!changed) break;
  }
  const total = offset[count]!;
  const units = new Uint16Array(total);
  const lines = new Array<number | undefined>(total).fill(undefined);
  for (let i = 0; i < count; i++) {
    const o0 = fop[i]!;
    let o = offset[i]!;
    const p = size[i]! - 1 - CACHES[o0]!;
    const l = fline[i]!;
    const line = l >= 0 ? l : undefined;
    const arg = (FACTS[o0]! & F_ARG) !== 0 ? farg[i]! : 0;
    for (let s = p; s >= 1; s--) {
      lines[o] = line;
      units[o++] = EXTENDED_ARG | (((arg >>> (8 * s)) & 0xff) << 8);
    }
    lines[o] = line;
    units[o] = o0 | ((arg & 0xff) << 8);
  }
  // exception table: runs of instructions with the same handler
  const table: ExceptionTableEntry[] = [];
  let start = -1;
  let cur = -1; // instruction whose handler defines the current run
  for (let i = 0; i <= count; i++) {
    const h = i < count ? fhandler[i]! : -1;
    if (cur < 0 ? h >= 0 : h !== fhandler[cur]!) {
      if (cur >= 0 && fhandler[cur]! >= 0) {
        table.push({ start, end: offset[i]!, target: offset[fhandler[cur]!]!, depth: fhdepth[cur]!, lasti: fhlasti[cur] === 1 });
      }
      start = offset[i]!;
      cur = i;
    }
  }
  // co_localsplus (assemble.c compute_localsplus_info)
  const nlocals = u.varnames.size;
  const lpNames: string[] = [];
  const lpKinds: number[] = [];
  for (const [name, i] of u.varnames) {
    let kind = CO_FAST_LOCAL;
    if (u.fasthidden.has(name)) kind |= CO_FAST_HIDDEN;
    if (u.cellvars.has(name)) kind |= CO_FAST_CELL;
    lpNames[i] = name;
    lpKinds[i] = kind;
  }
  let dropped = 0;
  for (const [name, v] of u.cellvars) {
    if (u.varnames.has(name)) {
      dropped++;
      continue;
    }
    lpNames[v + nlocals - dropped] = name;
    lpKinds[v + nlocals - dropped] = CO_FAST_CELL;
  }
  const frees: string[] = [];
  for (const [name, v] of u.freevars) {
    lpNames[v + nlocals - dropped] = name;
    lpKinds[v + nlocals - dropped] = CO_FAST_FREE;
    frees.push(name);
  }
  for (let i = 0; i < u.argcount; i++) lpKinds[i]! |= CO_FAST_ARG_POS | CO_FAST_ARG_KW;
  let flags = 0;
  const ste = u.ste;
  if (ste.functionLike) {
    flags |= CO_NEWLOCALS | CO_OPTIMIZED;
    if (ste.nested) flags |= CO_NESTED;
    if (ste.hasDocstring && u.scopeType === ST.Function) flags |= CO_HAS_DOCSTRING;
    if (ste.method) flags |= CO_METHOD;
  }
  const code = new CodeDef(
    u.name, u.qualname, filename, u.firstlineno, u.argcount, 0, 0, flags, stacksize, units, pool.consts,
    [...u.names.keys()], lpNames, lpKinds, table, lines,
  );
  return { code, freevars: frees };
}

// =============================================================================================
// Entry points

/** Compile one module of a program. `name` is the module's name in the ProgramDef ("__main__" first). */
export function compileModule(m: ModuleAst, filename: string = moduleFilename(m.name)): CodeDef {
  const lines: LStmt[] = [];
  layout(m.body, 1, lines);
  const top = buildSymtable(m.name, m, lines);
  const cg = new Codegen(m.name, filename, top);
  cg.u = new Unit(top, ST.Module, "<module>", "<module>", null, 1, 0);
  cg.addop(RESUME, 0, 0);
  if (m.body.length) cg.body(m.body, lines, top.hasDocstring);
  return cg.assemble(true).code;
}

export interface CompileOptions {
  /** store each module's Python source (programSource) in ModuleDef.source (default true) */
  readonly source?: boolean;
}

/**
 * Compile a program: one ModuleDef per module, the first named `__main__`, file names and (by
 * default) sources as programSource gives them. Throws CodegenError for IR CPython would reject
 * (its SyntaxErrors) and for IR that has no Python source (`except as e` without a type,
 * `super`, invalid identifiers...).
 */
export function compileProgram(p: ProgramAst, opts: CompileOptions = {}): ProgramDef {
  if (p.modules.length === 0) throw new CodegenError("program", "a program needs at least one module");
  const seen = new Set<string>();
  const withSource = opts.source ?? true;
  const modules: ModuleDef[] = p.modules.map((m, i) => {
    if (i > 0) {
      if (!isIdentifier(m.name) || m.name === "__main__") throw new CodegenError("module", `module name ${JSON.stringify(m.name)} is not a plain identifier`, m.name);
      if (seen.has(m.name)) throw new CodegenError("module", `duplicate module name ${m.name}`, m.name);
    }
    seen.add(m.name);
    const filename = moduleFilename(m.name);
    const code = compileModule(m, filename);
    const name = i === 0 ? "__main__" : m.name;
    return withSource ? { name, filename, code, source: moduleSource(m.body) } : { name, filename, code };
  });
  return { formatVersion: PROGRAM_FORMAT_VERSION, modules };
}

/** _PyCompile_CleanDoc (C inspect.cleandoc, keeping leading/trailing blank lines). */
function cleanDoc(doc: string): string {
  // str.expandtabs(8)
  if (doc.includes("\t")) {
    let out = "";
    let col = 0;
    for (const ch of doc) {
      if (ch === "\t") {
        const n = 8 - (col % 8);
        out += " ".repeat(n);
        col += n;
      } else {
        out += ch;
        col = ch === "\n" || ch === "\r" ? 0 : col + 1;
      }
    }
    doc = out;
  }
  const n = doc.length;
  let p = 0;
  while (p < n && doc.charCodeAt(p++) !== 10) {}
  let margin = Number.MAX_SAFE_INTEGER;
  while (p < n) {
    const s = p;
    while (doc.charCodeAt(p) === 32) p++;
    if (p < n && doc.charCodeAt(p) !== 10) margin = Math.min(margin, p - s);
    while (p < n && doc.charCodeAt(p++) !== 10) {}
  }
  if (margin === Number.MAX_SAFE_INTEGER) margin = 0;
  p = 0;
  while (doc.charCodeAt(p) === 32) p++;
  if (p === 0 && margin === 0) return doc;
  let out = "";
  while (p < n) {
    const ch = doc[p++]!;
    out += ch;
    if (ch === "\n") break;
  }
  while (p < n) {
    for (let i = 0; i < margin && p < n; i++, p++) if (doc.charCodeAt(p) !== 32) break;
    while (p < n) {
      const ch = doc[p++]!;
      out += ch;
      if (ch === "\n") break;
    }
  }
  return out;
}
