/**
 * `tierdiff corpus add | list | minimize`: the corpus of saved failures (corpus/found, see
 * corpus/store.ts for the format).
 */
import { relative } from "node:path";
import { parseArgs, UsageError, type Parsed } from "./args.ts";
import { asUsageError, loadCaseInput } from "./case-input.ts";
import { Coverage } from "../properties/harness/coverage.ts";
import {
  caseSize, failureKind, makeCorpusFile, minimizeCase, recordFailure, rejectReason, runCase, statementCount,
} from "../corpus/case-run.ts";
import {
  caseName, CorpusError, defaultCorpusDir, loadCorpus, normalizeFaults, saveCorpusFile, type CaseData,
} from "../corpus/store.ts";

function corpusDir(a: Parsed): string {
  return (a.flags.get("corpus") as string | undefined) ?? defaultCorpusDir();
}

function faultsFlag(a: Parsed, command: string): string[] | undefined {
  const f = a.flags.get("faults") as string | undefined;
  if (f === undefined) return undefined;
  try {
    return normalizeFaults(f.split(","));
  } catch (e) {
    if (e instanceof CorpusError) throw new UsageError(`tierdiff corpus ${command}: option '--faults': ${e.message}`);
    throw e;
  }
}

function show(path: string): string {
  const r = relative(process.cwd(), path);
  return r === "" || r.startsWith("..") ? path : r;
}

export async function cmdCorpus(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case "add": return await corpusAdd(rest);
      case "list": return corpusList(rest);
      case "minimize": return await corpusMinimize(rest);
      case undefined: throw new UsageError("tierdiff corpus: expected a subcommand: add, list or minimize (see 'tierdiff corpus --help')");
      default: throw new UsageError(`tierdiff corpus: unknown subcommand '${sub}' (expected add, list or minimize)`);
    }
  } catch (e) {
    throw asUsageError(e, `corpus ${sub ?? ""}`.trim());
  }
}

async function corpusAdd(argv: readonly string[]): Promise<number> {
  const a = parseArgs(argv, { note: "string", faults: "string", corpus: "string" }, "corpus add");
  if (a.positional.length === 0) throw new UsageError("tierdiff corpus add: expected one or more corpus files, tokens or programs");
  const dir = corpusDir(a);
  const faults = faultsFlag(a, "add");
  let rejected = 0;
  for (const arg of a.positional) {
    const input = await loadCaseInput(arg, "corpus add");
    const c: CaseData = faults !== undefined ? { ...input.case, faults } : input.case;
    const why = rejectReason(c);
    if (why !== null) {
      process.stderr.write(`tierdiff corpus add: ${input.source === "token" ? "token" : arg}: rejected: ${why}\n`);
      rejected++;
      continue;
    }
    const v = runCase(c, { faults: c.faults });
    const note = (a.flags.get("note") as string | undefined) ?? input.file?.note;
    const file = makeCorpusFile(c, {
      origin: "corpus add", failure: v.status === "fails" ? recordFailure(v.failure) : null,
      ...(note !== undefined ? { note } : {}),
      ...(input.seedToken ?? input.file?.seedToken ? { seedToken: (input.seedToken ?? input.file?.seedToken)! } : {}),
    });
    const saved = saveCorpusFile(dir, file);
    const state = v.status === "fails" ? `fails: ${v.failure.what}` : v.status === "discarded" ? `not compared: ${v.reason}` : "passes now";
    process.stdout.write(`${saved.created ? "added" : "already in the corpus:"} ${show(saved.path)}  (${state}${c.faults.length > 0 ? `; faults ${c.faults.join(",")}` : ""})\n`);
  }
  return rejected > 0 ? 1 : 0;
}

