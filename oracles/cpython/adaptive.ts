/**
 * Specialized (adaptive) instruction forms after a run, in real CPython 3.14 (pyodide) and in
 * tierdiff's tier 1, and the SPECIALIZER FIDELITY check that compares them (`tierdiff fidelity`,
 * corpus/fidelity.test.ts).
 *
 * Both sides list, per code object, the instructions as `dis.get_instructions(code, adaptive=True)`
 * shows them after the program ran: CPython reads the code object's `_co_code_adaptive`, tier 1 its
 * `engine.adaptive` units (CodeDef -> the units it rewrote in place). The specializer tests
 * (engine/tier1/*.test.ts, through specialize-testing.ts) use the simple one-module helpers
 * cpythonAdaptive / tier1Adaptive / bothAdaptive; the fidelity check uses programForms and
 * checkFidelity, which also take multi-module programs, run CPython's side with the cycle collector
 * off (like the outcome protocol) and capture output until teardown ends.
 *
 * PROCESS-GLOBAL STATE. Every program checked in one pyodide process leaves state behind that a
 * fresh `python3 prog.py` would not have. Most of it cannot change a specialization decision (type,
 * function and dict-keys versions are global counters but never run out here; each run's modules
 * and objects are dropped and its cycles collected). The one that does is STRING INTERNING:
 * LOAD_CONST rewrites itself to LOAD_CONST_IMMORTAL or _MORTAL by the constant's immortality, and
 * an identifier-like string constant is immortal when an equal string was interned immortal before
 * — which the parser does for every NAME token of every source it parses, this program's or an
 * EARLIER one's (or the oracle helpers' own source). Tier 1 models a fresh interpreter per program
 * (engine/uops/misc.ts). So before each program the check probes, in CPython, which identifier-like
 * words of the program's source are already immortal (sys.intern interns mortal and does not
 * immortalize; sys._is_immortal reads the state); a LOAD_CONST of such a string that tier 1's fresh
 * interpreter would NOT have immortal, and that an earlier program's source or the oracle helper's
 * source explains, is listed as "not compared" with that reason. An already-immortal string nothing
 * explains stays compared (it would point at a gap in engine/uops/immortal-strings.generated.json).
 */
import type { CodeDef, ProgramDef } from "../../engine/bytecode/code.ts";
import { disInstructions } from "../../engine/bytecode/dis.ts";
import { BASE_OF, SPECIALIZATIONS } from "../../engine/bytecode/opcodes.ts";
import { runTier1, type Tier1RunResult } from "../../engine/tier1/run.ts";
import type { Tier1Options } from "../../engine/tier1/engine.ts";
import { isImmortalConst, sourceIdentifiers } from "../../engine/uops/misc.ts";
import { importPython, type PySourceModule } from "./import.ts";
import { getPyodide } from "./pyodide.ts";

// ---- the Python side -----------------------------------------------------------------------------

