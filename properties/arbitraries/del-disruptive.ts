/**
 * `__del__` methods that do something observable or disruptive while a hot loop calls a function:
 * print, bump a global counter, rebind the called function's global, assign its `__code__`
 * (compatible or incompatible signature), set its `__defaults__`, delete it, define a new function
 * in its place (reusing the freed address), or raise (an "unraisable" exception). The object dies
 * at a chosen iteration in a chosen way (a temporary, a rebound local, a popped list item, a
 * replaced attribute, or every iteration).
 *
 *     def $f(a, b=2): return a + b
 *     def $g(a, b=3): return a * b
 *     def $h(a): return a - 100
 *     $count = 0
 *     class $D:
 *         def __init__(self, tag): self.tag = tag
 *         def __del__(self):
 *             global $count, $f
 *             print("$del", self.tag)
 *             $count = $count + 1
 *             <action>
 *     def $run():
 *         t = 0; d = None; keep = []
 *         for i in range(n):
 *             if i == K: <trigger>           # creates a $D; it dies here or at K2
 *             try:
 *                 t = t + $f(i)             # or $f(i, 1)
 *             except TypeError: t = t - 1
 *             except NameError: t = t - 2
 *         print("$dd", t, $count)
 *     $run()
 *
 * Every $D dies before `$run` returns (they are only held by its locals), so module teardown never
 * runs a feature's `__del__`.
 */
import fc from "fast-check";
import type { Stmt } from "../ast/types.ts";
import {
  assign, attr, attrT, bin, call, cls, cmp, def, del, expr, global, handler, if_, int, list, mcall, print, raise, ret, str, try_, tuple,
} from "./build.ts";
import type { Feature } from "./feature.ts";
import { at } from "./feature.ts";
import { iterationsArb, loop, loopKindArb, type LoopKind } from "./loop.ts";

export const DEL_ACTIONS = [
  "print",
  "rebind-global",
  "code-compatible",
  "code-incompatible",
  "set-defaults",
  "clear-defaults",
  "rebind-function",
  "delete-function",
  "redefine-function",
  "raise",
] as const;
export type DelAction = (typeof DEL_ACTIONS)[number];

export const DEL_TRIGGERS = ["temporary", "rebind-local", "del-local", "list-pop", "attr-replace", "every-iteration"] as const;
export type DelTrigger = (typeof DEL_TRIGGERS)[number];

export interface DelDisruptiveParams {
  readonly loop: LoopKind;
  readonly n: number;
  readonly action: DelAction;
  readonly trigger: DelTrigger;
  /** iteration creating the object and (for two-step triggers) the later one releasing it */
  readonly at: number;
  readonly after: number;
  /** call `$f(i, 1)` instead of `$f(i)` */
  readonly twoArgs: boolean;
  readonly calls: number;
}

export const delDisruptiveParamsArb: fc.Arbitrary<DelDisruptiveParams> = fc.record({
  loop: loopKindArb,
  n: iterationsArb(),
  action: fc.constantFrom(...DEL_ACTIONS),
  trigger: fc.constantFrom(...DEL_TRIGGERS),
  at: fc.integer({ min: 0, max: 40 }),
  after: fc.integer({ min: 0, max: 10 }),
  twoArgs: fc.boolean(),
  calls: fc.integer({ min: 1, max: 2 }),
});

function action(a: DelAction): Stmt[] {
  switch (a) {
    case "print":
      return [];
    case "rebind-global":
      return [assign("$count", bin("+", "$count", 10))];
    case "code-compatible":
      return [assign(attrT("$f", "__code__"), attr("$g", "__code__"))];
    case "code-incompatible":
      return [assign(attrT("$f", "__code__"), attr("$h", "__code__"))];
    case "set-defaults":
      return [assign(attrT("$f", "__defaults__"), tuple(7))];
    case "clear-defaults":
      return [assign(attrT("$f", "__defaults__"), { k: "none" })];
    case "rebind-function":
      return [assign("$f", "$g")];
    case "delete-function":
      return [del("$f")];
    case "redefine-function":
      return [def("$f", ["a", ["b", 5]], [ret(bin("-", "a", "b"))])];
    case "raise":
      return [raise(call("ValueError", str("from __del__")))];
  }
}

/** [statements at iteration K, statements at iteration K2 (>= K)] */
function trigger(t: DelTrigger): [Stmt[], Stmt[]] {
  const make = call("$D", "i");
  switch (t) {
    case "temporary":
      return [[expr(make)], []];
    case "rebind-local":
      return [[assign("d", make)], [assign("d", { k: "none" })]];
    case "del-local":
      return [[assign("d", make)], [del("d"), assign("d", { k: "none" })]];
    case "list-pop":
      return [[expr(mcall("keep", "append", make))], [expr(mcall("keep", "pop"))]];
    case "attr-replace":
      return [[assign(attrT("$holder", "x"), make)], [assign(attrT("$holder", "x"), 0)]];
    case "every-iteration":
      return [[], []];
  }
}

function build(p: DelDisruptiveParams): Feature {
  const k = at(p.at, p.n);
  const k2 = Math.min(k + p.after, p.n - 1);
  const [atK, atK2] = trigger(p.trigger);
  const body: Stmt[] = [];
  if (p.trigger === "every-iteration") body.push(assign("d", call("$D", "i")));
  if (atK.length > 0) body.push(if_(cmp("==", "i", k), atK));
  const callF = p.twoArgs ? call("$f", "i", 1) : call("$f", "i");
  body.push(
    try_(
      [assign("t", bin("+", "t", callF))],
      [handler("TypeError", [assign("t", bin("-", "t", 1))]), handler("NameError", [assign("t", bin("-", "t", 2))])],
    ),
  );
  if (atK2.length > 0) body.push(if_(cmp("==", "i", k2), atK2));
  const stmts: Stmt[] = [
    def("$f", ["a", ["b", 2]], [ret(bin("+", "a", "b"))]),
    def("$g", ["a", ["b", 3]], [ret(bin("*", "a", "b"))]),
    def("$h", ["a"], [ret(bin("-", "a", 100))]),
    assign("$count", 0),
    cls("$D", undefined, [
      def("__init__", ["self", "tag"], [assign(attrT("self", "tag"), "tag")]),
      def("__del__", ["self"], [
        global("$count", "$f"),
        print(str("$del"), attr("self", "tag")),
        assign("$count", bin("+", "$count", 1)),
        ...action(p.action),
      ]),
    ]),
  ];
  if (p.trigger === "attr-replace") {
    stmts.push(cls("$Holder", undefined, [assign("x", 0)]), assign("$holder", call("$Holder")));
  }
  stmts.push(
    def("$run", [], [
      assign("t", int(0)),
      assign("d", { k: "none" }),
      assign("keep", list()),
      ...loop(p.loop, "i", p.n, body),
      assign("d", { k: "none" }),
      print(str("$dd"), "t", "$count"),
      ret("t"),
    ]),
    ...Array.from({ length: p.calls }, () => expr(call("$run"))),
  );
  if (p.trigger === "attr-replace") stmts.push(assign(attrT("$holder", "x"), 0));
  return { kind: "del-disruptive", stmts, modules: [] };
}

export const delDisruptiveArb: fc.Arbitrary<Feature> = delDisruptiveParamsArb.map(build);
