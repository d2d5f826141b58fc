/**
 * Exceptions raised and caught inside hot loops: ValueError, KeyError, IndexError,
 * ZeroDivisionError, TypeError from bad operands, AttributeError, NameError (a never-defined
 * global), UnboundLocalError (a local bound on one path only), user exception classes
 * (subclassing Exception, ValueError or LookupError), caught by their own class or a base
 * (LookupError, ArithmeticError, Exception), re-raised to an outer handler, with else/finally, and
 * try/finally around return / break / continue.
 *
 *     class $E(Exception): pass
 *     $data = {0: 10, 1: 20}
 *     $seq = [1, 2, 3]
 *     $log = []
 *     def $unbound(i):
 *         if i % 2 == 0: v = i
 *         return v
 *     def $risky(i):
 *         if i % 3 == 1: <raise site A>            # e.g. return $data[i + 100]
 *         if i % 5 == 2: <raise site B>
 *         return i
 *     def $guarded(i):                              # try/finally around return
 *         try:
 *             if i % 7 == 6: return i
 *             return $risky(i)
 *         finally:
 *             $log.append(i)
 *     def $run():
 *         t = 0; fin = 0
 *         for i in range(n):
 *             try:
 *                 t = t + $guarded(i)
 *             except KeyError as e: t = t - 1; last = str(e)
 *             ...
 *             except Exception: t = t - 100
 *             else: t = t + 1
 *             finally: fin = fin + 1
 *         print("$exc", t, fin, len($log))
 */
import fc from "fast-check";
import type { Handler, Stmt } from "../ast/types.ts";
import {
  assign, attr, bin, brk, call, cls, cmp, cont, def, dict, expr, for_, handler, if_, int, list, mcall, pass, print, raise, range, ret, str, sub, try_,
} from "./build.ts";
import type { Feature } from "./feature.ts";
import { at } from "./feature.ts";
import { iterationsArb } from "./loop.ts";

export const RAISE_SITES = [
  "user",
  "value-int",
  "key",
  "index",
  "zero-div",
  "type-add",
  "attribute",
  "value-explicit",
  "type-compare",
  "unbound-local",
  "name",
] as const;
export type RaiseSite = (typeof RAISE_SITES)[number];

/** How a site's exception is caught: by its own class, by a base class, or re-raised to the outer handler. */
export const CATCH_STYLES = ["exact", "base", "reraise"] as const;
export type CatchStyle = (typeof CATCH_STYLES)[number];

export const USER_BASES = ["Exception", "ValueError", "LookupError"] as const;

export interface ExceptionsParams {
  readonly n: number;
  readonly sites: readonly { readonly site: RaiseSite; readonly mod: number; readonly rem: number; readonly catch: CatchStyle }[];
  readonly userBase: (typeof USER_BASES)[number];
  readonly withElse: boolean;
  readonly withFinally: boolean;
  /** `break` at this iteration / `continue` every `cont`-th, inside a try/finally */
  readonly breakAt: number | null;
  readonly cont: number | null;
  readonly showMessages: boolean;
}

