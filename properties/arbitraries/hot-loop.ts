/**
 * Hot loops that call functions, methods, constructors, lambdas, builtins, bound methods and
 * chains of calls deeper than tier 2's trace stack, from one polymorphic call site or many; read
 * globals; read and store list/dict items; run inner loops, comprehensions and data-dependent
 * branches — every CALL / LOAD_GLOBAL / LOAD_ATTR / BINARY_OP / STORE_SUBSCR / FOR_ITER
 * specialization on the path — optionally behind a branch that flips after warm-up
 * (`if i < K:`), so a specialized path (or a tier-2 trace's guarded branch) suddenly goes the
 * other way; optionally with the body repeated (long traces).
 *
 *     $G = 3
 *     def $f(a, b=1): return a + b + $G
 *     class $C: ...                     # __init__(v), m(x)
 *     $lam = lambda x: x * 2
 *     $L = [1, 2, 3]; $D = {0: 10, 1: 20, 5: 50}
 *     $fns = [$f, $lam, abs]; $bm = $C(5).m; $pair = lambda x: (x, x + 1); ...
 *     def $c1(x): return $c2(x) + 1     # ... down to $c<chain>
 *     def $run():
 *         acc = 0; fl = 1.5; s = ""; out = []; o = $C(2)
 *         for i in range(n):            # or list / tuple literal, enumerate, zip, counted while
 *             if i < K: <op A> else: <op B>     # optional flip
 *             <ops...>                  # x repeat
 *         print("$hot", acc, fl, s, len(out), o.v)
 *     $run(); $run()
 *
 * At module level (inFunction false) the same loop runs on LOAD_NAME/STORE_NAME with $-names.
 */
import fc from "fast-check";
import type { Stmt } from "../ast/types.ts";
import {
  type E, assign, attr, attrT, bin, call, callKw, cls, cmp, def, dict, expr, for_, if_, ifexp, int, lambda, list, mcall, name, not, print, range, ret, slice, str, sub,
  subT, tgt, tuple,
} from "./build.ts";
import type { Feature } from "./feature.ts";
import { at, keepUsed } from "./feature.ts";
import { iterationsArb, loop, loopKindArb, type LoopKind } from "./loop.ts";

export const HOT_OPS = [
  "call-func",
  "call-method",
  "construct",
  "global-read",
  "builtin-len",
  "builtin-minmax",
  "builtin-isinstance",
  "lambda-call",
  "call-kw",
  "subscr-list",
  "subscr-dict",
  "attr-write",
  "str-concat",
  "float-add",
  "list-append",
  "unpack",
  "contains",
  "ifexp",
  "fstring",
  "poly-call",
  "bound-method",
  "call-chain",
  "store-subscr",
  "dict-store",
  "listcomp",
  "inner-loop",
  "branch-mod",
  "truthy",
  "not-obj",
  "compare-float",
  "compare-str",
  "unpack-list",
  "unpack3",
  "float-arith",
  "str-index",
  "tuple-index",
  "kw-method",
  "kw-builtin",
  "str-methods",
  "dict-methods",
  "tuple-1",
] as const;
export type HotOp = (typeof HOT_OPS)[number];

export interface HotLoopParams {
  readonly loop: LoopKind;
  readonly n: number;
  readonly ops: readonly HotOp[];
  /** `if i < flipAt: <flipA> else: <flipB>` when present */
  readonly flip: { readonly at: number; readonly a: HotOp; readonly b: HotOp } | null;
  readonly inFunction: boolean;
  /** how many times the module calls `$run()` */
  readonly calls: number;
  readonly g: number;
  /** depth of the "call-chain" op: $c1 calls $c2 ... calls $c<chain> (deeper than tier 2's trace stack) */
  readonly chain: number;
  /** the ops are emitted this many times (long loop bodies: traces that hit the length limit) */
  readonly repeat: number;
}

const opArb: fc.Arbitrary<HotOp> = fc.constantFrom(...HOT_OPS);

export const hotLoopParamsArb: fc.Arbitrary<HotLoopParams> = fc.record({
  loop: loopKindArb,
  n: iterationsArb(),
  ops: fc.array(opArb, { minLength: 1, maxLength: 5 }),
  flip: fc.option(fc.record({ at: fc.integer({ min: 0, max: 40 }), a: opArb, b: opArb }), { nil: null }),
  inFunction: fc.boolean().map((b) => !b), // shrinks toward true: the function form specializes more
  calls: fc.integer({ min: 1, max: 3 }),
  g: fc.integer({ min: -5, max: 100 }),
  chain: fc.integer({ min: 1, max: 8 }),
  repeat: fc.oneof({ arbitrary: fc.constant(1), weight: 4 }, { arbitrary: fc.integer({ min: 2, max: 6 }), weight: 1 }),
});

