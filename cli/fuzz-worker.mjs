// A `tierdiff fuzz` worker thread: registers tsx's loader in this thread (no build step), then
// runs the TypeScript worker (cli/fuzz-worker.ts).
import { register } from "tsx/esm/api";
register();
await import("./fuzz-worker.ts");
