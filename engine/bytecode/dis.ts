/**
 * A CPython-3.14-`dis`-style disassembler for CodeDefs (modeled on Lib/dis.py: `_unpack_opargs`,
 * `ArgResolver.get_argval_argrepr`, `Formatter.print_instruction_line`, `_make_labels_map`,
 * `findlinestarts`, `_disassemble_recursive`). For code produced by CPython the listing is
 * identical to `dis.dis(code)` except that code object reprs carry no address
 * (`<code object f, file "prog.py", line 2>`), which would make outputs irreproducible.
 *
 * Also home of the Python `repr` of constants (tuple/slice/code layout over the runtime's float and
 * str reprs), shared by the assembler's printer.
 */
import { CodeDef, ConstSlice, ConstTuple, PyNoneType, type Const, type ProgramDef } from "./code.ts";
import { PyFloat } from "../runtime/primitive.ts";
import { floatRepr } from "../runtime/float.ts";
import { strRepr } from "../runtime/format.ts";
import { OPMAP, OPNAME, BASE_OF, cacheSize, isBackwardJump } from "./opcodes.ts";
import { CACHE_FORMAT, CMP_OPS, HAS_ARG, HAS_CONST, HAS_JUMP, HAS_LOCAL, HAS_FREE, HAS_NAME, NB_OPS } from "./opcodes.generated.ts";
import { COMMON_CONSTANTS, CONVERSIONS } from "./subset.ts";

// ---------------------------------------------------------------------------------------------
// Python repr of constants

// repr(float) and repr(str) are the runtime's (engine/runtime/float.ts, format.ts): one
// implementation of CPython's rules (shortest round-trip float digits, 'r' format; Unicode 16
// printability tables for str), so listings, assembly and program output never disagree.
export { floatRepr, strRepr };

/** `repr(code)` without the address (Objects/codeobject.c `code_repr`). */
export function codeRepr(c: CodeDef): string {
  return `<code object ${c.name}, file "${c.filename}", line ${c.firstlineno}>`;
}

