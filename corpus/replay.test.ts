// Replay with divergence localization (corpus/localize.ts): deterministic output, the phase and
// the step where the configurations part, the instruction and the invariant, the trace.
import { describe, expect, test } from "vitest";
import { replayCase, frameDiffLines } from "./localize.ts";
import { encodeToken, type CaseData } from "./store.ts";
import { LAMBDA_LOOP } from "./test-cases.ts";
import { faultNamed, selftestFault } from "../properties/harness/faults.ts";

const CASE: CaseData = { program: LAMBDA_LOOP, events: [{ k: "call", fn: "run#0", args: [], times: 2 }], params: { warmup: 0, cooldown: 52, funcCacheVariant: "borrowed" }, faults: ["cache-no-clear-on-func-dealloc"] };

describe("replay", () => {
  test("a failing case: phase, step, instruction, invariant, listing, trace; twice the same bytes", () => {
    const a = replayCase(CASE, { trace: true, source: "test" });
    const b = replayCase(CASE, { trace: true, source: "test" });
    expect(a.text).toBe(b.text);
    expect(a.verdict).toBe("fails");
    const t = a.text;
    expect(t).toMatch(/^result {3}FAILS: invariant broken in t1\[borrowed\] after start$/m);
    expect(t).toMatch(/^phase {4}the configurations first differ after start$/m);
    // the closure made in the loop is freed when f0_run returns: that RETURN_VALUE is the step
    const m = /they agree for (\d+) step\(s\); step (\d+) is where they part/.exec(t);
    expect(m).not.toBeNull();
    expect(Number(m![2])).toBe(Number(m![1]) + 1);
    expect(t).toMatch(/step \d+ executes f0_run\+\d+ \(ref: RETURN_VALUE, t1\[borrowed\]: RETURN_VALUE[,)]/);
    expect(t).toMatch(/invariant broken: function-version cache: .*was freed: the slot is a dangling pointer/);
    expect(t).toMatch(/listing of f0_run around \+\d+ \(ref\)\n(?:.*\n)*.*--> RETURN_VALUE/);
    expect(t).toMatch(/trace: where every configuration is after each of the steps/);
    expect(t).toContain(`token    ${encodeToken(CASE)}`);
  });

  test("without the fault the case passes; --faults overrides the recorded ones", () => {
    const r = replayCase(CASE, { faults: [] });
    expect(r.verdict).toBe("passes");
    expect(r.text).toMatch(/^faults {3}none \(recorded with the case: cache-no-clear-on-func-dealloc\)$/m);
    expect(r.text).toMatch(/^result {3}PASSES/m);
    expect(r.text).toContain(`token    ${encodeToken({ ...CASE, faults: [] })}`);
  });

  test("tier 2: the executor's listing marks the uop where control left it (a side exit to the wrong offset)", () => {
    // the self-test's shrunk case for the fault (seed 424242 finds it within a few runs)
    const row = selftestFault(faultNamed("t2-side-exit-off-by-one")!, 100, 424242);
    expect(row.found).toBe(true);
    const c: CaseData = { ...row.shrunk!, faults: ["t2-side-exit-off-by-one"] };
    const t = replayCase(c, { source: "test" }).text;
    expect(t).toMatch(/^executors of \S+ in t2\[all\]/m);
    // the marked uop is an exit whose stub names one target while control went one unit further
    const m = /^\s+\d+\s+(_\w+)\s.*-> exit #(\d+)\s+<-- control left here \(exit to (\S+)\+(\d+)\)$/m.exec(t);
    expect(m, t).not.toBeNull();
    const stub = new RegExp(`^\\s+exit #${m![2]}: ${m![1]} -> ${m![3]!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\+(\\d+),`, "m").exec(t);
    expect(stub, t).not.toBeNull();
    expect(Number(m![4])).toBe(Number(stub![1]) + 2);
    // without the fault nothing fails
    expect(replayCase(c, { faults: [] }).verdict).toBe("passes");
  });

  test("frame differences are shown field by field, both sides", () => {
    const f = (offset: number, x: string, stack: string[]) => ({ function: "g", offset, locals: { x, y: "1" }, stack });
    const lines = frameDiffLines("ref", [f(10, "2", ["1"]), { function: "<module>", offset: 4, locals: {}, stack: [] }], "t1", [f(12, "3", ["1", "2"]), { function: "<module>", offset: 4, locals: {}, stack: [] }]);
    expect(lines.join("\n")).toBe([
      "      frame 0 (innermost): position",
      "        ref  g+10",
      "        t1   g+12",
      "      frame 0 (innermost) g: local x",
      "        ref  2",
      "        t1   3",
      "      frame 0 (innermost) g: stack",
      "        ref  [1]",
      "        t1   [1, 2]",
    ].join("\n"));
  });
});
