/**
 * Python 3.14 source for the program IR (properties/ast/types.ts): what humans read in failure
 * reports and what the CPython oracle compiles and runs.
 *
 * Layout contract (properties/ast/codegen.ts gives every statement the line it has here, so that
 * tracebacks and line tables match the printed source):
 *  - one line per simple statement and per compound-statement header (`if c:`, `else:`, `elif c:`,
 *    `while c:`, `for t in e:`, `def f(...):`, `class C(B):`, `try:`, `except ...:`, `finally:`);
 *  - an empty body prints `pass` on its own line;
 *  - an `else` branch that is exactly one `if` statement prints as `elif` (same AST);
 *  - expressions never span lines (no wrapping).
 *
 * Expressions are printed with the minimal parentheses Python's precedence rules need, plus a few
 * that only help readability without changing the AST (`-(-x)`, lambdas inside displays, tuple
 * targets). A printed expression parses back to exactly the AST the code generator compiles; in
 * particular a negative number literal prints as `-5`, which Python parses as `-(5)` (the code
 * generator compiles it the same way), and non-finite floats print as `float('inf')`,
 * `float('-inf')`, `float('nan')` (calls, also compiled as such).
 */
import type { BinOp, Expr, Handler, ModuleAst, Param, ProgramAst, Stmt, Target } from "./types.ts";
import { strRepr } from "../../engine/runtime/format.ts";
import { floatRepr } from "../../engine/runtime/float.ts";

// ---------------------------------------------------------------------------------------------
// Precedence (Python Reference, 6.17 "Operator precedence"), lowest first

export const PREC = {
  LAMBDA: 0,
  IFEXP: 1,
  OR: 2,
  AND: 3,
  NOT: 4,
  CMP: 5,
  BOR: 6,
  BXOR: 7,
  BAND: 8,
  SHIFT: 9,
  ARITH: 10,
  TERM: 11,
  UNARY: 12,
  POWER: 13,
  AWAIT: 14,
  PRIMARY: 15,
  ATOM: 16,
} as const;

const BIN_PREC: Readonly<Record<BinOp, number>> = {
  "|": PREC.BOR,
  "^": PREC.BXOR,
  "&": PREC.BAND,
  "<<": PREC.SHIFT,
  ">>": PREC.SHIFT,
  "+": PREC.ARITH,
  "-": PREC.ARITH,
  "*": PREC.TERM,
  "/": PREC.TERM,
  "//": PREC.TERM,
  "%": PREC.TERM,
  "**": PREC.POWER,
};

/** Source file name of a module of the program (CodeDef.filename / the oracle's module file). */
export function moduleFilename(name: string): string {
  return `${name}.py`;
}

/** `True` when an int literal (number or decimal string) is negative: it prints as `-N`. */
export function intIsNegative(v: number | string): boolean {
  return typeof v === "number" ? v < 0 : v.charCodeAt(0) === 45; /* '-' */
}

/** Python literal text of an IR int (number or decimal string); `-0` prints as `0`. */
export function intText(v: number | string): string {
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v)) throw new Error(`int literal ${v} is not a safe integer (use a decimal string)`);
    return Object.is(v, -0) ? "0" : String(v);
  }
  return BigInt(v).toString();
}

/**
 * Whether an f-string format spec can be written inline (`{x:>10}`). Otherwise it is written as a
 * nested replacement field holding a string literal (`{x:{'a{b'}}`): Python has no escape for
 * braces inside a format spec. The code generator compiles the two forms as CPython does
 * (`LOAD_CONST spec` vs `LOAD_CONST spec; FORMAT_SIMPLE`), so it asks this same function.
 */
