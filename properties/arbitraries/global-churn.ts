/**
 * Globals read in a hot loop while the loop (or the module, between calls) rebinds them, changes
 * their type, deletes them (the next read raises NameError, which the loop catches and repairs),
 * or adds new keys to the globals dict — everything LOAD_GLOBAL_MODULE's dict-keys-version guard
 * and tier 2's globals watcher must notice.
 *
 *     $g = 2
 *     $h = 5
 *     def $run():
 *         global $g, $h, $new
 *         t = 0
 *         for i in range(n):
 *             try:
 *                 t = t + $g * $h
 *             except NameError:
 *                 t = t - 1
 *                 $g = 1                      # repair
 *             except TypeError:
 *                 t = t - 2
 *             if i == K: <event>
 *         print("$gc", t)
 *     $run(); <module-level event>; $run()
 */
import fc from "fast-check";
import type { Stmt } from "../ast/types.ts";
import { assign, bin, call, cmp, def, del, expr, global, handler, if_, int, print, ret, str, try_, tryIgnore } from "./build.ts";
import type { Feature } from "./feature.ts";
import { at } from "./feature.ts";
import { iterationsArb, loop, loopKindArb, type LoopKind } from "./loop.ts";

export const GLOBAL_EVENTS = ["rebind", "rebind-float", "rebind-str", "delete", "add-key", "delete-other", "rebind-other"] as const;
export type GlobalEvent = (typeof GLOBAL_EVENTS)[number];

export interface GlobalChurnParams {
  readonly loop: LoopKind;
  readonly n: number;
  readonly g: number;
  readonly h: number;
  readonly events: readonly { readonly at: number; readonly ev: GlobalEvent }[];
  /** an event run at module level between the two calls of `$run()` (none: one call) */
  readonly between: GlobalEvent | null;
}

export const globalChurnParamsArb: fc.Arbitrary<GlobalChurnParams> = fc.record({
  loop: loopKindArb,
  n: iterationsArb(),
  g: fc.integer({ min: 0, max: 9 }),
  h: fc.integer({ min: 0, max: 9 }),
  events: fc.array(fc.record({ at: fc.integer({ min: 0, max: 40 }), ev: fc.constantFrom(...GLOBAL_EVENTS) }), { minLength: 1, maxLength: 3 }),
  between: fc.option(fc.constantFrom(...GLOBAL_EVENTS), { nil: null }),
});

/** Valid in the function (names declared global) and at module level alike. */
function event(ev: GlobalEvent): Stmt[] {
  switch (ev) {
    case "rebind":
      return [assign("$g", bin("+", "$g", 1))].map((s) => tryIgnore([s], "NameError", "TypeError"));
    case "rebind-float":
      return [assign("$g", 2.5)];
    case "rebind-str":
      return [assign("$g", str("s"))];
    case "delete":
      return [tryIgnore([del("$g")], "NameError")];
    case "add-key":
      return [assign("$new", int(7))];
    case "delete-other":
      return [tryIgnore([del("$new")], "NameError")];
    case "rebind-other":
      return [assign("$h", bin("*", "$h", 2))];
  }
}

function build(p: GlobalChurnParams): Feature {
  const body: Stmt[] = [
    try_(
      [assign("t", bin("+", "t", bin("*", "$g", "$h")))],
      [handler("NameError", [assign("t", bin("-", "t", 1)), assign("$g", 1)]), handler("TypeError", [assign("t", bin("-", "t", 2))])],
    ),
  ];
  for (const e of p.events) body.push(if_(cmp("==", "i", at(e.at, p.n)), event(e.ev)));
  const run = def("$run", [], [
    global("$g", "$h", "$new"),
    assign("t", int(0)),
    ...loop(p.loop, "i", p.n, body),
    print(str("$gc"), "t"),
    ret("t"),
  ]);
  const stmts: Stmt[] = [assign("$g", p.g), assign("$h", p.h), run, expr(call("$run"))];
  if (p.between !== null) stmts.push(...event(p.between), expr(call("$run")));
  return { kind: "global-churn", stmts, modules: [] };
}

export const globalChurnArb: fc.Arbitrary<Feature> = globalChurnParamsArb.map(build);
