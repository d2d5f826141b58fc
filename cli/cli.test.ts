// End-to-end tests of the `tierdiff` command as a user runs it (node + the tsx loader): output
// streams, exit statuses, and clear one-line errors for bad flags and bad input files.
import { describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BIN = new URL("./bin.mjs", import.meta.url).pathname;
const CASES = new URL("../corpus/cases/", import.meta.url).pathname;

function tierdiff(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("tierdiff CLI", () => {
  test("run prints the program's output on stdout and exits 0", () => {
    const r = tierdiff("run", join(CASES, "closures.tda"));
    expect(r.code).toBe(0);
    expect(r.out.split("\n")[0]).toBe("[10, 11, 12] [2, 2, 2] True");
  });

  test("an uncaught exception: traceback on stderr, exit 1, output printed before it kept", () => {
    const r = tierdiff("run", join(CASES, "uncaught.tda"));
    expect(r.code).toBe(1);
    expect(r.out).toBe("about to fail\n");
    expect(r.err).toContain("Traceback (most recent call last):");
    expect(r.err.trim().split("\n").pop()).toBe("KeyError: 'key'");
  });

  test("--json prints the whole outcome", () => {
    const r = tierdiff("run", join(CASES, "del_order.tda"), "--json");
    expect(r.code).toBe(0);
    const o = JSON.parse(r.out) as { status: string; delOrder: string[]; leaks: unknown[] };
    expect(o.status).toBe("ok");
    expect(o.delOrder.length).toBeGreaterThan(5);
    expect(o.leaks).toEqual([]);
  });

  test("run --config t2 --executors lists executors like _opcode.get_executor, and agrees with ref", () => {
    const r = tierdiff("run", join(CASES, "tier2_cast.tda"), "--config", "all", "--threshold", "3", "--executors");
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/executors at the end of the program \[t2\]/);
    expect(r.err).toMatch(/stop reason: /);
    expect(r.err).toMatch(/_START_EXECUTOR[\s\S]*_EXIT_TRACE/);
    expect(r.out).toBe("5\n51\n22\n");
    expect(r.err).toMatch(/exit #0: /);
    // executors compiled at once agree too; a bad --compile-after is a usage error
    const c = tierdiff("run", join(CASES, "tier2_cast.tda"), "--config", "all", "--threshold", "3", "--compile-after", "0");
    expect(c.code, c.err).toBe(0);
    expect(c.out).toBe("5\n51\n22\n");
    const bad = tierdiff("run", join(CASES, "tier2_cast.tda"), "--config", "t2", "--compile-after", "x");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--compile-after/);
  });

  test("selftest --list prints the fault catalog", () => {
    const r = tierdiff("selftest", "--list");
    expect(r.code).toBe(0);
    expect(r.out.trim().split("\n").length).toBeGreaterThanOrEqual(15);
    expect(r.out).toMatch(/t2-needed-set-ip-removed\s+gh-113657/);
  });

  test("a step budget that runs out exits 3 with a message", () => {
    const r = tierdiff("run", join(CASES, "loops.tda"), "--budget", "100");
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/step budget exhausted/);
  });

  test("bad flags and bad files: one clear line, exit 2, no stack trace", () => {
    for (const [args, msg] of [
      [["run", "--bogus"], /unknown option '--bogus'/],
      [["run", join(CASES, "loops.tda"), "--budget", "x"], /needs a non-negative integer/],
      [["run", "/no/such/file.tda"], /cannot read '\/no\/such\/file.tda'/],
      [["run", join(CASES, "loops.tda"), "--config", "t9"], /unknown configuration 't9'/],
      [["nosuchcommand"], /unknown command 'nosuchcommand'/],
      [["selftest", "--fault", "nosuch"], /unknown fault 'nosuch'/],
      [["run", join(CASES, "loops.tda"), "--config", "t2", "--passes", "most"], /unknown --passes 'most'/],
      [["run", join(CASES, "loops.tda"), "--executors"], /--executors needs --config t2 or all/],
      [["bench", "--programs", "nosuch"], /unknown program\(s\) 'nosuch' \(available: .*fib/],
      [["bench", "--seconds", "soon"], /'--seconds' needs a positive number/],
    ] as const) {
      const r = tierdiff(...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err).toMatch(msg);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });

  test("a malformed assembly file and a verifier error name the file, line or instruction", () => {
    const dir = mkdtempSync(join(tmpdir(), "tierdiff-cli-"));
    const bad = join(dir, "bad.tda");
    writeFileSync(bad, readFileSync(join(CASES, "loops.tda"), "utf8").replace("RESUME", "RESUMEX"));
    const r = tierdiff("run", bad);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.tda:\d+: .*RESUMEX/);
    const unverifiable = join(dir, "unverifiable.tda");
    writeFileSync(unverifiable, `.program 1\n.module __main__\n.code <module> id=0 stacksize=1\n.body\n  1 LOAD_FAST 3\n    RETURN_VALUE\n.end\n`);
    const v = tierdiff("run", unverifiable);
    expect(v.code).toBe(2);
    expect(v.err).toMatch(/LOAD_FAST 3: local index 3 out of range/);
  });

  test("every command has --help", () => {
    for (const c of ["run", "dis", "import-py", "bench"]) {
      const r = tierdiff(c, "--help");
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`usage: tierdiff ${c}`));
      expect(r.out).toMatch(/example: tierdiff/);
    }
    const top = tierdiff("--help");
    expect(top.code).toBe(0);
    for (const c of ["run", "dis", "fuzz", "replay", "corpus", "selftest", "import-py", "bench"]) expect(top.out).toContain(c);
  });

  test("dis prints a CPython-style listing", () => {
    const r = tierdiff("dis", join(CASES, "loops.tda"));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/FOR_ITER\s+\d+ \(to L\d+\)/);
    expect(r.out).toMatch(/BINARY_OP\s+13 \(\+=\)/);
  });
});

