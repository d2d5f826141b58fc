import facts from "../../engine/uops/cpython314-facts.json" with { type: "json" };
import "../../engine/uops/generic.ts";
import "../../engine/tier1/families.ts";
import { allMacros } from "../../engine/uops/table.ts";
type Part = { uop?: string; unused?: number; cache?: number; rewind?: number; skip?: string };
const F = facts as unknown as { macros: Record<string, { parts: Part[] }> };
const spell = (ps: Part[]): string[] => ps.map((p) => (p.uop !== undefined ? p.uop : p.unused !== undefined ? `unused/${p.unused}` : JSON.stringify(p)));
for (const m of allMacros()) {
  const f = F.macros[m.name];
  if (!f) { console.log("NOFACT", m.name); continue; }
  const a = m.spelling.join(" + "), b = spell(f.parts).join(" + ");
  if (a !== b) console.log(`${m.name}\n  ours:    ${a}\n  cpython: ${b}`);
}
