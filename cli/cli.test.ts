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
      [["fuzz"], /not built yet/],
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
    for (const c of ["run", "dis", "import-py"]) {
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
});
