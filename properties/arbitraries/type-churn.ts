/**
 * Values whose type changes mid-loop, after the loop's operations have specialized for the first
 * type: int -> float -> str, small int -> big int (`x = (i + 1) * 2**40`), -> bool / None / list /
 * tuple. Every operation on `x` is guarded by `try/except TypeError`, so whatever the order of the
 * transitions the loop goes on; the results are printed.
 *
 *     def $run():
 *         x = 3
 *         out = []
 *         for i in range(n):
 *             if i == K1: x = i + 0.5       # transitions, each at its own iteration
 *             if i == K2: x = str(i)
 *             try:
 *                 y = x + x                  # the operations
 *             except TypeError:
 *                 y = "TE"
 *             out.append(y)
 *         print("$tc", out)
 */
import fc from "fast-check";
import type { Expr, Stmt } from "../ast/types.ts";
import { assign, bin, call, cmp, def, expr, handler, if_, ifexp, int, list, mcall, neg, not, print, ret, str, sub, try_, tuple } from "./build.ts";
import type { Feature } from "./feature.ts";
import { at } from "./feature.ts";
import { iterationsArb, loop, loopKindArb, type LoopKind } from "./loop.ts";

export const TYPE_TARGETS = ["float", "str", "bigint", "int", "bool", "none", "list", "tuple", "negbig"] as const;
export type TypeTarget = (typeof TYPE_TARGETS)[number];

export const CHURN_OPS = ["add-self", "add-one", "mul-two", "lt", "eq", "floordiv", "neg", "sub-one", "str-of", "subscr", "grow", "truth", "not"] as const;
export type ChurnOp = (typeof CHURN_OPS)[number];

export interface TypeChurnParams {
  readonly loop: LoopKind;
  readonly n: number;
  readonly start: number;
  readonly transitions: readonly { readonly at: number; readonly to: TypeTarget }[];
  readonly ops: readonly ChurnOp[];
  /** print the TypeError's message instead of a fixed marker */
  readonly showMessage: boolean;
  readonly calls: number;
}

export const typeChurnParamsArb: fc.Arbitrary<TypeChurnParams> = fc.record({
  loop: loopKindArb,
  n: iterationsArb(),
  start: fc.integer({ min: -3, max: 1000 }),
  transitions: fc.array(fc.record({ at: fc.integer({ min: 0, max: 40 }), to: fc.constantFrom(...TYPE_TARGETS) }), { minLength: 1, maxLength: 3 }),
  ops: fc.array(fc.constantFrom(...CHURN_OPS), { minLength: 1, maxLength: 3 }),
  showMessage: fc.boolean(),
  calls: fc.integer({ min: 1, max: 2 }),
});

/** The new value of `x` at iteration `i` (each expression is valid whatever `x` was). */
function valueOf(to: TypeTarget): Expr {
  switch (to) {
    case "float":
      return bin("+", "i", 0.5);
    case "str":
      return call("str", "i");
    case "bigint":
      return bin("*", bin("+", "i", 1), bin("**", 2, 40));
    case "int":
      return bin("-", "i", 1);
    case "bool":
      return cmp(">", "i", 2);
    case "none":
      return { k: "none" };
    case "list":
      return list("i", 1);
    case "tuple":
      return tuple("i");
    case "negbig":
      return bin("-", neg(bin("**", 2, 64)), "i");
  }
}

/** `y = <op on x>`; "grow" assigns back (`x = x + 1`), which only ever adds 1 to a number. */
function opStmt(o: ChurnOp): Stmt {
  const y = (e: Expr): Stmt => assign("y", e);
  switch (o) {
    case "add-self":
      return y(bin("+", "x", "x"));
    case "add-one":
      return y(bin("+", "x", 1));
    case "mul-two":
      return y(bin("*", "x", 2));
    case "lt":
      return y(cmp("<", "x", 3));
    case "eq":
      return y(cmp("==", "x", "x"));
    case "floordiv":
      return y(bin("//", "x", 2));
    case "neg":
      return y(neg("x"));
    case "sub-one":
      return y(bin("-", "x", 1));
    case "str-of":
      return y(call("str", "x"));
    case "subscr":
      return y(sub("x", 0));
    case "grow":
      return assign("x", bin("+", "x", 1));
    case "truth":
      return y(ifexp("x", 1, 0));
    case "not":
      return y(not("x"));
  }
}

function build(p: TypeChurnParams): Feature {
  const body: Stmt[] = [];
  const seen = new Set<number>();
  for (const t of p.transitions) {
    const k = at(t.at, p.n);
    if (seen.has(k)) continue;
    seen.add(k);
    body.push(if_(cmp("==", "i", k), [assign("x", valueOf(t.to))]));
  }
  const onError = p.showMessage ? [assign("y", call("str", "e"))] : [assign("y", str("TE"))];
  for (const o of p.ops) {
    body.push(
      try_([opStmt(o)], [handler("TypeError", onError, p.showMessage ? "e" : undefined), handler("IndexError", [assign("y", str("IE"))])]),
      expr(mcall("out", "append", "y")),
    );
  }
  const run = def("$run", [], [
    assign("x", int(p.start)),
    assign("y", int(0)),
    assign("out", list()),
    ...loop(p.loop, "i", p.n, body),
    print(str("$tc"), "x", "out"),
    ret("x"),
  ]);
  return { kind: "type-churn", stmts: [run, ...Array.from({ length: p.calls }, () => expr(call("$run")))], modules: [] };
}

export const typeChurnArb: fc.Arbitrary<Feature> = typeChurnParamsArb.map(build);