/** Python repr of a constant; `code` renders nested code objects (dis: codeRepr, asm: `@id`). */
export function constRepr(c: Const, code: (c: CodeDef) => string = codeRepr): string {
  if (c instanceof PyNoneType) return "None";
  if (c === true) return "True";
  if (c === false) return "False";
  if (typeof c === "number") return Number.isInteger(c) ? (Object.is(c, -0) ? "0" : String(c)) : String(c);
  if (typeof c === "bigint") return c.toString();
  if (typeof c === "string") return strRepr(c);
  if (c instanceof PyFloat) return floatRepr(c.v);
  if (c instanceof ConstTuple) {
    const items = c.items.map((x) => constRepr(x, code));
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`;
  }
  if (c instanceof ConstSlice) return `slice(${constRepr(c.start, code)}, ${constRepr(c.stop, code)}, ${constRepr(c.step, code)})`;
  if (c instanceof CodeDef) return code(c);
  return "<invalid constant>";
}

// ---------------------------------------------------------------------------------------------
// Instruction stream as dis sees it (EXTENDED_ARG is its own instruction)

const EXTENDED_ARG = OPMAP["EXTENDED_ARG"]!;
const HAS_ARG_SET = new Set(HAS_ARG);
const JUMPS = new Set(HAS_JUMP);
const CONSTS = new Set(HAS_CONST);
const NAMES = new Set(HAS_NAME);
const LOCALS = new Set([...HAS_LOCAL, ...HAS_FREE]);
const PAIRS = new Set(["LOAD_FAST_LOAD_FAST", "LOAD_FAST_BORROW_LOAD_FAST_BORROW", "STORE_FAST_LOAD_FAST", "STORE_FAST_STORE_FAST"]);
const FUNCTION_ATTR_FLAGS = ["defaults", "kwdefaults", "annotations", "closure", "annotate"];
// Lib/opcode.py 3.14 (`_intrinsic_1_descs`, `_intrinsic_2_descs`, `_special_method_names`): only
// for listing unsupported code (the verifier rejects these instructions).
const INTRINSIC_1 = ["INTRINSIC_1_INVALID", "INTRINSIC_PRINT", "INTRINSIC_IMPORT_STAR", "INTRINSIC_STOPITERATION_ERROR",
  "INTRINSIC_ASYNC_GEN_WRAP", "INTRINSIC_UNARY_POSITIVE", "INTRINSIC_LIST_TO_TUPLE", "INTRINSIC_TYPEVAR",
  "INTRINSIC_PARAMSPEC", "INTRINSIC_TYPEVARTUPLE", "INTRINSIC_SUBSCRIPT_GENERIC", "INTRINSIC_TYPEALIAS"];
const INTRINSIC_2 = ["INTRINSIC_2_INVALID", "INTRINSIC_PREP_RERAISE_STAR", "INTRINSIC_TYPEVAR_WITH_BOUND",
  "INTRINSIC_TYPEVAR_WITH_CONSTRAINTS", "INTRINSIC_SET_FUNCTION_TYPE_PARAMS", "INTRINSIC_SET_TYPEPARAM_DEFAULT"];
const SPECIAL_METHODS = ["__enter__", "__exit__", "__aenter__", "__aexit__"];

/** One row of dis's instruction stream (offsets in code units). */
export interface DisInstr {
  readonly offset: number;
  readonly opcode: number;
  /** opname of the opcode (`<N>` when unknown) */
  readonly name: string;
  /** base (deoptimized) name: what decides arguments and cache layout */
  readonly base: string;
  /** undefined for instructions without argument (dis shows none) */
  readonly arg: number | undefined;
  readonly caches: number;
}

/** opname for any opcode number, specialized and instrumented forms included. */
export function opnameOf(opcode: number): string {
  return OPNAME[opcode] ?? `<${opcode}>`;
}

/** Lib/dis.py `_unpack_opargs`: EXTENDED_ARG folds into the next oparg (int-overflow wrap as in C). */
export function disInstructions(units: Uint16Array): DisInstr[] {
  const out: DisInstr[] = [];
  let ext = 0;
  let skip = 0;
  for (let i = 0; i < units.length; i++) {
    if (skip > 0) {
      skip--;
      continue;
    }
    const opcode = units[i]! & 0xff;
    const name = opnameOf(opcode);
    const base = BASE_OF[name] ?? name;
    const caches = cacheSize(OPMAP[base] ?? opcode);
    let arg: number | undefined;
    if (HAS_ARG_SET.has(base)) {
      arg = (units[i]! >> 8) | ext;
      ext = opcode === EXTENDED_ARG ? arg << 8 : 0; // `<<` wraps like C's signed int
    } else {
      ext = 0;
    }
    out.push({ offset: i, opcode, name, base, arg, caches });
    skip = caches;
  }
  return out;
}

/** Jump target in code units of a dis instruction (undefined for non-jumps). */
export function disJumpTarget(ins: DisInstr): number | undefined {
  if (!JUMPS.has(ins.base) || ins.arg === undefined) return undefined;
  const next = ins.offset + 1 + ins.caches;
  return isBackwardJump(ins.base) ? next - ins.arg : next + ins.arg;
}

/** Lib/dis.py `_make_labels_map`: jump targets plus exception table edges, numbered L1.. by offset. */
export function labelMap(code: CodeDef, instrs: readonly DisInstr[] = disInstructions(code.units)): Map<number, number> {
  const set = new Set<number>();
  for (const ins of instrs) {
    const t = disJumpTarget(ins);
    if (t !== undefined) set.add(t);
  }
  for (const e of code.exceptiontable) {
    set.add(e.start);
    set.add(e.end);
    set.add(e.target);
  }
  const m = new Map<number, number>();
  [...set].sort((a, b) => a - b).forEach((off, i) => m.set(off, i + 1));
  return m;
}

export interface ArgReprOptions {
  /** how to show a code constant (default: codeRepr) */
  readonly code?: (c: CodeDef) => string;
}

const OUT_OF_RANGE = "<out of range>";

function localName(code: CodeDef, i: number): string {
  return i >= 0 && i < code.localsplusnames.length ? code.localsplusnames[i]! : OUT_OF_RANGE;
}
function nameAt(code: CodeDef, i: number): string {
  return i >= 0 && i < code.names.length ? code.names[i]! : OUT_OF_RANGE;
}

/**
 * The parenthesised argument description dis prints (Lib/dis.py `ArgResolver.get_argval_argrepr`),
 * '' when dis prints none. `base` is the deoptimized name; `offset` the instruction's code unit;
 * `labels` the label map (for jumps). Never throws: out-of-range indexes show `<out of range>`.
 */
export function argRepr(
  code: CodeDef,
  ins: DisInstr,
  labels: ReadonlyMap<number, number>,
  opts: ArgReprOptions = {},
): string {
  const base = ins.base;
  const arg = ins.arg;
  if (arg === undefined) return "";
  if (CONSTS.has(base)) {
    return arg >= 0 && arg < code.consts.length ? constRepr(code.consts[arg]!, opts.code) : OUT_OF_RANGE;
  }
  if (NAMES.has(base)) {
    if (base === "LOAD_GLOBAL") return nameAt(code, arg >> 1) + (arg & 1 ? " + NULL" : "");
    if (base === "LOAD_ATTR") return nameAt(code, arg >> 1) + (arg & 1 ? " + NULL|self" : "");
    if (base === "LOAD_SUPER_ATTR") return nameAt(code, arg >> 2) + (arg & 1 ? " + NULL|self" : "");
    return nameAt(code, arg);
  }
  if (JUMPS.has(base)) {
    const t = disJumpTarget(ins);
    const l = t === undefined ? undefined : labels.get(t);
    return `${base === "END_ASYNC_FOR" ? "from" : "to"} L${l ?? "?"}`;
  }
  if (PAIRS.has(base)) return `${localName(code, arg >> 4)}, ${localName(code, arg & 15)}`;
  if (LOCALS.has(base)) return localName(code, arg);
  if (base === "COMPARE_OP") {
    const op = CMP_OPS[arg >> 5] ?? OUT_OF_RANGE;
    return arg & 16 ? `bool(${op})` : op;
  }
  if (base === "CONVERT_VALUE") return CONVERSIONS[arg] ?? (arg === 0 ? "" : OUT_OF_RANGE);
  if (base === "SET_FUNCTION_ATTRIBUTE") return FUNCTION_ATTR_FLAGS.filter((_, i) => (arg & (1 << i)) !== 0).join(", ");
  if (base === "BINARY_OP") return NB_OPS[arg]?.[1] ?? OUT_OF_RANGE;
  if (base === "CALL_INTRINSIC_1") return INTRINSIC_1[arg] ?? OUT_OF_RANGE;
  if (base === "CALL_INTRINSIC_2") return INTRINSIC_2[arg] ?? OUT_OF_RANGE;
  if (base === "LOAD_COMMON_CONSTANT") {
    const c = COMMON_CONSTANTS[arg];
    // types show their __name__, the builtin functions their repr (Lib/dis.py)
    return c === undefined ? OUT_OF_RANGE : c === "all" || c === "any" ? `<built-in function ${c}>` : c;
  }
  if (base === "LOAD_SPECIAL") return SPECIAL_METHODS[arg] ?? OUT_OF_RANGE;
  if (base === "IS_OP") return arg ? "is not" : "is";
  if (base === "CONTAINS_OP") return arg ? "not in" : "in";
  return "";
}

// ---------------------------------------------------------------------------------------------
// Listing

export interface DisOptions {
  /** tier 1's rewritten code units: opnames (and cache values) are read from here */
  readonly adaptiveUnits?: Uint16Array;
  /** print the inline cache entries (dis show_caches=True) */
  readonly showCaches?: boolean;
  /** print byte offsets (dis show_offsets=True) */
  readonly showOffsets?: boolean;
  /** code unit of the current instruction, marked `-->` (dis lasti, in units) */
  readonly lasti?: number;
  /** recursion depth into nested code objects (default: unlimited, like dis.dis) */
  readonly depth?: number;
  /** adaptive units per code object (tier 1's state after a run), for whole-program listings */
  readonly adaptiveOf?: (code: CodeDef) => Uint16Array | undefined;
}

const NO_LINENO = "  --";
const OPNAME_WIDTH = 20;
const OPARG_WIDTH = 5;

/** Lib/dis.py `findlinestarts` over tierdiff's per-unit line table: offsets where the line changes. */
export function lineStarts(code: CodeDef, instrs: readonly DisInstr[]): Map<number, number | undefined> {
  const starts = new Map<number, number | undefined>();
  let last: number | undefined | null = null; // null: nothing seen yet (dis's `lastline = False`)
  for (const ins of instrs) {
    const line = code.lines[ins.offset];
    if (line !== last) {
      starts.set(ins.offset, line);
      last = line;
    }
  }
  return starts;
}

/** Lib/dis.py `_get_lineno_width`. */
function linenoWidth(starts: Map<number, number | undefined>): number {
  let max = -1;
  let hasNone = false;
  for (const l of starts.values()) {
    if (l === undefined) hasNone = true;
    else if (l && l > max) max = l; // `filter(None, ...)` drops 0 as well
  }
  if (max === -1) return 0;
  let w = Math.max(3, String(max).length);
  if (w < NO_LINENO.length && hasNone) w = NO_LINENO.length;
  return w;
}

export interface LineFields {
  readonly linenoWidth: number;
  readonly labelWidth: number;
  readonly offsetWidth: number;
  /** undefined: no line column entry (not a line start) */
  readonly startsLine: boolean;
  readonly line: number | undefined;
  readonly label: number | undefined;
  readonly byteOffset: number;
  readonly current: boolean;
  readonly opname: string;
  /** the argument column text (a number, or an asm label); undefined: none */
  readonly arg: string | undefined;
  readonly argrepr: string;
}

/** Lib/dis.py `Formatter.print_instruction_line` (without the leading blank line). */
export function formatLine(f: LineFields): string {
  const fields: string[] = [];
  if (f.linenoWidth) {
    if (f.startsLine) fields.push((f.line === undefined ? NO_LINENO : String(f.line)).padStart(f.linenoWidth));
    else fields.push(" ".repeat(f.linenoWidth));
  }
  fields.push(f.label !== undefined ? `L${f.label}:`.padStart(f.labelWidth) : " ".repeat(f.labelWidth));
  if (f.offsetWidth > 0) fields.push(String(f.byteOffset).padStart(f.offsetWidth) + "  ");
  fields.push(f.current ? "-->" : "   ");
  fields.push(f.opname.padEnd(OPNAME_WIDTH));
  if (f.arg !== undefined) {
    const excess = Math.max(0, f.opname.length - OPNAME_WIDTH);
    fields.push(f.arg.padStart(OPARG_WIDTH - excess));
    if (f.argrepr) fields.push(`(${f.argrepr})`);
  }
  return fields.join(" ").replace(/\s+$/, "");
}

function cacheLines(ins: DisInstr, units: Uint16Array, base: Omit<LineFields, "opname" | "arg" | "argrepr" | "byteOffset" | "startsLine" | "line" | "label" | "current">): string[] {
  const out: string[] = [];
  const format = CACHE_FORMAT[ins.base];
  if (!format || ins.caches === 0) return out;
  let off = ins.offset;
  for (const [name, size] of Object.entries(format)) {
    // int.from_bytes(data, little-endian) over the field's code units
    let value = 0n;
    for (let k = size - 1; k >= 0; k--) value = (value << 16n) | BigInt(units[off + 1 + k] ?? 0);
    for (let k = 0; k < size; k++) {
      off += 1;
      out.push(
        formatLine({ ...base, startsLine: false, line: undefined, label: undefined, byteOffset: 2 * off, current: false,
          opname: "CACHE", arg: "0", argrepr: k === 0 ? `${name}: ${value}` : "" }),
      );
    }
  }
  return out;
}

/** Listing of one code object only (dis.disassemble), lines terminated by "\n". */
export function disassembleOne(code: CodeDef, opts: DisOptions = {}): string {
  const instrs = disInstructions(code.units);
  const labels = labelMap(code, instrs);
  const starts = lineStarts(code, instrs);
  const lw = linenoWidth(starts);
  const widths = {
    linenoWidth: lw,
    labelWidth: 4 + String(labels.size).length,
    offsetWidth: opts.showOffsets ? String(Math.max(2 * code.units.length - 2, 9999)).length : 0,
  };
  const adaptive = opts.adaptiveUnits;
  const out: string[] = [];
  for (const orig of instrs) {
    let ins = orig;
    if (adaptive) {
      const opcode = (adaptive[orig.offset] ?? 0) & 0xff;
      const name = opnameOf(opcode);
      ins = { ...orig, opcode, name, base: BASE_OF[name] ?? name };
    }
    const startsLine = starts.has(ins.offset);
    if (lw > 0 && startsLine && ins.offset > 0) out.push("");
    const caches = orig.caches;
    const current = opts.lasti !== undefined && ins.offset <= opts.lasti && opts.lasti <= ins.offset + caches;
    out.push(
      formatLine({
        ...widths,
        startsLine,
        line: starts.get(ins.offset),
        label: labels.get(ins.offset),
        byteOffset: 2 * ins.offset,
        current,
        opname: ins.name,
        arg: orig.arg === undefined ? undefined : String(orig.arg),
        argrepr: argRepr(code, { ...ins, arg: orig.arg, caches }, labels),
      }),
    );
    if (opts.showCaches) out.push(...cacheLines({ ...ins, caches }, adaptive ?? code.units, widths));
  }
  if (code.exceptiontable.length > 0) {
    out.push("ExceptionTable:");
    for (const e of code.exceptiontable) {
      out.push(`  L${labels.get(e.start)} to L${labels.get(e.end)} -> L${labels.get(e.target)} [${e.depth}]${e.lasti ? " lasti" : ""}`);
    }
  }
  return out.map((l) => l + "\n").join("");
}

/**
 * dis.dis(code): the listing of `code`, then of each code object in its co_consts (recursively),
 * each introduced by "Disassembly of <code object ...>:". Lines end with "\n".
 * With `adaptiveUnits`, applies to `code` itself only (nested code objects have their own units).
 */
export function disassemble(code: CodeDef, opts: DisOptions = {}): string {
  const adaptive = opts.adaptiveUnits ?? opts.adaptiveOf?.(code);
  let out = disassembleOne(code, adaptive !== undefined ? { ...opts, adaptiveUnits: adaptive } : opts);
  const depth = opts.depth;
  if (depth === undefined || depth > 0) {
    const sub: DisOptions = { ...opts, adaptiveUnits: undefined, lasti: undefined, depth: depth === undefined ? undefined : depth - 1 };
    for (const c of code.consts) {
      if (c instanceof CodeDef) out += `\nDisassembly of ${codeRepr(c)}:\n` + disassemble(c, sub);
    }
  }
  return out;
}

/** Every module of a program, in order, each introduced by a header line. */
export function disassembleProgram(p: ProgramDef, opts: Omit<DisOptions, "adaptiveUnits" | "lasti"> = {}): string {
  return p.modules
    .map((m) => `Module ${m.name} (file ${strRepr(m.filename)}):\n` + disassemble(m.code, opts))
    .join("\n");
}
