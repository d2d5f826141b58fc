/**
 * Small constructors for the program IR (properties/ast/types.ts), so feature templates read like
 * the Python they stand for. No arbitraries here: plain functions from values to AST nodes.
 *
 * Naming convention of the feature templates: a name (or string) starting with `$` is local to
 * the feature and is given the feature's prefix when the program is composed (see feature.ts).
 */
import type { BinOp, CmpOp, Expr, Handler, Param, Stmt, Target } from "../ast/types.ts";

export type E = Expr | string | number | boolean | null;

/** A name when given a string (use `str()` for string literals), an int when given an integer. */
export function ex(e: E): Expr {
  if (e === null) return { k: "none" };
  if (typeof e === "string") return { k: "name", id: e };
  if (typeof e === "boolean") return { k: "bool", v: e };
  if (typeof e === "number") return Number.isInteger(e) ? { k: "int", v: e } : { k: "float", v: e };
  return e;
}

export const name = (id: string): Expr => ({ k: "name", id });
export const int = (v: number | bigint): Expr =>
  typeof v === "bigint" ? (BigInt(Number(v)) === v && Number.isSafeInteger(Number(v)) ? { k: "int", v: Number(v) } : { k: "int", v: v.toString() }) : { k: "int", v };
export const float = (v: number): Expr => ({ k: "float", v });
export const str = (v: string): Expr => ({ k: "str", v });
export const none: Expr = { k: "none" };
export const bin = (op: BinOp, l: E, r: E): Expr => ({ k: "bin", op, l: ex(l), r: ex(r) });
export const cmp = (op: CmpOp, l: E, r: E): Expr => ({ k: "cmp", op, l: ex(l), r: ex(r) });
export const and = (l: E, r: E): Expr => ({ k: "boolop", op: "and", l: ex(l), r: ex(r) });
export const or = (l: E, r: E): Expr => ({ k: "boolop", op: "or", l: ex(l), r: ex(r) });
export const not = (e: E): Expr => ({ k: "not", e: ex(e) });
export const neg = (e: E): Expr => ({ k: "neg", e: ex(e) });
export const call = (f: E, ...args: E[]): Expr => ({ k: "call", f: ex(f), args: args.map(ex) });
export const callKw = (f: E, args: readonly E[], kw: readonly (readonly [string, E])[]): Expr => ({
  k: "call",
  f: ex(f),
  args: args.map(ex),
  kw: kw.map(([n, v]) => [n, ex(v)] as const),
});
export const attr = (obj: E, n: string): Expr => ({ k: "attr", obj: ex(obj), name: n });
/** `obj.m(args)` */
export const mcall = (obj: E, m: string, ...args: E[]): Expr => call(attr(obj, m), ...args);
export const sub = (obj: E, idx: E): Expr => ({ k: "sub", obj: ex(obj), idx: ex(idx) });
export const slice = (obj: E, lo?: E, hi?: E): Expr => ({
  k: "slice",
  obj: ex(obj),
  ...(lo !== undefined ? { lo: ex(lo) } : {}),
  ...(hi !== undefined ? { hi: ex(hi) } : {}),
});
export const list = (...items: E[]): Expr => ({ k: "list", items: items.map(ex) });
export const tuple = (...items: E[]): Expr => ({ k: "tuple", items: items.map(ex) });
export const dict = (...items: (readonly [E, E])[]): Expr => ({ k: "dict", items: items.map(([a, b]) => [ex(a), ex(b)] as const) });
export const ifexp = (c: E, a: E, b: E): Expr => ({ k: "ifexp", c: ex(c), a: ex(a), b: ex(b) });
export const lambda = (params: readonly string[], body: E): Expr => ({ k: "lambda", params, body: ex(body) });
export const range = (...args: E[]): Expr => call("range", ...args);

// ---- targets -------------------------------------------------------------------------------------

export type T = Target | string;
export const tgt = (t: T): Target => (typeof t === "string" ? { k: "name", id: t } : t);
export const attrT = (obj: E, n: string): Target => ({ k: "attr", obj: ex(obj), name: n });
export const subT = (obj: E, idx: E): Target => ({ k: "sub", obj: ex(obj), idx: ex(idx) });

