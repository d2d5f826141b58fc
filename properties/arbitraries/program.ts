/**
 * Whole programs: a list of features (feature.ts) run one after the other in `__main__`, plus the
 * modules the features bring. Composition is a pure function of the feature list, so fast-check's
 * shrinking removes whole features (optional slots shrink to "no feature") and shrinks each
 * feature's parameters (counts toward 2, event lists toward empty, menus toward their first
 * entry), and every shrunk program is as valid as the generated ones.
 *
 * Features (one file each; see feature.ts for the contract): hot-loop, type-churn, global-churn,
 * closure-loop, class-churn, del-disruptive, exceptions, recursion, cross-module, builtin-shadow,
 * func-mutation, uncaught (always last).
 *
 * Names: feature i's `$x` becomes `f<i>_x` (its modules `f<i>_m`), so features never clash and a
 * shrunk program renumbers them consistently.
 */
import fc from "fast-check";
import type { ModuleAst, ProgramAst, Stmt, Target } from "../ast/types.ts";
import { builtinShadowArb } from "./builtin-shadow.ts";
import { classChurnArb } from "./class-churn.ts";
import { closureLoopArb } from "./closure-loop.ts";
import { crossModuleArb } from "./cross-module.ts";
import { delDisruptiveArb } from "./del-disruptive.ts";
import { exceptionsArb } from "./exceptions.ts";
import { FEATURE_KINDS, featurePrefix, prefixNames, type Feature, type FeatureKind } from "./feature.ts";
import { funcMutationArb } from "./func-mutation.ts";
import { globalChurnArb } from "./global-churn.ts";
import { hotLoopArb } from "./hot-loop.ts";
import { recursionArb } from "./recursion.ts";
import { typeChurnArb } from "./type-churn.ts";
import { uncaughtArb } from "./uncaught.ts";

export interface ProgramOptions {
  /** total number of modules, `__main__` included (default 1..3); needs "cross-module" enabled for more than 1 */
  readonly modules?: { readonly min?: number; readonly max?: number };
  /** number of features (default 1..5) */
  readonly features?: { readonly min?: number; readonly max?: number };
  /** the feature kinds to draw from (default: all of FEATURE_KINDS) */
  readonly enabled?: readonly FeatureKind[];
  /** relative weights (default DEFAULT_WEIGHTS) */
  readonly weights?: Partial<Record<FeatureKind, number>>;
}

/** Default relative weights: 4 each, except "uncaught" (which ends the program) 1. */
export const DEFAULT_WEIGHTS: Readonly<Record<FeatureKind, number>> = Object.fromEntries(
  FEATURE_KINDS.map((k) => [k, k === "uncaught" ? 1 : 4]),
) as Record<FeatureKind, number>;

/** The feature arbitrary of each kind; `maxModules` is how many modules a cross-module feature may add. */
export function featureArb(kind: FeatureKind, maxModules: 1 | 2 = 2): fc.Arbitrary<Feature> {
  switch (kind) {
    case "hot-loop":
      return hotLoopArb;
    case "type-churn":
      return typeChurnArb;
    case "global-churn":
      return globalChurnArb;
    case "closure-loop":
      return closureLoopArb;
    case "class-churn":
      return classChurnArb;
    case "del-disruptive":
      return delDisruptiveArb;
    case "exceptions":
      return exceptionsArb;
    case "recursion":
      return recursionArb;
    case "cross-module":
      return crossModuleArb(maxModules);
    case "builtin-shadow":
      return builtinShadowArb;
    case "func-mutation":
      return funcMutationArb;
    case "uncaught":
      return uncaughtArb;
  }
}

/**
 * Compose features into a program: feature i's statements (names prefixed) in order, its modules
 * appended. A cross-module feature whose modules would exceed `maxModules` is left out whole; the
 * first "uncaught" feature goes last, any other is left out.
 */
