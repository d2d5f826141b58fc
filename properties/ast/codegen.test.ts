/**
 * tierdiff's code generator (codegen.ts) and source printer (source.ts) against real CPython 3.14:
 *  (a) hand-written IR programs covering every IR node kind: the generated program verifies, and
 *      running it on the reference interpreter gives the same outcome as CPython running the
 *      printed source (tracebacks compared without offsets); tier 1 (with stack-effect checks)
 *      agrees with the reference;
 *  (b) the generated code objects equal CPython's own compilation of the printed source, field by
 *      field (code units, line tables, exception tables, constants, names, localsplus, flags,
 *      stack size), for those programs and for small snippets;
 *  (c) the deliberate differences (constructs where CPython 3.14 emits instructions outside
 *      tierdiff's subset) still behave like CPython;
 *  (d) IR that CPython rejects throws CodegenError naming the construct;
 *  plus the printer's precedence/escaping and a (non-asserting) throughput measurement.
 * pyodide loads once for the file (~2 s).
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { BinOp, CmpOp, Expr, Handler, Param, ProgramAst, Stmt, Target } from "./types.ts";
import { compileProgram, CodegenError } from "./codegen.ts";
import { exprSource, programSource, stmtSource } from "./source.ts";
import { verifyProgram } from "../../engine/bytecode/verify.ts";
import { sameProgram } from "../../engine/bytecode/testing.ts";
import { CodeDef, type ProgramDef } from "../../engine/bytecode/code.ts";
import { decode } from "../../engine/bytecode/instructions.ts";
import { importPython } from "../../oracles/cpython/import.ts";
import { runInCPython } from "../../oracles/cpython/run.ts";
import { getPyodide } from "../../oracles/cpython/pyodide.ts";
import { runReference } from "../../oracles/reference/run.ts";
import { runTier1 } from "../../engine/tier1/run.ts";
import { compareOutcomes, type Outcome } from "../../oracles/outcome.ts";

// ---------------------------------------------------------------------------------------------
// IR builders

const i = (v: number | string): Expr => ({ k: "int", v });
const fl = (v: number): Expr => ({ k: "float", v });
const s = (v: string): Expr => ({ k: "str", v });
const T: Expr = { k: "bool", v: true };
const F: Expr = { k: "bool", v: false };
const NONE: Expr = { k: "none" };
const n = (id: string): Expr => ({ k: "name", id });
const bin = (op: BinOp, l: Expr, r: Expr): Expr => ({ k: "bin", op, l, r });
const cmp = (op: CmpOp, l: Expr, r: Expr): Expr => ({ k: "cmp", op, l, r });
const and = (l: Expr, r: Expr): Expr => ({ k: "boolop", op: "and", l, r });
const or = (l: Expr, r: Expr): Expr => ({ k: "boolop", op: "or", l, r });
const not = (e: Expr): Expr => ({ k: "not", e });
const neg = (e: Expr): Expr => ({ k: "neg", e });
const inv = (e: Expr): Expr => ({ k: "invert", e });
const call = (f: Expr | string, args: Expr[] = [], kw?: [string, Expr][]): Expr =>
  ({ k: "call", f: typeof f === "string" ? n(f) : f, args, ...(kw ? { kw } : {}) });
const attr = (obj: Expr | string, name: string): Expr => ({ k: "attr", obj: typeof obj === "string" ? n(obj) : obj, name });
const meth = (obj: Expr | string, name: string, args: Expr[] = [], kw?: [string, Expr][]): Expr => call(attr(obj, name), args, kw);
const sub = (obj: Expr, idx: Expr): Expr => ({ k: "sub", obj, idx });
const slice = (obj: Expr, lo?: Expr, hi?: Expr): Expr => ({ k: "slice", obj, ...(lo ? { lo } : {}), ...(hi ? { hi } : {}) });
const list = (...items: Expr[]): Expr => ({ k: "list", items });
const tup = (...items: Expr[]): Expr => ({ k: "tuple", items });
const dict = (...items: [Expr, Expr][]): Expr => ({ k: "dict", items });
const ifexp = (c: Expr, a: Expr, b: Expr): Expr => ({ k: "ifexp", c, a, b });
const lam = (params: string[], body: Expr): Expr => ({ k: "lambda", params, body });
type Part = string | { e: Expr; conv?: "r" | "s"; spec?: string };
const fstr = (...parts: Part[]): Expr => ({ k: "fstr", parts });
const comp = (elt: Expr, v: string, iter: Expr, cond?: Expr): Expr => ({ k: "listcomp", elt, v, iter, ...(cond ? { cond } : {}) });

const tn = (id: string): Target => ({ k: "name", id });
const ta = (obj: Expr | string, name: string): Target => ({ k: "attr", obj: typeof obj === "string" ? n(obj) : obj, name });
const ts = (obj: Expr, idx: Expr): Target => ({ k: "sub", obj, idx });
const tt = (...items: (Target | string)[]): Target => ({ k: "tuple", items: items.map((x) => (typeof x === "string" ? tn(x) : x)) });
const tg = (t: Target | string): Target => (typeof t === "string" ? tn(t) : t);

const set = (t: Target | string, value: Expr): Stmt => ({ k: "assign", target: tg(t), value });
const aug = (t: Target | string, op: BinOp, value: Expr): Stmt => ({ k: "augassign", target: tg(t), op, value });
const ex = (e: Expr): Stmt => ({ k: "expr", e });
const print = (...args: Expr[]): Stmt => ex(call("print", args));
const if_ = (c: Expr, body: Stmt[], orelse: Stmt[] = []): Stmt => ({ k: "if", c, body, orelse });
const while_ = (c: Expr, body: Stmt[]): Stmt => ({ k: "while", c, body });
const for_ = (v: Target | string, iter: Expr, body: Stmt[]): Stmt => ({ k: "for", v: tg(v), iter, body });
const BREAK: Stmt = { k: "break" };
const CONTINUE: Stmt = { k: "continue" };
const PASS: Stmt = { k: "pass" };
const ret = (e?: Expr): Stmt => (e ? { k: "return", e } : { k: "return" });
const def = (name: string, params: (string | Param)[], body: Stmt[]): Stmt =>
  ({ k: "def", name, params: params.map((p) => (typeof p === "string" ? { name: p } : p)), body });
const cls = (name: string, body: Stmt[], base?: string): Stmt => ({ k: "class", name, body, ...(base !== undefined ? { base } : {}) });
const try_ = (body: Stmt[], handlers: Handler[], orelse?: Stmt[], final?: Stmt[]): Stmt =>
  ({ k: "try", body, handlers, ...(orelse ? { orelse } : {}), ...(final ? { final } : {}) });
const exc = (type: string | undefined, name: string | undefined, body: Stmt[]): Handler =>
  ({ ...(type !== undefined ? { type } : {}), ...(name !== undefined ? { name } : {}), body });
const raise = (e?: Expr): Stmt => (e ? { k: "raise", e } : { k: "raise" });
const glob = (...names: string[]): Stmt => ({ k: "global", names });
const nonlocal = (...names: string[]): Stmt => ({ k: "nonlocal", names });
const del = (t: Target | string): Stmt => ({ k: "del", target: tg(t) });
const imp = (module: string): Stmt => ({ k: "import", module });

const prog = (body: Stmt[], ...others: [string, Stmt[]][]): ProgramAst => ({
  modules: [{ name: "main", body }, ...others.map(([name, b]) => ({ name, body: b }))],
});

// ---------------------------------------------------------------------------------------------
// Hand-written programs: together they use every IR node kind (checked below)

const PROGRAMS: Record<string, ProgramAst> = {
  "literals and operators": prog([
    set("a", i(7)),
    set("b", i(-3)),
    set("big", i("123456789012345678901234567890")),
    set("nbig", i("-98765432109876543210")),
    print(bin("+", n("a"), n("b")), bin("-", n("a"), n("b")), bin("*", n("a"), n("b")), bin("//", n("a"), n("b")), bin("%", n("a"), n("b"))),
    print(bin("/", n("a"), i(2)), bin("**", n("a"), i(3)), bin("**", i(2), i(-1)), bin("<<", n("a"), i(4)), bin(">>", n("big"), i(70))),
    print(bin("&", n("a"), i(5)), bin("|", n("a"), i(8)), bin("^", n("a"), n("b")), bin("*", n("big"), n("nbig"))),
    print(fl(0.1), fl(-2.5), fl(1e16), fl(1.5e-7), fl(-0), fl(Infinity), fl(-Infinity), fl(NaN), fl(3)),
    print(s("plain"), s("it's"), s('say "hi"'), s("tab\there\nnew\\line"), s("é\u0001\u2028"), T, F, NONE),
    print(cmp("<", n("a"), n("b")), cmp("<=", n("a"), i(7)), cmp("==", n("a"), i(7)), cmp("!=", n("a"), n("b")), cmp(">", n("a"), n("b")), cmp(">=", n("b"), n("a"))),
    print(cmp("is", NONE, NONE), cmp("is not", n("a"), NONE), cmp("in", i(2), list(i(1), i(2))), cmp("not in", s("x"), s("abc"))),
    print(and(n("a"), n("b")), or(i(0), n("b")), and(and(n("a"), i(0)), n("b")), or(i(0), or(NONE, s("z"))), not(n("a")), neg(n("a")), inv(n("b")), neg(neg(i(4)))),
    print(ifexp(cmp(">", n("a"), i(0)), s("pos"), s("neg")), ifexp(F, i(1), ifexp(T, i(2), i(3)))),
    // constant folding decides identity, as in CPython: one co_consts entry for both
    set("t1", tup(i(1), i(2), tup(s("x"), NONE))),
    set("t2", tup(i(1), i(2), tup(s("x"), NONE))),
    set("f1", bin("+", fl(1.5), fl(1))),
    set("f2", fl(2.5)),
    print(cmp("is", n("t1"), n("t2")), cmp("is", n("f1"), n("f2")), bin("*", s("ab"), i(3)), bin("+", tup(i(1)), tup(i(2))), sub(s("hello"), i(-1)), not(i(0))),
    print(bin("**", neg(i(2)), i(2)), neg(bin("**", i(2), i(2))), bin("-", bin("-", i(10), i(3)), i(2)), bin("-", i(10), bin("-", i(3), i(2)))),
    print(bin("**", i(2), bin("**", i(3), i(2))), bin("**", bin("**", i(2), i(3)), i(2)), bin("*", bin("+", n("a"), i(1)), i(2))),
    if_(and(cmp("<", n("b"), n("a")), or(n("a"), n("b"))), [print(s("cond1"))], [print(s("no"))]),
    if_(not(and(n("a"), cmp("is", n("b"), NONE))), [print(s("cond2"))]),
    if_(cmp("is not", n("b"), NONE), [print(s("cond3"))]),
    if_(ifexp(n("a"), n("b"), i(0)), [print(s("cond4"))]),
  ]),

  "containers, subscripts and slices": prog([
    set("xs", list(i(1), i(2), i(3), i(4), i(5))),
    set("t", tup(n("xs"), i(1))),
    set("single", tup(i(9))),
    set("empty", tup()),
    set("d", dict([s("a"), i(1)], [i(2), list()], [n("single"), dict()])),
    print(sub(n("xs"), i(0)), sub(n("d"), s("a")), slice(n("xs"), i(1)), slice(n("xs"), undefined, i(-1)), slice(n("xs"), i(1), i(3)), slice(n("xs"), neg(i(4)), i(4)), slice(n("xs"))),
    set(ts(n("xs"), i(0)), i(10)),
    aug(ts(n("xs"), i(1)), "+", i(100)),
    aug(ts(n("d"), s("a")), "*", i(7)),
    del(ts(n("xs"), i(-1))),
    set(tt("p", tt("q", "r")), tup(i(1), tup(i(2), i(3)))),
    set(tt("p", "q"), tup(n("q"), n("p"))),
    set(tt("p", "q", "r"), tup(n("r"), n("q"), n("p"))),
    set(tt(ts(n("xs"), i(0)), "z"), list(s("u"), s("v"))),
    print(n("xs"), n("t"), n("single"), n("empty"), n("d"), n("p"), n("q"), n("r"), n("z")),
    set("big", list(...Array.from({ length: 33 }, (_, k) => i(k)))),
    set("bigt", tup(...Array.from({ length: 33 }, (_, k) => s(`s${k}`)))),
    print(call("len", [n("big")]), sub(n("bigt"), i(32)), sub(tup(i(1), i(2), i(3)), i(1)), slice(s("abcdef"), i(1), i(4))),
    for_(tt("k", "v"), meth("d", "items"), [print(n("k"), n("v"))]),
    del(tt(ts(n("d"), i(2)), "single")),
    print(n("d")),
  ]),

  "calls and lambdas": prog([
    def("f", ["a", { name: "b", default: i(2) }, { name: "c", default: list() }], [ex(meth("c", "append", [n("a")])), ret(tup(n("a"), n("b"), n("c")))]),
    print(call("f", [i(1)]), call("f", [i(1), i(3)]), call("f", [i(1)], [["c", list()], ["b", i(5)]])),
    print(call("f", [i(4)]), call("f", [i(5)])),
    set("sq", lam(["x"], bin("*", n("x"), n("x")))),
    set("k", lam([], i(42))),
    set("add", lam(["x", "y"], bin("+", n("x"), n("y")))),
    print(call("sq", [i(7)]), call("k"), call(n("add"), [i(1), i(2)]), call(lam(["z"], neg(n("z"))), [i(3)])),
    ex(call("print", [s("x"), s("y")], [["sep", s("-")], ["end", s("!\n")]])),
    set("words", meth(s("a b c"), "split")),
    print(meth(s("+"), "join", [n("words")]), call("sorted", [list(i(3), i(1), i(2))]), call("sum", [comp(n("v"), "v", call("range", [i(5)]))])),
    print(call("max", [i(3), i(9), i(4)]), call("abs", [i(-5)]), call("isinstance", [i(1), n("int")]), call("repr", [s("q")])),
  ]),

  "loops and control flow": prog([
    set("total", i(0)),
    for_("j", call("range", [i(10)]), [
      if_(cmp("==", bin("%", n("j"), i(2)), i(0)), [CONTINUE]),
      if_(cmp(">", n("j"), i(7)), [BREAK]),
      aug("total", "+", n("j")),
    ]),
    set("w", i(0)),
    while_(cmp("<", n("w"), i(100)), [
      aug("w", "+", i(7)),
      if_(cmp("==", bin("%", n("w"), i(5)), i(0)), [BREAK], [if_(cmp("==", bin("%", n("w"), i(3)), i(0)), [CONTINUE], [aug("total", "+", i(1))])]),
    ]),
    set("m", i(0)),
    while_(T, [aug("m", "+", i(1)), if_(cmp(">=", n("m"), i(3)), [BREAK])]),
    if_(i(0), [print(s("never"))], [PASS]),
    if_(i(1), []),
    while_(F, []),
    for_(tt("x", "y"), list(tup(i(1), i(2)), tup(i(3), i(4))), [aug("total", "+", bin("*", n("x"), n("y")))]),
    for_("x", list(), []),
    for_("j", call("range", [i(3)]), [for_("k", call("range", [i(3)]), [if_(cmp("==", n("k"), n("j")), [BREAK]), aug("total", "+", i(100))])]),
    print(n("total"), n("w"), n("m")),
  ]),

  "functions, closures and scopes": prog([
    set("counter", i(0)),
    def("bump", [], [glob("counter"), aug("counter", "+", i(1)), ret(n("counter"))]),
    def("make", ["start"], [
      set("acc", list(n("start"))),
      set("total", n("start")),
      def("add", ["v"], [nonlocal("total"), aug("total", "+", n("v")), ex(meth("acc", "append", [n("v")])), ret(n("total"))]),
      def("get", [], [ret(tup(n("total"), n("acc")))]),
      ret(tup(n("add"), n("get"), lam([], n("total")))),
    ]),
    set(tt("add", "get", "peek"), call("make", [i(10)])),
    ex(call("add", [i(1)])),
    ex(call("add", [i(2)])),
    print(call("get"), call("peek"), call("bump"), call("bump"), n("counter")),
    def("fact", ["k"], [if_(cmp("<=", n("k"), i(1)), [ret(i(1))]), ret(bin("*", n("k"), call("fact", [bin("-", n("k"), i(1))])))]),
    print(call("fact", [i(25)])),
    def("outer", [], [
      set("v", i(1)),
      def("middle", [], [def("inner", [], [ret(bin("+", n("v"), i(1)))]), ret(call("inner"))]),
      set("v", i(5)),
      ret(call("middle")),
    ]),
    print(call("outer")),
    def("shadow", ["p"], [set("q", lam(["p"], bin("*", n("p"), i(2)))), ret(call("q", [bin("+", n("p"), i(1))]))]),
    print(call("shadow", [i(3)])),
    def("noret", [], [PASS]),
    def("early", ["x"], [if_(n("x"), [ret()]), ret(s("late"))]),
    print(call("noret"), call("early", [T]), call("early", [F])),
  ]),

  "classes": prog([
    cls("Base", [
      { k: "expr", e: s("\n    A base class.\n      indented more\n    done\n    ") },
      set("kind", s("base")),
      set("__secret", i(11)),
      def("__init__", ["self", "v"], [set(ta("self", "v"), n("v")), set(ta("self", "__hidden"), neg(n("v")))]),
      def("describe", ["self"], [ret(fstr({ e: attr("self", "kind") }, ":", { e: attr("self", "v") }, ":", { e: attr("self", "__hidden") }))]),
      def("__repr__", ["self"], [ret(bin("+", s("Base"), call("str", [attr("self", "v")])))]),
      def("peek", ["self"], [ret(attr("self", "__secret"))]),
    ]),
    cls("Child", [
      set("kind", s("child")),
      def("__init__", ["self", "v"], [set(ta("self", "v"), bin("*", n("v"), i(2))), set(ta("self", "__hidden"), i(0)), set(ta("self", "extra"), list()), set(tt(ta("self", "a"), ta("self", "b")), tup(i(1), i(2)))]),
      def("grow", ["self"], [aug(ta("self", "v"), "+", i(1)), ex(meth(attr("self", "extra"), "append", [attr("self", "v")])), ret(n("self"))]),
      set("twice", lam(["self"], bin("*", attr("self", "v"), i(2)))),
    ], "Base"),
    cls("Empty", []),
    set("b", call("Base", [i(3)])),
    set("c", call("Child", [i(4)])),
    print(meth("b", "describe"), meth("c", "describe"), meth(meth("c", "grow"), "grow"), attr("c", "extra"), meth("c", "twice"), meth("b", "peek")),
    print(attr("Base", "__doc__"), attr("Base", "__static_attributes__"), attr("Child", "__static_attributes__"), attr("Empty", "__static_attributes__")),
    print(attr("Child", "__qualname__"), attr("Child", "__module__"), call("isinstance", [n("c"), n("Base")]), call("type", [n("b")])),
    set(ta("b", "w"), i(1)),
    del(ta("b", "w")),
    def("factory", ["tag"], [cls("Local", [set("t", n("tag")), def("get", ["self"], [ret(n("tag"))])]), ret(n("Local"))]),
    set("L", call("factory", [s("T")])),
    print(attr("L", "t"), meth(call("L"), "get"), attr("L", "__qualname__")),
  ]),

  "__del__ order and store order": prog([
    cls("D", [
      def("__init__", ["self", "name"], [set(ta("self", "name"), n("name"))]),
      def("__del__", ["self"], [print(s("del"), attr("self", "name"))]),
    ]),
    def("swap", [], [
      set("a", call("D", [s("a")])),
      set("b", call("D", [s("b")])),
      set(tt("a", "b"), tup(n("b"), n("a"))),
      set("c", call("D", [s("c")])),
      set(tt("a", "b", "c"), tup(n("c"), n("b"), n("a"))),
      set("a", NONE),
      print(s("mid")),
      del("b"),
      print(s("end")),
    ]),
    ex(call("swap")),
    set("g1", call("D", [s("g1")])),
    set("_g2", call("D", [s("g2")])),
    set("g1", call("D", [s("g3")])),
    set("xs", comp(call("D", [n("k")]), "k", list(s("l1"), s("l2")))),
    del("xs"),
  ]),

  "exceptions": prog([
    cls("MyError", [def("__init__", ["self", "code"], [set(ta("self", "code"), n("code"))])], "Exception"),
    def("risky", ["k"], [
      if_(cmp("==", n("k"), i(0)), [raise(call("ValueError", [s("zero")]))]),
      if_(cmp("==", n("k"), i(1)), [raise(call("MyError", [i(7)]))]),
      if_(cmp("==", n("k"), i(2)), [ret(bin("//", i(1), i(0)))]),
      ret(n("k")),
    ]),
    set("log", list()),
    for_("k", call("range", [i(4)]), [
      try_([set("r", call("risky", [n("k")]))], [
        exc("ValueError", "e", [ex(meth("log", "append", [tup(s("value"), call("str", [n("e")]))]))]),
        exc("MyError", "e", [ex(meth("log", "append", [tup(s("mine"), attr("e", "code"))])), CONTINUE]),
        exc("ArithmeticError", undefined, [ex(meth("log", "append", [s("arith")]))]),
      ], [ex(meth("log", "append", [tup(s("ok"), n("r"))]))], [ex(meth("log", "append", [tup(s("finally"), n("k"))]))]),
    ]),
    print(n("log")),
    try_([ex(n("e"))], [exc("NameError", undefined, [print(s("e was deleted after its handler"))])]),
  ]),

  // (kept apart from the loop above: a jump to an EXTENDED_ARG-prefixed FOR_ITER trips a known
  // engine bug, see the report; "big function with EXTENDED_ARG jumps" covers that layout)
  "exceptions: raise, reraise, finally": prog([
    cls("MyError", [def("__init__", ["self", "code"], [set(ta("self", "code"), n("code"))])], "Exception"),
    def("risky", ["k"], [if_(cmp("==", n("k"), i(0)), [raise(call("ValueError", [s("zero")]))]), ret(n("k"))]),
    def("reraise", [], [try_([raise(call("KeyError", [s("k")]))], [exc(undefined, undefined, [print(s("cleanup")), raise()])])]),
    try_([ex(call("reraise"))], [exc("KeyError", "err", [print(s("outer caught"), call("repr", [n("err")]))])]),
    def("finally_return", [], [try_([ret(s("from try"))], [], undefined, [print(s("finally runs first"))])]),
    print(call("finally_return")),
    def("finally_override", [], [for_("k", call("range", [i(3)]), [try_([if_(cmp("==", n("k"), i(1)), [BREAK])], [], undefined, [print(s("fin"), n("k"))])]), ret(n("k"))]),
    print(call("finally_override")),
    def("in_handler", [], [try_([raise(call("ValueError"))], [exc("ValueError", "e", [ret(call("type", [n("e")]))])], undefined, [print(s("after handler"))])]),
    print(call("in_handler")),
    def("nested", [], [
      try_([try_([raise(call("TypeError", [s("inner")]))], [exc("ValueError", undefined, [print(s("wrong"))])], undefined, [print(s("inner finally"))])],
        [exc("TypeError", "t", [try_([raise(n("t"))], [exc("TypeError", undefined, [print(s("re-caught"))])])])]),
    ]),
    ex(call("nested")),
    def("boom", ["x"], [ret(call("risky", [n("x")]))]),
    ex(call("boom", [i(0)])),
  ]),

  "f-strings": prog([
    set("x", i(42)),
    set("name", s("Ann")),
    set("pi", fl(3.14159)),
    print(fstr("x=", { e: n("x") }, ", name=", { e: n("name"), conv: "r" }, ", pi=", { e: n("pi"), spec: ".2f" })),
    print(fstr({ e: n("x"), spec: ">6" }, "|", { e: n("name"), conv: "s", spec: "^7" }, "|", { e: n("x"), spec: "" }, "|")),
    print(fstr("braces {} and {{x}}", { e: dict([s("k"), i(1)]) }, "quote \" and ' and \\")),
    print(fstr("nested spec ", { e: n("name"), spec: "{}" }), fstr(), fstr("only text"), fstr({ e: ifexp(n("x"), lam([], i(1)), NONE), conv: "r" })),
    print(fstr(...Array.from({ length: 20 }, (_, k): Part[] => [`<${k}:`, { e: bin("*", n("x"), i(k)) }]).flat())),
  ]),

  "list comprehensions": prog([
    set("xs", call("range", [i(6)])),
    set("x", s("module x survives")),
    set("evens", comp(bin("*", n("x"), n("x")), "x", n("xs"), cmp("==", bin("%", n("x"), i(2)), i(0)))),
    set("nested", comp(comp(bin("*", n("a"), n("b")), "b", call("range", [n("a")])), "a", call("range", [i(4)]))),
    set("flat", comp(n("x"), "x", list(i(1), i(2), i(3)))),
    print(n("evens"), n("nested"), n("flat"), n("x")),
    def("scale", ["k"], [set("base", i(10)), ret(comp(bin("+", bin("*", n("v"), n("k")), n("base")), "v", call("range", [i(3)]), n("v")))]),
    print(call("scale", [i(3)])),
    set("fs", comp(lam([], bin("*", n("v"), i(10))), "v", call("range", [i(3)]))),
    print(comp(call("f"), "f", n("fs"))),
    def("capture", [], [set("fs", comp(lam([], n("v")), "v", list(s("p"), s("q")))), ret(comp(call("g"), "g", n("fs")))]),
    print(call("capture")),
    cls("K", [set("vals", comp(bin("+", n("v"), i(1)), "v", call("range", [i(3)]))), set("twice", comp(bin("*", n("v"), i(2)), "v", n("vals")))]),
    print(attr("K", "vals"), attr("K", "twice")),
    def("outer", ["m"], [cls("C", [set("ys", comp(bin("*", n("v"), n("m")), "v", call("range", [i(3)])))]), ret(attr("C", "ys"))]),
    print(call("outer", [i(5)])),
  ]),

  "imports and modules": prog([
    imp("helper"),
    print(meth("helper", "twice", [i(21)]), attr("helper", "CONST")),
    set(ta("helper", "CONST"), i(100)),
    print(meth("helper", "read")),
    def("late", [], [imp("helper"), ret(attr("helper", "CONST"))]),
    print(call("late")),
  ], ["helper", [
    set("CONST", i(7)),
    def("twice", ["v"], [ret(bin("*", n("v"), i(2)))]),
    def("read", [], [ret(n("CONST"))]),
  ]]),

  "del, globals and unbound locals": prog([
    set("g", i(1)),
    set("h", i(2)),
    def("drop", [], [glob("h"), del("h")]),
    ex(call("drop")),
    del("g"),
    def("unbound", ["flag"], [if_(n("flag"), [set("v", i(1))]), ret(n("v"))]),
    print(call("unbound", [T])),
    try_([ex(call("unbound", [F]))], [exc("UnboundLocalError", "e", [print(s("unbound:"), n("e"))])]),
    def("deleted", [], [set("v", i(1)), del("v"), ret(n("v"))]),
    try_([ex(call("deleted"))], [exc("UnboundLocalError", undefined, [print(s("deleted local"))])]),
    def("cell_del", [], [set("c", i(5)), def("inner", [], [ret(n("c"))]), del("c"), ret(n("inner"))]),
    try_([ex(call(call("cell_del")))], [exc("NameError", "e", [print(n("e"))])]),
    cls("C", [set("tmp", i(1)), del("tmp"), glob("gc"), set("gc", s("set from class"))]),
    print(n("gc")),
    try_([ex(attr("C", "tmp"))], [exc("AttributeError", "e", [print(n("e"))])]),
  ]),
};

// ---------------------------------------------------------------------------------------------
// Helpers

let cpythonReady = false;
beforeAll(async () => {
  await getPyodide();
  cpythonReady = true;
}, 120_000);

function codes(c: CodeDef, out: CodeDef[] = []): CodeDef[] {
  out.push(c);
  for (const k of c.consts) if (k instanceof CodeDef) codes(k, out);
  return out;
}

function opnames(p: ProgramDef): string[][] {
  return p.modules.flatMap((m) => codes(m.code).map((c) => [c.qualname, ...decode(c.units).map((x) => x.name)]));
}

/** Compile, verify and run on the reference and tier 1; returns the reference outcome. */
function runMine(p: ProgramAst): { program: ProgramDef; outcome: Outcome } {
  const program = compileProgram(p);
  verifyProgram(program);
  const ref = runReference(program);
  expect(ref.leaks).toEqual([]);
  const t1 = runTier1(program, { checkStackEffects: true });
  expect(compareOutcomes(t1.outcome, ref.outcome)).toEqual([]);
  return { program, outcome: ref.outcome };
}

