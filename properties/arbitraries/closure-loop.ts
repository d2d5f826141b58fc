/**
 * Closures made in a loop — many function objects sharing one code object (and so one function
 * version, gh-98522) — called in a hot loop; nonlocal counters; dropping every closure (so the
 * functions are deallocated and their function-cache slots cleared) and making new ones, which
 * reuse the freed addresses.
 *
 * Variants:
 *  - "maker":   def $make(k): count = 0; def inner(x): nonlocal count; count += 1; return x * k + count
 *  - "def-in-loop": in $run, `def h(x, d=i): return x + d + i` inside the loop (i is a cell)
 *  - "lambda-in-loop": `fs.append(lambda x: x * k + i)` with k, i cells of $run
 *  - "counter": def $counter(): n = 0; def inc(): nonlocal n; n += 1; return n; def get(): return n; return [inc, get]
 *
 * Optionally only the first closure survives (the others, among them the last one made — the one
 * the function-version cache names — are freed) and is called in a hot loop.
 *
 * None of them makes a reference cycle (a closure never captures the list that holds it).
 */
import fc from "fast-check";
import type { Stmt } from "../ast/types.ts";
import {
  assign, attr, attrT, aug, bin, call, def, expr, for_, lambda, list, mcall, nonlocal, print, range, ret, str, sub, tuple,
} from "./build.ts";
import type { Feature } from "./feature.ts";

export const CLOSURE_VARIANTS = ["maker", "def-in-loop", "lambda-in-loop", "counter"] as const;
export type ClosureVariant = (typeof CLOSURE_VARIANTS)[number];

export interface ClosureLoopParams {
  readonly variant: ClosureVariant;
  /** closures made */
  readonly makes: number;
  /** rounds of calling every closure */
  readonly rounds: number;
  /** drop all closures after the rounds and make/call a new batch */
  readonly remake: boolean;
  /**
   * keep only the first closure, drop the others — among them the last one made, which the
   * function-version cache slot of their shared version names — and call the survivor in a loop;
   * "code" / "defaults": first assign the last closure's `__code__` (its own: same free variables)
   * or `__defaults__`, which clears its version (and must clear the cache slot: once the version is
   * cleared, its deallocation no longer does — gh-108253)
   */
  readonly survivor: null | "plain" | "code" | "defaults";
  readonly k: number;
  readonly calls: number;
}

export const closureLoopParamsArb: fc.Arbitrary<ClosureLoopParams> = fc.record({
  variant: fc.constantFrom(...CLOSURE_VARIANTS),
  makes: fc.integer({ min: 1, max: 8 }),
  rounds: fc.integer({ min: 1, max: 6 }),
  remake: fc.boolean(),
  survivor: fc.option(fc.constantFrom("plain" as const, "code" as const, "defaults" as const), { nil: null }),
  k: fc.integer({ min: -3, max: 50 }),
  calls: fc.integer({ min: 1, max: 2 }),
});

/** Statements of $run that fill `fs` with `makes` closures. */
function makeClosures(p: ClosureLoopParams): Stmt[] {
  switch (p.variant) {
    case "maker":
    case "counter":
      return [for_("i", range(p.makes), [expr(mcall("fs", "append", call("$make", bin("+", "i", "k"))))])];
    case "def-in-loop":
      return [
        for_("i", range(p.makes), [
          def("h", ["x", ["d", "i"]], [ret(bin("+", bin("+", "x", "d"), bin("*", "i", "k")))]),
          expr(mcall("fs", "append", "h")),
        ]),
        // `h` still refers to the last closure: drop it so `fs = []` frees them all
        assign("h", { k: "none" }),
      ];
    case "lambda-in-loop":
      return [for_("i", range(p.makes), [expr(mcall("fs", "append", lambda(["x"], bin("+", bin("*", "x", "k"), "i"))))])];
  }
}

function build(p: ClosureLoopParams): Feature {
  const prelude: Stmt[] = [];
  if (p.variant === "maker") {
    prelude.push(
      def("$make", ["k"], [
        assign("count", 0),
        def("inner", ["x"], [nonlocal("count"), aug("count", "+", 1), ret(bin("+", bin("*", "x", "k"), "count"))]),
        ret("inner"),
      ]),
    );
  } else if (p.variant === "counter") {
    // $make returns the incrementer; its sibling `get` shares the cell and is called via the list
    prelude.push(
      def("$make", ["k"], [
        assign("n", "k"),
        def("inc", [["step", 1]], [nonlocal("n"), aug("n", "+", "step"), ret("n")]),
        ret("inc"),
      ]),
      def("$counter", [], [
        assign("n", 0),
        def("inc", [], [nonlocal("n"), aug("n", "+", 1), ret("n")]),
        def("get", [], [ret("n")]),
        ret(list("inc", "get")),
      ]),
    );
  }
  const roundLoop: Stmt[] = [
    for_("r", range(p.rounds), [for_("g", "fs", [assign("t", bin("+", "t", call("g", "r")))])]),
    assign("g", { k: "none" }),
  ];
  const body: Stmt[] = [
    assign("k", p.k),
    assign("t", 0),
    assign("fs", list()),
    ...makeClosures(p),
    ...roundLoop,
    print(str("$cl"), "t", call("len", "fs")),
  ];
  if (p.remake) {
    body.push(assign("fs", list()), ...makeClosures(p), ...roundLoop, print(str("$cl2"), "t"));
  }
  if (p.survivor !== null) {
    const last = sub("fs", bin("-", call("len", "fs"), 1));
    if (p.survivor === "code") body.push(assign(attrT(last, "__code__"), attr(last, "__code__")));
    if (p.survivor === "defaults") body.push(assign(attrT(last, "__defaults__"), tuple(1)));
    body.push(
      assign("keep", sub("fs", 0)),
      assign("fs", list()),
      for_("r", range(p.rounds * 3), [assign("t", bin("+", "t", call("keep", "r")))]),
      assign("keep", { k: "none" }),
      print(str("$survivor"), "t"),
    );
  }
  if (p.variant === "counter") {
    body.push(
      assign("c", call("$counter")),
      for_("i", range(p.rounds * p.makes + 1), [expr(call(sub("c", 0)))]),
      print(str("$cnt"), call(sub("c", 1))),
    );
  }
  body.push(ret("t"));
  const stmts: Stmt[] = [...prelude, def("$run", [], body), ...Array.from({ length: p.calls }, () => expr(call("$run")))];
  return { kind: "closure-loop", stmts, modules: [] };
}

export const closureLoopArb: fc.Arbitrary<Feature> = closureLoopParamsArb.map(build);