/** Local names of the loop's state (plain in a function, $-names at module level). */
interface Vars {
  readonly i: string;
  readonly acc: string;
  readonly s: string;
  readonly out: string;
  readonly o: string;
  readonly ua: string;
  readonly ub: string;
  readonly uc: string;
  readonly j: string;
  readonly fl: string;
}

function op(o: HotOp, v: Vars): Stmt[] {
  const acc = (e: E): Stmt[] => [assign(v.acc, bin("+", v.acc, e))];
  switch (o) {
    case "call-func":
      return acc(call("$f", v.i));
    case "call-method":
      return acc(mcall(v.o, "m", v.i));
    case "construct":
      return acc(attr(call("$C", v.i), "v"));
    case "global-read":
      return acc("$G");
    case "builtin-len":
      return acc(call("len", "$L"));
    case "builtin-minmax":
      return acc(bin("-", call("max", v.i, 3), call("min", v.i, 2)));
    case "builtin-isinstance":
      return acc(call("isinstance", v.i, "int"));
    case "lambda-call":
      return acc(call("$lam", v.i));
    case "call-kw":
      return acc(callKw("$f", [v.i], [["b", 2]]));
    case "subscr-list":
      return acc(sub("$L", bin("%", v.i, 3)));
    case "subscr-dict":
      return acc(bin("+", sub("$D", bin("%", v.i, 2)), mcall("$D", "get", v.i, 0)));
    case "attr-write":
      return [assign(attrT(v.o, "v"), bin("+", attr(v.o, "v"), 1))];
    case "str-concat":
      return [assign(v.s, bin("+", v.s, call("str", v.i)))];
    case "float-add":
      return acc(bin("*", v.i, 0.5));
    case "list-append":
      return [expr(mcall(v.out, "append", v.i))];
    case "unpack":
      // a tuple made by a call (a literal pair would be compiled to SWAPs, not UNPACK_SEQUENCE)
      return [assign({ k: "tuple", items: [tgt(v.ua), tgt(v.ub)] }, call("$pair", v.i)), ...acc(bin("*", v.ua, v.ub))];
    case "contains":
      return acc(cmp("in", v.i, "$D"));
    case "ifexp":
      return acc(ifexp(cmp("<", v.i, 3), 1, 2));
    case "fstring":
      return [assign(v.s, { k: "fstr", parts: [{ e: { k: "name", id: v.s } }, { e: { k: "name", id: v.i }, spec: ">2" }, "|"] })];
    case "poly-call":
      // one call site, three kinds of callee: Python function with a default, lambda, builtin
      return acc(call(sub("$fns", bin("%", v.i, 3)), v.i));
    case "bound-method":
      // bound method objects: exact args, and with a default (GENERAL)
      return acc(bin("+", call("$bm", v.i), call("$bm2", v.i)));
    case "call-chain":
      return acc(call("$c1", v.i));
    case "store-subscr":
      return [assign(subT("$L", bin("%", v.i, 3)), bin("+", sub("$L", bin("%", v.i, 3)), 1))];
    case "dict-store":
      return [assign(subT("$D", bin("%", v.i, 4)), v.i)];
    case "listcomp":
      return acc(call("len", { k: "listcomp", elt: bin("*", "x", 2), v: "x", iter: name("$L"), cond: cmp(">", "x", 1) }));
    case "inner-loop":
      return [for_(v.j, range(3), [assign(v.acc, bin("+", v.acc, v.j))])];
    case "truthy":
      // TO_BOOL on a str, a list, an int, a bool and None
      return [
        if_(v.s, [assign(v.acc, bin("+", v.acc, 1))]),
        if_(v.out, [assign(v.acc, bin("+", v.acc, 2))]),
        if_(v.i, [assign(v.acc, bin("+", v.acc, 3))]),
        if_("$flag", [assign(v.acc, bin("+", v.acc, 4))]),
        if_("$nothing", [assign(v.acc, bin("+", v.acc, 5))]),
      ];
    case "not-obj":
      // TO_BOOL on an instance (ALWAYS_TRUE)
      return [if_(not(v.o), [assign(v.acc, bin("-", v.acc, 100))])];
    case "compare-float":
      return acc(ifexp(cmp("<", bin("*", v.i, 0.5), 3.5), 1, 0));
    case "compare-str":
      return acc(ifexp(cmp("==", v.s, str("0")), 1, 0));
    case "unpack-list":
      return [assign({ k: "tuple", items: [tgt(v.ua), tgt(v.ub)] }, slice("$L", 0, 2)), ...acc(bin("-", v.ua, v.ub))];
    case "unpack3":
      return [assign({ k: "tuple", items: [tgt(v.ua), tgt(v.ub), tgt(v.uc)] }, call("$triple", v.i)), ...acc(bin("-", bin("+", v.ua, v.ub), v.uc))];
    case "float-arith":
      // float (op) float: ADD/SUBTRACT/MULTIPLY_FLOAT; stays near 2.0
      return [assign(v.fl, bin("-", bin("+", bin("*", v.fl, 0.5), 1.25), 0.125))];
    case "str-index":
      return acc(call("len", sub("$S", bin("%", v.i, 3))));
    case "tuple-index":
      return acc(sub("$T", bin("%", v.i, 3)));
    case "kw-method":
      // a method called with a keyword (CALL_KW_PY with self) and a bound method object (CALL_KW_BOUND_METHOD)
      return acc(bin("+", callKw(attr(v.o, "m"), [], [["x", v.i]]), callKw("$bm", [], [["x", v.i]])));
    case "kw-builtin":
      return acc(sub(callKw("sorted", ["$L"], [["reverse", true]]), 0));
    case "str-methods":
      // str.join (METH_O) and str.split (FASTCALL with keywords)
      return acc(call("len", mcall(mcall(str(","), "join", list(str("a"), call("str", v.i))), "split", str(","))));
    case "dict-methods":
      // dict.keys (NOARGS), dict.get (FASTCALL)
      return acc(bin("+", call("len", mcall("$D", "keys")), mcall("$D", "get", v.i, 0)));
    case "tuple-1":
      return acc(call("len", call("tuple", "$L")));
    case "branch-mod":
      return [if_(cmp("==", bin("%", v.i, 2), 0), [assign(v.acc, bin("+", v.acc, 1))], [assign(v.acc, bin("-", v.acc, 1))])];
  }
}