const showDiffs = (d: ReturnType<typeof compareOutcomes>): string => d.map((x) => `${x.field}:\n  mine:    ${x.left}\n  cpython: ${x.right}`).join("\n");

// ---------------------------------------------------------------------------------------------
// (a) + (b): every program behaves like CPython and compiles to CPython's exact code objects

describe("hand-written IR programs", () => {
  for (const [title, p] of Object.entries(PROGRAMS)) {
    it(title, async () => {
      expect(cpythonReady).toBe(true);
      const src = programSource(p);
      const { program, outcome } = runMine(p);
      expect(outcome.status, outcome.internalError).toMatch(/^(ok|exception)$/);
      const cp = await runInCPython(src);
      const diffs = compareOutcomes(outcome, cp, { tracebackOffsets: false });
      expect(showDiffs(diffs), src.map((m) => m.source).join("\n# ----\n")).toBe("");
      // the same bytecode CPython 3.14 compiles from the printed source, field by field
      const theirs = await importPython(src);
      expect(opnames(program)).toEqual(opnames(theirs));
      expect(sameProgram(program, theirs)).toBeUndefined();
    });
  }

  it("cover every IR node kind", () => {
    const seen = new Set<string>();
    const walk = (x: unknown): void => {
      if (Array.isArray(x)) x.forEach(walk);
      else if (x !== null && typeof x === "object") {
        const o = x as Record<string, unknown>;
        if (typeof o["k"] === "string") {
          seen.add(String(o["k"]));
          if (o["k"] === "bin" || o["k"] === "augassign") seen.add(`op ${String(o["op"])}`);
          if (o["k"] === "cmp") seen.add(`cmp ${String(o["op"])}`);
          if (o["k"] === "boolop") seen.add(`boolop ${String(o["op"])}`);
        }
        for (const [key, v] of Object.entries(o)) {
          if (key === "target" || key === "v") {
            if (v !== null && typeof v === "object") seen.add(`target ${String((v as { k: string }).k)}`);
          }
          walk(v);
        }
      }
    };
    walk(Object.values(PROGRAMS));
    const expected = [
      "int", "float", "str", "bool", "none", "name", "bin", "cmp", "boolop", "not", "neg", "invert", "call", "attr", "sub",
      "slice", "list", "tuple", "dict", "ifexp", "lambda", "fstr", "listcomp",
      "assign", "augassign", "expr", "if", "while", "for", "break", "continue", "return", "pass", "def", "class", "try",
      "raise", "global", "nonlocal", "del", "import",
      "target name", "target attr", "target sub", "target tuple",
      ...["+", "-", "*", "//", "%", "/", "**", "<<", ">>", "&", "|", "^"].map((o) => `op ${o}`),
      ...["<", "<=", "==", "!=", ">", ">=", "is", "is not", "in", "not in"].map((o) => `cmp ${o}`),
      "boolop and", "boolop or",
    ];
    expect(expected.filter((k) => !seen.has(k))).toEqual([]);
  });
});