export const exceptionsParamsArb: fc.Arbitrary<ExceptionsParams> = fc.record({
  n: iterationsArb(),
  sites: fc.array(
    fc.record({
      site: fc.constantFrom(...RAISE_SITES),
      mod: fc.integer({ min: 1, max: 7 }),
      rem: fc.integer({ min: 0, max: 6 }),
      catch: fc.constantFrom(...CATCH_STYLES),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  userBase: fc.constantFrom(...USER_BASES),
  withElse: fc.boolean(),
  withFinally: fc.boolean(),
  breakAt: fc.option(fc.integer({ min: 0, max: 40 }), { nil: null }),
  cont: fc.option(fc.integer({ min: 2, max: 5 }), { nil: null }),
  showMessages: fc.boolean(),
});

/** The statement that raises, and the class that is raised. */
function site(s: RaiseSite): [Stmt, string] {
  switch (s) {
    case "user":
      return [raise(call("$E", bin("+", str("bad "), call("str", "i")))), "$E"];
    case "value-int":
      return [ret(call("int", bin("+", str("x"), call("str", "i")))), "ValueError"];
    case "key":
      return [ret(sub("$data", bin("+", "i", 100))), "KeyError"];
    case "index":
      return [ret(sub("$seq", bin("+", "i", 10))), "IndexError"];
    case "zero-div":
      return [ret(bin("//", "i", bin("-", "i", "i"))), "ZeroDivisionError"];
    case "type-add":
      return [ret(bin("+", "i", str("a"))), "TypeError"];
    case "attribute":
      return [ret(attr("i", "missing")), "AttributeError"];
    case "value-explicit":
      return [raise(call("ValueError", str("explicit"), "i")), "ValueError"];
    case "type-compare":
      return [ret(cmp("<", list(), "i")), "TypeError"];
    case "unbound-local":
      return [ret(call("$unbound", "i")), "UnboundLocalError"];
    case "name":
      return [ret(bin("+", "i", "$undefined")), "NameError"];
  }
}

function baseOf(cls_: string, userBase: string): string {
  switch (cls_) {
    case "KeyError":
    case "IndexError":
      return "LookupError";
    case "ZeroDivisionError":
      return "ArithmeticError";
    case "$E":
      return userBase;
    case "UnboundLocalError":
      return "NameError";
    default:
      return "Exception";
  }
}

function build(p: ExceptionsParams): Feature {
  const riskyBody: Stmt[] = [];
  const inner: Handler[] = [];
  const outer: Handler[] = [];
  const seenInner = new Set<string>();
  const seenOuter = new Set<string>();
  const onCaught = (label: string): Stmt[] => [
    assign("t", bin("-", "t", 1)),
    ...(p.showMessages ? [if_(cmp("<", "i", 4), [print(str(label), call("str", "e"))])] : []),
  ];
  for (const s of p.sites) {
    const [stmt, raised] = site(s.site);
    riskyBody.push(if_(cmp("==", bin("%", "i", s.mod), s.rem % s.mod), [stmt]));
    if (s.catch === "reraise") {
      if (!seenInner.has(raised)) {
        seenInner.add(raised);
        inner.push(handler(raised, [assign("t", bin("+", "t", 1000)), raise()]));
      }
      const b = baseOf(raised, p.userBase);
      if (!seenOuter.has(b)) {
        seenOuter.add(b);
        outer.push(handler(b, onCaught("$outer"), p.showMessages ? "e" : undefined));
      }
    } else {
      const c = s.catch === "exact" ? raised : baseOf(raised, p.userBase);
      if (!seenInner.has(c)) {
        seenInner.add(c);
        inner.push(handler(c, onCaught("$caught"), p.showMessages ? "e" : undefined));
      }
    }
  }
  // Whatever the handler order, nothing escapes.
  inner.push(handler("Exception", [assign("t", bin("-", "t", 100))]));
  outer.push(handler("Exception", [assign("t", bin("-", "t", 10000))]));
  riskyBody.push(ret("i"));

  const loopBody: Stmt[] = [];
  if (p.breakAt !== null || p.cont !== null) {
    const ctl: Stmt[] = [];
    if (p.breakAt !== null) ctl.push(if_(cmp("==", "i", at(p.breakAt, p.n)), [brk]));
    if (p.cont !== null) ctl.push(if_(cmp("==", bin("%", "i", p.cont), 1), [cont]));
    loopBody.push(try_(ctl, [], undefined, [assign("fin", bin("+", "fin", 1))]));
  }
  const innerTry = try_(
    [assign("t", bin("+", "t", call("$guarded", "i")))],
    inner,
    p.withElse ? [assign("t", bin("+", "t", 1))] : undefined,
    p.withFinally ? [assign("fin", bin("+", "fin", 1))] : undefined,
  );
  loopBody.push(outer.length > 1 ? try_([innerTry], outer) : innerTry);

  const stmts: Stmt[] = [
    cls("$E", p.userBase, [pass]),
    assign("$data", dict([0, 10], [1, 20])),
    assign("$seq", list(1, 2, 3)),
    assign("$log", list()),
    // `v` is bound only for even i: UnboundLocalError otherwise
    def("$unbound", ["i"], [if_(cmp("==", bin("%", "i", 2), 0), [assign("v", "i")]), ret("v")]),
    def("$risky", ["i"], riskyBody),
    def("$guarded", ["i"], [
      try_([if_(cmp("==", bin("%", "i", 7), 6), [ret("i")]), ret(call("$risky", "i"))], [], undefined, [
        expr(mcall("$log", "append", "i")),
      ]),
    ]),
    def("$run", [], [
      assign("t", int(0)),
      assign("fin", int(0)),
      for_("i", range(p.n), loopBody),
      print(str("$exc"), "t", "fin", call("len", "$log")),
      ret("t"),
    ]),
    expr(call("$run")),
  ];
  return { kind: "exceptions", stmts, modules: [] };
}

export const exceptionsArb: fc.Arbitrary<Feature> = exceptionsParamsArb.map(build);

/** The class a raise site raises (`$E`: the feature's user exception class). */
export const raisedBy = (s: RaiseSite): string => site(s)[1];