const PY = `
import sys, io, dis, gc, types, json, builtins
from importlib import machinery

def _tdf_walk(co, out, filename):
    out.append({'file': filename, 'qualname': co.co_qualname, 'firstlineno': co.co_firstlineno,
                'instrs': [[i.offset, i.opname] for i in dis.get_instructions(co, adaptive=True)]})
    for c in co.co_consts:
        if isinstance(c, types.CodeType):
            _tdf_walk(c, out, filename)

def _tdf_simple(src):
    # one module, exec'd in a plain dict; stdout of the exec only (the specializer tests' helper)
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

def _tdf_probe(arg):
    # which of these words are interned IMMORTAL right now? sys.intern interns mortal (and drops the
    # entry again when the string dies), so probing changes nothing a later compile sees
    out = []
    for w in json.loads(arg):
        s = sys.intern(''.join(list(w)))
        if sys._is_immortal(s):
            out.append(w)
        del s
    return json.dumps(out)

class _TdfLoader:
    def __init__(self, run, name):
        self.run = run
        self.name = name
    def create_module(self, spec):
        return None
    def exec_module(self, module):
        # compiled at import time, as python3 parses an imported module only when it is imported
        filename, src = self.run['sources'][self.name]
        code = compile(src, filename, 'exec', dont_inherit=True)
        self.run['codes'][self.name] = code
        self.run['executed'].append(module)
        exec(code, module.__dict__)

class _TdfFinder:
    def __init__(self, run):
        self.run = run
    def find_spec(self, fullname, path=None, target=None):
        if path is not None or fullname not in self.run['sources']:
            return None
        spec = machinery.ModuleSpec(fullname, _TdfLoader(self.run, fullname), origin=self.run['sources'][fullname][0])
        spec.has_location = True
        return spec
    def invalidate_caches(self):
        pass

def _tdf_clear(d):
    # _PyModule_ClearDict, as the outcome protocol's teardown (oracles/cpython/run.ts, step 8)
    for key in list(d):
        if isinstance(key, str) and key[:1] == '_' and key[1:2] != '_' and key in d and d[key] is not None:
            d[key] = None
    for key in list(d):
        if isinstance(key, str) and key != '__builtins__' and key in d and d[key] is not None:
            d[key] = None

def _tdf_forms(arg):
    req = json.loads(arg)
    mods = req['modules']
    for m in mods[1:]:
        if m['name'] in sys.modules or m['name'] in sys.stdlib_module_names:
            raise ValueError('module name %r shadows a module of the CPython process' % m['name'])
    run = {'sources': {m['name']: (m['filename'], m['source']) for m in mods[1:]}, 'codes': {}, 'executed': []}
    finder = _TdfFinder(run)
    buf = io.StringIO()
    sink = io.StringIO()
    saved = sys.stdout, sys.stderr
    saved_main = sys.modules.get('__main__')
    gc_was = gc.isenabled()
    err = None
    saved_limit = sys.getrecursionlimit()
    gc.collect()
    gc.disable()
    try:
        # the recursion limit of a fresh python3 prog.py (as oracles/cpython/runner.py): this frame
        # is at depth d, the program's module frame at d + 1, and 1000 program frames may be live
        d, f = 0, sys._getframe(0)
        while f is not None:
            d, f = d + 1, f.f_back
        sys.setrecursionlimit(1000 + d)
        main_code = compile(mods[0]['source'], mods[0]['filename'], 'exec', dont_inherit=True)
        main = types.ModuleType('__main__')
        main.__builtins__ = builtins
        sys.modules['__main__'] = main
        run['executed'].insert(0, main)
        sys.meta_path.insert(0, finder)
        sys.stdout, sys.stderr = buf, sink
        try:
            exec(main_code, main.__dict__)
        except BaseException as e:
            err = type(e).__name__
        del main
        for mod in reversed(run['executed']):
            _tdf_clear(mod.__dict__)
    finally:
        sys.stdout, sys.stderr = sink, sink
        if finder in sys.meta_path:
            sys.meta_path.remove(finder)
        for name in run['sources']:
            sys.modules.pop(name, None)
        if saved_main is not None:
            sys.modules['__main__'] = saved_main
        run['executed'].clear()
        gc.collect()
        sys.stdout, sys.stderr = saved
        sys.setrecursionlimit(saved_limit)
        if gc_was:
            gc.enable()
    codes = []
    _tdf_walk(main_code, codes, mods[0]['filename'])
    for m in mods[1:]:
        code = run['codes'].get(m['name'])
        if code is None:  # never imported: listed as compiled
            code = compile(m['source'], m['filename'], 'exec', dont_inherit=True)
        _tdf_walk(code, codes, m['filename'])
    return json.dumps({'stdout': buf.getvalue(), 'error': err, 'codes': codes})
`;

/** The identifier-like words of the helper above: parsing it interned them immortal in pyodide. */
const HELPER_WORDS: ReadonlySet<string> = new Set(words(PY));

type StrFn = (arg: string) => string;
let helpers: Promise<{ simple: StrFn; probe: StrFn; forms: StrFn }> | undefined;

async function py(): Promise<{ simple: StrFn; probe: StrFn; forms: StrFn }> {
  helpers ??= (async () => {
    const pyodide = await getPyodide();
    const ns = pyodide.runPython("dict()") as { get(k: string): unknown };
    pyodide.runPython(PY, { globals: ns as never });
    const get = (n: string): StrFn => ns.get(n) as StrFn;
    return { simple: get("_tdf_simple"), probe: get("_tdf_probe"), forms: get("_tdf_forms") };
  })();
  return helpers;
}