function covers(c: CaseData): { status: string; covers: string } {
  const cov = new Coverage();
  let status: string;
  try {
    const v = runCase(c, { coverage: cov });
    status = v.status === "fails" ? "FAILS" : v.status === "discarded" ? "not compared" : "passes";
  } catch (e) {
    return { status: "broken", covers: (e as Error).message };
  }
  const forms = [...cov.forms.keys()].sort();
  const cache = [...cov.cacheEvents].filter(([, n]) => n > 0).map(([k]) => k);
  const kinds = [...new Set(c.events.map((e) => e.k))];
  const parts = [
    forms.length > 0 ? `${forms.length} forms (${forms.slice(0, 3).join(", ")}${forms.length > 3 ? ", …" : ""})` : "no specialized forms",
    ...(cache.length > 0 ? [`cache ${cache.join(" ")}`] : []),
    ...(kinds.length > 0 ? [`events ${kinds.join(" ")}`] : []),
  ];
  return { status, covers: parts.join("; ") };
}

function corpusList(argv: readonly string[]): number {
  const a = parseArgs(argv, { corpus: "string" }, "corpus list");
  if (a.positional.length > 0) throw new UsageError(`tierdiff corpus list: unexpected argument '${a.positional[0]}'`);
  const dir = corpusDir(a);
  const corpus = loadCorpus(dir);
  const rows: string[][] = [["name", "now", "recorded failure", "faults", "size", "events", "date", "covers"]];
  for (const { file } of corpus.cases) {
    const c = file.case;
    const now = covers(c);
    rows.push([
      file.name, now.status, file.failure?.kind ?? "none (passed when saved)", c.faults.join(",") || "-", caseSize(c),
      String(c.events.length), file.date.slice(0, 10), now.covers + (file.note !== undefined ? ` — ${file.note}` : ""),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) process.stdout.write(r.map((x, i) => (i === r.length - 1 ? x : x.padEnd(widths[i]!))).join("  ").trimEnd() + "\n");
  process.stdout.write(`${corpus.cases.length} case(s) in ${show(dir)}\n`);
  for (const p of corpus.problems) process.stdout.write(`BROKEN ${show(p.path)}: ${p.reason}\n`);
  for (const t of corpus.leftovers) process.stdout.write(`leftover temp file of an interrupted write (not a case; safe to delete): ${show(t)}\n`);
  return 0;
}

async function corpusMinimize(argv: readonly string[]): Promise<number> {
  const a = parseArgs(argv, { faults: "string", corpus: "string" }, "corpus minimize");
  if (a.positional.length !== 1) throw new UsageError("tierdiff corpus minimize: expected exactly one corpus file or token");
  const input = await loadCaseInput(a.positional[0]!, "corpus minimize");
  const c = input.case;
  const faults = faultsFlag(a, "minimize") ?? c.faults;
  const v = runCase(c, { faults });
  if (v.status !== "fails") {
    process.stdout.write(`tierdiff corpus minimize: ${input.source}: the case does not fail${faults.length > 0 ? ` with faults ${faults.join(",")}` : ""} (${v.status === "passes" ? "it passes" : `not compared: ${v.reason}`}): nothing to minimize\n`);
    return 1;
  }
  const kind = failureKind(v.failure.what);
  const m = minimizeCase({ ...c, faults }, faults, kind);
  const small = m.case;
  const size = (x: CaseData): number => (x.program !== undefined ? statementCount(x.program) : 0) + x.events.length;
  const from = `${caseSize(c)}, ${c.events.length} event(s)`;
  if (size(small) >= size(c) && caseName(small) === caseName({ ...c, faults })) {
    process.stdout.write(`tierdiff corpus minimize: already minimal (${from}; ${m.attempts} attempts): ${kind}\n`);
    return 0;
  }
  const again = runCase(small, { faults });
  const note = input.file?.note;
  const file = makeCorpusFile(small, {
    origin: "corpus minimize",
    failure: again.status === "fails" ? recordFailure(again.failure) : recordFailure(v.failure),
    note: `${note !== undefined ? note + " " : ""}(minimized from ${input.file?.name ?? "a token"})`,
  });
  const saved = saveCorpusFile(corpusDir(a), file);
  process.stdout.write(`tierdiff corpus minimize: ${from} -> ${caseSize(small)}, ${small.events.length} event(s) (${m.attempts} attempts), still: ${kind}\n`);
  process.stdout.write(`${saved.created ? "wrote" : "already in the corpus:"} ${show(saved.path)}${input.file !== undefined ? `; ${show(input.source)} is kept (delete it yourself if the smaller case replaces it)` : ""}\n`);
  return 0;
}
