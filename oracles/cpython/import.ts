/**
 * Import Python source as a tierdiff program: CPython 3.14 (pyodide) compiles each module with
 * `compile(source, filename, "exec")` and its code objects are converted UNCHANGED to CodeDefs
 * (engine/bytecode/code.ts). The only judgement made here is rejection: a program whose bytecode
 * uses an instruction outside SUPPORTED_OPCODES, or a constant of a type Const cannot hold, is
 * refused with an ImportPyError naming file, line, construct and opcode.
 *
 * Conversions (CPython's Python APIs speak bytes, tierdiff speaks 16-bit code units):
 *  - units: co_code read as little-endian 16-bit words (opcode | oparg << 8); 3.14's co_code is the
 *    base (unspecialized) bytecode with every inline cache unit zeroed.
 *  - exceptiontable: dis._parse_exception_table rows, byte offsets / 2 (end stays exclusive).
 *  - lines: co_positions() gives one line per code unit; cache units get undefined, as do
 *    instructions without a line (MAKE_CELL, COPY_FREE_VARS, some cleanup code). The module's RESUME
 *    has line 0 in CPython and keeps it.
 *  - localsplusnames/kinds: the real ones (via _testinternalcapi.get_co_localskinds, see dump.py).
 */
import { CO_OPTIMIZED } from "../../engine/bytecode/code.ts";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import {
  CodeDef,
  ConstSlice,
  ConstTuple,
  None,
  PROGRAM_FORMAT_VERSION,
  type Const,
  type ExceptionTableEntry,
  type ModuleDef,
  type ProgramDef,
} from "../../engine/bytecode/code.ts";
import { decode, type Instr } from "../../engine/bytecode/instructions.ts";
import { SUPPORTED_OPCODES, UNSUPPORTED_CONSTRUCTS } from "../../engine/bytecode/subset.ts";
import { PyFloat, normInt } from "../../engine/runtime/primitive.ts";
import { callHelper } from "./pyodide.ts";

export interface PySourceModule {
  readonly name: string;
  readonly filename: string;
  readonly source: string;
}

/** A Python program tierdiff cannot take: syntax error, unsupported construct or constant. */
export class ImportPyError extends Error {
  constructor(
    message: string,
    readonly filename: string,
    readonly line: number | undefined,
    /** what the programmer wrote ("generator (yield)"), or the SyntaxError class name */
    readonly construct: string,
    /** the offending instruction, when there is one */
    readonly opname?: string,
  ) {
    super(message);
    this.name = "ImportPyError";
  }
}

// ---- JSON shapes produced by dump.py -------------------------------------------------------------

type JConst =
  | ["none"]
  | ["bool", boolean]
  | ["int", boolean, string]
  | ["float", string]
  | ["str", string]
  | ["tuple", JConst[]]
  | ["slice", JConst, JConst, JConst]
  | ["code", JCode]
  | ["unsupported", string, string];

interface JCode {
  name: string;
  qualname: string;
  filename: string;
  firstlineno: number;
  argcount: number;
  posonlyargcount: number;
  kwonlyargcount: number;
  flags: number;
  stacksize: number;
  code: string;
  consts: JConst[];
  names: string[];
  localsplusnames: string[];
  localspluskinds: number[];
  exceptiontable: [number, number, number, number, boolean][];
  lines: (number | null)[];
}

type DumpResult =
  | { modules: { name: string; filename: string; code: JCode }[] }
  | { error: { filename: string; line: number | null; type: string; msg: string } };

// ---- conversion ----------------------------------------------------------------------------------

/** What the programmer wrote to get a constant of a type tierdiff has no Const for. */
const UNSUPPORTED_CONST_CONSTRUCTS: Readonly<Record<string, string>> = {
  frozenset: "set display",
  bytes: "bytes literal",
  complex: "complex literal",
  ellipsis: "Ellipsis (...)",
};

/**
 * CALL_INTRINSIC_1/2 cover unrelated constructs; their oparg says which
 * (Include/internal/pycore_intrinsics.h, `_opcode.get_intrinsic1_descs()` in 3.14).
 */
const INTRINSIC_1_CONSTRUCTS: Readonly<Record<number, string>> = {
  1: "interactive print",
  2: "import *",
  3: "generator", // INTRINSIC_STOPITERATION_ERROR: the handler every generator body gets
  4: "async generator",
  5: "unary plus (+x)",
  6: "starred expression",
  7: "type parameters",
  8: "type parameters",
  9: "type parameters",
  10: "type parameters",
  11: "type statement",
};
const INTRINSIC_2_CONSTRUCTS: Readonly<Record<number, string>> = {
  1: "except* (exception groups)",
  2: "type parameters",
  3: "type parameters",
  4: "type parameters",
  5: "type parameters",
};

function constructOf(ins: Instr): string | undefined {
  if (ins.name === "CALL_INTRINSIC_1") return INTRINSIC_1_CONSTRUCTS[ins.oparg] ?? UNSUPPORTED_CONSTRUCTS[ins.name];
  if (ins.name === "CALL_INTRINSIC_2") return INTRINSIC_2_CONSTRUCTS[ins.oparg] ?? UNSUPPORTED_CONSTRUCTS[ins.name];
  return UNSUPPORTED_CONSTRUCTS[ins.name];
}