// ---- simple helpers (the specializer tests) ------------------------------------------------------

export interface AdaptiveRun {
  readonly stdout: string;
  /** the name of the uncaught exception's class, if any */
  readonly error: string | null;
  /** qualname -> opnames of the code object's instructions (no caches), as dis lists them */
  readonly code: Readonly<Record<string, readonly string[]>>;
}

/** Run `source` as __main__ in CPython 3.14.2 (pyodide) and list every code object's adaptive opnames. */
export async function cpythonAdaptive(source: string): Promise<AdaptiveRun> {
  const { simple } = await py();
  return JSON.parse(simple(source)) as AdaptiveRun;
}

/** Every code object of a module, the module's first, then its constants' depth-first (dis's order). */
export function allCode(def: CodeDef, out: CodeDef[] = []): CodeDef[] {
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

/** Run `source` on tier 1 and in CPython; return both (for comparing forms). */
export async function bothAdaptive(source: string): Promise<{ t1: Tier1AdaptiveRun; cpython: AdaptiveRun }> {
  const [t1, cpython] = await Promise.all([tier1Adaptive(source), cpythonAdaptive(source)]);
  return { t1, cpython };
}

// ---- per-instruction forms of whole programs -----------------------------------------------------

export interface CodeForms {
  /** the module's filename */
  readonly file: string;
  readonly qualname: string;
  readonly firstlineno: number;
  /** [byte offset, opname] of every instruction (no caches), as dis.get_instructions(adaptive=True) */
  readonly instrs: readonly (readonly [number, string])[];
}

export interface ProgramForms {
  /** everything printed, teardown included */
  readonly stdout: string;
  readonly error: string | null;
  /** every code object of every module (entry module first, then the others in the order given) */
  readonly codes: readonly CodeForms[];
}

/**
 * Run a program (modules[0] as `__main__`, the others importable by name and compiled when first
 * imported) in CPython 3.14 and list every code object's instructions after the run and the
 * protocol's teardown. The cycle collector is off during the run; afterwards the modules are
 * removed and cycles collected, so nothing of the run survives into the next.
 */
export async function cpythonForms(modules: readonly PySourceModule[]): Promise<ProgramForms> {
  const { forms } = await py();
  return JSON.parse(forms(JSON.stringify({ modules }))) as ProgramForms;
}

/** The same listing for a tier-1 run of `program` (code that never ran is listed as loaded). */
export function tier1Forms(program: ProgramDef, run: Tier1RunResult): ProgramForms & { readonly defs: readonly CodeDef[] } {
  const codes: CodeForms[] = [];
  const defs: CodeDef[] = [];
  for (const m of program.modules) {
    for (const def of allCode(m.code)) {
      const units = run.engine.adaptive.get(def) ?? def.units;
      defs.push(def);
      codes.push({ file: m.filename, qualname: def.qualname, firstlineno: def.firstlineno, instrs: disInstructions(units).map((i) => [i.offset * 2, i.name] as const) });
    }
  }
  const exc = run.outcome.exception;
  return { stdout: run.outcome.stdout, error: exc === undefined ? null : exc.type, codes, defs };
}

/** Identifier-like words (Objects/codeobject.c all_name_chars, 2+ characters) of a source text. */
export function words(source: string): string[] {
  return [...new Set(source.match(/[A-Za-z0-9_]{2,}/g) ?? [])];
}

/** The words that are interned immortal in the CPython process right now. */
export async function probeImmortal(ws: readonly string[]): Promise<Set<string>> {
  const { probe } = await py();
  return new Set(JSON.parse(probe(JSON.stringify(ws))) as string[]);
}

// ---- the fidelity check --------------------------------------------------------------------------

/** Families: base instructions that have specialized forms in CPython 3.14. */
export const FAMILIES: ReadonlySet<string> = new Set(Object.keys(SPECIALIZATIONS));

export interface FidelityDiff {
  /** where the instruction is, `file:qualname+offset` */
  readonly where: string;
  readonly cpython: string;
  readonly tierdiff: string;
  /** for instructions not compared: why */
  readonly reason?: string;
}

export interface FidelityReport {
  /** the program as given (a .py path or a directory) */
  readonly program: string;
  /** instructions of specializable families compared */
  readonly compared: number;
  readonly agree: number;
  /** instructions of other families (no adaptive forms: the compiler's opname on both sides) */
  readonly plain: number;
  readonly disagreements: readonly FidelityDiff[];
  readonly notCompared: readonly FidelityDiff[];
  /** problems that make the comparison doubtful (outputs differ, tier 1 did not finish) */
  readonly notes: readonly string[];
  /** tier 1's outcome status */
  readonly status: string;
}

export interface FidelityProgram {
  /** display name (the path given) */
  readonly program: string;
  /** the entry module first (run as `__main__`); the others importable by name */
  readonly modules: readonly PySourceModule[];
  /** what the report calls each module's file (default: its filename) */
  readonly paths?: readonly string[];
}

/** Process-wide memory of what earlier checks parsed: the NAMEs the parser interned immortal. */
const earlierPrograms: { program: string; names: ReadonlySet<string> }[] = [];

function explainImmortal(s: string): string | undefined {
  for (const p of earlierPrograms) if (p.names.has(s)) return `'${s}' was interned immortal earlier in this CPython process, as a name in ${p.program}`;
  if (HELPER_WORDS.has(s)) return `'${s}' was interned immortal earlier in this CPython process, by parsing the oracle's own helper`;
  return undefined;
}

/**
 * Run one program in CPython 3.14 and on tier 1 (a fresh runtime) and compare every instruction's
 * adaptive opname. Throws ImportPyError for programs outside the subset.
 */
export async function checkFidelity(p: FidelityProgram, opts: Tier1Options = {}): Promise<FidelityReport> {
  const sourceWords = words(p.modules.map((m) => m.source).join("\n"));
  // 1. before anything of this program is parsed: which of its words are immortal already?
  const before = await probeImmortal(sourceWords);
  // 2. CPython (compiles modules[0] now, the others when imported), 3. tier 1 (fresh runtime).
  // CPython goes first so that no module of the program is parsed before CPython would parse it;
  // if CPython cannot even compile it, importPython says why (syntax error, ImportPyError).
  let cp: ProgramForms;
  try {
    cp = await cpythonForms(p.modules);
  } catch (e) {
    await importPython(p.modules);
    throw e;
  }
  const program = await importPython(p.modules);
  const t1run = runTier1(program, { checkStackEffects: true, ...opts });
  const t1 = tier1Forms(program, t1run);

  const notes: string[] = [];
  const status = t1run.outcome.status;
  if (status === "internal-error" || status === "unsupported" || status === "budget") notes.push(`tier 1 run ended with status ${status}${t1run.outcome.internalError !== undefined ? `: ${t1run.outcome.internalError}` : ""}`);
  if (cp.stdout !== t1.stdout) notes.push(`stdout differs between CPython and tier 1 (CPython ${JSON.stringify(cp.stdout.slice(0, 80))}..., tier 1 ${JSON.stringify(t1.stdout.slice(0, 80))}...)`);
  if (cp.error !== t1.error) notes.push(`uncaught exception differs: CPython ${cp.error ?? "none"}, tier 1 ${t1.error ?? "none"}`);

  let compared = 0;
  let agree = 0;
  let plain = 0;
  const disagreements: FidelityDiff[] = [];
  const notCompared: FidelityDiff[] = [];
  if (cp.codes.length !== t1.codes.length) notes.push(`code objects differ in number: CPython ${cp.codes.length}, tier 1 ${t1.codes.length}`);
  const n = Math.min(cp.codes.length, t1.codes.length);
  // per module file: the NAMEs interned before its code runs (the entry module's and its own)
  const entryNames = sourceIdentifiers(program.modules[0]!.code);
  const ownNames = new Map(program.modules.map((m) => [m.filename, new Set([...entryNames, ...sourceIdentifiers(m.code)])]));
  const shown = new Map(p.modules.map((m, i) => [m.filename, p.paths?.[i] ?? m.filename]));
  for (let k = 0; k < n; k++) {
    const c = cp.codes[k]!;
    const t = t1.codes[k]!;
    const def = t1.defs[k]!;
    if (c.qualname !== t.qualname || c.instrs.length !== t.instrs.length) {
      notes.push(`code object #${k} differs in shape: CPython ${c.qualname} (${c.instrs.length} instructions), tier 1 ${t.qualname} (${t.instrs.length})`);
      continue;
    }
    const args = disInstructions(def.units);
    c.instrs.forEach(([offset, cpName], i) => {
      const [tOffset, tName] = t.instrs[i]!;
      const where = `${shown.get(c.file) ?? c.file}:${c.qualname}+${offset}`;
      const base = BASE_OF[cpName] ?? cpName;
      const tBase = BASE_OF[tName] ?? tName;
      if (offset !== tOffset) {
        disagreements.push({ where, cpython: cpName, tierdiff: `${tName}@${tOffset}` });
        compared++;
        return;
      }
      if (!FAMILIES.has(base) && !FAMILIES.has(tBase)) {
        if (cpName === tName) plain++;
        else {
          compared++;
          disagreements.push({ where, cpython: cpName, tierdiff: tName });
        }
        return;
      }
      if (base === "LOAD_CONST" && tBase === "LOAD_CONST") {
        const v = def.consts[args[i]!.arg ?? -1];
        // A NAME of the entry module or of this instruction's own module is interned before this
        // code runs in any process: then CPython's form does not depend on history.
        if (typeof v === "string" && before.has(v) && !isImmortalConst(v) && !(ownNames.get(c.file)?.has(v) ?? false)) {
          const why = explainImmortal(v);
          if (why !== undefined) {
            notCompared.push({ where, cpython: cpName, tierdiff: tName, reason: `${why}; tier 1 models a fresh interpreter per program` });
            return;
          }
        }
      }
      compared++;
      if (cpName === tName) agree++;
      else disagreements.push({ where, cpython: cpName, tierdiff: tName });
    });
  }
  earlierPrograms.push({ program: p.program, names: new Set(program.modules.flatMap((m) => [...sourceIdentifiers(m.code)])) });
  return { program: p.program, compared, agree, plain, disagreements, notCompared, notes, status };
}

/** Percentage with one decimal, never rounding up to 100 when something disagrees. */
export function percent(agree: number, compared: number): string {
  if (compared === 0) return "100.0";
  const v = Math.floor((1000 * agree) / compared) / 10;
  return v.toFixed(1);
}

export interface FidelitySummary {
  readonly compared: number;
  readonly agree: number;
  /** agree / compared in percent (100 when nothing was compared) */
  readonly agreement: number;
}

export function summarize(reports: readonly FidelityReport[]): FidelitySummary {
  const compared = reports.reduce((s, r) => s + r.compared, 0);
  const agree = reports.reduce((s, r) => s + r.agree, 0);
  return { compared, agree, agreement: compared === 0 ? 100 : (100 * agree) / compared };
}

/** The text report: one line per program, every disagreement, what was not compared, the total. */
export function formatFidelity(reports: readonly FidelityReport[], minPercent: number): string {
  const lines: string[] = [];
  for (const r of reports) {
    lines.push(`${r.program}: ${percent(r.agree, r.compared)}% (${r.agree}/${r.compared} instructions agree, ${r.notCompared.length} not compared)`);
    for (const note of r.notes) lines.push(`  note: ${note}`);
  }
  const dis = reports.flatMap((r) => r.disagreements);
  lines.push("", dis.length === 0 ? "disagreements: none" : `disagreements (${dis.length}):`);
  for (const d of dis) lines.push(`  ${d.where}: cpython=${d.cpython} tierdiff=${d.tierdiff}`);
  const nc = reports.flatMap((r) => r.notCompared);
  if (nc.length > 0) {
    lines.push("", `not compared (${nc.length}):`);
    for (const d of nc) lines.push(`  ${d.where}: cpython=${d.cpython} tierdiff=${d.tierdiff} (${d.reason})`);
  }
  const s = summarize(reports);
  const plain = reports.reduce((n, r) => n + r.plain, 0);
  lines.push(
    "",
    `agreement: ${percent(s.agree, s.compared)}% (${s.agree}/${s.compared} instructions of specializable families, ${reports.length} program${reports.length === 1 ? "" : "s"}; ${plain} other instructions identical) — ${s.agreement >= minPercent ? "ok" : "BELOW"} the threshold of ${minPercent}%`,
  );
  return lines.join("\n") + "\n";
}
