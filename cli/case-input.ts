/**
 * What `tierdiff replay` and `tierdiff corpus` accept as a case: a replay token (td1:... or
 * td1s:<seed>:<path>), a corpus file (.json), or a program (.tda assembly, or .py compiled by
 * CPython 3.14) run without events under CPython's tier-up parameters.
 */
import { existsSync, readFileSync } from "node:fs";
import { parseProgram, printProgram } from "../engine/bytecode/asm.ts";
import { CPYTHON_PARAMS } from "../properties/harness/configs.ts";
import { CodegenError } from "../properties/ast/codegen.ts";
import { caseAtSeed, caseFromGenerated } from "../corpus/case-run.ts";
import { CorpusError, decodeToken, isToken, loadCorpusFile, type CaseData, type CorpusFile } from "../corpus/store.ts";
import { loadProgram, LoadError } from "./load.ts";
import { UsageError } from "./args.ts";

export interface CaseInput {
  readonly case: CaseData;
  /** for headers: the file, or "token" */
  readonly source: string;
  readonly file?: CorpusFile;
  readonly seedToken?: string;
}

export async function loadCaseInput(arg: string, command: string): Promise<CaseInput> {
  if (isToken(arg)) {
    const d = decodeToken(arg);
    if ("case" in d) return { case: d.case, source: "token" };
    const g = caseAtSeed(d.seed.seed, d.seed.path);
    return { case: caseFromGenerated(g, d.seed.faults), source: `token ${arg}`, seedToken: arg };
  }
  if (!existsSync(arg)) {
    throw new LoadError(`tierdiff ${command}: cannot read '${arg}': no such file (a replay token starts with td1: or td1s:)`);
  }
  if (arg.endsWith(".json")) {
    const file = loadCorpusFile(arg);
    return { case: file.case, source: arg, file };
  }
  if (arg.endsWith(".py")) {
    const program = await loadProgram(arg);
    return { case: { assembly: printProgram(program), events: [], params: CPYTHON_PARAMS, faults: [] }, source: arg };
  }
  let text: string;
  try {
    text = readFileSync(arg, "utf8");
  } catch (e) {
    throw new LoadError(`tierdiff ${command}: cannot read '${arg}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  // normalized text, so the same program always hashes to the same name
  const program = parseProgram(text, arg);
  return { case: { assembly: printProgram(program), events: [], params: CPYTHON_PARAMS, faults: [] }, source: arg };
}

/** Corpus and code generator errors as one-line usage errors (exit 2). */
export function asUsageError(e: unknown, command: string): unknown {
  if (e instanceof CorpusError) return new UsageError(`tierdiff ${command}: ${e.message}`);
  if (e instanceof CodegenError) return new UsageError(`tierdiff ${command}: the case's program does not compile: ${e.message}`);
  return e;
}
