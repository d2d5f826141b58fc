/**
 * A Feature is one self-contained piece of a generated program, built from a template aimed at one
 * thing a tiered VM gets wrong (hot loops, closures, class churn, __del__, ...). A program is a
 * list of features run one after the other (programArb, program.ts).
 *
 * Contract of every feature (what keeps composed and shrunk programs valid):
 *  - it terminates by construction and stays small (a few thousand instructions; loops of at most
 *    ~40 iterations, nested loops bounded so their product stays small);
 *  - every name it uses at module level or as a global starts with `$` ("feature-local"): the
 *    composer replaces the `$` by `f<index>_`, so features never clash; function locals are plain;
 *  - it leaves the shared state as it found it: builtins it shadows are restored (`del len`),
 *    nothing it defines is needed by another feature, objects with `__del__` are released before
 *    the feature ends (so teardown order is not what is being tested);
 *  - every string value starting with `$` is renamed too (labels in prints, module names);
 *  - it ends normally — except "uncaught", which ends the program with an uncaught exception and
 *    is therefore always placed last by the composer (at most one per program).
 */
import type { ModuleAst, Stmt } from "../ast/types.ts";

export const FEATURE_KINDS = [
  "hot-loop",
  "type-churn",
  "global-churn",
  "closure-loop",
  "class-churn",
  "del-disruptive",
  "exceptions",
  "recursion",
  "cross-module",
  "builtin-shadow",
  "func-mutation",
  "uncaught",
] as const;
export type FeatureKind = (typeof FEATURE_KINDS)[number];

export interface Feature {
  readonly kind: FeatureKind;
  /** statements appended to `__main__`, in order ($-names) */
  readonly stmts: readonly Stmt[];
  /** extra modules this feature brings (imported by its own statements; names start with `$`) */
  readonly modules: readonly ModuleAst[];
}

/** The prefix the composer gives the features' `$` names: feature 3's `$run` is `f3_run`. */
export const featurePrefix = (index: number): string => `f${index}_`;

/** Replace a leading `$` in every string of `x` (names, targets, labels, module names) by `prefix`. */
export function prefixNames<T>(x: T, prefix: string): T {
  return rename(x, prefix) as T;
}

function rename(x: unknown, prefix: string): unknown {
  if (typeof x === "string") return x.startsWith("$") ? prefix + x.slice(1) : x;
  if (Array.isArray(x)) return x.map((y) => rename(y, prefix));
  if (x !== null && typeof x === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) out[k] = k === "k" ? v : rename(v, prefix);
    return out;
  }
  return x;
}

/**
 * The iteration of an `n`-iteration loop at which an event of parameter `k` (>= 0) happens:
 * `k mod n`, so events spread over the loop whatever `n` is (and shrink toward iteration 0).
 */
export const at = (k: number, n: number): number => (n <= 0 ? 0 : Math.abs(k) % n);

/** The `$`-names mentioned anywhere in `x` (reads, writes, definitions). */
function mentions(x: unknown, out: Set<string>): Set<string> {
  if (typeof x === "string") {
    if (x.startsWith("$")) out.add(x);
  } else if (Array.isArray(x)) {
    for (const y of x) mentions(y, out);
  } else if (x !== null && typeof x === "object") {
    for (const v of Object.values(x)) mentions(v, out);
  }
  return out;
}

/** The name a definition binds: `def`, `class`, or an assignment to a plain name. */
function boundName(s: Stmt): string | undefined {
  if (s.k === "def" || s.k === "class") return s.name;
  if (s.k === "assign" && s.target.k === "name") return s.target.id;
  return undefined;
}

/**
 * The definitions of `prelude` that `uses` needs, directly or through other kept definitions
 * (in their original order): templates emit every helper they might use and keep only these, so
 * programs — and shrunk counterexamples — carry no unused helpers.
 */
export function keepUsed(prelude: readonly Stmt[], uses: readonly Stmt[]): Stmt[] {
  const needed = mentions(uses, new Set());
  const kept = new Set<number>();
  for (let changed = true; changed; ) {
    changed = false;
    prelude.forEach((s, i) => {
      const n = boundName(s);
      if (kept.has(i) || (n !== undefined && !needed.has(n))) return;
      kept.add(i);
      mentions(s, needed);
      changed = true;
    });
  }
  return prelude.filter((_, i) => kept.has(i));
}
