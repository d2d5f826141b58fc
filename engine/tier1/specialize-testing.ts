/**
 * Test helpers for the specializer tests: run one Python source on tier 1 (compiled by CPython
 * 3.14.2 through the pyodide oracle) and in CPython itself, and read back what each left behind —
 * stdout and the specialized instruction names of every code object, as
 * dis.get_instructions(code, adaptive=True) lists them.
 */
import type { CodeDef } from "../bytecode/code.ts";
import { disInstructions } from "../bytecode/dis.ts";
import { BASE_OF } from "../bytecode/opcodes.ts";
import { importPython } from "../../oracles/cpython/import.ts";
import { getPyodide } from "../../oracles/cpython/pyodide.ts";
import { runTier1, type Tier1RunResult } from "./run.ts";
import type { Tier1Options } from "./engine.ts";

export interface AdaptiveRun {
  readonly stdout: string;
  /** the name of the uncaught exception's class, if any */
  readonly error: string | null;
  /** qualname -> opnames of the code object's instructions (no caches), as dis lists them */
  readonly code: Readonly<Record<string, readonly string[]>>;
}

const PY = `
import sys, io, dis, types, json
def _tierdiff_adaptive_run(src):
    buf = io.StringIO()
    old = sys.stdout
    sys.stdout = buf
    ns = {'__name__': '__main__'}
    code = compile(src, 'prog.py', 'exec')
    err = None
    try:
        exec(code, ns)
    except BaseException as e:
        err = type(e).__name__
    finally:
        sys.stdout = old
    out = {}
    def walk(co):
        out[co.co_qualname] = [i.opname for i in dis.get_instructions(co, adaptive=True)]
        for c in co.co_consts:
            if isinstance(c, types.CodeType):
                walk(c)
    walk(code)
    ns.clear()
    return json.dumps({'stdout': buf.getvalue(), 'error': err, 'code': out})
`;

let ready: Promise<(src: string) => string> | undefined;

/** Run `source` as __main__ in CPython 3.14.2 (pyodide) and list every code object's adaptive opnames. */
export async function cpythonAdaptive(source: string): Promise<AdaptiveRun> {
  ready ??= (async () => {
    const py = await getPyodide();
    const ns = py.runPython("dict()") as { get(k: string): unknown };
    py.runPython(PY, { globals: ns as never });
    return ns.get("_tierdiff_adaptive_run") as (src: string) => string;
  })();
  const fn = await ready;
  return JSON.parse(fn(source)) as AdaptiveRun;
}

function allCode(def: CodeDef, out: CodeDef[] = []): CodeDef[] {
  out.push(def);
  for (const c of def.consts) if (typeof c === "object" && c !== null && "units" in c && "qualname" in c) allCode(c as CodeDef, out);
  return out;
}

export interface Tier1AdaptiveRun extends AdaptiveRun {
  readonly run: Tier1RunResult;
}

/** Compile `source` with CPython, run it on tier 1 and list every code object's adaptive opnames. */
export async function tier1Adaptive(source: string, opts: Tier1Options = {}): Promise<Tier1AdaptiveRun> {
  const program = await importPython([{ name: "__main__", filename: "prog.py", source }]);
  const run = runTier1(program, { checkStackEffects: true, ...opts });
  const code: Record<string, string[]> = {};
  for (const def of allCode(program.modules[0]!.code)) {
    const units = run.engine.adaptive.get(def) ?? def.units;
    code[def.qualname] = disInstructions(units).map((i) => i.name);
  }
  const exc = run.outcome.exception;
  return { stdout: run.outcome.stdout, error: exc === undefined ? null : exc.type, code, run };
}

/** Keep only the instructions of the given families (base names), e.g. to compare what one helper models. */
export function onlyFamilies(r: AdaptiveRun, families: readonly string[]): Record<string, string[]> {
  const keep = new Set(families);
  const out: Record<string, string[]> = {};
  for (const [q, names] of Object.entries(r.code)) out[q] = names.filter((n) => keep.has(BASE_OF[n] ?? n));
  return out;
}

/** The opnames of one code object whose base family is `family`. */
export function formsOf(r: AdaptiveRun, qualname: string, family: string): string[] {
  return (r.code[qualname] ?? []).filter((n) => (BASE_OF[n] ?? n) === family);
}

/**
 * A program: `defs` (Python source defining the function under test), then straight-line calls
 * `call(args)` repeated as given — no loops in the driver, so the function's instructions are the
 * only ones of their family that run (statistics are per family).
 */
export function driver(defs: string, call: string, phases: readonly (readonly [args: string, times: number])[]): string {
  const lines = [defs.trimEnd()];
  for (const [args, times] of phases) for (let i = 0; i < times; i++) lines.push(`${call}(${args})`);
  return lines.join("\n") + "\n";
}

/** Run `source` on tier 1 and in CPython; return both (for comparing forms). */
export async function bothAdaptive(source: string): Promise<{ t1: Tier1AdaptiveRun; cpython: AdaptiveRun }> {
  const [t1, cpython] = await Promise.all([tier1Adaptive(source), cpythonAdaptive(source)]);
  return { t1, cpython };
}
