/** Tier-2 statistics (pystats' optimization section): traces, stop reasons, exits, invalidations, removals. */
function bump(m: Map<string, number>, k: string, n = 1): void {
  m.set(k, (m.get(k) ?? 0) + n);
}

export class Tier2Stats {
  /** executors made (made()) */
  created = 0;
  /** executions entered (ENTER_EXECUTOR, _JIT, linked exits) */
  executions = 0;
  /** executors linked to side exits */
  stitched = 0;
  /** side exits linked to the executor already installed at their target (an ENTER_EXECUTOR) */
  linkedInstalled = 0;
  /** why projection stopped (every projection, kept or not) */
  readonly stopReasons = new Map<string, number>();
  /** projections that made no executor, by reason */
  readonly discards = new Map<string, number>();
  /** exits taken, by the uop that left (or "deopt"): one mutable cell per kind, so the executor
   *  loop counts an exit with one increment (a side exit caches its cell) */
  private readonly exitCells = new Map<string, { n: number }>();
  readonly invalidations = new Map<string, number>();
  /** uops removed per optimizer pass */
  readonly removals = new Map<string, number>();
  /** adjacent uop pairs in the executors made (a coverage feature of the fuzzer) */
  readonly uopPairs = new Map<string, number>();

  made(uops: readonly { readonly name: string }[]): void {
    this.created++;
    for (let i = 1; i < uops.length; i++) bump(this.uopPairs, `${uops[i - 1]!.name}>${uops[i]!.name}`);
  }

  stop(reason: string): void {
    bump(this.stopReasons, reason);
  }
  discarded(reason: string): void {
    bump(this.discards, reason);
  }
  exitCell(kind: string): { n: number } {
    let c = this.exitCells.get(kind);
    if (c === undefined) this.exitCells.set(kind, (c = { n: 0 }));
    return c;
  }
  exit(kind: string): void {
    this.exitCell(kind).n++;
  }
  /** exits taken by kind */
  get exits(): Map<string, number> {
    return new Map([...this.exitCells].filter(([, c]) => c.n > 0).map(([k, c]) => [k, c.n]));
  }
  invalidated(cause: string): void {
    bump(this.invalidations, cause);
  }
  removedBy(pass: string, n: number): void {
    if (n > 0) bump(this.removals, pass, n);
  }

  format(): string {
    const m = (x: Map<string, number>): string => [...x].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(", ") || "none";
    return [
      `tier 2: ${this.created} executors created, ${this.stitched} stitched to side exits, ${this.linkedInstalled} exits linked to installed executors, ${this.executions} executions`,
      `  stop reasons: ${m(this.stopReasons)}`,
      `  discarded: ${m(this.discards)}`,
      `  exits taken: ${m(this.exits)}`,
      `  invalidations: ${m(this.invalidations)}`,
      `  optimizer removals: ${m(this.removals)}`,
    ].join("\n");
  }
}