export function composeProgram(features: readonly Feature[], maxModules = Infinity): ProgramAst {
  const main: Stmt[] = [];
  const mods: ModuleAst[] = [];
  let index = 0;
  const ordered = [...features.filter((f) => f.kind !== "uncaught"), ...features.filter((f) => f.kind === "uncaught").slice(0, 1)];
  for (const f of ordered) {
    if (1 + mods.length + f.modules.length > maxModules) continue;
    const prefix = featurePrefix(index++);
    main.push(...prefixNames(f.stmts, prefix));
    mods.push(...prefixNames(f.modules, prefix));
  }
  return { modules: [{ name: "__main__", body: main }, ...mods] };
}

export function programArb(opts: ProgramOptions = {}): fc.Arbitrary<ProgramAst> {
  const minMods = opts.modules?.min ?? 1;
  const maxMods = opts.modules?.max ?? 3;
  const minFeatures = opts.features?.min ?? 1;
  const maxFeatures = opts.features?.max ?? 5;
  if (minMods < 1 || maxMods < minMods) throw new Error(`programArb: bad module range ${minMods}..${maxMods}`);
  if (minFeatures < 0 || maxFeatures < minFeatures) throw new Error(`programArb: bad feature range ${minFeatures}..${maxFeatures}`);
  let enabled = [...(opts.enabled ?? FEATURE_KINDS)];
  if (maxMods === 1) enabled = enabled.filter((k) => k !== "cross-module");
  if (minMods > 1 && !enabled.includes("cross-module")) throw new Error("programArb: more than one module needs the cross-module feature");
  if (enabled.length === 0) throw new Error("programArb: no feature enabled");
  const perFeatureMods: 1 | 2 = maxMods >= 3 ? 2 : 1;
  const one = fc.oneof(
    ...enabled.map((k) => ({ arbitrary: featureArb(k, perFeatureMods), weight: opts.weights?.[k] ?? DEFAULT_WEIGHTS[k] })),
  );
  // Features that give the program its minimum number of modules (one module each), first.
  const required = fc.array(crossModuleArb(1), { minLength: minMods - 1, maxLength: minMods - 1 });
  // One slot per possible feature, each holding a feature or nothing, and at least `minRest`
  // features (a filter, so shrinking never goes below it either). Slots rather than fc.array:
  // tuple shrinking tries every slot at every step, so any feature can be dropped however far
  // shrinking went, whereas array shrinking stops removing items before the index it last shrank.
  const minRest = Math.max(0, minFeatures - (minMods - 1));
  const maxRest = Math.max(0, maxFeatures - (minMods - 1));
  const freq = Math.max(2, Math.ceil(maxRest / Math.max(1, maxRest - minRest)));
  const slot = minRest === maxRest ? one : fc.option(one, { nil: null, freq });
  const rest = fc
    .tuple(...Array.from({ length: maxRest }, () => slot))
    .map((fs) => fs.filter((f): f is Feature => f !== null))
    .filter((fs) => fs.length >= minRest);
  return fc
    .tuple(required, rest)
    .map(([req, fs]) => composeProgram([...req, ...fs], maxMods));
}

// ---- what a harness can call from outside ---------------------------------------------------------

export interface CallableFunction {
  /** module name as in the ProgramAst (`__main__` for the entry point) */
  readonly module: string;
  readonly name: string;
  /** number of parameters without a default */
  readonly minArgs: number;
  /** number of parameters */
  readonly maxArgs: number;
}

/**
 * Module-level functions (`def` at the top level of a module) a harness can call after the program
 * ran, with their arity as defined. Left out: names bound more than once or by anything but that
 * `def` anywhere in the module (assigned, deleted, declared `global` and rebound in a function),
 * and functions whose `__code__` / `__defaults__` the program assigns — their arity is not known
 * statically. Parameters are meant to be small non-negative ints (every generated function
 * terminates on those; other values may raise).
 */
