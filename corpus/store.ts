/**
 * The corpus of saved failures (`corpus/found/<name>.json`) and replay tokens.
 *
 * A case is plain data — a program (the generators' AST, or tierdiff assembly text when there is
 * no AST), the events applied to it, the tier-up parameters and the fault switches it was found
 * with — so it can be hashed, written as JSON and packed into one string:
 *
 *  - content-addressed names: the first 16 hex digits of the sha256 of the case's canonical JSON
 *    (sorted keys; date, version, notes and reports are metadata, not part of the name), so the
 *    same case is stored once and corpora merge by copying files;
 *  - atomic writes: the JSON goes to `<name>.json.<pid>-<n>.tmp` (git-ignored), then is renamed,
 *    so a killed run never leaves a half-written case; leftover temp files are reported, never
 *    read as cases;
 *  - loading checks every file and reports a broken or outdated one BY NAME with the reason; it
 *    never deletes anything;
 *  - replay tokens: `td1:` + base64url(deflate(canonical JSON of the case)) carries the whole case;
 *    `td1s:<seed>:<path>` names the case fast-check generates at that seed and path (what a
 *    failing `npm test` property prints, and what `tierdiff fuzz` generates), optionally followed
 *    by `/faults=a,b`.
 */
import { createHash } from "node:crypto";
import * as nodeFs from "node:fs";
import { join, basename } from "node:path";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { ProgramAst } from "../properties/ast/types.ts";
import type { EventSpec } from "../properties/harness/event-arbs.ts";
import type { TierParams } from "../properties/harness/configs.ts";
import type { FunctionCacheFaults } from "../engine/tier1/funccache.ts";
import { tier2ParamsProblem, type Tier2Faults } from "../engine/tier2/params.ts";
import { FAULT_CATALOG, faultNamed } from "../properties/harness/faults.ts";
import pkg from "../package.json" with { type: "json" };

export const CORPUS_FORMAT = "tierdiff-corpus/1";
export const TIERDIFF_VERSION: string = pkg.version;

/** Everything needed to re-run a case: what the name hashes and the token carries. */
export interface CaseData {
  /** the generators' program AST (the minimizer and the Python printer work on it) ... */
  readonly program?: ProgramAst;
  /** ... or, for a program without an AST (a .tda or .py file), its tierdiff assembly */
  readonly assembly?: string;
  readonly events: readonly EventSpec[];
  readonly params: TierParams;
  /** fault switches the failure was found with (sorted names; empty for a real failure) */
  readonly faults: readonly string[];
}

export interface RecordedFailure {
  /** the failure without its phase, e.g. "invariant broken in t1[borrowed]" (see failureKind) */
  readonly kind: string;
  /** CaseFailure.what, e.g. "t1[borrowed] differs from the reference after event 2: del f" */
  readonly what: string;
  /** CaseFailure.report: outcomes, parameters, events, program */
  readonly report: string;
}

/** One corpus file. */
export interface CorpusFile {
  readonly format: typeof CORPUS_FORMAT;
  readonly name: string;
  readonly tierdiff: string;
  /** ISO date of saving: metadata only, not part of the name */
  readonly date: string;
  /** who saved it: "npm test", "tierdiff fuzz", "corpus add", "corpus minimize" */
  readonly origin: string;
  /** what the case pins down (hand-checked cases) */
  readonly note?: string;
  readonly case: CaseData;
  /** Python source of the program (AST cases), for reading */
  readonly python?: string;
  /** the program as tierdiff assembly, for reading (the source of truth for AST-less cases) */
  readonly asm: string;
  readonly token: string;
  /** the failure seen when it was saved (with `case.faults` on); null if it passed then */
  readonly failure: RecordedFailure | null;
  /** fast-check seed token it was generated from, when known */
  readonly seedToken?: string;
}

export class CorpusError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CorpusError";
  }
}

// ---------------------------------------------------------------------------------------------
// Fault names: the fault catalog's (properties/harness/faults.ts)

export function knownFaults(): readonly string[] {
  return FAULT_CATALOG.map((f) => f.name);
}

/** Sorted, deduplicated, checked fault names ("none" and empty names are dropped). */
export function normalizeFaults(names: readonly string[]): string[] {
  const out = [...new Set(names.map((n) => n.trim()).filter((n) => n !== "" && n !== "none"))].sort();
  for (const n of out) if (faultNamed(n) === undefined) throw new CorpusError(`unknown fault '${n}' (known: ${knownFaults().join(", ")})`);
  return out;
}