/**
 * Instructions that only accompany a more telling one in the same code object: every generator or
 * coroutine starts with RETURN_GENERATOR (at the def line) and ends with a StopIteration handler
 * (CALL_INTRINSIC_1 3, no line); the yield or await itself is what the programmer wrote.
 */
function isCompanion(ins: Instr): boolean {
  return (
    ins.name === "RETURN_GENERATOR" ||
    ins.name === "CLEANUP_THROW" ||
    ins.name === "END_SEND" ||
    (ins.name === "CALL_INTRINSIC_1" && ins.oparg === 3)
  );
}

/** Names a class body may bind that tierdiff models (the compiler's own ones and the supported special methods). */
const MODELED_CLASS_DUNDERS: ReadonlySet<string> = new Set([
  "__module__", "__qualname__", "__firstlineno__", "__static_attributes__", "__classdictcell__", "__doc__",
  "__init__", "__del__", "__repr__", "__str__",
]);

interface Violation {
  readonly filename: string;
  readonly line: number | undefined;
  readonly construct: string;
  readonly opname: string;
  readonly detail: string;
}

function unitsFromHex(hex: string): Uint16Array {
  const units = new Uint16Array(hex.length / 4);
  for (let i = 0; i < units.length; i++) {
    const lo = parseInt(hex.slice(4 * i, 4 * i + 2), 16);
    const hi = parseInt(hex.slice(4 * i + 2, 4 * i + 4), 16);
    units[i] = lo | (hi << 8);
  }
  return units;
}

function parseFloatRepr(r: string): number {
  switch (r) {
    case "inf":
      return Infinity;
    case "-inf":
      return -Infinity;
    case "nan":
    case "-nan":
      return NaN;
  }
  const v = Number(r);
  if (Number.isNaN(v)) throw new Error(`cannot parse float repr ${r}`);
  return v;
}

/** Does this (possibly nested) constant contain an unsupported value? Returns its type and repr. */
function findUnsupported(c: JConst): [string, string] | undefined {
  switch (c[0]) {
    case "unsupported":
      return [c[1], c[2]];
    case "tuple":
      for (const x of c[1]) {
        const u = findUnsupported(x);
        if (u) return u;
      }
      return undefined;
    case "slice":
      return findUnsupported(c[1]) ?? findUnsupported(c[2]) ?? findUnsupported(c[3]);
    default:
      return undefined;
  }
}

function convertConst(c: JConst, violations: Violation[]): Const {
  switch (c[0]) {
    case "none":
      return None;
    case "bool":
      return c[1];
    case "int": {
      const mag = BigInt(c[2]);
      return normInt(c[1] ? -mag : mag);
    }
    case "float":
      return new PyFloat(parseFloatRepr(c[1]));
    case "str":
      return c[1];
    case "tuple":
      return new ConstTuple(c[1].map((x) => convertConst(x, violations)));
    case "slice":
      return new ConstSlice(convertConst(c[1], violations), convertConst(c[2], violations), convertConst(c[3], violations));
    case "code":
      return convertCode(c[1], violations);
    case "unsupported":
      // Reported (with the LOAD_CONST line) by the owning code object; a placeholder keeps indices.
      return None;
  }
}