// (b) small snippets: exact equality with CPython's compilation

const SNIPPETS: Record<string, ProgramAst> = {
  "straight-line": prog([set("x", i(1)), set("y", bin("+", n("x"), i(300))), aug("x", "-", n("y")), print(n("x"), n("y"))]),
  "calls and attributes": prog([set("o", call("list")), ex(meth("o", "append", [i(1)])), set("v", attr("o", "count")), print(meth("o", "count", [i(1)], undefined), call("len", [n("o")]))]),
  "keyword call": prog([ex(call("print", [i(1), i(2)], [["sep", s(",")]])), ex(meth(s("-"), "join", [list(s("a"), s("b"))]))]),
  "if/elif/else chain": prog([set("v", i(3)), if_(cmp("<", n("v"), i(0)), [print(s("neg"))], [if_(cmp("==", n("v"), i(0)), [print(s("zero"))], [print(s("pos"))])])]),
  "for with break and continue": prog([for_("k", call("range", [i(5)]), [if_(n("k"), [CONTINUE]), if_(cmp(">", n("k"), i(3)), [BREAK]), print(n("k"))])]),
  "while with boolean conditions": prog([set("k", i(0)), while_(and(cmp("<", n("k"), i(5)), not(cmp("is", n("k"), NONE))), [aug("k", "+", i(1))]), print(n("k"))]),
  "function with locals and defaults": prog([def("f", ["a", { name: "b", default: tup(i(1), i(2)) }], [set("c", bin("+", n("a"), i(1))), set(tt("d", "e"), n("b")), ret(tup(n("c"), n("d"), n("e")))]), print(call("f", [i(1)]))]),
  "closure cells and free variables": prog([def("f", ["p"], [set("q", i(2)), def("g", [], [nonlocal("q"), aug("q", "+", n("p")), ret(n("q"))]), ret(n("g"))]), print(call(call("f", [i(3)])))]),
  "method with static attributes": prog([cls("P", [def("__init__", ["self", "x"], [set(ta("self", "x"), n("x")), set(ta("self", "y"), i(0))]), def("norm", ["self"], [ret(bin("+", attr("self", "x"), attr("self", "y")))])]), print(meth(call("P", [i(2)]), "norm"))]),
  "try/except/else/finally": prog([try_([set("r", bin("/", i(1), i(0)))], [exc("ZeroDivisionError", "e", [print(n("e"))]), exc(undefined, undefined, [PASS])], [print(s("else"))], [print(s("fin"))])]),
  "docstrings": prog([{ k: "expr", e: s("module doc") }, def("f", [], [{ k: "expr", e: s("  function doc\n    more") }, ret(i(1))]), cls("C", [{ k: "expr", e: s("class doc") }])]),
  "module-level global declaration": prog([def("f", [], [glob("g"), set("g", i(1))]), set("g", i(2)), ex(call("f")), print(n("g"))]),
  "constant conditions": prog([if_(T, [print(i(1))]), if_(NONE, [print(i(2))], [print(i(3))]), set("v", ifexp(i(0), i(1), i(2))), while_(i(0), [PASS]), print(n("v"))]),
  "big function with EXTENDED_ARG jumps": prog([
    def("big", ["v"], [
      set("acc", i(0)),
      for_("k", call("range", [i(3)]), [
        if_(cmp("==", n("k"), i(1)), [CONTINUE]),
        ...Array.from({ length: 80 }, (_, j) => aug("acc", "+", bin("*", n("k"), i(j)))),
      ]),
      ret(n("acc")),
    ]),
    ex(n("big")),
  ]),
  "many locals (superinstruction and LOAD_FAST_CHECK limits)": prog([
    def("many", ["a"], [
      ...Array.from({ length: 70 }, (_, j) => if_(cmp(">", n("a"), i(j)), [set(`w${j}`, i(j))])),
      ret(bin("+", n("w3"), n("w69"))),
    ]),
    print(call("many", [i(100)])),
  ]),
};