/** The engine's fault switches for a list of fault names (both empty when none). */
export function faultSwitches(names: readonly string[]): { faults?: FunctionCacheFaults; tier2Faults?: Tier2Faults } {
  let cache: Record<string, boolean> | undefined;
  let tier2: Record<string, boolean> | undefined;
  for (const n of normalizeFaults(names)) {
    const f = faultNamed(n)!;
    if (f.cache !== undefined) cache = { ...cache, ...(f.cache as Record<string, boolean>) };
    if (f.tier2 !== undefined) tier2 = { ...tier2, ...(f.tier2 as Record<string, boolean>) };
  }
  return { ...(cache !== undefined ? { faults: cache as FunctionCacheFaults } : {}), ...(tier2 !== undefined ? { tier2Faults: tier2 as Tier2Faults } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Canonical JSON (sorted keys; -0.0, inf and nan floats survive as {"$float": ...})

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function encodeNumber(n: number): Json {
  if (Number.isNaN(n)) return { $float: "nan" };
  if (n === Infinity) return { $float: "inf" };
  if (n === -Infinity) return { $float: "-inf" };
  if (Object.is(n, -0)) return { $float: "-0" };
  return n;
}

/** Plain JSON data of `v`; keys sorted (canonical) or in insertion order (files, for reading). */
function toJson(v: unknown, sort = true): Json {
  if (v === null || typeof v === "boolean" || typeof v === "string") return v;
  if (typeof v === "number") return encodeNumber(v);
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : toJson(x, sort)));
  if (typeof v === "object") {
    const out: { [k: string]: Json } = {};
    const keys = Object.keys(v as object);
    for (const k of sort ? keys.sort() : keys) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined && typeof x !== "function") out[k] = toJson(x, sort);
    }
    return out;
  }
  throw new CorpusError(`cannot store a value of type ${typeof v}`);
}

export function canonicalJson(v: unknown): string {
  return JSON.stringify(toJson(v));
}

function revive(_k: string, v: unknown): unknown {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === "$float") {
      const s = (v as { $float: unknown }).$float;
      if (s === "nan") return NaN;
      if (s === "inf") return Infinity;
      if (s === "-inf") return -Infinity;
      if (s === "-0") return -0;
    }
  }
  return v;
}

/** JSON.parse that restores the floats canonicalJson encodes. */
export function parseJson(text: string): unknown {
  return JSON.parse(text, revive);
}

/** The part of a case that is hashed and carried by a token (fixed key set). */
function hashed(c: CaseData): unknown {
  return {
    ...(c.program !== undefined ? { program: c.program } : { assembly: c.assembly }),
    events: c.events,
    params: c.params,
    ...(c.faults.length > 0 ? { faults: c.faults } : {}),
  };
}

/** Content address: first 16 hex digits of the sha256 of the case's canonical JSON. */
export function caseName(c: CaseData): string {
  return createHash("sha256").update(canonicalJson(hashed(c))).digest("hex").slice(0, 16);
}

// ---------------------------------------------------------------------------------------------
// Shape checks (a corpus file or a token from elsewhere is untrusted input)

function fail(where: string, msg: string): never {
  throw new CorpusError(`${where}: ${msg}`);
}

const EVENT_FIELDS: Record<string, Record<string, "string" | "number" | "boolean" | "numbers">> = {
  call: { fn: "string", args: "numbers", times: "number" },
  setcode: { dst: "string", src: "string" },
  setdefaults: { fn: "string", values: "numbers" },
  del: { fn: "string", extra: "boolean" },
  rebind: { fn: "string", from: "string", extra: "boolean" },
  newfunc: { from: "string", as: "string", extra: "boolean" },
  shadow: { builtin: "string", from: "string" },
  restore: { builtin: "string" },
  setattr: { cls: "number", attr: "string", value: "number" },
};

