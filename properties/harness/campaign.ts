/**
 * `tierdiff fuzz` campaigns: how the case space is split over shards and workers, the
 * coverage-guided seed pool and its mutations, and one worker's loop. Pure and deterministic (no
 * Math.random, no clock): the CLI (cli/fuzz.ts) runs `runWorker` in worker threads and only uses
 * time for --seconds and status lines.
 *
 * The case space of a campaign seed S is the sequence of cases j = 0, 1, 2, ...; case j is what
 * the differential property's generator (caseArb) yields at fast-check seed caseSeed(S, j) and
 * path casePath(j) (so `td1s:<caseSeed>:<casePath>` replays it). `--shard i/n` takes the cases
 * with j mod n = i; a shard's local case l is j = i + n*l, and worker w of K takes l = w, w+K,
 * w+2K, ... So shards never overlap and together cover every j; `--runs N` runs the shard's
 * cases l < N whatever the number of workers.
 */
import fc from "fast-check";
import type { ProgramAst, Stmt } from "../ast/types.ts";
import { CodegenError } from "../ast/codegen.ts";
import { eventSpecArb, type EventSpec } from "./event-arbs.ts";
import type { TierParams } from "./configs.ts";
import { tierParamsArb } from "./params-arb.ts";
import { Coverage } from "./coverage.ts";
import {
  caseAtSeed, caseFromGenerated, failureKind, runCase, saveFailure, shrinkAtSeed, type Verdict,
} from "../../corpus/case-run.ts";
import { encodeSeedToken, encodeToken, type CaseData } from "../../corpus/store.ts";

// ---------------------------------------------------------------------------------------------
// The case space

/** murmur3's 32-bit finalizer: a bijection on 32-bit integers. */
export function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** fast-check seed of case j of campaign seed S (distinct for distinct j < 2^32). */
export function caseSeed(seed: number, j: number): number {
  return fmix32((fmix32(seed ^ 0x2545f491) + j) >>> 0) | 0;
}

/** fast-check path of case j: the run index sets the generator's size bias (as in fc.assert). */
export function casePath(j: number): string {
  return String(j % 1000);
}

export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** Global case index of a shard's local case l. */
export function shardCase(shard: Shard, l: number): number {
  return shard.index + shard.count * l;
}

/** Local case index of worker w's t-th case. */
export function workerCase(worker: number, workers: number, t: number): number {
  return worker + workers * t;
}

/** Which shard, worker and turn runs global case j (the inverse of shardCase and workerCase). */
export function ownerOf(j: number, shards: number, workers: number): { shard: number; worker: number; t: number } {
  const l = Math.floor(j / shards);
  return { shard: j % shards, worker: l % workers, t: Math.floor(l / workers) };
}

/** "i/n" -> shard (0 <= i < n). */
export function parseShard(s: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(s);
  if (m === null) throw new Error(`a shard is i/n with 0 <= i < n, got '${s}'`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new Error(`a shard is i/n with 0 <= i < n, got '${s}'`);
  return { index, count };
}

// ---------------------------------------------------------------------------------------------
// Deterministic random numbers for mutations (splitmix32)

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x9e3779b9) >>> 0;
    return fmix32(this.s);
  }
  int(n: number): number {
    return n <= 1 ? 0 : this.next() % n;
  }
  chance(p: number): boolean {
    return this.next() / 2 ** 32 < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

// ---------------------------------------------------------------------------------------------
// Mutations of a stored case (coverage-guided mode)

type Mutable = unknown;

/** Deep copy of plain data with `f` applied bottom-up to every object node. */
function mapNodes(x: Mutable, f: (node: Record<string, unknown>) => Mutable): Mutable {
  if (Array.isArray(x)) return x.map((y) => mapNodes(y, f));
  if (x !== null && typeof x === "object") {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) o[k] = mapNodes(v, f);
    return f(o);
  }
  return x;
}

function countNodes(x: Mutable, pred: (node: Record<string, unknown>) => boolean): number {
  let n = 0;
  mapNodes(x, (o) => {
    if (pred(o)) n++;
    return o;
  });
  return n;
}

const isInt = (o: Record<string, unknown>): boolean => o["k"] === "int" && typeof o["v"] === "number";
const BODY_KEYS = ["body", "orelse", "final"];
/** a non-empty statement list (the AST's bodies; handlers' bodies are found inside `handlers`) */
const isStmtList = (x: unknown): x is Stmt[] => Array.isArray(x) && x.length > 0 && typeof (x as { k?: unknown }[])[0]?.k === "string";