describe("tierdiff run --cpython", () => {
  test("compares every configuration with real CPython 3.14 and says so", () => {
    const r = tierdiff("run", join(CASES, "closures.py"), "--config", "all", "--cpython");
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/CPython 3\.14 agrees with ref, t1/);
  });
  test("needs Python source", () => {
    const dir = mkdtempSync(join(tmpdir(), "tierdiff-cli-"));
    const nosrc = join(dir, "nosrc.tda");
    writeFileSync(nosrc, `.program 1\n.module __main__\n.code <module> id=0 stacksize=1\n.consts None\n.body\n  1 LOAD_CONST 0\n    RETURN_VALUE\n.end\n`);
    const r = tierdiff("run", nosrc, "--cpython");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no Python source for module\(s\) __main__/);
  });

  test("bench --smoke: every engine column, the checksum check, fuzz throughput and hit rates (no speed assertions)", () => {
    const r = tierdiff("bench", "--smoke", "--programs", "fib");
    expect(r.code, r.err).toBe(0);
    const lines = r.out.split("\n");
    const header = lines.find((l) => l.startsWith("program"));
    expect(header).toBeDefined();
    for (const col of ["n", "python3", "pyodide", "ref", "t1", "t2 (all passes)", "t2 (no passes)", "checksum"]) expect(header).toContain(col);
    const row = lines.find((l) => l.startsWith("fib "));
    // every engine measured (tier 2 included) and all checksums equal
    expect(row).toMatch(/\d+(\.\d+)?[kM]? \([\d.]+x\)\s+\d+(\.\d+)?[kM]? \([\d.]+x\)\s+ok 2880$/);
    expect(r.out).not.toContain("MISMATCH");
    expect(r.out).toMatch(/^t2 \(all passes\) vs tier 1: geometric mean [\d.]+x, min [\d.]+x, max [\d.]+x; [01] of 1 program\(s\) at the target >= 1x$/m);
    expect(r.out).toMatch(/differential fuzz throughput: \d+ cases\/s/);
    expect(r.out).toMatch(/borrowed\s+\d+\s+[\d.]+%/);
    expect(r.err).toMatch(/bench: \[1\/1\] fib: n = 20/);
  });
});

describe("tierdiff fidelity", () => {
  const FIDELITY = new URL("../corpus/fidelity/", import.meta.url).pathname;

  test("prints the agreement per program and overall, exits 0 at or above the threshold", () => {
    const prog = join(FIDELITY, "arithmetic.py");
    const r = tierdiff("fidelity", prog, join(FIDELITY, "modules"));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`${prog}: 100.0% (`);
    expect(r.out).toMatch(/modules: \d+\.\d% \(\d+\/\d+ instructions agree/);
    expect(r.out).toMatch(/^agreement: \d+\.\d% \(\d+\/\d+ instructions of specializable families, 2 programs; .*ok the threshold of 95%$/m);
    const j = tierdiff("fidelity", prog, "--json", "--min", "90");
    expect(j.code, j.err).toBe(0);
    const doc = JSON.parse(j.out) as { ok: boolean; min: number; programs: { program: string; compared: number; disagreements: unknown[] }[] };
    expect(doc.ok).toBe(true);
    expect(doc.min).toBe(90);
    expect(doc.programs[0]!.compared).toBeGreaterThan(40);
  });

  test("bad flags, thresholds and inputs exit 2 with one line", () => {
    for (const [args, msg] of [
      [["fidelity", "--bogus"], /unknown option '--bogus'/],
      [["fidelity"], /expected one or more programs/],
      [["fidelity", join(FIDELITY, "arithmetic.py"), "--min", "101"], /'--min' needs a percentage between 0 and 100/],
      [["fidelity", "/no/such/prog.py"], /cannot read '\/no\/such\/prog.py'/],
      [["fidelity", join(CASES, "loops.tda")], /is not a \.py file or a directory with main\.py/],
    ] as const) {
      const r = tierdiff(...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err).toMatch(msg);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
    const h = tierdiff("fidelity", "--help");
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/usage: tierdiff fidelity/);
    expect(h.out).toMatch(/example: tierdiff fidelity/);
  });
});
