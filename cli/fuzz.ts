/**
 * `tierdiff fuzz`: a fuzzing campaign over the differential property in worker threads
 * (properties/harness/campaign.ts has the case space, sharding and the guided mode). Status lines
 * on stderr every few seconds, each failure (minimized and saved to the corpus) and the summary
 * on stdout. Exit status 0 when nothing failed, 1 when something did, 2 usage error, 4 a worker
 * crashed (a tierdiff bug).
 */
import { Worker } from "node:worker_threads";
import { availableParallelism } from "node:os";
import { relative } from "node:path";
import { parseArgs, UsageError } from "./args.ts";
import { parseShard, type Shard, type WorkerConfig, type FailureReport } from "../properties/harness/campaign.ts";
import { defaultCorpusDir, normalizeFaults, CorpusError } from "../corpus/store.ts";
import type { WorkerInit, WorkerMessage } from "./fuzz-worker.ts";

function positiveNumber(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(v) || Number(v) <= 0) throw new UsageError(`tierdiff fuzz: option '--${flag}' needs a positive number, got '${v}'`);
  return Number(v);
}

function fmt(n: number): string {
  return n >= 100 ? String(Math.round(n)) : n.toFixed(1);
}

export async function cmdFuzz(argv: readonly string[]): Promise<number> {
  const a = parseArgs(argv, {
    seconds: "string", runs: "int", seed: "string", workers: "int", shard: "string", guided: "boolean",
    faults: "string", corpus: "string", "no-save": "boolean", "max-failures": "int",
  }, "fuzz");
  if (a.positional.length > 0) throw new UsageError(`tierdiff fuzz: unexpected argument '${a.positional[0]}' (see 'tierdiff fuzz --help')`);
  const seconds = positiveNumber(a.flags.get("seconds") as string | undefined, "seconds");
  const runs = a.flags.get("runs") as number | undefined;
  if (runs !== undefined && runs < 1) throw new UsageError("tierdiff fuzz: option '--runs' needs a positive integer");
  const seedText = (a.flags.get("seed") as string | undefined) ?? "1";
  if (!/^-?\d+$/.test(seedText) || Math.abs(Number(seedText)) >= 2 ** 31) throw new UsageError(`tierdiff fuzz: option '--seed' needs a 32-bit integer, got '${seedText}'`);
  const seed = Number(seedText);
  const workers = (a.flags.get("workers") as number | undefined) ?? availableParallelism();
  if (workers < 1 || workers > 256) throw new UsageError("tierdiff fuzz: option '--workers' needs an integer between 1 and 256");
  let shard: Shard = { index: 0, count: 1 };
  const shardText = a.flags.get("shard") as string | undefined;
  if (shardText !== undefined) {
    try {
      shard = parseShard(shardText);
    } catch (e) {
      throw new UsageError(`tierdiff fuzz: option '--shard': ${(e as Error).message}`);
    }
  }
  let faults: string[];
  try {
    faults = normalizeFaults(((a.flags.get("faults") as string | undefined) ?? "").split(","));
  } catch (e) {
    if (e instanceof CorpusError) throw new UsageError(`tierdiff fuzz: option '--faults': ${e.message}`);
    throw e;
  }
  const guided = a.flags.get("guided") === true;
  const save = a.flags.get("no-save") !== true;
  const corpusDir = (a.flags.get("corpus") as string | undefined) ?? defaultCorpusDir();
  const maxFailures = (a.flags.get("max-failures") as number | undefined) ?? 10;
  if (maxFailures < 1) throw new UsageError("tierdiff fuzz: option '--max-failures' needs a positive integer");

  const stopBuf = new SharedArrayBuffer(4);
  const stop = new Int32Array(stopBuf);
  const t0 = performance.now();
  const elapsed = (): number => (performance.now() - t0) / 1000;
  const features = new Set<string>();
  const keys = new Set<string>();
  const pools = new Array<number>(workers).fill(0);
  let cases = 0;
  let discarded = 0;
  let invalid = 0;
  let mutants = 0;
  const failures: FailureReport[] = [];
  let crashed: string | undefined;
  const out = (s: string): void => {
    process.stdout.write(s + "\n");
  };
  const status = (tag: string): void => {
    const el = elapsed();
    process.stderr.write(`#${cases}\t${tag} cov: ${keys.size} ft: ${features.size} pool: ${pools.reduce((x, y) => x + y, 0)} exec/s: ${fmt(cases / Math.max(el, 1e-3))} fail: ${failures.length} disc: ${discarded} elapsed: ${Math.round(el)}s\n`);
  };
  const shardText2 = `${shard.index}/${shard.count}`;
  process.stderr.write(`tierdiff fuzz: seed ${seed}, shard ${shardText2}, ${workers} worker(s), ${guided ? "coverage-guided" : "unguided"}, ${runs !== undefined ? `${runs} runs` : seconds !== undefined ? `${seconds} s` : "until Ctrl-C"}${faults.length > 0 ? `, faults ${faults.join(",")}` : ""}; failures saved to ${save ? corpusDir : "(not saved: --no-save)"}\n`);

  const requestStop = (): void => {
    Atomics.store(stop, 0, 1);
  };
  const threads: Worker[] = [];
  const done = Array.from({ length: workers }, (_, w) => new Promise<void>((resolve) => {
    const config: WorkerConfig = {
      seed, shard, worker: w, workers, guided, faults,
      ...(runs !== undefined ? { runs } : {}),
      ...(save ? { corpusDir } : {}),
    };
    const init: WorkerInit = { config, stop: stopBuf };
    const worker = new Worker(new URL("./fuzz-worker.mjs", import.meta.url), { workerData: init });
    threads.push(worker);
    worker.on("message", (m: WorkerMessage) => {
      switch (m.t) {
        case "case":
          cases++;
          if (m.r.mutant) mutants++;
          if (m.r.status === "discarded") discarded++;
          if (m.r.status === "invalid") invalid++;
          pools[w] = m.r.poolSize;
          for (const f of m.r.newFeatures) {
            if (!features.has(f)) {
              features.add(f);
              const k = f.replace(/#\d+$/, "");
              if (!keys.has(k)) keys.add(k);
            }
          }
          break;
        case "failure": {
          failures.push(m.f);
          const f = m.f;
          const where = f.path !== undefined ? relative(process.cwd(), f.path) || f.path : undefined;
          out(`FAILURE ${failures.length} (worker ${w}, after ${cases} cases): ${f.what}`);
          if (where !== undefined) out(`  ${f.created === false ? "already in the corpus as" : "saved"} ${where}  (replay: tierdiff replay ${where})`);
          out(`  token ${f.token}`);
          if (f.seedToken !== undefined) out(`  generated at ${f.seedToken}`);
          if (failures.length >= maxFailures) requestStop();
          break;
        }
        case "error":
          crashed = m.message;
          requestStop();
          break;
        case "done":
          break;
      }
    });
    worker.on("error", (e) => {
      crashed = e.stack ?? e.message;
      requestStop();
      resolve();
    });
    worker.on("exit", () => resolve());
  }));

  const ticker = setInterval(() => status("pulse"), 3000);
  const timer = seconds !== undefined ? setTimeout(requestStop, seconds * 1000) : undefined;
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write("tierdiff fuzz: stopping after the current cases (Ctrl-C again to stop at once)\n");
      requestStop();
    } else for (const t of threads) void t.terminate();
  };
  process.on("SIGINT", onSigint);
  try {
    await Promise.all(done);
  } finally {
    clearInterval(ticker);
    if (timer !== undefined) clearTimeout(timer);
    process.off("SIGINT", onSigint);
  }
  status("DONE ");
  const el = elapsed();
  out(`tierdiff fuzz: ${cases} cases in ${el.toFixed(1)} s (${fmt(cases / Math.max(el, 1e-3))} cases/s) on ${workers} worker(s); seed ${seed}, shard ${shardText2}, ${guided ? `coverage-guided (${mutants} mutants, ${invalid} rejected by the code generator)` : "unguided"}${faults.length > 0 ? `, faults ${faults.join(",")}` : ""}`);
  out(`  compared ${cases - discarded - invalid - failures.length}, discarded ${discarded} (step budget or outside the subset), failed ${failures.length}`);
  out(`  coverage: ${keys.size} features (${features.size} with count buckets)`);
  if (failures.length > 0) {
    out(`  failures:`);
    for (const f of failures) out(`    ${f.name ?? "(not saved)"}  ${f.what}`);
  }
  if (crashed !== undefined) {
    process.stderr.write(`tierdiff fuzz: internal error in a worker (a tierdiff bug, please report it): ${crashed}\n`);
    return 4;
  }
  if (interrupts > 1) return 130;
  return failures.length > 0 ? 1 : 0;
}