function checkEvent(e: unknown, where: string): EventSpec {
  if (e === null || typeof e !== "object") fail(where, "an event is not an object");
  const o = e as Record<string, unknown>;
  const fields = typeof o["k"] === "string" ? EVENT_FIELDS[o["k"]] : undefined;
  if (fields === undefined) fail(where, `unknown event kind ${JSON.stringify(o["k"])}`);
  for (const [f, t] of Object.entries(fields)) {
    const v = o[f];
    const ok = t === "numbers" ? Array.isArray(v) && v.every((x) => Number.isInteger(x)) : t === "number" ? Number.isInteger(v) : typeof v === t;
    if (!ok) fail(where, `event '${String(o["k"])}': field '${f}' should be ${t === "numbers" ? "a list of integers" : t === "number" ? "an integer" : `a ${t}`}`);
  }
  if (o["k"] === "call" && ((o["times"] as number) < 0 || (o["times"] as number) > 100_000)) fail(where, "event 'call': times out of range");
  return e as EventSpec;
}

function checkParams(p: unknown, where: string): TierParams {
  if (p === null || typeof p !== "object") fail(where, "params is not an object");
  const o = p as Record<string, unknown>;
  if (!Number.isInteger(o["warmup"]) || (o["warmup"] as number) < 0) fail(where, "params.warmup should be a non-negative integer");
  if (!Number.isInteger(o["cooldown"]) || (o["cooldown"] as number) < 0) fail(where, "params.cooldown should be a non-negative integer");
  if (!["borrowed", "weak", "code-only"].includes(o["funcCacheVariant"] as string)) fail(where, `params.funcCacheVariant ${JSON.stringify(o["funcCacheVariant"])} is not borrowed, weak or code-only`);
  const t2 = o["t2"];
  if (t2 !== undefined && (t2 === null || typeof t2 !== "object" || Array.isArray(t2))) fail(where, "params.t2 should be an object");
  if (t2 !== undefined) {
    const q = t2 as Record<string, unknown>;
    const num = (k: string): number | undefined => (q[k] === undefined ? undefined : q[k] as number);
    const problem = tier2ParamsProblem({ backedgeThreshold: num("backedge"), sideExitThreshold: num("sideExit"), maxTraceLength: num("maxTrace"), traceStackSize: num("traceStack") });
    if (problem !== undefined) fail(where, `params.t2: ${problem}`);
    if (!["none", "globals", "types", "removeUnneeded"].includes(q["passes"] as string)) fail(where, `params.t2.passes ${JSON.stringify(q["passes"])} is not none, globals, types or removeUnneeded`);
  }
  // other fields (tier 2's parameters ...) are kept as they are: the engine reads them
  return { ...(o as object), warmup: o["warmup"] as number, cooldown: o["cooldown"] as number, funcCacheVariant: o["funcCacheVariant"] as TierParams["funcCacheVariant"] } as TierParams;
}

/** Check untrusted data is a case; returns it with normalized faults. */
export function checkCaseData(x: unknown, where: string): CaseData {
  if (x === null || typeof x !== "object" || Array.isArray(x)) fail(where, "the case is not an object");
  const o = x as Record<string, unknown>;
  const hasProgram = o["program"] !== undefined;
  const hasAsm = o["assembly"] !== undefined;
  if (hasProgram === hasAsm) fail(where, "the case needs exactly one of 'program' (an AST) or 'assembly'");
  if (hasProgram) {
    const p = o["program"] as { modules?: unknown };
    if (p === null || typeof p !== "object" || !Array.isArray(p.modules) || p.modules.length === 0
      || !p.modules.every((m: unknown) => m !== null && typeof m === "object" && typeof (m as { name?: unknown }).name === "string" && Array.isArray((m as { body?: unknown }).body))) {
      fail(where, "'program' is not a program AST ({modules: [{name, body}, ...]})");
    }
  } else if (typeof o["assembly"] !== "string") fail(where, "'assembly' is not a string");
  if (!Array.isArray(o["events"])) fail(where, "'events' is not a list");
  const events = (o["events"] as unknown[]).map((e, i) => checkEvent(e, `${where}: event ${i + 1}`));
  const params = checkParams(o["params"], where);
  const rawFaults = o["faults"] ?? [];
  if (!Array.isArray(rawFaults) || !rawFaults.every((f) => typeof f === "string")) fail(where, "'faults' is not a list of names");
  let faults: string[];
  try {
    faults = normalizeFaults(rawFaults as string[]);
  } catch (e) {
    fail(where, (e as Error).message);
  }
  return {
    ...(hasProgram ? { program: o["program"] as ProgramAst } : { assembly: o["assembly"] as string }),
    events,
    params,
    faults,
  };
}

// ---------------------------------------------------------------------------------------------
// Replay tokens