function build(p: HotLoopParams): Feature {
  const fn = p.inFunction;
  const v: Vars = fn
    ? { i: "i", acc: "acc", s: "s", out: "out", o: "o", ua: "ua", ub: "ub", uc: "uc", j: "j", fl: "fl" }
    : { i: "$i", acc: "$acc", s: "$s", out: "$out", o: "$o", ua: "$ua", ub: "$ub", uc: "$uc", j: "$j", fl: "$fl" };
  const body: Stmt[] = [];
  if (p.flip !== null) body.push(if_(cmp("<", v.i, at(p.flip.at, p.n + 1)), op(p.flip.a, v), op(p.flip.b, v)));
  for (let r = 0; r < p.repeat; r++) for (const o of p.ops) body.push(...op(o, v));
  const loopStmts: Stmt[] = [
    assign(v.acc, 0),
    assign(v.fl, 1.5),
    assign(v.s, str("")),
    assign(v.out, list()),
    assign(v.o, call("$C", 2)),
    ...loop(p.loop, v.i, p.n, body),
    print(str("$hot"), v.acc, v.fl, v.s, call("len", v.out), attr(v.o, "v")),
  ];
  const prelude: Stmt[] = [
    assign("$G", p.g),
    def("$f", ["a", ["b", 1]], [ret(bin("+", bin("+", "a", "b"), "$G"))]),
    cls("$C", undefined, [
      def("__init__", ["self", "v"], [assign(attrT("self", "v"), "v")]),
      def("m", ["self", "x"], [ret(bin("+", attr("self", "v"), "x"))]),
      def("m2", ["self", "x", ["y", 1]], [ret(bin("-", "x", "y"))]),
    ]),
    assign("$lam", lambda(["x"], bin("*", "x", 2))),
    assign("$L", list(1, 2, 3)),
    assign("$D", dict([0, 10], [1, 20], [5, 50])),
    assign("$fns", list("$f", "$lam", "abs")),
    assign("$pair", lambda(["x"], tuple("x", bin("+", "x", 1)))),
    assign("$triple", lambda(["x"], tuple("x", 1, 2))),
    assign("$S", str("abc")),
    assign("$T", tuple(4, 5, 6)),
    assign("$flag", true),
    assign("$nothing", null),
    assign("$bm", attr(call("$C", 5), "m")),
    assign("$bm2", attr(call("$C", 6), "m2")),
    // $c1 calls $c2 ... $c<chain>, which returns
    ...Array.from({ length: p.chain }, (_, k) =>
      def(`$c${k + 1}`, ["x"], [ret(k + 1 < p.chain ? bin("+", call(`$c${k + 2}`, "x"), 1) : bin("-", "x", 1))]),
    ),
  ];
  if (!fn) return { kind: "hot-loop", stmts: [...keepUsed(prelude, loopStmts), ...loopStmts], modules: [] };
  const run = def("$run", [], [...loopStmts, ret(int(0))]);
  const calls = Array.from({ length: p.calls }, () => expr(call("$run")));
  return { kind: "hot-loop", stmts: [...keepUsed(prelude, [run]), run, ...calls], modules: [] };
}

export const hotLoopArb: fc.Arbitrary<Feature> = hotLoopParamsArb.map(build);
