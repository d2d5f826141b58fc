// Specializer fidelity (`tierdiff fidelity`): every sample program in corpus/fidelity/ (NAME.py, or
// a directory NAME/ with main.py and the modules it imports) runs once in real CPython 3.14
// (pyodide, loaded once for the whole file) and once on tier 1, and the specialized opname every
// instruction ends with must agree with CPython's for at least 95% of the instructions of
// specializable families, overall. The report (agreement per program, every disagreement, what was
// not compared and why) is printed in the test output.
import { beforeAll, expect, test } from "vitest";
import { join, dirname, basename } from "node:path";
import { fileURLToPath } from "node:url";
import { listCases } from "./cases.ts";
import { readPythonFiles } from "../oracles/cpython/import.ts";
import { getPyodide } from "../oracles/cpython/pyodide.ts";
import { checkFidelity, formatFidelity, summarize, type FidelityReport } from "../oracles/cpython/adaptive.ts";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "fidelity");
const MIN_PERCENT = 95;
const programs = listCases(DIR);

beforeAll(async () => {
  await getPyodide();
}, 60_000);

test(`specializer fidelity on corpus/fidelity (${programs.length} programs): agreement >= ${MIN_PERCENT}%`, async () => {
  expect(programs.length).toBeGreaterThanOrEqual(10);
  const reports: FidelityReport[] = [];
  for (const c of programs) {
    const shown = c.files.map((f) => (c.files.length === 1 ? basename(f) : `${c.name}/${basename(f)}`));
    reports.push(await checkFidelity({ program: c.files.length === 1 ? shown[0]! : `${c.name}/`, modules: readPythonFiles(c.files), paths: shown }));
  }
  console.log(`specializer fidelity (corpus/fidelity)\n${formatFidelity(reports, MIN_PERCENT)}`);
  // the runs themselves must match CPython (same output, tier 1 finished): else the forms mean little
  expect(reports.flatMap((r) => r.notes.map((n) => `${r.program}: ${n}`))).toEqual([]);
  // every program exercises specialized instructions
  for (const r of reports) expect(r.compared, r.program).toBeGreaterThan(40);
  const s = summarize(reports);
  expect(s.agreement, formatFidelity(reports, MIN_PERCENT)).toBeGreaterThanOrEqual(MIN_PERCENT);
}, 60_000);

test("a string an earlier program interned immortal is not compared; a program's own names are compared", async () => {
  const mod = (name: string, source: string) => [{ name, filename: `${name}.py`, source }];
  await checkFidelity({ program: "first.py", modules: mod("first", "def zq_fid_shared():\n    return 1\nzq_fid_shared()\n") });
  const uses = "def f():\n    return 'zq_fid_shared'\nfor i in range(3):\n    f()\n";
  const second = await checkFidelity({ program: "second.py", modules: mod("second", uses) });
  expect(second.notCompared).toEqual([
    { where: "second.py:f+2", cpython: "LOAD_CONST_IMMORTAL", tierdiff: "LOAD_CONST_MORTAL", reason: expect.stringContaining("'zq_fid_shared' was interned immortal earlier in this CPython process, as a name in first.py") },
  ]);
  expect(second.disagreements).toEqual([]);
  // a NAME of the program itself makes the string immortal whatever ran before: compared (and equal)
  const third = await checkFidelity({ program: "third.py", modules: mod("third", `zq_fid_shared = 0\n${uses}`) });
  expect(third.notCompared).toEqual([]);
  expect(third.disagreements).toEqual([]);
  expect(third.agree).toBe(third.compared);
});
