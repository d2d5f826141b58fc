/**
 * Classes whose attributes are read and written in a hot loop and changed after warm-up: class
 * attributes reassigned mid-loop, methods replaced on the class (or shadowed on an instance),
 * instance attributes added (a few, or more than fit inline) or retyped, subclass overrides
 * deleted, `__init__` replaced — each invalidates a type
 * version (LOAD_ATTR_* / STORE_ATTR_* / CALL_BOUND_METHOD_* / CALL_ALLOC_AND_ENTER_INIT guards).
 *
 *     class $A:
 *         cv = 1
 *         def __init__(self, v): self.v = v
 *         def get(self): return self.v + self.cv
 *         def bump(self, d): self.v = self.v + d; return self.v
 *         def __repr__(self): return "A(" + str(self.v) + ")"
 *     class $B($A):                              # optional subclass
 *         def get(self): return self.v * 2 + self.cv
 *     def $alt(self): return self.v - 1
 *     def $run():
 *         objs = [$A(1), $B(2)]
 *         t = 0
 *         for i in range(n):
 *             o = objs[i % len(objs)]            # or a fresh $A(i) / $B(i) each iteration
 *             t = t + o.get() + o.cv + $A.cv
 *             o.bump(1)
 *             if i == K: <event>
 *         print("$cc", t, objs)
 */
import fc from "fast-check";
import type { Stmt } from "../ast/types.ts";
import {
  assign, attr, attrT, bin, call, cls, cmp, def, del, expr, handler, if_, ifexp, lambda, list, mcall, print, ret, str, sub, try_, tryIgnore,
} from "./build.ts";
import type { Feature } from "./feature.ts";
import { at } from "./feature.ts";
import { iterationsArb, loop, loopKindArb, type LoopKind } from "./loop.ts";

export const CLASS_EVENTS = [
  "set-class-attr",
  "replace-method",
  "replace-sub-method",
  "shadow-method-on-instance",
  "shadow-class-attr-on-instance",
  "add-instance-attr",
  "retype-instance-attr",
  "add-class-attr",
  "del-sub-override",
  "del-instance-attr",
  "replace-init",
  "many-attrs",
] as const;
export type ClassEvent = (typeof CLASS_EVENTS)[number];

export interface ClassChurnParams {
  readonly loop: LoopKind;
  readonly n: number;
  readonly subclass: boolean;
  /** construct a new instance every iteration instead of cycling through a list */
  readonly fresh: boolean;
  readonly cv: number;
  readonly events: readonly { readonly at: number; readonly ev: ClassEvent }[];
  readonly calls: number;
}

export const classChurnParamsArb: fc.Arbitrary<ClassChurnParams> = fc.record({
  loop: loopKindArb,
  n: iterationsArb(),
  subclass: fc.boolean(),
  fresh: fc.boolean(),
  cv: fc.integer({ min: 0, max: 20 }),
  events: fc.array(fc.record({ at: fc.integer({ min: 0, max: 40 }), ev: fc.constantFrom(...CLASS_EVENTS) }), { minLength: 0, maxLength: 3 }),
  calls: fc.integer({ min: 1, max: 2 }),
});

function event(ev: ClassEvent, subclass: boolean): Stmt[] {
  const sub_ = subclass ? "$B" : "$A";
  switch (ev) {
    case "set-class-attr":
      return [assign(attrT("$A", "cv"), bin("+", "i", 100))];
    case "replace-method":
      return [assign(attrT("$A", "get"), "$alt")];
    case "replace-sub-method":
      return [assign(attrT(sub_, "get"), "$alt")];
    case "shadow-method-on-instance":
      return [assign(attrT("o", "get"), lambda([], 5))];
    case "shadow-class-attr-on-instance":
      return [assign(attrT("o", "cv"), 7)];
    case "add-instance-attr":
      return [assign(attrT("o", "extra"), "i")];
    case "retype-instance-attr":
      return [assign(attrT("o", "v"), bin("+", "i", 0.25))];
    case "add-class-attr":
      return [assign(attrT("$A", "fresh"), "i")];
    case "del-sub-override":
      // B inherits A.get afterwards; a second time raises AttributeError (ignored)
      // (without a subclass: delete the class attribute `fresh`, if an event added it)
      return [tryIgnore([del(subclass ? attrT("$B", "get") : attrT("$A", "fresh"))], "AttributeError")];
    case "del-instance-attr":
      // o.get() then finds no self.v: the loop catches the AttributeError; restored right after
      return [del(attrT("o", "v")), try_([expr(mcall("o", "get"))], [handler("AttributeError", [print(str("$noattr"))])]), assign(attrT("o", "v"), 1)];
    case "replace-init":
      return [assign(attrT("$A", "__init__"), "$init2")];
    case "many-attrs":
      // more attributes than a shared-keys instance holds inline: the instance gets a real dict
      // (LOAD_ATTR_WITH_HINT / STORE_ATTR_WITH_HINT from then on)
      return Array.from({ length: 32 }, (_, k) => assign(attrT("o", `a${k}`), "i"));
  }
}

function build(p: ClassChurnParams): Feature {
  const classes: Stmt[] = [
    cls("$A", undefined, [
      assign("cv", p.cv),
      def("__init__", ["self", "v"], [assign(attrT("self", "v"), "v")]),
      def("get", ["self"], [ret(bin("+", attr("self", "v"), attr("self", "cv")))]),
      def("bump", ["self", "d"], [assign(attrT("self", "v"), bin("+", attr("self", "v"), "d")), ret(attr("self", "v"))]),
      def("__repr__", ["self"], [ret(bin("+", bin("+", str("A("), call("str", attr("self", "v"))), str(")")))]),
    ]),
  ];
  if (p.subclass) {
    classes.push(cls("$B", "$A", [def("get", ["self"], [ret(bin("+", bin("*", attr("self", "v"), 2), attr("self", "cv")))])]));
  }
  classes.push(
    def("$alt", ["self"], [ret(bin("-", attr("self", "v"), 1))]),
    def("$init2", ["self", "v"], [assign(attrT("self", "v"), bin("*", "v", 3)), assign(attrT("self", "w"), 0)]),
  );
  const objs = p.subclass ? list(call("$A", 1), call("$B", 2)) : list(call("$A", 1));
  const pick = p.fresh
    ? assign("o", p.subclass ? ifexp(cmp("==", bin("%", "i", 2), 0), call("$A", "i"), call("$B", "i")) : call("$A", "i"))
    : assign("o", sub("objs", bin("%", "i", call("len", "objs"))));
  const body: Stmt[] = [
    pick,
    assign("t", bin("+", bin("+", bin("+", "t", mcall("o", "get")), attr("o", "cv")), attr("$A", "cv"))),
    expr(mcall("o", "bump", 1)),
  ];
  for (const e of p.events) body.push(if_(cmp("==", "i", at(e.at, p.n)), event(e.ev, p.subclass)));
  const run = def("$run", [], [
    assign("objs", objs),
    assign("t", 0),
    assign("o", { k: "none" }),
    ...loop(p.loop, "i", p.n, body),
    print(str("$cc"), "t", "objs"),
    ret("t"),
  ]);
  return { kind: "class-churn", stmts: [...classes, run, ...Array.from({ length: p.calls }, () => expr(call("$run")))], modules: [] };
}

export const classChurnArb: fc.Arbitrary<Feature> = classChurnParamsArb.map(build);
