/**
 * Loading a program for the CLI: a `.py` file is compiled by real CPython 3.14 (pyodide) and
 * converted unchanged; anything else is read as tierdiff assembly. Either way the verifier runs
 * before anything executes. Errors name the file and what is wrong.
 */
import { readFileSync } from "node:fs";
import type { ProgramDef } from "../engine/bytecode/code.ts";
import { parseProgram } from "../engine/bytecode/asm.ts";
import { verifyProgram } from "../engine/bytecode/verify.ts";

export class LoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LoadError";
  }
}

export async function loadProgram(path: string, extraModules: readonly string[] = []): Promise<ProgramDef> {
  let program: ProgramDef;
  if (path.endsWith(".py")) {
    const { importPythonFile } = await import("../oracles/cpython/import.ts");
    program = await importPythonFile(path, extraModules);
  } else {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (e) {
      throw new LoadError(`tierdiff: cannot read '${path}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    program = parseProgram(text, path);
  }
  verifyProgram(program);
  return program;
}
