/**
 * `npm test` replays the corpus of saved failures first (fast-check #3399): registered at the top
 * of properties/differential.test.ts, before the property runs. Every corpus/found/*.json is a
 * regression test: run WITHOUT fault switches it must pass (a saved failure stays red until its
 * bug is fixed); a case recorded with fault switches must also still fail with them on, the same
 * way it was recorded (so it still exercises what it was saved for). Broken or outdated files
 * fail by name with the reason; nothing is deleted.
 */
import { describe, expect, test } from "vitest";
import { basename } from "node:path";
import fc from "fast-check";
import { failureKind, runCase, caseFromGenerated, saveFailure } from "./case-run.ts";
import { defaultCorpusDir, encodeSeedToken, loadCorpus } from "./store.ts";
import type { GeneratedCase } from "../properties/harness/fuzz.ts";

export function registerCorpusReplay(dir: string = defaultCorpusDir()): void {
  const corpus = loadCorpus(dir);
  describe(`corpus replay (${corpus.cases.length} saved case(s) in ${basename(dir)}/)`, () => {
    for (const p of corpus.problems) {
      test(`${basename(p.path)} is a readable corpus file`, () => {
        throw new Error(`broken corpus file ${p.path}: ${p.reason} (fix or remove it by hand; tierdiff never deletes corpus files)`);
      });
    }
    if (corpus.leftovers.length > 0) {
      test("leftover temp files of interrupted writes are ignored", () => {
        console.log(`corpus: ignoring leftover temp file(s) of interrupted writes: ${corpus.leftovers.map((l) => basename(l)).join(", ")}`);
      });
    }
    for (const { file } of corpus.cases) {
      const c = file.case;
      test(`${file.name} passes${file.note !== undefined ? ` (${file.note})` : ""}`, () => {
        const v = runCase(c);
        if (v.status === "fails") throw new Error(`corpus case ${file.name} still fails: ${v.failure.what}\nreplay: npx tierdiff replay ${dir}/${file.name}.json\n${v.failure.report}`);
        expect(v.status === "discarded" ? `no longer compared: ${v.reason}` : v.status, `corpus case ${file.name}`).toBe("passes");
      });
      if (c.faults.length > 0) {
        test(`${file.name} still fails with fault(s) ${c.faults.join(", ")}`, () => {
          const v = runCase(c, { faults: c.faults });
          expect(v.status, `corpus case ${file.name} with ${c.faults.join(",")} no longer fails: it no longer tests what it was saved for`).toBe("fails");
          if (v.status === "fails" && file.failure !== null) expect(failureKind(v.failure.what)).toBe(file.failure.kind);
        });
      }
    }
  });
}

/**
 * For a failed fast-check run of the differential property: minimize the counterexample, save it
 * to the corpus (origin "npm test") and return the lines to add to the failure message (file,
 * replay command, tokens). Never throws: a problem saving is reported in the text instead.
 */
export function saveCounterexample(r: fc.RunDetails<[GeneratedCase]>, opts: { dir?: string; faults?: readonly string[] } = {}): string {
  if (!r.failed || r.counterexample === null) return "";
  const faults = opts.faults ?? [];
  const dir = opts.dir ?? defaultCorpusDir();
  const seedToken = r.counterexamplePath !== null ? encodeSeedToken({ seed: r.seed, path: r.counterexamplePath, faults }) : undefined;
  try {
    const saved = saveFailure(caseFromGenerated(r.counterexample[0], faults), { dir, origin: "npm test", ...(seedToken !== undefined ? { seedToken } : {}) });
    if (saved === undefined) return `\n(the counterexample passes when re-run: a nondeterministic failure; seed token ${seedToken ?? "-"})`;
    return [
      "",
      `saved to the corpus (minimized: ${saved.minimizerAttempts} attempts): ${saved.path}${saved.created ? "" : " (already there)"}`,
      `  ${saved.failure.what}`,
      `replay: npx tierdiff replay ${saved.path} --trace`,
      `token:  ${saved.token}`,
      ...(seedToken !== undefined ? [`seed token (the shrunk counterexample before the minimizer): ${seedToken}`] : []),
    ].join("\n");
  } catch (e) {
    return `\n(could not save the counterexample to the corpus: ${e instanceof Error ? e.message : String(e)})`;
  }
}
