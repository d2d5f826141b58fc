/**
 * Specialization statistics per family, like CPython's pystats (Python/specialize.c
 * _Py_PrintSpecializationStats): success, failure by reason, hit, miss, deferred, deopt.
 */
export interface FamilyStats {
  success: number;
  failure: number;
  failureKinds: Record<string, number>;
  /** a specialized instruction ran with all guards passing */
  hit: number;
  /** a guard of a specialized instruction failed (the generic path ran) */
  miss: number;
  /** the counter of a base instruction counted down without specializing */
  deferred: number;
  /** a specialized instruction was re-specialized after its cooldown ran out */
  deopt: number;
}

export class SpecializationStats {
  readonly families = new Map<string, FamilyStats>();
  /** successful specializations per specialized form name */
  readonly forms = new Map<string, number>();

  of(family: string): FamilyStats {
    let s = this.families.get(family);
    if (s === undefined) {
      s = { success: 0, failure: 0, failureKinds: {}, hit: 0, miss: 0, deferred: 0, deopt: 0 };
      this.families.set(family, s);
    }
    return s;
  }
  fail(family: string, reason: string): void {
    const s = this.of(family);
    s.failure++;
    s.failureKinds[reason] = (s.failureKinds[reason] ?? 0) + 1;
  }
  toJSON(): Record<string, FamilyStats> {
    return Object.fromEntries([...this.families.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
  format(): string {
    const rows = [...this.families.entries()].sort(([a], [b]) => a.localeCompare(b));
    const lines = ["family                  success  failure      hit     miss deferred    deopt  failure reasons"];
    for (const [name, s] of rows) {
      const reasons = Object.entries(s.failureKinds).map(([k, v]) => `${k}:${v}`).join(" ");
      lines.push(`${name.padEnd(22)} ${[s.success, s.failure, s.hit, s.miss, s.deferred, s.deopt].map((n) => String(n).padStart(8)).join(" ")}  ${reasons}`);
    }
    return lines.join("\n") + "\n";
  }
}
