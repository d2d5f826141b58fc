/**
 * An exception nobody catches, raised inside a hot loop after warm-up (at iteration K), possibly a
 * few calls deep: the program ends with status "exception", so the exception's class, message and
 * traceback — (qualname, byte offset) per frame — are compared between engines. Tier-2 bugs of
 * this kind: the exception names a different variable (gh-140104), or points at the wrong
 * instruction after a side exit. The composer always places this feature last (at most one).
 *
 *     def $run():
 *         t = 0
 *         for i in range(n):
 *             if i < K: x = i
 *             if i == K: del x                # "unbound-local"
 *             t = t + x
 *         print("$unc", t)                    # never reached
 *     $run()
 *
 * Other kinds: NameError (a global deleted mid-loop), ZeroDivisionError (`100 // (K - i)`),
 * KeyError (a dict with keys below K), TypeError (a value that becomes a str at K), a user
 * exception raised `depth` calls down, AttributeError (an attribute deleted at K).
 */
import fc from "fast-check";
import type { Stmt } from "../ast/types.ts";
import { assign, attr, attrT, bin, call, cls, cmp, def, del, dict, expr, global, if_, ifexp, int, pass, print, raise, ret, str, sub } from "./build.ts";
import type { Feature } from "./feature.ts";
import { at } from "./feature.ts";
import { iterationsArb, loop, loopKindArb, type LoopKind } from "./loop.ts";

export const UNCAUGHT_KINDS = ["unbound-local", "name", "zero-div", "key", "type", "user", "attribute"] as const;
export type UncaughtKind = (typeof UNCAUGHT_KINDS)[number];

export interface UncaughtParams {
  readonly loop: LoopKind;
  readonly n: number;
  readonly kind: UncaughtKind;
  readonly at: number;
  /** call depth of the raise for "user" */
  readonly depth: number;
}

export const uncaughtParamsArb: fc.Arbitrary<UncaughtParams> = fc.record({
  loop: loopKindArb,
  n: iterationsArb(),
  kind: fc.constantFrom(...UNCAUGHT_KINDS),
  at: fc.integer({ min: 0, max: 40 }),
  depth: fc.integer({ min: 1, max: 4 }),
});

function build(p: UncaughtParams): Feature {
  const k = at(p.at, p.n);
  const prelude: Stmt[] = [];
  const setup: Stmt[] = [];
  let body: Stmt[];
  switch (p.kind) {
    case "unbound-local":
      body = [if_(cmp("<", "i", k), [assign("x", "i")]), if_(cmp("==", "i", k), [del("x")]), assign("t", bin("+", "t", "x"))];
      break;
    case "name":
      prelude.push(assign("$g", 3));
      setup.push(global("$g"));
      body = [if_(cmp("==", "i", k), [del("$g")]), assign("t", bin("+", "t", "$g"))];
      break;
    case "zero-div":
      body = [assign("t", bin("+", "t", bin("//", 100, bin("-", k, "i"))))];
      break;
    case "key":
      prelude.push(assign("$d", dict(...Array.from({ length: k }, (_, j) => [j, j * 10] as const))));
      body = [assign("t", bin("+", "t", sub("$d", "i")))];
      break;
    case "type":
      body = [assign("x", ifexp(cmp("<", "i", k), "i", str("s"))), assign("t", bin("+", "t", "x"))];
      break;
    case "user":
      prelude.push(cls("$Err", "Exception", [pass]));
      for (let d = 1; d <= p.depth; d++) {
        const next = d < p.depth ? call(`$down${d + 1}`, "i") : ifexp(cmp("==", "i", k), call("$boom", "i"), "i");
        prelude.push(def(`$down${d}`, ["i"], [ret(next)]));
      }
      prelude.push(def("$boom", ["i"], [raise(call("$Err", str("boom at"), "i"))]));
      body = [assign("t", bin("+", "t", call("$down1", "i")))];
      break;
    case "attribute":
      prelude.push(cls("$O", undefined, [def("__init__", ["self"], [assign(attrT("self", "v"), 1)])]));
      setup.push(assign("o", call("$O")));
      body = [if_(cmp("==", "i", k), [del(attrT("o", "v"))]), assign("t", bin("+", "t", attr("o", "v")))];
      break;
  }
  const run = def("$run", [], [...setup, assign("t", int(0)), ...loop(p.loop, "i", p.n, body), print(str("$unc"), "t"), ret("t")]);
  return { kind: "uncaught", stmts: [...prelude, run, expr(call("$run"))], modules: [] };
}

export const uncaughtArb: fc.Arbitrary<Feature> = uncaughtParamsArb.map(build);
