/**
 * What the generated cases exercised, accumulated over a run and printed at its end (like a
 * fuzzer's coverage report): specialized forms reached, specialization failures, function-cache
 * events, case statuses — and, just as important, the forms and events NEVER reached.
 */
import { SPECIALIZATIONS } from "../../engine/bytecode/opcodes.generated.ts";
import type { HarnessEngine } from "./configs.ts";

/** Forms the subset cannot reach (no sets, generators, properties, __getitem__, __slots__...). */
const UNREACHABLE = new Set([
  "CONTAINS_OP_SET", "FOR_ITER_GEN", "SEND_GEN", "LOAD_ATTR_PROPERTY", "LOAD_ATTR_GETATTRIBUTE_OVERRIDDEN",
  "BINARY_OP_SUBSCR_GETITEM", "STORE_ATTR_SLOT", "LOAD_SUPER_ATTR_ATTR", "LOAD_SUPER_ATTR_METHOD",
  "LOAD_ATTR_CLASS_WITH_METACLASS_CHECK", "JUMP_BACKWARD_JIT",
]);

const CACHE_EVENTS = ["insert", "hit", "miss", "clearOnDealloc", "clearOnVersionChange", "clearOnCodeDealloc", "addressReuse"] as const;

export class Coverage {
  readonly forms = new Map<string, number>();
  readonly failures = new Map<string, number>();
  readonly cacheEvents = new Map<string, number>(CACHE_EVENTS.map((k) => [k, 0]));
  readonly statuses = new Map<string, number>();
  // tier 2 (engine/tier2/stats.ts)
  readonly t2StopReasons = new Map<string, number>();
  readonly t2Discards = new Map<string, number>();
  readonly t2Exits = new Map<string, number>();
  readonly t2Invalidations = new Map<string, number>();
  readonly t2Removals = new Map<string, number>();
  readonly t2UopPairs = new Map<string, number>();

  count(map: Map<string, number>, key: string, n = 1): void {
    map.set(key, (map.get(key) ?? 0) + n);
  }

  record(e: HarnessEngine): void {
    const t1 = e.tier1;
    if (t1 === undefined) return;
    for (const [form, n] of t1.stats.forms) this.count(this.forms, form, n);
    for (const [family, s] of t1.stats.families) for (const [k, n] of Object.entries(s.failureKinds)) this.count(this.failures, `${family}:${k}`, n);
    const c = t1.funcCache.counters as unknown as Record<string, number>;
    for (const k of CACHE_EVENTS) this.count(this.cacheEvents, k, c[k] ?? 0);
    const t2 = t1.tier2?.stats;
    if (t2 !== undefined) {
      const add = (to: Map<string, number>, from: ReadonlyMap<string, number>): void => {
        for (const [k, n] of from) this.count(to, k, n);
      };
      add(this.t2StopReasons, t2.stopReasons);
      add(this.t2Discards, t2.discards);
      add(this.t2Exits, t2.exits);
      add(this.t2Invalidations, t2.invalidations);
      add(this.t2Removals, t2.removals);
      add(this.t2UopPairs, t2.uopPairs);
      this.count(this.t2Exits, "(executions)", t2.executions);
      this.count(this.t2Exits, "(stitched to a new executor)", t2.stitched);
      this.count(this.t2Exits, "(linked to an installed executor)", t2.linkedInstalled);
    }
  }

  /** Every feature map of this report: each Map<string, number> field except `statuses`, so
   *  maps added later (tier 2's uop pairs, stop reasons, exits, invalidations ...) count too. */
  featureMaps(): [string, Map<string, number>][] {
    return Object.entries(this).filter((e): e is [string, Map<string, number>] => e[1] instanceof Map && e[0] !== "statuses");
  }

  /**
   * The coverage features reached (count > 0), as `map:key` strings: what `tierdiff fuzz` counts
   * and what its coverage-guided mode keeps seeds for. With `buckets`, also one feature per
   * power-of-two bucket of the count (`map:key#b`, libFuzzer's counter buckets), so reaching a
   * form much more often is new too.
   */
  features(buckets = false): Set<string> {
    const out = new Set<string>();
    for (const [name, map] of this.featureMaps()) {
      for (const [k, n] of map) {
        if (n <= 0) continue;
        out.add(`${name}:${k}`);
        if (buckets) out.add(`${name}:${k}#${Math.min(31 - Math.clz32(n), 12)}`);
      }
    }
    return out;
  }

  /** Add another report's counts to this one (e.g. one case's coverage into a campaign's). */
  merge(other: Coverage): void {
    for (const [name, map] of other.featureMaps()) {
      const mine = (this as unknown as Record<string, unknown>)[name];
      if (mine instanceof Map) for (const [k, n] of map) this.count(mine as Map<string, number>, k, n);
    }
    for (const [k, n] of other.statuses) this.count(this.statuses, k, n);
  }

  /** Specialized forms of the subset's families that no case reached. */
  unreached(): string[] {
    const all = Object.values(SPECIALIZATIONS).flat().filter((f) => !UNREACHABLE.has(f));
    return all.filter((f) => !this.forms.has(f)).sort();
  }

  format(): string {
    const lines: string[] = ["tierdiff coverage report"];
    lines.push(`  cases: ${[...this.statuses].map(([k, v]) => `${k} ${v}`).join(", ")}`);
    const forms = [...this.forms].sort(([a], [b]) => a.localeCompare(b));
    lines.push(`  specialized forms reached (${forms.length}):`);
    for (let i = 0; i < forms.length; i += 3) lines.push("    " + forms.slice(i, i + 3).map(([f, n]) => `${f} ${n}`.padEnd(44)).join(""));
    const missing = this.unreached();
    lines.push(`  specialized forms NOT reached (${missing.length}): ${missing.join(", ") || "none"}`);
    lines.push(`  function-version cache events: ${[...this.cacheEvents].map(([k, v]) => `${k} ${v}`).join(", ")}`);
    const never = [...this.cacheEvents].filter(([, v]) => v === 0).map(([k]) => k);
    lines.push(`  cache events NOT reached: ${never.join(", ") || "none"}`);
    const fails = [...this.failures].sort((a, b) => b[1] - a[1]).slice(0, 12);
    lines.push(`  top specialization failures: ${fails.map(([k, v]) => `${k} ${v}`).join(", ")}`);
    const top = (m: Map<string, number>, k = 12): string => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([x, n]) => `${x} ${n}`).join(", ") || "none";
    lines.push(`  tier 2 stop reasons: ${top(this.t2StopReasons)}`);
    lines.push(`  tier 2 discarded projections: ${top(this.t2Discards)}`);
    lines.push(`  tier 2 exits taken: ${top(this.t2Exits)}`);
    lines.push(`  tier 2 invalidations: ${top(this.t2Invalidations)}`);
    lines.push(`  tier 2 optimizer removals: ${top(this.t2Removals)}; distinct uop pairs in executors: ${this.t2UopPairs.size}`);
    return lines.join("\n");
  }
}
