/**
 * The hand-written corpus: every `corpus/cases/NAME.py` (or directory NAME/ with main.py and the
 * modules it imports) is a program whose CPython 3.14 outcome is stored beside it in
 * `NAME.expected.json`, produced by `scripts/gen-corpus-expected.mts` from real CPython (pyodide).
 */
import { readdirSync, statSync, readFileSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { Outcome } from "../oracles/outcome.ts";

export const CASES_DIR = join(dirname(fileURLToPath(import.meta.url)), "cases");

export interface CorpusCase {
  readonly name: string;
  /** Python files, the entry module first */
  readonly files: readonly string[];
  readonly expectedPath: string;
  /** the program as CPython 3.14 compiled it, in tierdiff assembly */
  readonly asmPath: string;
}

export function listCases(dir: string = CASES_DIR): CorpusCase[] {
  const out: CorpusCase[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) {
      const py = readdirSync(p).filter((f) => f.endsWith(".py")).sort();
      if (!py.includes("main.py")) continue;
      out.push({ name: entry, files: ["main.py", ...py.filter((f) => f !== "main.py")].map((f) => join(p, f)), expectedPath: join(dir, `${entry}.expected.json`), asmPath: join(dir, `${entry}.tda`) });
    } else if (entry.endsWith(".py")) {
      const name = entry.slice(0, -3);
      out.push({ name, files: [p], expectedPath: join(dir, `${name}.expected.json`), asmPath: join(dir, `${name}.tda`) });
    }
  }
  return out;
}

export function readExpected(c: CorpusCase): Outcome | undefined {
  if (!existsSync(c.expectedPath)) return undefined;
  const j = JSON.parse(readFileSync(c.expectedPath, "utf8")) as { outcome: Outcome };
  return j.outcome;
}
