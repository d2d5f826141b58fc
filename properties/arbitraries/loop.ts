/**
 * The hot-loop header shared by the templates: a bounded loop over `range(n)`, a list literal, a
 * tuple literal, `enumerate`/`zip` (tuple unpacking of each item), or a counted `while` — each a
 * different FOR_ITER / UNPACK_SEQUENCE / JUMP_BACKWARD specialization.
 */
import fc from "fast-check";
import type { Stmt } from "../ast/types.ts";
import { boundedWhile, call, for_, list, range, tgt, tuple } from "./build.ts";

export const LOOP_KINDS = ["range", "list", "tuple", "while", "enumerate", "zip"] as const;
export type LoopKind = (typeof LOOP_KINDS)[number];

/** Shrinks toward `range`. */
export const loopKindArb: fc.Arbitrary<LoopKind> = fc.constantFrom(...LOOP_KINDS);

/**
 * Iteration counts: small enough to keep programs cheap, large enough to cross the warm-up
 * thresholds (tier 1 specializes on the 2nd execution; a harness runs tier 2 with low thresholds).
 * Shrinks toward 2.
 */
export const iterationsArb = (max = 40): fc.Arbitrary<number> => fc.integer({ min: 2, max });

/**
 * `for i in <iter>: body` (or the counted while) running exactly `n` times with `i` = 0..n-1;
 * "enumerate" and "zip" also bind `<i>_e` (`for i, i_e in enumerate([...])`).
 */
export function loop(kind: LoopKind, i: string, n: number, body: readonly Stmt[]): Stmt[] {
  const idx = Array.from({ length: n }, (_, k) => k);
  switch (kind) {
    case "range":
      return [for_(i, range(n), body)];
    case "list":
      return [for_(i, list(...idx), body)];
    case "tuple":
      return [for_(i, tuple(...idx), body)];
    case "while":
      return boundedWhile(i, n, body);
    case "enumerate":
      return [for_({ k: "tuple", items: [tgt(i), tgt(`${i}_e`)] }, call("enumerate", list(...idx.map((k) => k * 2))), body)];
    case "zip":
      return [for_({ k: "tuple", items: [tgt(i), tgt(`${i}_e`)] }, call("zip", range(n), tuple(...idx.map((k) => n - k))), body)];
  }
}