describe("snippets compile exactly like CPython 3.14", () => {
  for (const [title, p] of Object.entries(SNIPPETS)) {
    it(title, async () => {
      const mine = compileProgram(p);
      verifyProgram(mine);
      const theirs = await importPython(programSource(p));
      expect(opnames(mine)).toEqual(opnames(theirs));
      expect(sameProgram(mine, theirs)).toBeUndefined();
    });
  }
});

// (c) deliberate differences: CPython 3.14 uses instructions outside the subset there

describe("deliberate differences from CPython still behave like CPython", () => {
  const a = (k: number): Expr => bin("+", n("a"), i(k));
  const cases: Record<string, ProgramAst> = {
    "call with more than 30 arguments (CPython: CALL_FUNCTION_EX)": prog([
      def("f", Array.from({ length: 35 }, (_, k) => `p${k}`), [ret(bin("+", n("p0"), n("p34")))]),
      set("a", i(1)),
      print(call("f", Array.from({ length: 35 }, (_, k) => a(k)))),
    ]),
    "tuple of more than 30 non-constant items (CPython: CALL_INTRINSIC_1 list-to-tuple)": prog([
      set("a", i(1)),
      set("t", tup(...Array.from({ length: 33 }, (_, k) => a(k)))),
      print(n("t"), call("len", [n("t")])),
    ]),
    "dict display of more than 17 items (CPython: DICT_UPDATE)": prog([
      set("a", i(1)),
      set("d", dict(...Array.from({ length: 40 }, (_, k): [Expr, Expr] => [s(`k${k % 35}`), a(k)]))),
      print(n("d"), call("len", [n("d")])),
    ]),
  };
  for (const [title, p] of Object.entries(cases)) {
    it(title, async () => {
      const src = programSource(p);
      // DICT_UPDATE is in tierdiff's subset now (big dict displays); our codegen still uses MAP_ADD
      if (title.startsWith("dict display")) await expect(importPython(src)).resolves.toBeDefined();
      else await expect(importPython(src)).rejects.toThrow(/unsupported construct/);
      const { outcome } = runMine(p);
      const cp = await runInCPython(src);
      expect(showDiffs(compareOutcomes(outcome, cp, { tracebackOffsets: false }))).toBe("");
    });
  }
});