/** Change the n-th int literal of a program (loop counts, call counts, thresholds ...). */
function mutateInt(p: ProgramAst, rng: Rng): ProgramAst | undefined {
  const total = countNodes(p, isInt);
  if (total === 0) return undefined;
  const target = rng.int(total);
  const op = rng.int(6);
  let i = 0;
  return mapNodes(p, (o) => {
    if (!isInt(o)) return o;
    if (i++ !== target) return o;
    const v = o["v"] as number;
    const nv = [v + 1, v - 1, v * 2, Math.floor(v / 2), 0, v + 50][op]!;
    return { ...o, v: Math.max(-1_000_000, Math.min(1_000_000, nv)) } satisfies Record<string, unknown>;
  }) as ProgramAst;
}

/** Delete one statement anywhere (a body that becomes empty gets `pass`). */
function deleteStmt(p: ProgramAst, rng: Rng): ProgramAst | undefined {
  const lists: number[] = [];
  let listNo = 0;
  // count statements per statement list, then pick one statement uniformly
  const countLists = (o: Record<string, unknown>): Record<string, unknown> => {
    for (const k of BODY_KEYS) if (isStmtList(o[k])) lists.push((o[k] as Stmt[]).length);
    return o;
  };
  mapNodes(p, countLists);
  const total = lists.reduce((a, b) => a + b, 0);
  if (total <= 1) return undefined;
  let pick = rng.int(total);
  let list = 0;
  while (pick >= lists[list]!) pick -= lists[list++]!;
  return mapNodes(p, (o) => {
    const out = { ...o };
    for (const k of BODY_KEYS) {
      if (!isStmtList(o[k])) continue;
      if (listNo++ === list) {
        const kept = (o[k] as Stmt[]).filter((_, i) => i !== pick);
        out[k] = kept.length > 0 ? kept : [{ k: "pass" }];
      }
    }
    return out;
  }) as ProgramAst;
}

/** Insert 1-4 consecutive module-level statements of another program (cross-over). */
function spliceStmt(p: ProgramAst, other: ProgramAst, rng: Rng): ProgramAst | undefined {
  const src = other.modules[0]?.body ?? [];
  const dst = p.modules[0];
  if (src.length === 0 || dst === undefined) return undefined;
  const from = rng.int(src.length);
  const taken = src.slice(from, from + 1 + rng.int(4));
  const at = rng.int(dst.body.length + 1);
  const body = [...dst.body.slice(0, at), ...taken, ...dst.body.slice(at)];
  return { modules: [{ ...dst, body }, ...p.modules.slice(1)] };
}

function sampleEvent(rng: Rng): EventSpec {
  return fc.sample(eventSpecArb, { seed: rng.next() | 0, numRuns: 1 })[0]!;
}

/**
 * Change one parameter — tier 1's (warm-up, cooldown, cache variant) or any field of a nested
 * group (tier 2's thresholds, trace length, passes ...) — to the value a freshly generated
 * parameter set has there, so mutants stay inside the generator's ranges.
 */
function mutateParams(p: TierParams, rng: Rng): TierParams {
  const q = fc.sample(tierParamsArb, { seed: rng.next() | 0, numRuns: 1 })[0]!;
  const leaves: [string, string | undefined][] = [];
  for (const [k, v] of Object.entries(q)) {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) for (const k2 of Object.keys(v)) leaves.push([k, k2]);
    else leaves.push([k, undefined]);
  }
  const [k, k2] = rng.pick(leaves);
  const qv = (q as unknown as Record<string, unknown>)[k];
  if (k2 === undefined) return { ...p, [k]: qv } as TierParams;
  const mine = (p as unknown as Record<string, unknown>)[k];
  const base = mine !== null && typeof mine === "object" ? mine : qv;
  return { ...p, [k]: { ...(base as object), [k2]: (qv as Record<string, unknown>)[k2] } } as TierParams;
}

function mutateEvents(evs: readonly EventSpec[], other: readonly EventSpec[], rng: Rng): EventSpec[] {
  const e = [...evs];
  switch (rng.int(6)) {
    case 0: e.splice(rng.int(e.length + 1), 0, sampleEvent(rng)); break;
    case 1: if (e.length > 0) e.splice(rng.int(e.length), 1); break;
    case 2: if (e.length > 0) { const i = rng.int(e.length); e.splice(i, 0, e[i]!); } break;
    case 3: {
      const calls = e.map((x, i) => [x, i] as const).filter(([x]) => x.k === "call");
      if (calls.length > 0) {
        const [x, i] = rng.pick(calls);
        if (x.k === "call") e[i] = { ...x, times: Math.max(1, Math.min(200, rng.pick([x.times * 2, x.times + 10, Math.floor(x.times / 2), 1]))) };
      }
      break;
    }
    case 4: if (e.length > 1) { const i = rng.int(e.length); const j = rng.int(e.length); [e[i], e[j]] = [e[j]!, e[i]!]; } break;
    default: if (other.length > 0) e.splice(rng.int(e.length + 1), 0, rng.pick(other)); break;
  }
  return e.slice(0, 12);
}

