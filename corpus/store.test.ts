// The corpus store (corpus/store.ts): content-addressed names, atomic writes under a simulated
// crash, broken and outdated files reported by name and never deleted, replay tokens that round
// trip (whole cases and fast-check seed + path), and what `corpus add` rejects.
import { describe, expect, test } from "vitest";
import { mkdtempSync, readdirSync, writeFileSync, readFileSync, renameSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import {
  canonicalJson, caseName, checkCaseData, CorpusError, decodeToken, encodeSeedToken, encodeToken, loadCorpus,
  parseJson, realFs, saveCorpusFile, type CaseData, type StoreFs,
} from "./store.ts";
import { caseAtSeed, caseFromGenerated, makeCorpusFile, rejectReason, runCase } from "./case-run.ts";
import { caseArb, differentialProperty } from "../properties/harness/fuzz.ts";
import { saveCounterexample } from "./found-replay.ts";
import { CPYTHON_PARAMS } from "../properties/harness/configs.ts";
import { LAMBDA_LOOP } from "./test-cases.ts";

const tmp = (): string => mkdtempSync(join(tmpdir(), "tierdiff-corpus-"));


const CASE: CaseData = { program: LAMBDA_LOOP, events: [{ k: "call", fn: "run#0", args: [], times: 3 }], params: { warmup: 0, cooldown: 52, funcCacheVariant: "borrowed" }, faults: ["cache-no-clear-on-func-dealloc"] };
const DATE = "2025-01-01T00:00:00.000Z";

describe("canonical JSON and names", () => {
  test("key order does not matter; special floats survive", () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe(canonicalJson({ a: [{ c: 3, d: 2 }], b: 1 }));
    const v = { xs: [-0, NaN, Infinity, -Infinity, 1.5] };
    const back = parseJson(canonicalJson(v)) as typeof v;
    expect(Object.is(back.xs[0], -0)).toBe(true);
    expect(back.xs.slice(1)).toEqual([NaN, Infinity, -Infinity, 1.5]);
  });

  test("the name hashes the case only: 16 hex digits, metadata and date are not part of it", () => {
    expect(caseName(CASE)).toMatch(/^[0-9a-f]{16}$/);
    expect(caseName({ ...CASE, params: { ...CASE.params } })).toBe(caseName(CASE));
    expect(caseName({ ...CASE, faults: [] })).not.toBe(caseName(CASE));
    expect(caseName({ ...CASE, events: [] })).not.toBe(caseName(CASE));
    const a = makeCorpusFile(CASE, { origin: "test", failure: null, date: DATE });
    const b = makeCorpusFile(CASE, { origin: "other", failure: null, date: "2030-06-06T00:00:00.000Z", note: "x" });
    expect(a.name).toBe(b.name);
  });
});

