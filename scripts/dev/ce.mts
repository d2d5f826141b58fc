import fc from "fast-check";
import { differentialProperty, sourceText, type GeneratedCase } from "../../properties/harness/fuzz.ts";
const r = fc.check(differentialProperty({ faults: { noClearOnFuncDealloc: true } }), { numRuns: 250, seed: 424242 });
const ce = r.counterexample![0] as GeneratedCase;
console.log(sourceText(ce.program)); console.log([...ce.commands].map(String));
console.log(String(r.errorInstance).split("\n").slice(0, 4).join("\n"));
