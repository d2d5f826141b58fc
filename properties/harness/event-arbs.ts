/**
 * Arbitraries of mutation events over the names a program defines (functions, classes), and
 * their fast-check model-based commands: every command applies its event to every configuration
 * and compares the outcomes (CaseRun.apply), so fc.commands shrinks the event sequence for free.
 */
import fc from "fast-check";
import type { Event } from "./events.ts";
import { eventSource } from "./events.ts";
import type { CaseRun } from "./case.ts";

export interface Names {
  /** module-level functions of __main__ with their number of required positional parameters */
  readonly functions: readonly { readonly name: string; readonly arity: number }[];
  readonly classes: readonly string[];
}

const BUILTINS = ["len", "abs", "min", "max", "isinstance", "print", "range", "str", "int"];

/**
 * Events refer to the program's functions and classes BY INDEX (resolved when the case runs,
 * modulo the names the program actually defines), so the events shrink independently of the
 * program: fast-check can remove features from the program and events from the sequence
 * separately, and every combination stays valid.
 */
/** `base#index` (see idx below) */
type FnRef = string;
export type EventSpec =
  | { readonly k: "call"; readonly fn: FnRef; readonly args: readonly number[]; readonly times: number }
  | { readonly k: "setcode"; readonly dst: FnRef; readonly src: FnRef }
  | { readonly k: "setdefaults"; readonly fn: FnRef; readonly values: readonly number[] }
  | { readonly k: "del"; readonly fn: FnRef; readonly extra: boolean }
  | { readonly k: "rebind"; readonly fn: FnRef; readonly from: FnRef; readonly extra: boolean }
  | { readonly k: "newfunc"; readonly from: FnRef; readonly as: FnRef; readonly extra: boolean }
  | { readonly k: "shadow"; readonly builtin: string; readonly from: FnRef }
  | { readonly k: "restore"; readonly builtin: string }
  | { readonly k: "setattr"; readonly cls: number; readonly attr: string; readonly value: number };

/**
 * A function reference that survives shrinking: the base name of a feature's function (the
 * generators name them `f<feature>_<base>`) plus an index among the matches; when no function has
 * that base, the index picks among all functions. Removing other features then leaves the event
 * pointing at the same function.
 */
const FN_BASES = ["f", "run", "g", "m", "h", "rec", "make", "mk", "forever", "even", "odd", "depth", "deep", "risky", "guarded", "hot", "fm", "alt", "fake", "new", "del", "unc", "toodeep"];
const idx = fc.tuple(fc.constantFrom(...FN_BASES), fc.nat(7)).map(([b, i]) => b + "#" + i);
const small = fc.integer({ min: 0, max: 40 });

export const eventSpecArb: fc.Arbitrary<EventSpec> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant("call" as const), fn: idx, args: fc.array(small, { maxLength: 3 }), times: fc.integer({ min: 1, max: 30 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("setcode" as const), dst: idx, src: idx }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("setdefaults" as const), fn: idx, values: fc.array(small, { maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("del" as const), fn: idx, extra: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("rebind" as const), fn: idx, from: idx, extra: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("newfunc" as const), from: idx, as: idx, extra: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("shadow" as const), builtin: fc.constantFrom(...BUILTINS), from: idx }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("restore" as const), builtin: fc.constantFrom(...BUILTINS) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("setattr" as const), cls: fc.nat(3), attr: fc.constantFrom("x", "y", "count", "value"), value: small }) },
);

/** The concrete event for a program's names. */
export function resolveEvent(e: EventSpec, names: Names): Event {
  const fns = names.functions;
  const pick = (ref: FnRef): { name: string; arity: number } | undefined => {
    if (fns.length === 0) return undefined;
    const [base, n] = ref.split("#") as [string, string];
    const i = Number(n);
    const same = fns.filter((f) => f.name.endsWith(`_${base}`) || f.name === base);
    return same.length > 0 ? same[i % same.length]! : fns[i % fns.length]!;
  };
  const fn = (ref: FnRef): string => pick(ref)?.name ?? "missing_function";
  const slot = (ref: FnRef, extra: boolean): string => (extra ? `ev_fn${Number(ref.split("#")[1]) % 4}` : fn(ref));
  switch (e.k) {
    case "call": {
      const f = pick(e.fn);
      const args = f === undefined ? [] : Array.from({ length: f.arity }, (_, i) => e.args[i] ?? i);
      return { k: "call", fn: fn(e.fn), args, times: e.times };
    }
    case "setcode":
      return { k: "setcode", dst: fn(e.dst), src: fn(e.src) };
    case "setdefaults":
      return { k: "setdefaults", fn: fn(e.fn), values: e.values };
    case "del":
      return { k: "del", name: slot(e.fn, e.extra) };
    case "rebind":
      return { k: "rebind", name: slot(e.fn, e.extra), from: fn(e.from) };
    case "newfunc":
      return { k: "newfunc", from: fn(e.from), as: slot(e.as, e.extra) };
    case "shadow":
      return { k: "shadow", builtin: e.builtin, from: fn(e.from) };
    case "restore":
      return { k: "restore", builtin: e.builtin };
    case "setattr":
      return { k: "setattr", obj: names.classes.length === 0 ? "missing_class" : names.classes[e.cls % names.classes.length]!, attr: e.attr, value: e.value };
  }
}

/** The model of fc.commands: nothing to predict — the reference interpreter IS the model. */
export type Model = Record<string, never>;

/** An event as a fast-check command; its names are resolved against the running case's program. */
export class EventCommand implements fc.Command<Model, CaseRun> {
  private resolved: string | undefined;
  constructor(readonly spec: EventSpec) {}
  check(): boolean {
    return true;
  }
  run(_m: Model, r: CaseRun): void {
    const e = resolveEvent(this.spec, r.names);
    this.resolved = eventSource(e);
    r.apply(e);
  }
  toString(): string {
    return this.resolved ?? JSON.stringify(this.spec);
  }
}

export function commandsArb(maxCommands: number): fc.Arbitrary<Iterable<fc.Command<Model, CaseRun>>> {
  return fc.commands([eventSpecArb.map((e) => new EventCommand(e))], { maxCommands });
}