export const TOKEN_PREFIX = "td1:";
export const SEED_TOKEN_PREFIX = "td1s:";

export function encodeToken(c: CaseData): string {
  return TOKEN_PREFIX + deflateRawSync(Buffer.from(canonicalJson(hashed(c)), "utf8"), { level: 9 }).toString("base64url");
}

/** A fast-check seed token: the case the differential property generates at (seed, path). */
export interface SeedToken {
  readonly seed: number;
  readonly path: string;
  readonly faults: readonly string[];
}

export function encodeSeedToken(t: SeedToken): string {
  return `${SEED_TOKEN_PREFIX}${t.seed}:${t.path}${t.faults.length > 0 ? `/faults=${t.faults.join(",")}` : ""}`;
}

export function isToken(s: string): boolean {
  return s.startsWith(TOKEN_PREFIX) || s.startsWith(SEED_TOKEN_PREFIX);
}

/** Decode a token: a whole case (td1:) or a seed and path (td1s:). Throws CorpusError. */
export function decodeToken(token: string): { case: CaseData } | { seed: SeedToken } {
  const t = token.trim();
  if (t.startsWith(SEED_TOKEN_PREFIX)) {
    const m = /^td1s:(-?\d+):(\d+(?::\d+)*)(?:\/faults=([\w,-]*))?$/.exec(t);
    if (m === null) throw new CorpusError(`bad replay token '${short(t)}': expected td1s:<seed>:<path>[/faults=a,b]`);
    const seed = Number(m[1]);
    if (!Number.isSafeInteger(seed) || seed < -(2 ** 31) || seed >= 2 ** 32) throw new CorpusError(`bad replay token '${short(t)}': seed out of range`);
    return { seed: { seed, path: m[2]!, faults: normalizeFaults((m[3] ?? "").split(",")) } };
  }
  if (!t.startsWith(TOKEN_PREFIX)) throw new CorpusError(`bad replay token '${short(t)}': it should start with ${TOKEN_PREFIX} or ${SEED_TOKEN_PREFIX}`);
  const body = t.slice(TOKEN_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(body)) throw new CorpusError(`bad replay token '${short(t)}': not base64url after ${TOKEN_PREFIX} (was it cut off?)`);
  let text: string;
  try {
    text = inflateRawSync(Buffer.from(body, "base64url")).toString("utf8");
  } catch {
    throw new CorpusError(`bad replay token '${short(t)}': it does not decompress (was it cut off or edited?)`);
  }
  let data: unknown;
  try {
    data = parseJson(text);
  } catch {
    throw new CorpusError(`bad replay token '${short(t)}': not a case`);
  }
  return { case: checkCaseData(data, "replay token") };
}

function short(s: string): string {
  return s.length > 40 ? s.slice(0, 37) + "..." : s;
}

// ---------------------------------------------------------------------------------------------
// Files

/** The file system operations the store uses (injectable: the tests simulate a crash). */
export interface StoreFs {
  readFileSync(path: string, enc: "utf8"): string;
  writeFileSync(path: string, data: string, opts: { flag: string }): void;
  renameSync(from: string, to: string): void;
  existsSync(path: string): boolean;
  mkdirSync(path: string, opts: { recursive: true }): unknown;
  readdirSync(path: string): string[];
}

export const realFs: StoreFs = {
  readFileSync: (p, enc) => nodeFs.readFileSync(p, enc),
  writeFileSync: (p, d, o) => {
    // write and flush, so the rename publishes complete contents
    const fd = nodeFs.openSync(p, o.flag);
    try {
      nodeFs.writeSync(fd, d);
      nodeFs.fsyncSync(fd);
    } finally {
      nodeFs.closeSync(fd);
    }
  },
  renameSync: (a, b) => nodeFs.renameSync(a, b),
  existsSync: (p) => nodeFs.existsSync(p),
  mkdirSync: (p, o) => nodeFs.mkdirSync(p, o),
  readdirSync: (p) => nodeFs.readdirSync(p),
};

/** The default corpus directory: $TIERDIFF_CORPUS, else corpus/found of this checkout. */
export function defaultCorpusDir(): string {
  const env = process.env["TIERDIFF_CORPUS"];
  if (env !== undefined && env !== "") return env;
  return new URL("./found", import.meta.url).pathname;
}

let tmpCounter = 0;
const TMP_RE = /\.json\.\d+-\d+\.tmp$/;

