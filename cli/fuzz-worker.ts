/**
 * One `tierdiff fuzz` worker thread: runs properties/harness/campaign.ts runWorker with the
 * configuration it was started with, and posts a message per case, per failure and at the end.
 * The main thread (cli/fuzz.ts) stops it through a shared flag checked between cases.
 */
import { parentPort, workerData } from "node:worker_threads";
import { runWorker, type CaseReport, type FailureReport, type WorkerConfig } from "../properties/harness/campaign.ts";

export interface WorkerInit {
  readonly config: WorkerConfig;
  /** Int32Array over a SharedArrayBuffer: non-zero = stop */
  readonly stop: SharedArrayBuffer;
}

export type WorkerMessage =
  | { readonly t: "case"; readonly r: CaseReport }
  | { readonly t: "failure"; readonly f: FailureReport }
  | { readonly t: "done" }
  | { readonly t: "error"; readonly message: string };

const port = parentPort;
if (port !== null) {
  const init = workerData as WorkerInit;
  const stop = new Int32Array(init.stop);
  const post = (m: WorkerMessage): void => port.postMessage(m);
  try {
    runWorker(init.config, {
      onCase: (r) => post({ t: "case", r }),
      onFailure: (f) => post({ t: "failure", f }),
      shouldStop: () => Atomics.load(stop, 0) !== 0,
    });
    post({ t: "done" });
  } catch (e) {
    post({ t: "error", message: e instanceof Error ? e.stack ?? e.message : String(e) });
  }
}