function convertCode(j: JCode, violations: Violation[]): CodeDef {
  const units = unitsFromHex(j.code);
  const instrs: Instr[] = decode(units);
  // Lines of instruction units only: cache units are not instructions (CodeDef.lines contract).
  const lines: (number | undefined)[] = new Array<number | undefined>(units.length).fill(undefined);
  for (const ins of instrs) {
    for (let u = ins.start; u <= ins.offset; u++) lines[u] = j.lines[u] ?? undefined;
  }
  const lineOf = (ins: Instr): number | undefined => lines[ins.offset] ?? lines[ins.start] ?? j.firstlineno;

  // Opcode subset.
  const bad: (Violation & { companion: boolean })[] = [];
  for (const ins of instrs) {
    if (SUPPORTED_OPCODES.has(ins.name)) continue;
    let construct = constructOf(ins);
    if (construct !== undefined && j.name === "<genexpr>" && (ins.name === "YIELD_VALUE" || ins.name === "RETURN_GENERATOR")) {
      construct = "generator expression";
    }
    bad.push({
      companion: isCompanion(ins),
      filename: j.filename,
      line: lineOf(ins),
      construct: construct ?? `unsupported instruction ${ins.name}`,
      opname: ins.name,
      detail: construct !== undefined ? `unsupported construct: ${construct}` : `unsupported instruction ${ins.name}`,
    });
  }
  const telling = bad.filter((v) => !v.companion);
  for (const { companion: _, ...v } of telling.length > 0 ? telling : bad) violations.push(v);

  // Special methods: tierdiff's runtime calls only __init__, __del__, __repr__ and __str__ on user
  // classes; a class defining another (e.g. __eq__, __add__, __len__) would silently behave
  // differently from CPython, so it is rejected here. Class bodies are the non-optimized code
  // objects that store __qualname__.
  const isClassBody = (j.flags & CO_OPTIMIZED) === 0 && instrs.some((ins) => ins.name === "STORE_NAME" && j.names[ins.oparg] === "__qualname__");
  if (isClassBody) {
    for (const ins of instrs) {
      if (ins.name !== "STORE_NAME") continue;
      const name = j.names[ins.oparg]!;
      if (!/^__\w+__$/.test(name) || MODELED_CLASS_DUNDERS.has(name)) continue;
      violations.push({
        filename: j.filename,
        line: lineOf(ins),
        construct: `special method or attribute ${name}`,
        opname: ins.name,
        detail: `unsupported construct: class defines ${name} (only __init__, __del__, __repr__ and __str__ are modeled)`,
      });
    }
  }

  // Constant types: blame the LOAD_CONST that loads the constant (else the code's first line).
  j.consts.forEach((c, index) => {
    const u = findUnsupported(c);
    if (u === undefined) return;
    const load = instrs.find((ins) => ins.name === "LOAD_CONST" && ins.oparg === index);
    const construct = UNSUPPORTED_CONST_CONSTRUCTS[u[0]] ?? `constant of type ${u[0]}`;
    violations.push({
      filename: j.filename,
      line: load !== undefined ? lineOf(load) : j.firstlineno,
      construct,
      opname: "LOAD_CONST",
      detail: `unsupported construct: ${construct} (constant ${u[1]})`,
    });
  });

  const exceptiontable: ExceptionTableEntry[] = j.exceptiontable.map(([start, end, target, depth, lasti]) => ({
    start: start / 2,
    end: end / 2,
    target: target / 2,
    depth,
    lasti,
  }));
  return new CodeDef(
    j.name,
    j.qualname,
    j.filename,
    j.firstlineno,
    j.argcount,
    j.posonlyargcount,
    j.kwonlyargcount,
    j.flags,
    j.stacksize,
    units,
    j.consts.map((c) => convertConst(c, violations)),
    j.names,
    j.localsplusnames,
    j.localspluskinds,
    exceptiontable,
    lines,
  );
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Module names: the first becomes `__main__`; the others must be distinct plain identifiers. */
export function checkModuleNames(modules: readonly PySourceModule[]): void {
  if (modules.length === 0) throw new Error("a program needs at least one module");
  const seen = new Set<string>(["__main__"]);
  for (const m of modules.slice(1)) {
    if (!IDENT.test(m.name)) throw new Error(`module name ${JSON.stringify(m.name)} is not a plain identifier`);
    if (seen.has(m.name)) throw new Error(`duplicate module name ${m.name}`);
    seen.add(m.name);
  }
}

/**
 * Compile with CPython 3.14 and convert. The first module is the entry point and is named
 * `__main__` in the result (as `python3 prog.py` runs it), whatever name it was given.
 * Throws ImportPyError for syntax errors and constructs outside the subset: the earliest offending
 * source line of the first offending module is reported.
 */
export async function importPython(modules: readonly PySourceModule[]): Promise<ProgramDef> {
  checkModuleNames(modules);
  const res = (await callHelper("dump_program", {
    modules: modules.map((m) => ({ name: m.name, filename: m.filename, source: m.source })),
  })) as DumpResult;
  if ("error" in res) {
    const e = res.error;
    const line = e.line ?? undefined;
    throw new ImportPyError(`${e.filename}:${line ?? 0}: ${e.type}: ${e.msg}`, e.filename, line, e.type);
  }
  const out: ModuleDef[] = [];
  res.modules.forEach((m, i) => {
    const violations: Violation[] = [];
    const code = convertCode(m.code, violations);
    if (violations.length > 0) {
      // Earliest source line wins (stable: discovery order breaks ties).
      const first = violations.reduce((a, b) => ((b.line ?? Infinity) < (a.line ?? Infinity) ? b : a));
      throw new ImportPyError(
        `${first.filename}:${first.line ?? 0}: ${first.detail} [${first.opname}]`,
        first.filename,
        first.line,
        first.construct,
        first.opname,
      );
    }
    out.push({ name: i === 0 ? "__main__" : m.name, filename: m.filename, code, source: modules[i]!.source });
  });
  return { formatVersion: PROGRAM_FORMAT_VERSION, modules: out };
}

/** Read source files: module names come from the file names (`lib/util.py` -> `util`); file names
 *  in code objects are the base names, as tracebacks show them; the first file is `__main__`. */
export function readPythonFiles(paths: readonly string[]): PySourceModule[] {
  return paths.map((p) => {
    const filename = basename(p);
    return { name: filename.replace(/\.py$/, ""), filename, source: readFileSync(p, "utf8") };
  });
}

/** importPython on files: `path` is the entry point (`__main__`), `others` are importable modules. */
export async function importPythonFile(path: string, others: readonly string[] = []): Promise<ProgramDef> {
  return importPython(readPythonFiles([path, ...others]));
}
