/**
 * Recursion: a depth-controlled recursive function called in a hot loop (trace projection stops
 * at recursive calls; CALL_PY_EXACT_ARGS into the same code), mutual recursion, recursion near the
 * limit (1000 frames, the module frame included), past it (RecursionError caught, then recovery),
 * and the depth probe `def depth(n): try: return depth(n + 1) except RecursionError: return n`.
 * Every call that could pass the limit sits inside `try/except RecursionError` at module level.
 *
 *     def $rec(n):
 *         if n <= 0: return 0
 *         return n + $rec(n - 1)
 *     def $even(n): return True if n == 0 else $odd(n - 1)
 *     def $odd(n): return False if n == 0 else $even(n - 1)
 *     def $run():
 *         t = 0
 *         for i in range(reps): t = t + $rec(d) + $even(i)
 *         print("$rec", t)
 *     $run()
 *     try: print("$deep", $rec(950))         # near the limit
 *     except RecursionError: print("$toodeep")
 *     def $forever(n): return $forever(n + 1)
 *     try: $forever(0)
 *     except RecursionError as e: print("$caught", e)
 */
import fc from "fast-check";
import type { Stmt } from "../ast/types.ts";
import { bin, call, cmp, def, expr, for_, handler, ifexp, if_, int, print, range, ret, str, try_, assign } from "./build.ts";
import type { Feature } from "./feature.ts";

export const RECURSION_PARTS = ["hot", "mutual", "near-limit", "past-limit", "depth-probe"] as const;
export type RecursionPart = (typeof RECURSION_PARTS)[number];

export interface RecursionParams {
  /** which parts, in order (deduplicated) */
  readonly parts: readonly RecursionPart[];
  /** depth of the recursive call in the hot loop */
  readonly depth: number;
  /** iterations of the hot loop */
  readonly reps: number;
  /** depth for "near-limit": 1000 - margin (the module frame and $rec's base call count) */
  readonly margin: number;
}

export const recursionParamsArb: fc.Arbitrary<RecursionParams> = fc.record({
  parts: fc.array(fc.constantFrom(...RECURSION_PARTS), { minLength: 1, maxLength: 3 }),
  depth: fc.integer({ min: 0, max: 30 }),
  reps: fc.integer({ min: 1, max: 12 }),
  // margins below 2 pass the limit from module level (caught), the others stay just under it
  margin: fc.integer({ min: 0, max: 60 }),
});

function part(pt: RecursionPart, p: RecursionParams): Stmt[] {
  switch (pt) {
    case "hot":
      return [
        def("$run", [], [
          assign("t", int(0)),
          for_("i", range(p.reps), [assign("t", bin("+", "t", call("$rec", bin("+", p.depth, bin("%", "i", 3)))))]),
          print(str("$rec"), "t"),
          { k: "return", e: { k: "name", id: "t" } },
        ]),
        expr(call("$run")),
      ];
    case "mutual":
      return [
        def("$even", ["n"], [ret(ifexp(cmp("<=", "n", 0), true, call("$odd", bin("-", "n", 1))))]),
        def("$odd", ["n"], [ret(ifexp(cmp("<=", "n", 0), false, call("$even", bin("-", "n", 1))))]),
        for_("$i", range(Math.min(p.reps, 6)), [print(str("$mutual"), call("$even", bin("+", "$i", p.depth)))]),
      ];
    case "near-limit":
      return [
        try_([print(str("$deep"), call("$rec", 1000 - p.margin))], [handler("RecursionError", [print(str("$toodeep"))])]),
        print(str("$after"), call("$rec", 5)),
      ];
    case "past-limit":
      return [
        def("$forever", ["n"], [ret(call("$forever", bin("+", "n", 1)))]),
        try_([expr(call("$forever", 0))], [handler("RecursionError", [print(str("$caught"), call("str", "e"))], "e")]),
        print(str("$recovered"), call("$rec", 3)),
      ];
    case "depth-probe":
      return [
        def("$depth", ["n"], [
          try_([ret(call("$depth", bin("+", "n", 1)))], [handler("RecursionError", [ret("n")])]),
        ]),
        print(str("$maxdepth"), call("$depth", 1)),
      ];
  }
}

function build(p: RecursionParams): Feature {
  const stmts: Stmt[] = [
    def("$rec", ["n"], [if_(cmp("<=", "n", 0), [ret(int(0))]), ret(bin("+", "n", call("$rec", bin("-", "n", 1))))]),
  ];
  const seen = new Set<RecursionPart>();
  for (const pt of p.parts) {
    if (seen.has(pt)) continue;
    seen.add(pt);
    stmts.push(...part(pt, p));
  }
  return { kind: "recursion", stmts, modules: [] };
}

export const recursionArb: fc.Arbitrary<Feature> = recursionParamsArb.map(build);
