// Regenerates corpus/cases/*.expected.json: each case's outcome in REAL CPython 3.14 (pyodide,
// offline), following the outcome protocol of oracles/cpython/run.ts.
// Also writes NAME.tda: the program as CPython compiled it, in tierdiff assembly.
// Run: npx tsx scripts/gen-corpus-expected.mts [case-name ...]
import { writeFileSync } from "node:fs";
import { listCases } from "../corpus/cases.ts";
import { readPythonFiles, importPython } from "../oracles/cpython/import.ts";
import { printProgram } from "../engine/bytecode/asm.ts";
import { runInCPython } from "../oracles/cpython/run.ts";
import { CPYTHON_VERSION } from "../engine/bytecode/opcodes.generated.ts";

const only = new Set(process.argv.slice(2));
for (const c of listCases()) {
  if (only.size > 0 && !only.has(c.name)) continue;
  const mods = readPythonFiles(c.files);
  writeFileSync(c.expectedPath.replace(/\.expected\.json$/, ".tda"), printProgram(await importPython(mods)));
  const outcome = await runInCPython(mods);
  const doc = { generatedBy: "scripts/gen-corpus-expected.mts", cpython: `${CPYTHON_VERSION} (pyodide)`, outcome };
  writeFileSync(c.expectedPath, JSON.stringify(doc, null, 2) + "\n");
  console.log(`${c.name}: ${outcome.status}${outcome.exception ? ` (${outcome.exception.type})` : ""}`);
}