export interface SaveResult {
  readonly name: string;
  readonly path: string;
  /** false: a file with this name was already there (nothing written) */
  readonly created: boolean;
}

/**
 * Save a corpus file atomically under its content-addressed name; a case already stored is not
 * written again. `hook` runs between writing the temp file and renaming it (tests simulate a
 * crash there).
 */
export function saveCorpusFile(dir: string, file: CorpusFile, opts: { fs?: StoreFs; hook?: (tmp: string) => void } = {}): SaveResult {
  const fs = opts.fs ?? realFs;
  if (file.name !== caseName(file.case)) throw new CorpusError(`corpus file name ${file.name} does not match its case (${caseName(file.case)})`);
  fs.mkdirSync(dir, { recursive: true });
  const path = join(dir, `${file.name}.json`);
  if (fs.existsSync(path)) return { name: file.name, path, created: false };
  const tmp = `${path}.${process.pid}-${tmpCounter++}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(toJson(file, false), null, 2) + "\n", { flag: "wx" });
  opts.hook?.(tmp);
  fs.renameSync(tmp, path);
  return { name: file.name, path, created: true };
}

export interface LoadedCase {
  readonly path: string;
  readonly file: CorpusFile;
}

export interface CorpusProblem {
  readonly path: string;
  readonly reason: string;
}

export interface LoadedCorpus {
  readonly cases: LoadedCase[];
  /** broken or outdated files: reported by name, never deleted */
  readonly problems: CorpusProblem[];
  /** temp files of interrupted writes (not cases; safe to delete) */
  readonly leftovers: string[];
}

/** Read and check one corpus file. Throws CorpusError naming the file and the reason. */
export function loadCorpusFile(path: string, fs: StoreFs = realFs): CorpusFile {
  const where = basename(path);
  let text: string;
  try {
    text = fs.readFileSync(path, "utf8");
  } catch (e) {
    throw new CorpusError(`${path}: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let x: unknown;
  try {
    x = parseJson(text);
  } catch (e) {
    throw new CorpusError(`${where}: not valid JSON (${(e as Error).message}): a truncated or edited file?`);
  }
  if (x === null || typeof x !== "object") fail(where, "not a corpus file (not a JSON object)");
  const o = x as Record<string, unknown>;
  if (o["format"] === undefined) fail(where, `no 'format' field: not a tierdiff corpus file`);
  if (o["format"] !== CORPUS_FORMAT) fail(where, `outdated or foreign format ${JSON.stringify(o["format"])} (this tierdiff reads ${CORPUS_FORMAT})`);
  const c = checkCaseData(o["case"], where);
  const name = caseName(c);
  const expected = basename(path).replace(/\.json$/, "");
  if (o["name"] !== name) fail(where, `its case hashes to ${name}, but the file says name ${JSON.stringify(o["name"])} (edited by hand? re-add it with 'tierdiff corpus add')`);
  if (expected !== name) fail(where, `its case hashes to ${name}: the file should be named ${name}.json`);
  for (const f of ["tierdiff", "date", "origin", "asm", "token"]) if (typeof o[f] !== "string") fail(where, `field '${f}' is missing or not a string`);
  const failure = o["failure"];
  if (failure !== null && (typeof failure !== "object" || typeof (failure as Record<string, unknown>)["what"] !== "string" || typeof (failure as Record<string, unknown>)["kind"] !== "string")) {
    fail(where, "field 'failure' should be null or {kind, what, report}");
  }
  return { ...(o as unknown as CorpusFile), case: c };
}

/** Load every `*.json` of a corpus directory (missing directory: empty corpus). */
export function loadCorpus(dir: string, fs: StoreFs = realFs): LoadedCorpus {
  const cases: LoadedCase[] = [];
  const problems: CorpusProblem[] = [];
  const leftovers: string[] = [];
  if (!fs.existsSync(dir)) return { cases, problems, leftovers };
  for (const f of fs.readdirSync(dir).sort()) {
    const path = join(dir, f);
    if (TMP_RE.test(f)) leftovers.push(path);
    else if (f.endsWith(".json")) {
      try {
        cases.push({ path, file: loadCorpusFile(path, fs) });
      } catch (e) {
        if (!(e instanceof CorpusError)) throw e;
        problems.push({ path, reason: e.message.startsWith(`${f}: `) ? e.message.slice(f.length + 2) : e.message });
      }
    }
  }
  return { cases, problems, leftovers };
}