export function fstringSpecInline(spec: string): boolean {
  for (let i = 0; i < spec.length; i++) {
    const c = spec.charCodeAt(i);
    // printable ASCII except { } \ ' "
    if (c < 0x20 || c > 0x7e || c === 0x7b || c === 0x7d || c === 0x5c || c === 0x27 || c === 0x22) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Expressions

function wrap(text: string, prec: number, min: number): string {
  return prec < min ? `(${text})` : text;
}

/** Text and precedence of an expression. */
function ex(e: Expr): [string, number] {
  switch (e.k) {
    case "int":
      return intIsNegative(e.v) ? [intText(e.v), PREC.UNARY] : [intText(e.v), PREC.ATOM];
    case "float": {
      const v = e.v;
      if (Number.isNaN(v)) return ["float('nan')", PREC.PRIMARY];
      if (v === Infinity) return ["float('inf')", PREC.PRIMARY];
      if (v === -Infinity) return ["float('-inf')", PREC.PRIMARY];
      const r = floatRepr(v);
      return [r, r.charCodeAt(0) === 45 ? PREC.UNARY : PREC.ATOM];
    }
    case "str":
      return [strRepr(e.v), PREC.ATOM];
    case "bool":
      return [e.v ? "True" : "False", PREC.ATOM];
    case "none":
      return ["None", PREC.ATOM];
    case "name":
      return [e.id, PREC.ATOM];
    case "bin": {
      const p = BIN_PREC[e.op];
      if (e.op === "**") {
        // power: left operand is a primary (`(-2) ** 2`), right operand may be unary (`2 ** -1`), right-assoc
        return [`${exprAt(e.l, PREC.AWAIT)} ** ${exprAt(e.r, PREC.UNARY)}`, p];
      }
      return [`${exprAt(e.l, p)} ${e.op} ${exprAt(e.r, p + 1)}`, p];
    }
    case "cmp":
      // no chaining: a comparison operand that is itself a comparison is parenthesized
      return [`${exprAt(e.l, PREC.CMP + 1)} ${e.op} ${exprAt(e.r, PREC.CMP + 1)}`, PREC.CMP];
    case "boolop": {
      // `a and b and c` is one flat BoolOp in Python's AST: left-nested chains print flat,
      // right-nested ones keep their parentheses (the code generator flattens the same way)
      const p = e.op === "and" ? PREC.AND : PREC.OR;
      return [`${exprAt(e.l, p)} ${e.op} ${exprAt(e.r, p + 1)}`, p];
    }
    case "not":
      return [`not ${exprAt(e.e, PREC.NOT)}`, PREC.NOT];
    case "neg":
      return [`-${exprAt(e.e, PREC.UNARY + 1)}`, PREC.UNARY];
    case "invert":
      return [`~${exprAt(e.e, PREC.UNARY + 1)}`, PREC.UNARY];
    case "call": {
      const args = e.args.map((a) => exprAt(a, PREC.LAMBDA));
      if (e.kw) for (const [k, v] of e.kw) args.push(`${k}=${exprAt(v, PREC.LAMBDA)}`);
      return [`${exprAt(e.f, PREC.PRIMARY)}(${args.join(", ")})`, PREC.PRIMARY];
    }
    case "attr":
      return [`${primaryBase(e.obj)}.${e.name}`, PREC.PRIMARY];
    case "sub":
      return [`${exprAt(e.obj, PREC.PRIMARY)}[${e.idx.k === "tuple" ? exprSource(e.idx) : exprAt(e.idx, PREC.IFEXP)}]`, PREC.PRIMARY];
    case "slice": {
      const lo = e.lo ? exprAt(e.lo, PREC.IFEXP) : "";
      const hi = e.hi ? exprAt(e.hi, PREC.IFEXP) : "";
      return [`${exprAt(e.obj, PREC.PRIMARY)}[${lo}:${hi}]`, PREC.PRIMARY];
    }
    case "list":
      return [`[${e.items.map((x) => exprAt(x, PREC.IFEXP)).join(", ")}]`, PREC.ATOM];
    case "tuple": {
      const items = e.items.map((x) => exprAt(x, PREC.IFEXP));
      return [items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`, PREC.ATOM];
    }
    case "dict":
      return [`{${e.items.map(([k, v]) => `${exprAt(k, PREC.IFEXP)}: ${exprAt(v, PREC.IFEXP)}`).join(", ")}}`, PREC.ATOM];
    case "ifexp":
      return [`${exprAt(e.a, PREC.OR)} if ${exprAt(e.c, PREC.OR)} else ${exprAt(e.b, PREC.IFEXP)}`, PREC.IFEXP];
    case "lambda":
      return [`lambda${e.params.length ? " " + e.params.join(", ") : ""}: ${exprAt(e.body, PREC.LAMBDA)}`, PREC.LAMBDA];
    case "fstr":
      return [fstringSource(e.parts), PREC.ATOM];
    case "listcomp": {
      const cond = e.cond ? ` if ${exprAt(e.cond, PREC.OR)}` : "";
      return [`[${exprAt(e.elt, PREC.IFEXP)} for ${e.v} in ${exprAt(e.iter, PREC.OR)}${cond}]`, PREC.ATOM];
    }
  }
}

/** The object of an attribute access: number literals need parentheses (`(5).x`, not `5.x`). */
function primaryBase(e: Expr): string {
  if (e.k === "int" || e.k === "float") {
    const [t] = ex(e);
    return `(${t})`;
  }
  return exprAt(e, PREC.PRIMARY);
}

function exprAt(e: Expr, min: number): string {
  const [t, p] = ex(e);
  return wrap(t, p, min);
}

/** Python source of an expression (no surrounding parentheses unless needed inside). */
export function exprSource(e: Expr): string {
  return ex(e)[0];
}

/** One character of a string literal body delimited by `quote` (braces doubled in f-strings). */
function escapeInto(s: string, quote: string, fstring: boolean): string {
  let out = "";
  for (const ch of s) {
    if (ch === quote || ch === "\\") out += "\\" + ch;
    else if (fstring && (ch === "{" || ch === "}")) out += ch + ch;
    else {
      const r = strRepr(ch); // handles controls, non-printables, surrogates
      out += r.slice(1, -1);
    }
  }
  return out;
}

function fstringSource(parts: Extract<Expr, { k: "fstr" }>["parts"]): string {
  const q = '"';
  let out = "f" + q;
  for (const p of parts) {
    if (typeof p === "string") {
      out += escapeInto(p, q, true);
      continue;
    }
    let t = exprAt(p.e, PREC.IFEXP);
    // `{ {1: 2} }`: a leading brace would read as an escaped `{{`
    if (t.charCodeAt(0) === 0x7b) t = ` ${t} `;
    out += "{" + t;
    if (p.conv) out += "!" + p.conv;
    if (p.spec !== undefined) out += ":" + (fstringSpecInline(p.spec) ? p.spec : `{${strRepr(p.spec)}}`);
    out += "}";
  }
  return out + q;
}

/** Source of an assignment / for / del target. */
export function targetSource(t: Target): string {
  switch (t.k) {
    case "name":
      return t.id;
    case "attr":
      return `${primaryBase(t.obj)}.${t.name}`;
    case "sub":
      return `${exprAt(t.obj, PREC.PRIMARY)}[${t.idx.k === "tuple" ? exprSource(t.idx) : exprAt(t.idx, PREC.IFEXP)}]`;
    case "tuple":
      return t.items.length === 1 ? `(${targetSource(t.items[0]!)},)` : `(${t.items.map(targetSource).join(", ")})`;
  }
}

// ---------------------------------------------------------------------------------------------
// Statements

function paramSource(p: Param): string {
  return p.default ? `${p.name}=${exprAt(p.default, PREC.IFEXP)}` : p.name;
}

function handlerHeader(h: Handler): string {
  if (h.type === undefined) return "except:";
  return h.name !== undefined ? `except ${h.type} as ${h.name}:` : `except ${h.type}:`;
}

function block(out: string[], body: readonly Stmt[], indent: string): void {
  if (body.length === 0) {
    out.push(indent + "pass");
    return;
  }
  for (const s of body) emit(out, s, indent);
}

function emit(out: string[], s: Stmt, ind: string): void {
  const inner = ind + "    ";
  switch (s.k) {
    case "assign":
      out.push(`${ind}${targetSource(s.target)} = ${exprSource(s.value)}`);
      return;
    case "augassign":
      out.push(`${ind}${targetSource(s.target)} ${s.op}= ${exprSource(s.value)}`);
      return;
    case "expr":
      out.push(ind + exprSource(s.e));
      return;
    case "if": {
      out.push(`${ind}if ${exprAt(s.c, PREC.IFEXP)}:`);
      block(out, s.body, inner);
      let orelse = s.orelse;
      // elif chains: `else:` + a single `if` prints as `elif` (same AST)
      while (orelse.length === 1 && orelse[0]!.k === "if") {
        const e = orelse[0] as Extract<Stmt, { k: "if" }>;
        out.push(`${ind}elif ${exprAt(e.c, PREC.IFEXP)}:`);
        block(out, e.body, inner);
        orelse = e.orelse;
      }
      if (orelse.length > 0) {
        out.push(`${ind}else:`);
        block(out, orelse, inner);
      }
      return;
    }
    case "while":
      out.push(`${ind}while ${exprAt(s.c, PREC.IFEXP)}:`);
      block(out, s.body, inner);
      return;
    case "for":
      out.push(`${ind}for ${targetSource(s.v)} in ${exprAt(s.iter, PREC.IFEXP)}:`);
      block(out, s.body, inner);
      return;
    case "break":
      out.push(ind + "break");
      return;
    case "continue":
      out.push(ind + "continue");
      return;
    case "return":
      out.push(s.e ? `${ind}return ${exprSource(s.e)}` : `${ind}return`);
      return;
    case "pass":
      out.push(ind + "pass");
      return;
    case "def":
      out.push(`${ind}def ${s.name}(${s.params.map(paramSource).join(", ")}):`);
      block(out, s.body, inner);
      return;
    case "class":
      out.push(s.base !== undefined ? `${ind}class ${s.name}(${s.base}):` : `${ind}class ${s.name}:`);
      block(out, s.body, inner);
      return;
    case "try":
      out.push(`${ind}try:`);
      block(out, s.body, inner);
      for (const h of s.handlers) {
        out.push(ind + handlerHeader(h));
        block(out, h.body, inner);
      }
      if (s.orelse && s.orelse.length > 0) {
        out.push(`${ind}else:`);
        block(out, s.orelse, inner);
      }
      if (s.final && s.final.length > 0) {
        out.push(`${ind}finally:`);
        block(out, s.final, inner);
      }
      return;
    case "raise":
      out.push(s.e ? `${ind}raise ${exprSource(s.e)}` : `${ind}raise`);
      return;
    case "global":
      out.push(`${ind}global ${s.names.join(", ")}`);
      return;
    case "nonlocal":
      out.push(`${ind}nonlocal ${s.names.join(", ")}`);
      return;
    case "del":
      out.push(`${ind}del ${targetSource(s.target)}`);
      return;
    case "import":
      out.push(`${ind}import ${s.module}`);
      return;
  }
}

/** Python source of one statement (several lines for compound statements), indented by `indent` levels. */
export function stmtSource(s: Stmt, indent = 0): string {
  const out: string[] = [];
  emit(out, s, "    ".repeat(indent));
  return out.join("\n");
}

/** Source of a module body (an empty module is empty source). Ends with a newline unless empty. */
export function moduleSource(body: readonly Stmt[]): string {
  const out: string[] = [];
  for (const s of body) emit(out, s, "");
  return out.length ? out.join("\n") + "\n" : "";
}

/** One source file per module: the first is the entry point (the oracle runs it as `__main__`). */
export function programSource(p: ProgramAst): { name: string; filename: string; source: string }[] {
  return p.modules.map((m: ModuleAst) => ({ name: m.name, filename: moduleFilename(m.name), source: moduleSource(m.body) }));
}

