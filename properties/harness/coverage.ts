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
    lines.push("  tier 2 (uops, stop reasons, exits, invalidations): not built yet (issue 5)");
    return lines.join("\n");
  }
}