describe("saving and loading", () => {
  test("the same case is stored once", () => {
    const dir = tmp();
    const file = makeCorpusFile(CASE, { origin: "test", failure: null, date: DATE });
    const first = saveCorpusFile(dir, file);
    const second = saveCorpusFile(dir, makeCorpusFile(CASE, { origin: "again", failure: null, date: "2031-01-01T00:00:00.000Z" }));
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(readdirSync(dir)).toEqual([`${file.name}.json`]);
    const loaded = loadCorpus(dir);
    expect(loaded.problems).toEqual([]);
    expect(loaded.cases).toHaveLength(1);
    expect(loaded.cases[0]!.file.case).toEqual(CASE);
    expect(loaded.cases[0]!.file.origin).toBe("test");
  });

  test("a crash between writing and renaming leaves no visible case; a retry works", () => {
    const dir = tmp();
    const file = makeCorpusFile(CASE, { origin: "test", failure: null, date: DATE });
    expect(() => saveCorpusFile(dir, file, { hook: () => { throw new Error("simulated crash"); } })).toThrow("simulated crash");
    let loaded = loadCorpus(dir);
    expect(loaded.cases).toEqual([]);
    expect(loaded.problems).toEqual([]);
    expect(loaded.leftovers).toHaveLength(1);
    expect(loaded.leftovers[0]).toMatch(/\.json\.\d+-\d+\.tmp$/);
    expect(existsSync(join(dir, `${file.name}.json`))).toBe(false);
    const retry = saveCorpusFile(dir, file);
    expect(retry.created).toBe(true);
    loaded = loadCorpus(dir);
    expect(loaded.cases.map((c) => c.file.name)).toEqual([file.name]);
    expect(loaded.leftovers).toHaveLength(1); // reported, not deleted
  });

  test("a crash in the middle of writing never publishes a partial file", () => {
    const dir = tmp();
    const file = makeCorpusFile(CASE, { origin: "test", failure: null, date: DATE });
    const dying: StoreFs = {
      ...realFs,
      writeFileSync: (p, d) => {
        writeFileSync(p, d.slice(0, d.length >> 1));
        throw new Error("killed while writing");
      },
    };
    expect(() => saveCorpusFile(dir, file, { fs: dying })).toThrow("killed while writing");
    const loaded = loadCorpus(dir);
    expect(loaded.cases).toEqual([]);
    expect(loaded.problems).toEqual([]);
    expect(loaded.leftovers).toHaveLength(1);
  });

  test("broken and outdated files are reported by name with the reason, and kept", () => {
    const dir = tmp();
    const good = makeCorpusFile(CASE, { origin: "test", failure: null, date: DATE });
    const { path } = saveCorpusFile(dir, good);
    const text = readFileSync(path, "utf8");
    writeFileSync(join(dir, "truncated.json"), text.slice(0, 100));
    writeFileSync(join(dir, "outdated.json"), JSON.stringify({ ...JSON.parse(text), format: "tierdiff-corpus/0" }));
    const edited = JSON.parse(text) as { case: { params: { warmup: number } } };
    edited.case.params.warmup = 3;
    writeFileSync(join(dir, `${good.name}-edited.json`), JSON.stringify(edited));
    writeFileSync(join(dir, "renamed.json"), text);
    const badEvent = JSON.parse(text) as { case: { events: unknown[] } };
    badEvent.case.events = [{ k: "explode" }];
    writeFileSync(join(dir, "badevent.json"), JSON.stringify(badEvent));
    const before = readdirSync(dir).sort();
    const loaded = loadCorpus(dir);
    expect(loaded.cases.map((c) => c.file.name)).toEqual([good.name]);
    const reasons = Object.fromEntries(loaded.problems.map((p) => [p.path.split("/").pop()!, p.reason]));
    expect(reasons["truncated.json"]).toMatch(/not valid JSON/);
    expect(reasons["outdated.json"]).toMatch(/outdated or foreign format "tierdiff-corpus\/0"/);
    expect(reasons[`${good.name}-edited.json`]).toMatch(/hashes to [0-9a-f]{16}, but the file says name/);
    expect(reasons["renamed.json"]).toMatch(new RegExp(`should be named ${good.name}.json`));
    expect(reasons["badevent.json"]).toMatch(/unknown event kind "explode"/);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  test("a file written by hand with a wrong name is never overwritten by a save", () => {
    const dir = tmp();
    const file = makeCorpusFile(CASE, { origin: "test", failure: null, date: DATE });
    const p = saveCorpusFile(dir, file).path;
    renameSync(p, join(dir, "keep.json"));
    writeFileSync(p, "garbage");
    expect(saveCorpusFile(dir, file).created).toBe(false);
    expect(readFileSync(p, "utf8")).toBe("garbage");
    expect(loadCorpus(dir).problems.map((x) => x.path.split("/").pop()).sort()).toEqual([`${file.name}.json`, "keep.json"]);
  });
});

describe("replay tokens", () => {
  test("a token carries the whole case (generated cases, faults, special floats)", () => {
    const cases = fc.sample(caseArb(), { seed: 99, numRuns: 20 }).map((g, i) => caseFromGenerated(g, i % 3 === 0 ? ["cache-no-clear-on-code-assign"] : []));
    cases.push({ ...CASE, program: { modules: [{ name: "__main__", body: [{ k: "expr", e: { k: "float", v: -0 } }, { k: "expr", e: { k: "float", v: NaN } }] }] } });
    cases.push({ assembly: "# a program\n", events: [], params: CPYTHON_PARAMS, faults: [] });
    for (const c of cases) {
      const t = encodeToken(c);
      expect(t).toMatch(/^td1:[A-Za-z0-9_-]+$/);
      const d = decodeToken(t);
      expect("case" in d && canonicalJson(d.case)).toBe(canonicalJson(c));
      expect("case" in d && caseName(d.case)).toBe(caseName(c));
    }
  });

  test("bad tokens are rejected with a reason", () => {
    const t = encodeToken(CASE);
    expect(() => decodeToken(t.slice(0, t.length - 10))).toThrow(CorpusError);
    expect(() => decodeToken(t.slice(0, t.length - 10))).toThrow(/does not decompress|not a case/);
    expect(() => decodeToken("td1:!!!")).toThrow(/not base64url/);
    expect(() => decodeToken("td9:abc")).toThrow(/should start with td1: or td1s:/);
    expect(() => decodeToken("td1s:12:x")).toThrow(/expected td1s:<seed>:<path>/);
    expect(() => decodeToken("td1s:1:2/faults=nosuchfault")).toThrow(/unknown fault 'nosuchfault'/);
  });

  test("a seed token names the case fast-check generates at that seed and path", () => {
    expect(decodeToken(encodeSeedToken({ seed: -5, path: "3:1:0", faults: ["cache-no-clear-on-func-dealloc"] }))).toEqual({ seed: { seed: -5, path: "3:1:0", faults: ["cache-no-clear-on-func-dealloc"] } });
    // a cheap property whose shrunk counterexample has a long path
    const r = fc.check(fc.property(caseArb(), (c) => JSON.stringify(c.program).length < 1500), { seed: 77, numRuns: 200 });
    expect(r.failed).toBe(true);
    const again = caseAtSeed(r.seed, r.counterexamplePath!);
    expect(canonicalJson(caseFromGenerated(again))).toBe(canonicalJson(caseFromGenerated(r.counterexample![0])));
  });

  test("checkCaseData rejects malformed cases", () => {
    expect(() => checkCaseData({ events: [], params: CPYTHON_PARAMS }, "x")).toThrow(/exactly one of 'program'/);
    expect(() => checkCaseData({ program: { modules: [] }, events: [], params: CPYTHON_PARAMS }, "x")).toThrow(/not a program AST/);
    expect(() => checkCaseData({ ...CASE, params: { ...CPYTHON_PARAMS, funcCacheVariant: "nope" } }, "x")).toThrow(/funcCacheVariant/);
    expect(() => checkCaseData({ ...CASE, events: [{ k: "call", fn: "f#0", args: ["a"], times: 1 }] }, "x")).toThrow(/args/);
    const t2 = { backedge: 4, sideExit: 4, maxTrace: 800, passes: "types" };
    expect(() => checkCaseData({ ...CASE, params: { ...CPYTHON_PARAMS, t2 } }, "x")).not.toThrow();
    expect(() => checkCaseData({ ...CASE, params: { ...CPYTHON_PARAMS, t2: { ...t2, maxTrace: 3 } } }, "x")).toThrow(/params\.t2: tier-2 parameter maxTraceLength must be an integer from 5 to/);
    expect(() => checkCaseData({ ...CASE, params: { ...CPYTHON_PARAMS, t2: { ...t2, backedge: 0 } } }, "x")).toThrow(/backedgeThreshold/);
    expect(() => checkCaseData({ ...CASE, params: { ...CPYTHON_PARAMS, t2: { ...t2, passes: "most" } } }, "x")).toThrow(/params\.t2\.passes "most"/);
  });
});

describe("running stored cases", () => {
  test("the lambda-in-a-loop case passes without faults and fails with the dealloc fault", () => {
    expect(runCase(CASE).status).toBe("passes");
    const v = runCase(CASE, { faults: CASE.faults });
    expect(v.status).toBe("fails");
    expect(v.status === "fails" && v.failure.what).toMatch(/invariant broken in t1\[borrowed\]/);
  });

  test("a program that leaves a reference cycle is discarded (no cyclic GC)", () => {
    // L = []; L.append(L): every configuration leaks the same self-referencing list
    const L = { k: "name", id: "L" } as const;
    const cycle: CaseData = { ...CASE, events: [], program: { modules: [{ name: "__main__", body: [
      { k: "assign", target: L, value: { k: "list", items: [] } },
      { k: "expr", e: { k: "call", f: { k: "attr", obj: L, name: "append" }, args: [L] } },
    ] }] } };
    const v = runCase(cycle);
    expect(v.status === "discarded" && v.reason).toMatch(/reference cycle \(1 object\(s\)\)/);
    // the cycle keeps a hot function alive, so its code keeps tier 2's executor (co_executors):
    // the executor is part of the garbage too, not a lost reference
    const a = { k: "name", id: "a" } as const;
    const f = { k: "name", id: "f" } as const;
    const hot: CaseData = { ...cycle, params: { ...CASE.params, t2: { backedge: 2, sideExit: 2, maxTrace: 800, passes: "none" } }, program: { modules: [{ name: "__main__", body: [
      { k: "def", name: "f", params: [{ name: "n" }], body: [
        { k: "assign", target: a, value: { k: "int", v: 0 } },
        { k: "for", v: { k: "name", id: "i" }, iter: { k: "call", f: { k: "name", id: "range" }, args: [{ k: "name", id: "n" }] }, body: [
          { k: "augassign", target: a, op: "+", value: { k: "name", id: "i" } },
        ] },
        { k: "return", e: a },
      ] },
      { k: "expr", e: { k: "call", f, args: [{ k: "int", v: 50 }] } },
      { k: "assign", target: L, value: { k: "list", items: [f] } },
      { k: "expr", e: { k: "call", f: { k: "attr", obj: L, name: "append" }, args: [L] } },
    ] }] } };
    const w = runCase(hot);
    expect(w.status === "discarded" && w.reason, JSON.stringify(w)).toMatch(/reference cycle/);
    // (oracles/invariants/leaks.test.ts: a lost reference is not cyclic garbage)
  });

  test("corpus add's validation: verifier, reference outcome, budget", () => {
    expect(rejectReason(CASE)).toBeNull();
    const forever: CaseData = { ...CASE, program: { modules: [{ name: "__main__", body: [{ k: "while", c: { k: "bool", v: true }, body: [{ k: "pass" }] }] }] } };
    expect(rejectReason(forever)).toMatch(/runs out of its step budget/);
    expect(rejectReason({ assembly: ".program 1\n.module __main__ file=m.py\n.code <module> id=0 firstlineno=1 argcount=0 flags=0 stacksize=1\n.body\n  LOAD_FAST 7\n  RETURN_VALUE\n.end\n", events: [], params: CPYTHON_PARAMS, faults: [] })).toMatch(/index|out of range|does not compile|local/i);
  });
});

describe("npm test's hook", () => {
  test("a failing property's counterexample is minimized and saved, with its tokens", () => {
    const dir = tmp();
    const r = fc.check(differentialProperty({ faults: { noClearOnFuncDealloc: true } }), { seed: 424242, numRuns: 100 });
    expect(r.failed).toBe(true);
    const msg = saveCounterexample(r, { dir, faults: ["cache-no-clear-on-func-dealloc"] });
    const [file] = readdirSync(dir);
    expect(file).toMatch(/^[0-9a-f]{16}\.json$/);
    expect(msg).toContain(`saved to the corpus (minimized: `);
    expect(msg).toContain(join(dir, file!));
    expect(msg).toMatch(/\ntoken: {2}td1:[A-Za-z0-9_-]+\n/);
    const seedToken = /td1s:\S+/.exec(msg)![0];
    const d = decodeToken(seedToken);
    expect("seed" in d && canonicalJson(caseFromGenerated(caseAtSeed(d.seed.seed, d.seed.path)))).toBe(canonicalJson(caseFromGenerated(r.counterexample![0])));
    const loaded = loadCorpus(dir).cases[0]!.file;
    expect(loaded.origin).toBe("npm test");
    expect(runCase(loaded.case).status).toBe("passes");
    expect(runCase(loaded.case, { faults: loaded.case.faults }).status).toBe("fails");
  });
});
