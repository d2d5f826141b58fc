/**
 * The forms of LOAD_CONST and RESUME (Python/bytecodes.c, CPython 3.14). Neither family has a
 * specializer or a counter: the base instruction rewrites itself on its first execution
 * (LOAD_CONST by the constant's immortality, RESUME to RESUME_CHECK when not tracing); see the
 * LOAD_CONST and RESUME definitions in generic.ts.
 */
import { PyTuple, PyNoneType, type PyValue } from "../runtime/objects.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { CodeDef, ConstTuple } from "../bytecode/code.ts";
import { instrsOf } from "../vm/code-info.ts";
import { defineUop, defineMacro, OK, F_DEOPT, type UopContext } from "./table.ts";
import { push } from "./stack.ts";
import immortalStrings from "./immortal-strings.generated.json" with { type: "json" };

const IMMORTAL_IDENTIFIERS: ReadonlySet<string> = new Set((immortalStrings as { strings: string[] }).strings);
/** Objects/codeobject.c all_name_chars: the string constants the compiler interns */
const ALL_NAME_CHARS = /^[A-Za-z0-9_]*$/;

/**
 * _Py_IsImmortal for a code constant, as CPython 3.14.2 (pyodide) decides it (checked with
 * sys._is_immortal): None, True, False; the small ints -5..256; the empty tuple; the empty string
 * and the one-character strings below U+0100 (singletons); and identifier-like strings (the only
 * ones the compiler interns, Objects/codeobject.c all_name_chars) when an equal string was interned
 * immortal before the constant was: CPython's static strings and the names of every module
 * unmarshalled at startup (listed by scripts/gen-immortal-strings.mts), and every NAME token of the
 * source parsed so far (the parser interns identifiers as immortal, so `'x'` is immortal in a
 * module that uses a variable x). Everything else is mortal: other ints, floats, other strings,
 * non-empty tuples, slices and code objects.
 *
 * `parsed` tells whether an identifier-like string was a NAME of the source parsed so far.
 */
export function isImmortalConst(v: PyValue, parsed: (s: string) => boolean = () => false): boolean {
  switch (typeof v) {
    case "boolean":
      return true;
    case "number":
      return v >= -5 && v <= 256;
    case "bigint":
      return false;
    case "string":
      if (v.length === 0 || (v.length === 1 && v.charCodeAt(0) < 256)) return true;
      return ALL_NAME_CHARS.test(v) && (IMMORTAL_IDENTIFIERS.has(v) || parsed(v));
    default:
      break;
  }
  if (v instanceof PyNoneType) return true;
  if (v instanceof PyTuple) return v.items.length === 0;
  return false;
}

/**
 * The NAME tokens of a module's source, as its code objects keep them: names, local/cell/free
 * variable names, function and class names, and keyword-argument names (the kwnames tuple a
 * LOAD_CONST hands to CALL_KW). Names that only appear in other constants are string literals, not
 * NAME tokens.
 */
const identifierCache = new WeakMap<CodeDef, ReadonlySet<string>>();
export function sourceIdentifiers(root: CodeDef): ReadonlySet<string> {
  let set = identifierCache.get(root);
  if (set !== undefined) return set;
  const out = new Set<string>();
  const walk = (def: CodeDef): void => {
    for (const n of def.names) out.add(n);
    for (const n of def.localsplusnames) out.add(n);
    out.add(def.name);
    const instrs = instrsOf(def);
    for (const ins of instrs) {
      if (ins === undefined || ins.name !== "LOAD_CONST") continue;
      const kw = def.consts[ins.oparg];
      if (kw instanceof ConstTuple && instrs[ins.next]?.name === "CALL_KW") for (const k of kw.items) if (typeof k === "string") out.add(k);
    }
    for (const k of def.consts) if (k instanceof CodeDef) walk(k);
  };
  walk(root);
  set = out;
  identifierCache.set(root, set);
  return set;
}

/**
 * Module code objects seen running, per runtime: CPython parses a module (interning its NAMEs)
 * before running it, so a module's names count once its module frame has been seen.
 */
const parsedModules = new WeakMap<Runtime, Set<CodeDef>>();

/** The form LOAD_CONST rewrites itself to on its first execution. */
export function loadConstForm(c: UopContext, v: PyValue): "LOAD_CONST_IMMORTAL" | "LOAD_CONST_MORTAL" {
  return isImmortalConst(v, (s) => isParsedName(c, s)) ? "LOAD_CONST_IMMORTAL" : "LOAD_CONST_MORTAL";
}

/** Was `s` a NAME of the source parsed so far (this code's module and every module seen running)? */
function isParsedName(c: UopContext, s: string): boolean {
  let mods = parsedModules.get(c.rt);
  if (mods === undefined) parsedModules.set(c.rt, (mods = new Set()));
  for (let f: typeof c.f | null = c.f; f !== null; f = f.back) if (f.func === null) mods.add(f.def);
  if (sourceIdentifiers(c.f.def).has(s)) return true;
  for (const m of mods) if (sourceIdentifiers(m).has(s)) return true;
  return false;
}

defineUop("LOAD_CONST_MORTAL", { inputs: 0, outputs: 1 }, (c, oparg) => {
  push(c, c.rt.newRef(c.f.code.consts.items[oparg]!));
  return OK;
});
defineMacro("LOAD_CONST_MORTAL", ["LOAD_CONST_MORTAL"]);
/**
 * CPython pushes an immortal constant without counting the reference. The runtime's one heap
 * constant CPython keeps immortal, the empty tuple, is an ordinary refcounted object here, so the
 * reference is counted (every other immortal constant is a value type, where counting is a no-op).
 */
defineUop("LOAD_CONST_IMMORTAL", { inputs: 0, outputs: 1 }, (c, oparg) => {
  push(c, c.rt.newRef(c.f.code.consts.items[oparg]!));
  return OK;
});
defineMacro("LOAD_CONST_IMMORTAL", ["LOAD_CONST_IMMORTAL"]);

/**
 * Deopts (to RESUME) when the eval breaker differs from the code's instrumentation version
 * (pending signals, instrumentation changes) — neither is modeled, so it always passes.
 */
defineUop("RESUME_CHECK", { inputs: 0, outputs: 0, flags: F_DEOPT }, () => OK);
defineMacro("RESUME_CHECK", ["RESUME_CHECK"]);
