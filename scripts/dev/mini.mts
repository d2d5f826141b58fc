import fc from "fast-check";
import { differentialProperty, runGeneratedCase, sourceText, type GeneratedCase } from "../../properties/harness/fuzz.ts";
import { CaseFailure } from "../../properties/harness/case.ts";
import { EventCommand, type EventSpec } from "../../properties/harness/event-arbs.ts";
import { minimize } from "../../properties/harness/minimize.ts";
import type { ProgramAst } from "../../properties/ast/types.ts";
const faults = { noClearOnCodeAssign: true };
const r = fc.check(differentialProperty({ faults }), { numRuns: 250, seed: 424242 });
const ce = r.counterexample![0] as GeneratedCase;
const kind = (e: unknown): string => (e instanceof CaseFailure ? e.what.split(" ").slice(0, 2).join(" ") : "other:" + String(e).slice(0, 100));
const want = kind(r.errorInstance);
console.log("want", want);
const specs = [...ce.commands].map((c) => ((c as unknown as { cmd?: EventCommand }).cmd ?? (c as EventCommand)).spec);
let n = 0;
const fails = (program: ProgramAst, evs: readonly EventSpec[]): boolean => {
  try {
    runGeneratedCase({ program, params: ce.params, commands: evs.map((e) => new EventCommand(e)) }, { faults });
    n++;
    return false;
  } catch (e) {
    if (n++ < 40) console.log("attempt:", kind(e), e instanceof CaseFailure ? e.what.slice(0, 120) : "");
    return kind(e) === want;
  }
};
console.log("orig fails?", fails(ce.program, specs));
const m = minimize(ce.program, specs, fails);
console.log(sourceText(m.program), m.attempts);