/**
 * One mutant of a pool case: 1-3 stacked mutations of its program (int literals, statement
 * deletion, cross-over with another pool case), events (insert, delete, duplicate, repeat count,
 * swap, cross-over) and parameters. Programs the code generator rejects are skipped by the caller.
 */
export function mutateCase(c: CaseData, pool: readonly CaseData[], rng: Rng, graft = false): CaseData {
  let m: CaseData = c;
  if (graft && pool.length > 0) {
    // a piece of the partner: statements, events (appended) or parameters
    const other = rng.pick(pool);
    const what = rng.int(3);
    if (what === 0 && m.program !== undefined && other.program !== undefined) return { ...m, program: spliceStmt(m.program, other.program, rng) ?? m.program };
    if (what === 1 && other.events.length > 0) return { ...m, events: [...m.events, ...other.events].slice(0, 12) };
    return { ...m, params: other.params };
  }
  const n = 1 + rng.int(3);
  for (let i = 0; i < n; i++) {
    const other = pool.length > 0 ? rng.pick(pool) : c;
    const what = rng.int(11);
    if (what < 3 && m.program !== undefined) m = { ...m, program: mutateInt(m.program, rng) ?? m.program };
    else if (what < 4 && m.program !== undefined) m = { ...m, program: deleteStmt(m.program, rng) ?? m.program };
    else if (what < 5 && m.program !== undefined && other.program !== undefined) m = { ...m, program: spliceStmt(m.program, other.program, rng) ?? m.program };
    else if (what < 8) m = { ...m, events: mutateEvents(m.events, other.events, rng) };
    else m = { ...m, params: mutateParams(m.params, rng) };
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// One worker

export interface WorkerConfig {
  readonly seed: number;
  readonly shard: Shard;
  readonly worker: number;
  readonly workers: number;
  /** the shard's number of cases (undefined: until stopped) */
  readonly runs?: number;
  readonly guided: boolean;
  readonly faults: readonly string[];
  /** where failures are saved (undefined: not saved) */
  readonly corpusDir?: string;
  /** minimizer attempts per failure */
  readonly maxAttempts?: number;
  /** guided mode: share of mutants once there are seeds (default MUTANT_SHARE) */
  readonly mutantShare?: number;
  /** guided mode: share of mutants grafted onto a fresh case (default GRAFT_SHARE) */
  readonly graftShare?: number;
}

export interface CaseReport {
  readonly status: Verdict["status"] | "invalid";
  /** coverage features this worker had not seen before */
  readonly newFeatures: readonly string[];
  readonly poolSize: number;
  readonly mutant: boolean;
}

export interface FailureReport {
  readonly what: string;
  readonly kind: string;
  readonly name?: string;
  readonly path?: string;
  /** false: the minimized case was already in the corpus */
  readonly created?: boolean;
  readonly token: string;
  readonly seedToken?: string;
  readonly report: string;
}

export interface WorkerHooks {
  onCase(r: CaseReport): void;
  onFailure(f: FailureReport): void;
  shouldStop(): boolean;
}

/** The guided mode's share of mutants once its pool has seeds (the rest are fresh cases). */
export const MUTANT_SHARE = 0.5;
/** The share of mutants that graft a piece of a seed onto a fresh case (the rest mutate the seed). */
export const GRAFT_SHARE = 0.5;

/**
 * The coverage-guided seed pool: a case that reaches a feature no earlier case of this worker
 * reached (a feature key, without count buckets) becomes a seed and the owner of those features.
 * A mutant's parent is chosen by rarity (AFL's favored seeds, simplified): a tournament between
 * a few reached features picks the one the fewest cases reached, and its owner is mutated — so the
 * campaign keeps working at the edge of what it has reached.
 */
class SeedPool {
  readonly seeds: CaseData[] = [];
  /** feature key -> number of cases that reached it */
  private readonly hits = new Map<string, number>();
  /** feature key -> index of its owner seed */
  private readonly owner = new Map<string, number>();
  private readonly keys: string[] = [];

  /** Count a case's features; keep it as a seed when it reached a new one. */
  add(c: CaseData, features: Iterable<string>, keep: boolean): void {
    const fresh: string[] = [];
    for (const f of features) {
      const n = this.hits.get(f);
      if (n === undefined) fresh.push(f);
      this.hits.set(f, (n ?? 0) + 1);
    }
    if (fresh.length === 0 || !keep) return;
    const i = this.seeds.push(c) - 1;
    for (const f of fresh) {
      this.owner.set(f, i);
      this.keys.push(f);
    }
  }

  pick(rng: Rng): CaseData {
    let best: string | undefined;
    for (let k = 0; k < 4; k++) {
      const f = rng.pick(this.keys);
      if (best === undefined || this.hits.get(f)! < this.hits.get(best)!) best = f;
    }
    return this.seeds[this.owner.get(best!)!]!;
  }
}

export function runWorker(cfg: WorkerConfig, hooks: WorkerHooks): void {
  const rng = new Rng(fmix32(fmix32(cfg.seed) ^ fmix32(cfg.shard.index * 7919 + cfg.shard.count) ^ fmix32(0x1000 + cfg.worker)));
  const seen = new Set<string>();
  const pool = new SeedPool();
  for (let t = 0; ; t++) {
    if (hooks.shouldStop()) return;
    const l = workerCase(cfg.worker, cfg.workers, t);
    if (cfg.runs !== undefined && l >= cfg.runs) return;
    const j = shardCase(cfg.shard, l);
    const mutant = cfg.guided && pool.seeds.length > 0 && rng.chance(cfg.mutantShare ?? MUTANT_SHARE);
    let data: CaseData;
    let seed: { seed: number; path: string } | undefined;
    if (mutant) {
      const parent = pool.pick(rng);
      if (rng.chance(cfg.graftShare ?? GRAFT_SHARE)) {
        // graft: this turn's fresh case with a piece of a rare seed (its statements, events or
        // parameters) — new structure, steered toward what the seed reached
        const base = caseFromGenerated(caseAtSeed(caseSeed(cfg.seed, j), casePath(j)));
        data = mutateCase(base, [parent], rng, true);
      } else data = mutateCase(parent, [pool.pick(rng)], rng);
    } else {
      seed = { seed: caseSeed(cfg.seed, j), path: casePath(j) };
      data = caseFromGenerated(caseAtSeed(seed.seed, seed.path), cfg.faults);
    }
    data = { ...data, faults: [...cfg.faults] };
    const coverage = new Coverage();
    let verdict: Verdict;
    try {
      verdict = runCase(data, { faults: cfg.faults, coverage });
    } catch (e) {
      if (e instanceof CodegenError && mutant) {
        hooks.onCase({ status: "invalid", newFeatures: [], poolSize: pool.seeds.length, mutant });
        continue;
      }
      throw e;
    }
    const fresh: string[] = [];
    for (const f of coverage.features(true)) if (!seen.has(f)) {
      seen.add(f);
      fresh.push(f);
    }
    if (cfg.guided) pool.add(data, coverage.features(false), verdict.status === "passes");
    hooks.onCase({ status: verdict.status, newFeatures: fresh, poolSize: pool.seeds.length, mutant });
    if (verdict.status === "fails") hooks.onFailure(handleFailure(cfg, data, verdict.failure.what, verdict.failure.report, seed));
  }
}

function handleFailure(cfg: WorkerConfig, data: CaseData, what: string, report: string, seed: { seed: number; path: string } | undefined): FailureReport {
  const seedToken = seed !== undefined ? encodeSeedToken({ ...seed, faults: cfg.faults }) : undefined;
  const base = { what, kind: failureKind(what), report, token: encodeToken(data), ...(seedToken !== undefined ? { seedToken } : {}) };
  if (cfg.corpusDir === undefined) return base;
  // fast-check's shrinking first (fresh cases), then the minimizer
  let start = data;
  if (seed !== undefined) {
    const shrunk = shrinkAtSeed(seed.seed, seed.path, cfg.faults);
    if (shrunk !== undefined) start = caseFromGenerated(shrunk, cfg.faults);
  }
  const saved = saveFailure(start, {
    dir: cfg.corpusDir, origin: "tierdiff fuzz",
    ...(seedToken !== undefined ? { seedToken } : {}), ...(cfg.maxAttempts !== undefined ? { maxAttempts: cfg.maxAttempts } : {}),
  }) ?? saveFailure(data, { dir: cfg.corpusDir, origin: "tierdiff fuzz", ...(seedToken !== undefined ? { seedToken } : {}) });
  if (saved === undefined) return base;
  return { ...base, what: saved.failure.what, kind: saved.failure.kind, report: saved.failure.report, name: saved.name, path: saved.path, created: saved.created, token: saved.token };
}
