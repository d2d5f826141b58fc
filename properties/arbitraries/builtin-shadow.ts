/**
 * Builtins read in a hot loop, shadowed by a module global (`len = lambda x: 7`) and restored
 * (`del len`) — between calls at module level, or mid-loop from the function (`global len`) —
 * which is what LOAD_GLOBAL_BUILTIN's two dict-keys-version guards and tier 2's builtins/globals
 * watchers must notice. The shadow can also be a non-callable (the call raises TypeError, caught).
 * The feature always ends with the builtin restored (a final `del` ignoring NameError).
 *
 *     $xs = [1, 2, 3]
 *     def $fake(x): return 7
 *     def $run():
 *         global len
 *         t = 0
 *         for i in range(n):
 *             if i == K1: len = $fake          # optional mid-loop shadow ...
 *             if i == K2: del len              # ... and restore (K1 < K2 < n)
 *             try:
 *                 t = t + len($xs)
 *             except TypeError: t = t - 1
 *         print("$bs", t)
 *     $run()
 *     len = $fake                              # module-level shadow
 *     $run()
 *     del len                                  # (NameError ignored)
 *     $run()
 *     try: del len
 *     except NameError: pass
 */
import fc from "fast-check";
import type { Expr, Stmt } from "../ast/types.ts";
import { assign, bin, call, cmp, def, del, expr, global, handler, if_, int, lambda, list, print, ret, str, try_, tryIgnore } from "./build.ts";
import type { Feature } from "./feature.ts";
import { iterationsArb, loop, loopKindArb, type LoopKind } from "./loop.ts";

export const SHADOWED = ["len", "abs", "min", "max", "isinstance", "int", "str", "sum", "type"] as const;
export type Shadowed = (typeof SHADOWED)[number];

export const FAKE_KINDS = ["def", "lambda", "noncallable", "other-builtin"] as const;
export type FakeKind = (typeof FAKE_KINDS)[number];

export interface BuiltinShadowParams {
  readonly loop: LoopKind;
  readonly n: number;
  readonly builtin: Shadowed;
  readonly fake: FakeKind;
  /** mid-loop shadow at `k1` and restore at `k1 + gap` (both clamped below n) */
  readonly midLoop: { readonly k1: number; readonly gap: number } | null;
  readonly moduleLevel: boolean;
}

export const builtinShadowParamsArb: fc.Arbitrary<BuiltinShadowParams> = fc.record({
  loop: loopKindArb,
  n: iterationsArb(),
  builtin: fc.constantFrom(...SHADOWED),
  fake: fc.constantFrom(...FAKE_KINDS),
  midLoop: fc.option(fc.record({ k1: fc.integer({ min: 0, max: 38 }), gap: fc.integer({ min: 1, max: 20 }) }), { nil: null }),
  moduleLevel: fc.boolean(),
});

/** The use of the builtin in the loop and the number of arguments it takes there. */
function use(b: Shadowed): [Expr, number] {
  switch (b) {
    case "len":
      return [call("len", "$xs"), 1];
    case "abs":
      return [call("abs", bin("-", "i", 2)), 1];
    case "min":
      return [call("min", "i", 3), 2];
    case "max":
      return [call("max", "i", 3), 2];
    case "isinstance":
      return [call("isinstance", "i", "int"), 2];
    case "int":
      return [call("int", bin("+", "i", 0.5)), 1];
    case "str":
      return [call("len", call("str", "i")), 1];
    case "sum":
      return [call("sum", "$xs"), 1];
    case "type":
      return [cmp("is", call("type", "i"), "int"), 1];
  }
}

/** A builtin of the given arity other than `b` whose result on the loop's arguments is a number. */
function otherBuiltin(b: Shadowed, arity: number): string {
  if (arity === 2) return b === "max" ? "min" : "max";
  return b === "len" ? "sum" : b === "abs" ? "int" : "abs";
}

function build(p: BuiltinShadowParams): Feature {
  const b = p.builtin;
  const [useExpr, arity] = use(b);
  const params = arity === 1 ? ["x"] : ["x", "y"];
  const fake: Stmt =
    p.fake === "def"
      ? def("$fake", params, [ret(int(7))])
      : p.fake === "lambda"
        ? assign("$fake", lambda(params, 7))
        : p.fake === "noncallable"
          ? assign("$fake", int(7))
          : assign("$fake", otherBuiltin(b, arity));
  const body: Stmt[] = [];
  if (p.midLoop !== null) {
    const k1 = Math.min(p.midLoop.k1, p.n - 2);
    const k2 = Math.min(k1 + p.midLoop.gap, p.n - 1);
    body.push(if_(cmp("==", "i", k1), [assign(b, "$fake")]), if_(cmp("==", "i", k2), [tryIgnore([del(b)], "NameError")]));
  }
  body.push(
    try_(
      [assign("t", bin("+", "t", useExpr))],
      [handler("TypeError", [assign("t", bin("-", "t", 1))])],
    ),
  );
  const run = def("$run", [], [
    ...(p.midLoop !== null ? [global(b)] : []),
    assign("t", int(0)),
    ...loop(p.loop, "i", p.n, body),
    print(str("$bs"), "t"),
    ret("t"),
  ]);
  // `$xs` for len/sum; the "other-builtin" fakes of abs/int (`int(x)` on a float) stay numeric
  const stmts: Stmt[] = [assign("$xs", list(1, 2, 3)), fake, run, expr(call("$run"))];
  // (the mid-loop restore may already have deleted the module-level shadow: NameError, ignored)
  if (p.moduleLevel) stmts.push(assign(b, "$fake"), expr(call("$run")), tryIgnore([del(b)], "NameError"), expr(call("$run")));
  stmts.push(tryIgnore([del(b)], "NameError"));
  return { kind: "builtin-shadow", stmts, modules: [] };
}

export const builtinShadowArb: fc.Arbitrary<Feature> = builtinShadowParamsArb.map(build);
