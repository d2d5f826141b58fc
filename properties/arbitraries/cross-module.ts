/**
 * Calls across modules: `import $m` then `$m.f(i)` in a hot loop, where `f` reads its own module's
 * globals (LOAD_GLOBAL_MODULE against another globals dict, LOAD_ATTR_MODULE in the caller), and
 * the caller changes them mid-loop: rebinding `$m.scale`, replacing `$m.helper` by a function of
 * `__main__`, adding a key to the module dict, deleting a global and putting it back; optionally a
 * second module `$n` imported by `$m` (a chain of two imports) whose global changes type.
 *
 *     # module $m                       # module $n (optional)
 *     print("$m", "imported")           base = 4
 *     scale = 3                         def g(x): return x + base
 *     def helper(x): return x + 1
 *     def f(x): return x * scale + helper(x)
 *     class K:
 *         def __init__(self, v): self.v = v
 *         def get(self): return self.v * scale
 *     import $n                         # optional
 *     def f2(x): return $n.g(x) + scale
 *
 *     # __main__
 *     import $m
 *     def $alt(x): return x * 2
 *     def $run():
 *         t = 0
 *         for i in range(n):
 *             try:
 *                 t = t + $m.f(i) [+ $m.K(i).get()] [+ $m.f2(i)]
 *             except NameError: t = t - 1
 *             if i == K: <event>
 *         print("$xm", t)
 *     $run()
 *     print("$xm-end", $m.scale)
 */
import fc from "fast-check";
import type { ModuleAst, Stmt } from "../ast/types.ts";
import {
  assign, attr, attrT, bin, call, cls, cmp, def, del, expr, handler, if_, import_, int, mcall, print, ret, str, try_, tryIgnore,
} from "./build.ts";
import type { Feature } from "./feature.ts";
import { at } from "./feature.ts";
import { iterationsArb, loop, loopKindArb, type LoopKind } from "./loop.ts";

export const MODULE_EVENTS = ["rebind-global", "replace-function", "add-key", "delete-global", "retype-second", "retype-global"] as const;
export type ModuleEvent = (typeof MODULE_EVENTS)[number];

export interface CrossModuleParams {
  readonly loop: LoopKind;
  readonly n: number;
  /** 1: `$m` only; 2: `$m` imports `$n` */
  readonly modules: 1 | 2;
  readonly useClass: boolean;
  readonly scale: number;
  readonly events: readonly { readonly at: number; readonly ev: ModuleEvent }[];
  readonly calls: number;
}

export const crossModuleParamsArb = (maxModules: 1 | 2 = 2): fc.Arbitrary<CrossModuleParams> =>
  fc.record({
    loop: loopKindArb,
    n: iterationsArb(),
    modules: maxModules === 1 ? fc.constant(1 as const) : fc.constantFrom(1 as const, 2 as const),
    useClass: fc.boolean(),
    scale: fc.integer({ min: 0, max: 9 }),
    events: fc.array(fc.record({ at: fc.integer({ min: 0, max: 40 }), ev: fc.constantFrom(...MODULE_EVENTS) }), { minLength: 0, maxLength: 3 }),
    calls: fc.integer({ min: 1, max: 2 }),
  });

function event(ev: ModuleEvent, two: boolean): Stmt[] {
  switch (ev) {
    case "rebind-global":
      return [assign(attrT("$m", "scale"), bin("+", "i", 10))];
    case "replace-function":
      return [assign(attrT("$m", "helper"), "$alt")];
    case "add-key":
      return [assign(attrT("$m", "extra"), "i")];
    case "delete-global":
      // the next calls raise NameError (caught by the loop) until the repair one iteration later
      return [tryIgnore([del(attrT("$m", "scale"))], "AttributeError")];
    case "retype-second":
      return two ? [assign(attrT(attr("$m", "$n"), "base"), bin("+", "i", 0.5))] : [assign(attrT("$m", "scale"), 2.5)];
    case "retype-global":
      return [assign(attrT("$m", "scale"), bin("*", "i", 0.5))];
  }
}

function modules(p: CrossModuleParams): ModuleAst[] {
  const two = p.modules === 2;
  const m: Stmt[] = [
    print(str("$m"), str("imported")),
    assign("scale", p.scale),
    def("helper", ["x"], [ret(bin("+", "x", 1))]),
    def("f", ["x"], [ret(bin("+", bin("*", "x", "scale"), call("helper", "x")))]),
    cls("K", undefined, [
      def("__init__", ["self", "v"], [assign(attrT("self", "v"), "v")]),
      def("get", ["self"], [ret(bin("*", attr("self", "v"), "scale"))]),
    ]),
  ];
  if (two) {
    m.push(import_("$n"), def("f2", ["x"], [ret(bin("+", mcall("$n", "g", "x"), "scale"))]));
  }
  const out: ModuleAst[] = [{ name: "$m", body: m }];
  if (two) {
    out.push({ name: "$n", body: [assign("base", 4), def("g", ["x"], [ret(bin("+", "x", "base"))])] });
  }
  return out;
}

function build(p: CrossModuleParams): Feature {
  const two = p.modules === 2;
  let sum = bin("+", "t", mcall("$m", "f", "i"));
  if (p.useClass) sum = bin("+", sum, mcall(call(attr("$m", "K"), "i"), "get"));
  if (two) sum = bin("+", sum, mcall("$m", "f2", "i"));
  const body: Stmt[] = [
    try_([assign("t", sum)], [handler("NameError", [assign("t", bin("-", "t", 1)), assign(attrT("$m", "scale"), 1)])]),
  ];
  for (const e of p.events) body.push(if_(cmp("==", "i", at(e.at, p.n)), event(e.ev, two)));
  const stmts: Stmt[] = [
    import_("$m"),
    def("$alt", ["x"], [ret(bin("*", "x", 2))]),
    def("$run", [], [assign("t", int(0)), ...loop(p.loop, "i", p.n, body), print(str("$xm"), "t"), ret("t")]),
    ...Array.from({ length: p.calls }, () => expr(call("$run"))),
    try_([print(str("$xm-end"), attr("$m", "scale"))], [handler("AttributeError", [print(str("$xm-end none"))])]),
  ];
  return { kind: "cross-module", stmts, modules: modules(p) };
}

export const crossModuleArb = (maxModules: 1 | 2 = 2): fc.Arbitrary<Feature> => crossModuleParamsArb(maxModules).map(build);
