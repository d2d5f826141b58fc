/**
 * Function objects mutated while a hot loop calls them: `__code__` replaced by a compatible or an
 * incompatible code object (or one with free variables: ValueError), `__defaults__` replaced or
 * cleared, the global rebound to another function or a lambda, deleted and redefined (`def` again:
 * a new function object, possibly at the freed address, with the same code object and so the same
 * function version), and short-lived lambdas made and freed every iteration. These are the events
 * behind the function-version cache's bugs (gh-108253, gh-117045).
 *
 *     def $f(a, b=1): return a + b
 *     def $g(a, b=1): return a * b
 *     def $h(a): return -a
 *     def $mk(k):
 *         def inner(a, b=1): return a + k
 *         return inner
 *     def $run():
 *         global $f
 *         t = 0
 *         for i in range(n):
 *             try:
 *                 t = t + $f(i)              # or $f(i, 2)
 *             except TypeError: t = t - 1
 *             except NameError: t = t - 2
 *             [tmp = lambda x: x + i; t = t + tmp(1)]
 *             if i == K: <event>
 *         print("$fm", t)
 *     $run()
 *     <module-level event>                  # e.g. del $f; def $f(a, b=1): return a - b
 *     $run()
 */
import fc from "fast-check";
import type { Stmt } from "../ast/types.ts";
import {
  assign, attr, attrT, bin, call, cmp, def, del, expr, global, handler, if_, int, lambda, neg, print, ret, str, try_, tryIgnore, tuple,
} from "./build.ts";
import type { Feature } from "./feature.ts";
import { at } from "./feature.ts";
import { iterationsArb, loop, loopKindArb, type LoopKind } from "./loop.ts";

export const FUNC_EVENTS = [
  "code-compatible",
  "code-incompatible",
  "code-freevars",
  "set-defaults",
  "clear-defaults",
  "rebind",
  "rebind-lambda",
  "delete",
  "redefine",
  "restore-code",
] as const;
export type FuncEvent = (typeof FUNC_EVENTS)[number];

export interface FuncMutationParams {
  readonly loop: LoopKind;
  readonly n: number;
  readonly twoArgs: boolean;
  readonly events: readonly { readonly at: number; readonly ev: FuncEvent }[];
  readonly between: FuncEvent | null;
  /** make and call a fresh lambda every iteration */
  readonly tempLambdas: boolean;
}

export const funcMutationParamsArb: fc.Arbitrary<FuncMutationParams> = fc.record({
  loop: loopKindArb,
  n: iterationsArb(),
  twoArgs: fc.boolean(),
  events: fc.array(fc.record({ at: fc.integer({ min: 0, max: 40 }), ev: fc.constantFrom(...FUNC_EVENTS) }), { minLength: 1, maxLength: 3 }),
  between: fc.option(fc.constantFrom(...FUNC_EVENTS), { nil: null }),
  tempLambdas: fc.boolean(),
});

/**
 * One event; valid both in `$run` (which declares `$f` global) and at module level. Attribute
 * events on a deleted `$f` raise NameError, ignored.
 */
function event(ev: FuncEvent): Stmt[] {
  const guard = (s: Stmt[]): Stmt[] => [tryIgnore(s, "NameError")];
  switch (ev) {
    case "code-compatible":
      return guard([assign(attrT("$f", "__code__"), attr("$g", "__code__"))]);
    case "code-incompatible":
      return guard([assign(attrT("$f", "__code__"), attr("$h", "__code__"))]);
    case "code-freevars":
      // CPython: ValueError "... requires a code object with 0 free vars, not 1"
      return [tryIgnore([assign(attrT("$f", "__code__"), attr(call("$mk", 1), "__code__"))], "ValueError", "NameError")];
    case "set-defaults":
      return guard([assign(attrT("$f", "__defaults__"), tuple(5))]);
    case "clear-defaults":
      return guard([assign(attrT("$f", "__defaults__"), { k: "none" })]);
    case "rebind":
      return [assign("$f", "$g")];
    case "rebind-lambda":
      return [assign("$f", lambda(["a", "b"], bin("-", "a", "b")))];
    case "delete":
      return guard([del("$f")]);
    case "redefine":
      return [tryIgnore([del("$f")], "NameError"), def("$f", ["a", ["b", 1]], [ret(bin("-", bin("*", "a", 2), "b"))])];
    case "restore-code":
      return guard([assign(attrT("$f", "__code__"), attr("$f0", "__code__")), assign(attrT("$f", "__defaults__"), tuple(1))]);
  }
}

function build(p: FuncMutationParams): Feature {
  const callF = p.twoArgs ? call("$f", "i", 2) : call("$f", "i");
  const body: Stmt[] = [
    try_(
      [assign("t", bin("+", "t", callF))],
      [handler("TypeError", [assign("t", bin("-", "t", 1))]), handler("NameError", [assign("t", bin("-", "t", 2))])],
    ),
  ];
  if (p.tempLambdas) body.push(assign("tmp", lambda(["x"], bin("+", "x", "i"))), assign("t", bin("+", "t", call("tmp", 1))));
  for (const e of p.events) body.push(if_(cmp("==", "i", at(e.at, p.n)), event(e.ev)));
  const stmts: Stmt[] = [
    def("$f", ["a", ["b", 1]], [ret(bin("+", "a", "b"))]),
    def("$f0", ["a", ["b", 1]], [ret(bin("+", "a", "b"))]),
    def("$g", ["a", ["b", 1]], [ret(bin("*", "a", "b"))]),
    def("$h", ["a"], [ret(neg("a"))]),
    def("$mk", ["k"], [def("inner", ["a", ["b", 1]], [ret(bin("+", "a", "k"))]), ret("inner")]),
    def("$run", [], [global("$f"), assign("t", int(0)), ...loop(p.loop, "i", p.n, body), print(str("$fm"), "t"), ret("t")]),
    expr(call("$run")),
  ];
  if (p.between !== null) stmts.push(...event(p.between), expr(call("$run")));
  return { kind: "func-mutation", stmts, modules: [] };
}

export const funcMutationArb: fc.Arbitrary<Feature> = funcMutationParamsArb.map(build);
