// `tierdiff fuzz` campaigns (properties/harness/campaign.ts): shards and workers partition the
// case space without overlap, seeds are distinct and deterministic, mutations give valid cases,
// and a worker's run is deterministic.
import { describe, expect, test } from "vitest";
import {
  caseSeed, casePath, fmix32, mutateCase, ownerOf, parseShard, Rng, runWorker, shardCase, workerCase,
  type CaseReport, type FailureReport,
} from "./campaign.ts";
import { caseAtSeed, caseFromGenerated } from "../../corpus/case-run.ts";
import { canonicalJson, checkCaseData, type CaseData } from "../../corpus/store.ts";

describe("the case space", () => {
  test("shards i/n and their workers cover every case index exactly once", () => {
    for (const shards of [1, 2, 3, 5]) {
      for (const workers of [1, 2, 4]) {
        const N = 30; // local cases per shard
        const seen = new Map<number, string>();
        for (let i = 0; i < shards; i++) {
          for (let w = 0; w < workers; w++) {
            for (let t = 0; workerCase(w, workers, t) < N; t++) {
              const j = shardCase({ index: i, count: shards }, workerCase(w, workers, t));
              expect(seen.has(j), `case ${j} run twice (shards ${shards}, workers ${workers})`).toBe(false);
              seen.set(j, `${i}/${w}/${t}`);
              expect(ownerOf(j, shards, workers)).toEqual({ shard: i, worker: w, t });
            }
          }
        }
        // together: exactly the first N * shards cases, nothing missing
        expect([...seen.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: N * shards }, (_, j) => j));
      }
    }
  });

  test("--runs N is the same N cases whatever the number of workers", () => {
    const casesFor = (workers: number): number[] => {
      const out: number[] = [];
      for (let w = 0; w < workers; w++) for (let t = 0; workerCase(w, workers, t) < 17; t++) out.push(shardCase({ index: 1, count: 3 }, workerCase(w, workers, t)));
      return out.sort((a, b) => a - b);
    };
    expect(casesFor(1)).toEqual(casesFor(2));
    expect(casesFor(3)).toEqual(casesFor(5));
  });

  test("case seeds are deterministic and distinct; shards parse", () => {
    const seeds = new Set<number>();
    for (let j = 0; j < 20_000; j++) seeds.add(caseSeed(7, j));
    expect(seeds.size).toBe(20_000);
    expect(caseSeed(7, 123)).toBe(caseSeed(7, 123));
    expect(caseSeed(7, 123)).not.toBe(caseSeed(8, 123));
    expect(Number.isInteger(caseSeed(1, 2)) && Math.abs(caseSeed(1, 2)) < 2 ** 31).toBe(true);
    expect(casePath(1234)).toBe("234");
    expect(fmix32(0)).toBe(0);
    expect(parseShard("2/5")).toEqual({ index: 2, count: 5 });
    for (const bad of ["5/5", "1/0", "a/b", "1", "-1/2"]) expect(() => parseShard(bad)).toThrow(/i\/n/);
  });
});

describe("coverage-guided mutations", () => {
  test("mutants are valid, deterministic cases", () => {
    const pool = [11, 12, 13].map((s) => caseFromGenerated(caseAtSeed(s, "50")));
    const run = (seed: number): CaseData[] => {
      const rng = new Rng(seed);
      return Array.from({ length: 40 }, () => mutateCase(rng.pick(pool), pool, rng));
    };
    const a = run(5);
    expect(a.map((m) => canonicalJson(m))).toEqual(run(5).map((m) => canonicalJson(m)));
    for (const m of a) expect(canonicalJson(checkCaseData(JSON.parse(canonicalJson(m)), "mutant"))).toBe(canonicalJson(m));
    // mutations change something most of the time
    const changed = a.filter((m) => !pool.some((p) => canonicalJson(p) === canonicalJson(m))).length;
    expect(changed).toBeGreaterThan(30);
  });

  test("a worker's run is deterministic and reports new features", () => {
    const go = (): { reports: CaseReport[]; failures: FailureReport[] } => {
      const reports: CaseReport[] = [];
      const failures: FailureReport[] = [];
      runWorker({ seed: 3, shard: { index: 0, count: 1 }, worker: 0, workers: 1, runs: 6, guided: true, faults: [] }, {
        onCase: (r) => reports.push(r), onFailure: (f) => failures.push(f), shouldStop: () => false,
      });
      return { reports, failures };
    };
    const a = go();
    expect(a.reports).toHaveLength(6);
    expect(a.failures).toEqual([]);
    expect(a.reports[0]!.newFeatures.length).toBeGreaterThan(0);
    expect(a.reports.some((r) => r.mutant)).toBe(true);
    expect(go()).toEqual(a);
  });

  test("with a fault on, a worker reports the failure with its tokens (not saved without a corpus)", () => {
    const failures: FailureReport[] = [];
    let n = 0;
    runWorker({ seed: 1, shard: { index: 0, count: 1 }, worker: 0, workers: 1, runs: 40, guided: false, faults: ["cache-no-clear-on-func-dealloc"] }, {
      onCase: () => n++, onFailure: (f) => failures.push(f), shouldStop: () => failures.length > 0,
    });
    expect(failures.length).toBe(1);
    expect(failures[0]!.kind).toMatch(/invariant broken in t1/);
    expect(failures[0]!.token).toMatch(/^td1:/);
    expect(failures[0]!.seedToken).toMatch(/^td1s:-?\d+:\d+\/faults=cache-no-clear-on-func-dealloc$/);
    expect(n).toBeLessThan(40);
  });
});