export function callableNames(p: ProgramAst): CallableFunction[] {
  const out: CallableFunction[] = [];
  p.modules.forEach((m) => {
    const defs = new Map<string, { count: number; min: number; max: number }>();
    for (const s of m.body) {
      if (s.k !== "def") continue;
      const e = defs.get(s.name);
      const min = s.params.filter((x) => x.default === undefined).length;
      defs.set(s.name, { count: (e?.count ?? 0) + 1, min, max: s.params.length });
    }
    const unstable = new Set<string>();
    scanStmts(m.body, true, true, new Set(), unstable);
    for (const [name, d] of defs) {
      if (d.count > 1 || unstable.has(name)) continue;
      out.push({ module: m.name, name, minArgs: d.min, maxArgs: d.max });
    }
  });
  return out;
}

/**
 * Collect module-level names that are rebound other than by one top-level def: any module-level
 * assignment/del/for target or nested def, any store to a name declared `global` in a function,
 * and any name whose `__code__`/`__defaults__` is assigned.
 */
function scanStmts(body: readonly Stmt[], moduleLevel: boolean, top: boolean, globals: ReadonlySet<string>, out: Set<string>): void {
  const declared = new Set(globals);
  for (const s of body) if (s.k === "global") for (const n of s.names) declared.add(n);
  // (a scope object and module functions instead of closures: this runs for every block of
  // every generated program, and under tsx each named closure costs a defineProperty)
  const sc: Scope = { moduleLevel, g: moduleLevel ? globals : declared, out };
  for (const s of body) {
    switch (s.k) {
      case "assign":
      case "augassign":
        scanTarget(sc, s.target);
        break;
      case "del":
        scanTarget(sc, s.target);
        break;
      case "for":
        scanTarget(sc, s.v);
        scanNested(sc, s.body);
        break;
      case "if":
        scanNested(sc, s.body);
        scanNested(sc, s.orelse);
        break;
      case "while":
        scanNested(sc, s.body);
        break;
      case "try":
        scanNested(sc, s.body);
        for (const h of s.handlers) {
          if (h.name !== undefined && bindsGlobal(sc, h.name)) out.add(h.name);
          scanNested(sc, h.body);
        }
        scanNested(sc, s.orelse ?? []);
        scanNested(sc, s.final ?? []);
        break;
      case "def":
        // a def directly in the module body is the definition itself; one in a module-level block
        // or one binding a name declared global in a function rebinds it
        if (moduleLevel ? !top : sc.g.has(s.name)) out.add(s.name);
        scanStmts(s.body, false, true, new Set(), out);
        break;
      case "class":
        // class bodies bind class attributes, not module names; their methods are functions
        for (const c of s.body) {
          if (c.k === "def") scanStmts(c.body, false, true, new Set(), out);
        }
        break;
      case "import":
        if (bindsGlobal(sc, s.module)) out.add(s.module);
        break;
      default:
        break;
    }
  }
}

/** What scanStmts knows about the block it scans. */
interface Scope {
  readonly moduleLevel: boolean;
  /** names that bind module globals here (a function's `global` declarations) */
  readonly g: ReadonlySet<string>;
  readonly out: Set<string>;
}

function bindsGlobal(sc: Scope, id: string): boolean {
  return sc.moduleLevel || sc.g.has(id);
}

function scanTarget(sc: Scope, t: Target): void {
  if (t.k === "name" && bindsGlobal(sc, t.id)) sc.out.add(t.id);
  else if (t.k === "tuple") for (const x of t.items) scanTarget(sc, x);
  else if (t.k === "attr" && (t.name === "__code__" || t.name === "__defaults__") && t.obj.k === "name") sc.out.add(t.obj.id);
}

/** a nested block of the same scope */
function scanNested(sc: Scope, b: readonly Stmt[]): void {
  scanStmts(b, sc.moduleLevel, false, sc.g, sc.out);
}
