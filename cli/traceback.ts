/** CPython-style rendering of an uncaught exception and of unraisable exceptions, for stderr. */
import type { ExceptionOutcome, Outcome } from "../oracles/outcome.ts";

export function formatTraceback(e: ExceptionOutcome): string {
  const lines = ["Traceback (most recent call last):"];
  for (const t of e.traceback) {
    const name = t.func.split(".").pop() ?? t.func;
    const where = t.line !== undefined ? `line ${t.line}` : `offset ${t.offset}`;
    lines.push(`  File "${t.file ?? "?"}", ${where}, in ${name}`);
  }
  lines.push(e.message === "" ? e.type : `${e.type}: ${e.message}`);
  return lines.join("\n") + "\n";
}

export function formatUnraisable(o: Outcome): string {
  return o.unraisable
    .map((u) => `Exception ignored while calling deallocator:\n${u.message === "" ? u.type : `${u.type}: ${u.message}`}\n`)
    .join("");
}