// ---- statements ----------------------------------------------------------------------------------

export const assign = (t: T, v: E): Stmt => ({ k: "assign", target: tgt(t), value: ex(v) });
export const aug = (t: T, op: BinOp, v: E): Stmt => ({ k: "augassign", target: tgt(t), op, value: ex(v) });
export const expr = (e: E): Stmt => ({ k: "expr", e: ex(e) });
export const print = (...args: E[]): Stmt => expr(call("print", ...args));
export const if_ = (c: E, body: readonly Stmt[], orelse: readonly Stmt[] = []): Stmt => ({ k: "if", c: ex(c), body, orelse });
export const for_ = (v: T, iter: E, body: readonly Stmt[]): Stmt => ({ k: "for", v: tgt(v), iter: ex(iter), body });
export const ret = (e?: E): Stmt => (e === undefined ? { k: "return" } : { k: "return", e: ex(e) });
export const pass: Stmt = { k: "pass" };
export const brk: Stmt = { k: "break" };
export const cont: Stmt = { k: "continue" };
export const global = (...names: string[]): Stmt => ({ k: "global", names });
export const nonlocal = (...names: string[]): Stmt => ({ k: "nonlocal", names });
export const del = (t: T): Stmt => ({ k: "del", target: tgt(t) });
export const raise = (e?: E): Stmt => (e === undefined ? { k: "raise" } : { k: "raise", e: ex(e) });
export const import_ = (module: string): Stmt => ({ k: "import", module });

/** `def name(params): body`; a param is `"a"` or `["a", default]` */
export function def(n: string, params: readonly (string | readonly [string, E])[], body: readonly Stmt[]): Stmt {
  const ps: Param[] = params.map((p) => (typeof p === "string" ? { name: p } : { name: p[0], default: ex(p[1]) }));
  return { k: "def", name: n, params: ps, body: body.length > 0 ? body : [pass] };
}

export function cls(n: string, base: string | undefined, body: readonly Stmt[]): Stmt {
  return { k: "class", name: n, ...(base !== undefined ? { base } : {}), body: body.length > 0 ? body : [pass] };
}

export const handler = (type: string | undefined, body: readonly Stmt[], as?: string): Handler => ({
  ...(type !== undefined ? { type } : {}),
  ...(as !== undefined ? { name: as } : {}),
  body: body.length > 0 ? body : [pass],
});

export function try_(body: readonly Stmt[], handlers: readonly Handler[], orelse?: readonly Stmt[], final?: readonly Stmt[]): Stmt {
  return {
    k: "try",
    body: body.length > 0 ? body : [pass],
    handlers,
    ...(orelse !== undefined && orelse.length > 0 && handlers.length > 0 ? { orelse } : {}),
    ...(final !== undefined && final.length > 0 ? { final } : {}),
  };
}

/** `try: body except T: pass` — for statements that may legitimately fail (idempotent events). */
export const tryIgnore = (body: readonly Stmt[], ...types: string[]): Stmt =>
  try_(body, (types.length > 0 ? types : ["Exception"]).map((t) => handler(t, [pass])));

/**
 * The only `while` the generators emit: `i = 0; while i < n: body; i += 1`. The increment is the
 * last statement of the loop body and `body` must not `continue` this loop (checked), so the loop
 * runs at most `n` times.
 */
export function boundedWhile(i: string, n: number, body: readonly Stmt[]): Stmt[] {
  if (body.some(continuesLoop)) throw new Error("boundedWhile: body must not `continue` the loop");
  return [assign(i, 0), { k: "while", c: cmp("<", i, n), body: [...body, aug(i, "+", 1)] }];
}

/** Does `s` contain a `continue` that belongs to the enclosing loop (not to a nested loop)? */
function continuesLoop(s: Stmt): boolean {
  switch (s.k) {
    case "continue":
      return true;
    case "if":
      return s.body.some(continuesLoop) || s.orelse.some(continuesLoop);
    case "try":
      return (
        s.body.some(continuesLoop) ||
        s.handlers.some((h) => h.body.some(continuesLoop)) ||
        (s.orelse ?? []).some(continuesLoop) ||
        (s.final ?? []).some(continuesLoop)
      );
    default:
      return false;
  }
}
