// End-to-end tests of `tierdiff replay`, `tierdiff corpus` and `tierdiff fuzz` as a user runs
// them (node + the tsx loader, worker threads for fuzz): exit statuses, deterministic replay
// output, the corpus files written, one clear line for bad input.
import { describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeToken, type CaseData } from "../corpus/store.ts";
import { LAMBDA_LOOP } from "../corpus/test-cases.ts";

const BIN = new URL("./bin.mjs", import.meta.url).pathname;

function tierdiff(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const FAILING: CaseData = { program: LAMBDA_LOOP, events: [], params: { warmup: 0, cooldown: 52, funcCacheVariant: "borrowed" }, faults: ["cache-no-clear-on-func-dealloc"] };
/** the same failure with statements and events the minimizer can remove */
const BIG: CaseData = {
  ...FAILING,
  program: { modules: [{ name: "__main__", body: [
    { k: "assign", target: { k: "name", id: "a" }, value: { k: "int", v: 1 } },
    ...LAMBDA_LOOP.modules[0]!.body,
    { k: "assign", target: { k: "name", id: "b" }, value: { k: "bin", op: "+", l: { k: "name", id: "a" }, r: { k: "int", v: 2 } } },
  ] }] },
  events: [{ k: "setattr", cls: 0, attr: "x", value: 1 }, { k: "call", fn: "run#0", args: [], times: 2 }],
};

describe("tierdiff replay", () => {
  test("a failing token: exit 1, the same bytes twice; --faults none: exit 0", () => {
    const token = encodeToken(FAILING);
    const a = tierdiff("replay", token, "--trace");
    expect(a.code, a.err).toBe(1);
    expect(a.out).toMatch(/^result {3}FAILS: invariant broken in t1\[borrowed\] after start$/m);
    expect(a.out).toMatch(/step \d+ is where they part/);
    expect(a.out).toContain(`token    ${token}`);
    const b = tierdiff("replay", token, "--trace");
    expect(b.out).toBe(a.out);
    const c = tierdiff("replay", token, "--faults", "none");
    expect(c.code).toBe(0);
    expect(c.out).toMatch(/^result {3}PASSES/m);
  });

  test("bad input: one line, exit 2", () => {
    for (const [args, msg] of [
      [["replay", "td1:abc"], /bad replay token/],
      [["replay", encodeToken(FAILING), "--faults", "bogus"], /unknown fault 'bogus'/],
      [["corpus", "frobnicate"], /unknown subcommand 'frobnicate'/],
      [["fuzz", "--shard", "3/2"], /0 <= i < n/],
    ] as const) {
      const r = tierdiff(...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err).toMatch(msg);
      expect(r.err.trim().split("\n")).toHaveLength(1);
    }
  });
});

describe("tierdiff corpus", () => {
  test("add (validated, content-addressed), list, minimize (a new file, the old one kept)", () => {
    const dir = mkdtempSync(join(tmpdir(), "tierdiff-cli-corpus-"));
    const add = tierdiff("corpus", "add", encodeToken(BIG), "--note", "big case", "--corpus", dir);
    expect(add.code, add.err).toBe(0);
    expect(add.out).toMatch(/^added .*[0-9a-f]{16}\.json {2}\(fails: invariant broken in t1\[borrowed\] after start; faults cache-no-clear-on-func-dealloc\)$/m);
    const [file] = readdirSync(dir);
    const min = tierdiff("corpus", "minimize", join(dir, file!), "--corpus", dir);
    expect(min.code, min.err).toBe(0);
    expect(min.out).toMatch(/6 stmts, 2 event\(s\) -> 4 stmts, 0 event\(s\)/);
    expect(min.out).toMatch(/is kept/);
    expect(readdirSync(dir)).toHaveLength(2);
    const list = tierdiff("corpus", "list", "--corpus", dir);
    expect(list.code).toBe(0);
    const rows = list.out.split("\n").filter((l) => /^[0-9a-f]{16} /.test(l));
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r).toMatch(/^[0-9a-f]{16}\s+passes\s+invariant broken in t1\[borrowed\]\s+cache-no-clear-on-func-dealloc\s+\d+ stmts/);
    expect(list.out).toMatch(/big case/);
    expect(list.out).toMatch(/minimized from [0-9a-f]{16}/);
  });
});

describe("tierdiff fuzz", () => {
  test("with a fault: the failure is saved and printed with its token, exit 1", () => {
    const dir = mkdtempSync(join(tmpdir(), "tierdiff-cli-fuzz-"));
    const r = tierdiff("fuzz", "--runs", "30", "--workers", "2", "--faults", "cache-no-clear-on-func-dealloc", "--corpus", dir, "--max-failures", "1");
    expect(r.code, r.err).toBe(1);
    expect(r.out).toMatch(/^FAILURE 1 \(worker \d, after \d+ cases\): invariant broken in t1/m);
    expect(r.out).toMatch(/^ {2}token td1:[A-Za-z0-9_-]+$/m);
    expect(r.out).toMatch(/^ {2}generated at td1s:-?\d+:\d+\/faults=cache-no-clear-on-func-dealloc$/m);
    expect(r.out).toMatch(/^tierdiff fuzz: \d+ cases in [\d.]+ s \([\d.]+ cases\/s\) on 2 worker\(s\); seed 1, shard 0\/1, unguided, faults cache-no-clear-on-func-dealloc$/m);
    expect(r.err).toMatch(/^#\d+\tDONE {2}cov: \d+ ft: \d+ pool: 0 exec\/s: [\d.]+ fail: \d+ disc: \d+ elapsed: \d+s$/m);
    expect(readdirSync(dir).filter((f) => f.endsWith(".json")).length).toBeGreaterThanOrEqual(1);
  });

  test("no failure: exit 0 and a summary", () => {
    const r = tierdiff("fuzz", "--runs", "4", "--workers", "1", "--seed", "5", "--guided", "--no-save");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^tierdiff fuzz: 4 cases in .* on 1 worker\(s\); seed 5, shard 0\/1, coverage-guided/m);
    expect(r.out).toMatch(/failed 0/);
  });
});
