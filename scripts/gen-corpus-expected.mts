// Regenerates corpus/cases/*.expected.json: each case's outcome in REAL CPython 3.14 (pyodide,
// offline), following the outcome protocol of oracles/cpython/run.ts.
// Run: npx tsx scripts/gen-corpus-expected.mts [case-name ...]
import { writeFileSync } from "node:fs";
import { listCases } from "../corpus/cases.ts";
import { readPythonFiles } from "../oracles/cpython/import.ts";
import { runInCPython } from "../oracles/cpython/run.ts";
import { CPYTHON_VERSION } from "../engine/bytecode/opcodes.generated.ts";

const only = new Set(process.argv.slice(2));
for (const c of listCases()) {
  if (only.size > 0 && !only.has(c.name)) continue;
  const outcome = await runInCPython(readPythonFiles(c.files));
  const doc = { generatedBy: "scripts/gen-corpus-expected.mts", cpython: `${CPYTHON_VERSION} (pyodide)`, outcome };
  writeFileSync(c.expectedPath, JSON.stringify(doc, null, 2) + "\n");
  console.log(`${c.name}: ${outcome.status}${outcome.exception ? ` (${outcome.exception.type})` : ""}`);
}