// (d) IR CPython rejects

describe("CodegenError", () => {
  const bad: [string, ProgramAst, RegExp][] = [
    ["nonlocal of an unknown name", prog([def("f", [], [nonlocal("zz"), PASS])]), /no binding for nonlocal 'zz'/],
    ["nonlocal at module level", prog([nonlocal("x")]), /nonlocal declaration not allowed at module level/],
    ["break outside a loop", prog([BREAK]), /'break' outside loop/],
    ["continue outside a loop", prog([def("f", [], [CONTINUE])]), /'continue' not properly in loop/],
    ["break in a def inside a loop", prog([while_(T, [def("f", [], [BREAK])])]), /'break' outside loop/],
    ["return at module level", prog([ret(i(1))]), /'return' outside function/],
    ["return in a class body", prog([cls("C", [ret()])]), /'return' outside function/],
    ["default except not last", prog([try_([PASS], [exc(undefined, undefined, [PASS]), exc("E", undefined, [PASS])])]), /default 'except:' must be last/],
    ["except as without a type", prog([try_([PASS], [exc(undefined, "e", [PASS])])]), /needs an exception type/],
    ["try without except or finally", prog([try_([PASS], [])]), /expected 'except' or 'finally'/],
    ["try/else without except", prog([try_([PASS], [], [PASS], [PASS])]), /'else' clause/],
    ["global after use", prog([def("f", [], [print(n("g")), glob("g")])]), /used prior to global declaration/],
    ["global of a parameter", prog([def("f", ["g"], [glob("g")])]), /parameter and global/],
    ["duplicate parameter", prog([def("f", ["a", "a"], [PASS])]), /duplicate argument 'a'/],
    ["parameter without default after one with", prog([def("f", [{ name: "a", default: i(1) }, "b"], [PASS])]), /parameter without a default/],
    ["repeated keyword argument", prog([ex(call("f", [], [["k", i(1)], ["k", i(2)]]))]), /keyword argument repeated/],
    ["keyword used as a name", prog([set("class", i(1))]), /invalid identifier/],
    ["augmented assignment to a tuple", prog([aug(tt("a", "b"), "+", i(1))]), /illegal expression for augmented assignment/],
  ];
  for (const [title, p, re] of bad) {
    it(title, async () => {
      let err: unknown;
      try {
        compileProgram(p);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CodegenError);
      expect((err as Error).message).toMatch(re);
      expect((err as CodegenError).construct).toBeTruthy();
      // CPython rejects the printed source too (except where the IR has no printable form)
      if (!/exception type|invalid identifier/.test(String(re))) await expect(importPython(programSource(p))).rejects.toThrow();
    });
  }

  it("names the module and the printed line", () => {
    const p = prog([print(i(1)), while_(T, [PASS]), def("f", [], [print(i(2)), nonlocal("nope")])]);
    expect(() => compileProgram(p)).toThrow(/^main:6: no binding for nonlocal 'nope' found/);
  });

  it("rejects bad module names", () => {
    expect(() => compileProgram(prog([PASS], ["not valid", [PASS]]))).toThrow(CodegenError);
    expect(() => compileProgram(prog([PASS], ["m", [PASS]], ["m", [PASS]]))).toThrow(/duplicate module name m/);
  });
});

