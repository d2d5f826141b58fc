/**
 * The minimizer (Fuzzilli's idea, after fast-check's own shrinking): greedily delete statements
 * anywhere in the program — module level, function and class bodies, loop/try/if blocks — and
 * events, keeping each deletion while the case still fails the same way. Deletions that leave a
 * program the code generator rejects (e.g. a `break` outside a loop, an empty body it cannot
 * fill) are skipped, so every step is still a valid case.
 */
import type { ProgramAst, Stmt } from "../ast/types.ts";
import { CodegenError } from "../ast/codegen.ts";

type Body = readonly Stmt[];

/** Every statement list of a program, as paths of (body index) for rebuilding. */
function rebuild(p: ProgramAst, target: number, drop: number): ProgramAst | undefined {
  let counter = 0;
  let done = false;
  const visit = (body: Body): Body => {
    const me = counter++;
    let out = body.map(visitStmt);
    if (me === target && drop < out.length && !(out.length === 1 && out[0]!.k === "pass")) {
      out = out.filter((_, i) => i !== drop);
      if (out.length === 0) out = [{ k: "pass" }];
      done = true;
    }
    return out;
  };
  const visitStmt = (s: Stmt): Stmt => {
    switch (s.k) {
      case "if": return { ...s, body: visit(s.body), orelse: s.orelse.length > 0 ? visit(s.orelse) : s.orelse };
      case "while": case "for": case "def": case "class": return { ...s, body: visit(s.body) };
      case "try": return {
        ...s,
        body: visit(s.body),
        handlers: s.handlers.map((h) => ({ ...h, body: visit(h.body) })),
        ...(s.orelse !== undefined ? { orelse: visit(s.orelse) } : {}),
        ...(s.final !== undefined ? { final: visit(s.final) } : {}),
      };
      default: return s;
    }
  };
  const modules = p.modules.map((m) => ({ ...m, body: visit(m.body) }));
  return done ? { modules } : undefined;
}

function countBodies(p: ProgramAst): number[] {
  const sizes: number[] = [];
  const visit = (body: Body): void => {
    sizes.push(body.length);
    for (const s of body) {
      if (s.k === "if") { visit(s.body); if (s.orelse.length > 0) visit(s.orelse); }
      else if (s.k === "while" || s.k === "for" || s.k === "def" || s.k === "class") visit(s.body);
      else if (s.k === "try") { visit(s.body); s.handlers.forEach((h) => visit(h.body)); if (s.orelse !== undefined) visit(s.orelse); if (s.final !== undefined) visit(s.final); }
    }
  };
  p.modules.forEach((m) => visit(m.body));
  return sizes;
}

/**
 * Minimize `program` (and `events`) while `fails` keeps returning true. `fails` gets a candidate
 * and must return false for anything that does not reproduce the original failure.
 */
export function minimize<E>(program: ProgramAst, events: readonly E[], fails: (p: ProgramAst, e: readonly E[]) => boolean, maxAttempts = 2000): { program: ProgramAst; events: readonly E[]; attempts: number } {
  let best = program;
  let evs = events;
  let attempts = 0;
  const tryIt = (p: ProgramAst, e: readonly E[]): boolean => {
    attempts++;
    try {
      return fails(p, e);
    } catch (err) {
      if (err instanceof CodegenError) return false;
      throw err;
    }
  };
  for (let changed = true; changed && attempts < maxAttempts; ) {
    changed = false;
    for (let i = evs.length - 1; i >= 0 && attempts < maxAttempts; i--) {
      const cand = evs.filter((_, j) => j !== i);
      if (tryIt(best, cand)) { evs = cand; changed = true; }
    }
    const sizes = countBodies(best);
    for (let b = sizes.length - 1; b >= 0 && attempts < maxAttempts; b--) {
      for (let s = (sizes[b] ?? 0) - 1; s >= 0 && attempts < maxAttempts; s--) {
        const cand = rebuild(best, b, s);
        if (cand === undefined) continue;
        if (tryIt(cand, evs)) {
          best = cand;
          changed = true;
        }
      }
      // bodies may have been renumbered by a successful deletion: restart the scan
      if (changed) break;
    }
  }
  return { program: best, events: evs, attempts };
}