// ---------------------------------------------------------------------------------------------
// The printer

describe("source printer", () => {
  it("parenthesizes by precedence only where Python needs it", () => {
    expect(exprSource(bin("*", bin("+", n("a"), n("b")), n("c")))).toBe("(a + b) * c");
    expect(exprSource(bin("-", n("a"), bin("-", n("b"), n("c"))))).toBe("a - (b - c)");
    expect(exprSource(bin("-", bin("-", n("a"), n("b")), n("c")))).toBe("a - b - c");
    expect(exprSource(bin("**", neg(i(2)), i(2)))).toBe("(-2) ** 2");
    expect(exprSource(neg(bin("**", i(2), i(2))))).toBe("-2 ** 2");
    expect(exprSource(bin("**", i(2), bin("**", i(3), i(4))))).toBe("2 ** 3 ** 4");
    expect(exprSource(bin("**", bin("**", i(2), i(3)), i(4)))).toBe("(2 ** 3) ** 4");
    expect(exprSource(bin("**", i(2), i(-1)))).toBe("2 ** -1");
    expect(exprSource(cmp("<", cmp("<", n("a"), n("b")), n("c")))).toBe("(a < b) < c");
    expect(exprSource(and(and(n("a"), n("b")), n("c")))).toBe("a and b and c");
    expect(exprSource(and(n("a"), and(n("b"), n("c"))))).toBe("a and (b and c)");
    expect(exprSource(or(and(n("a"), n("b")), not(n("c"))))).toBe("a and b or not c");
    expect(exprSource(not(or(n("a"), n("b"))))).toBe("not (a or b)");
    expect(exprSource(neg(neg(n("a"))))).toBe("-(-a)");
    expect(exprSource(ifexp(n("d"), ifexp(n("a"), n("b"), n("c")), ifexp(n("e"), n("f"), n("g"))))).toBe("(b if a else c) if d else f if e else g");
    expect(exprSource(call(lam(["x"], n("x")), [lam([], i(1))]))).toBe("(lambda x: x)(lambda: 1)");
    expect(exprSource(attr(i(5), "real"))).toBe("(5).real");
    expect(exprSource(attr(i(-5), "real"))).toBe("(-5).real");
    expect(exprSource(sub(n("a"), tup(i(1), i(2))))).toBe("a[(1, 2)]");
    expect(exprSource(slice(n("a"), undefined, neg(i(1))))).toBe("a[:-1]");
    expect(exprSource(comp(n("x"), "x", ifexp(n("a"), n("b"), n("c")), lam([], i(1))))).toBe("[x for x in (b if a else c) if (lambda: 1)]");
    expect(exprSource(tup(i(1)))).toBe("(1,)");
    expect(exprSource(tup())).toBe("()");
  });

  it("writes literals that read back as the same values", () => {
    expect(exprSource(fl(1e16))).toBe("1e+16");
    expect(exprSource(fl(-0))).toBe("-0.0");
    expect(exprSource(fl(0.1))).toBe("0.1");
    expect(exprSource(fl(Infinity))).toBe("float('inf')");
    expect(exprSource(fl(-Infinity))).toBe("float('-inf')");
    expect(exprSource(fl(NaN))).toBe("float('nan')");
    expect(exprSource(i("-123456789012345678901234567890"))).toBe("-123456789012345678901234567890");
    expect(exprSource(s("it's \"x\"\n\\"))).toBe("'it\\'s \"x\"\\n\\\\'");
    expect(exprSource(fstr("a{", { e: dict([i(1), i(2)]), conv: "r", spec: "x{y" }, "}"))).toBe("f\"a{{{ {1: 2} !r:{'x{y'}}}}\"");
  });

  it("lays out one line per statement; empty bodies print pass; else-if prints elif", () => {
    const st = if_(n("a"), [], [if_(n("b"), [print(i(1))], [def("f", [], [])])]);
    expect(stmtSource(st)).toBe("if a:\n    pass\nelif b:\n    print(1)\nelse:\n    def f():\n        pass");
    const t = try_([PASS], [exc("E", "e", [])], [PASS], [PASS]);
    expect(stmtSource(t, 1)).toBe("    try:\n        pass\n    except E as e:\n        pass\n    else:\n        pass\n    finally:\n        pass");
  });
});

// ---------------------------------------------------------------------------------------------
// Throughput (informational: the machine may be shared; only sanity is asserted)

describe("throughput", () => {
  it("compiles a typical 30-statement program quickly", () => {
    const body = [...PROGRAMS["loops and control flow"]!.modules[0]!.body, ...PROGRAMS["functions, closures and scopes"]!.modules[0]!.body].slice(0, 30);
    const p: ProgramAst = { modules: [{ name: "main", body }] };
    for (let k = 0; k < 50; k++) compileProgram(p, { source: false }); // warm up
    const t0 = performance.now();
    let count = 0;
    while (performance.now() - t0 < 500) {
      compileProgram(p, { source: false });
      count++;
    }
    const perSecond = (count / (performance.now() - t0)) * 1000;
    console.log(`codegen: ${perSecond.toFixed(0)} programs/s (${body.length} statements, ${programSource(p)[0]!.source.split("\n").length - 1} lines)`);
    expect(perSecond).toBeGreaterThan(50);
  });
});
