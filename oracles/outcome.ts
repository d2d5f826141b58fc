/**
 * The observable outcome of running a program: what every engine configuration, the reference
 * interpreter and real CPython must agree on. Nothing in it may depend on wall-clock time or on
 * object addresses (reprs that show an address are normalized, see `normalizeAddresses`).
 */

/** One traceback entry: innermost last, as CPython prints them. */
export interface TracebackEntry {
  /** co_qualname of the frame's code, e.g. "A.method" or "<module>" */
  readonly func: string;
  /** BYTE offset of the instruction that was executing (CPython's tb_lasti; 2 x code unit) */
  readonly offset: number;
  /** source line of that instruction when known */
  readonly line?: number;
  /** module (file) name */
  readonly file?: string;
}

export interface ExceptionOutcome {
  /** qualname of the exception's class, e.g. "ZeroDivisionError" or "MyError" */
  readonly type: string;
  /** str(exc) */
  readonly message: string;
  readonly traceback: readonly TracebackEntry[];
}

export interface UnraisableOutcome {
  /** what CPython's "Exception ignored ..." reports: the exception's class qualname and str() */
  readonly type: string;
  readonly message: string;
}

export type OutcomeStatus =
  /** ran to completion */
  | "ok"
  /** an uncaught Python exception */
  | "exception"
  /** the step budget ran out: such cases are discarded by the harness, never compared */
  | "budget"
  /** the program uses Python tierdiff does not model (printf-style %, results beyond engine limits...):
   *  discarded by the harness like "budget", never compared; the reason is in `internalError` */
  | "unsupported"
  /** the engine threw a JS error or detected an internal inconsistency (use-after-free...): a bug */
  | "internal-error";

export interface Outcome {
  readonly status: OutcomeStatus;
  /** repr() of the value returned (a module body returns None) */
  readonly value: string;
  /** everything `print` wrote, byte for byte */
  readonly stdout: string;
  readonly exception?: ExceptionOutcome;
  /** one entry per `__del__` call, in call order: the qualname of the finalized object's class */
  readonly delOrder: readonly string[];
  /** exceptions raised by `__del__` (CPython prints "Exception ignored ..." and carries on) */
  readonly unraisable: readonly UnraisableOutcome[];
  /** final globals per module, [name, repr] in dict order; dunder names (`__x__`) left out */
  readonly globals: Readonly<Record<string, readonly (readonly [string, string])[]>>;
  /** for status internal-error: what went wrong (message, and where) */
  readonly internalError?: string;
}

/** `<function f at 0x10a3b0>` -> `<function f at 0x?>`: addresses differ between implementations. */
export function normalizeAddresses(s: string): string {
  return s.replace(/ at 0x[0-9a-fA-F]+/g, " at 0x?");
}

export interface OutcomeDifference {
  readonly field: string;
  readonly left: string;
  readonly right: string;
}

function show(v: unknown): string {
  return typeof v === "string" ? v : v === undefined ? "(none)" : JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x));
}

/**
 * Field-by-field comparison. `tracebackOffsets: false` compares tracebacks by function only
 * (used against CPython when a program came from tierdiff's own code generator, whose offsets
 * differ from CPython's compiler).
 */
export function compareOutcomes(
  a: Outcome,
  b: Outcome,
  opts: { tracebackOffsets?: boolean } = {},
): OutcomeDifference[] {
  const diffs: OutcomeDifference[] = [];
  compareField(diffs, "status", a.status, b.status);
  compareField(diffs, "value", a.value, b.value);
  compareField(diffs, "stdout", a.stdout, b.stdout);
  compareField(diffs, "exception.type", a.exception?.type, b.exception?.type);
  compareField(diffs, "exception.message", a.exception?.message, b.exception?.message);
  const offsets = opts.tracebackOffsets !== false;
  compareField(diffs, "exception.traceback", tracebackKeys(a, offsets), tracebackKeys(b, offsets));
  compareField(diffs, "delOrder", a.delOrder, b.delOrder);
  compareField(diffs, "unraisable", a.unraisable, b.unraisable);
  const mods = new Set([...Object.keys(a.globals), ...Object.keys(b.globals)]);
  for (const m of mods) compareField(diffs, `globals[${m}]`, a.globals[m] ?? [], b.globals[m] ?? []);
  compareField(diffs, "internalError", a.internalError, b.internalError);
  return diffs;
}

function tracebackKeys(o: Outcome, offsets: boolean): string[] {
  return (o.exception?.traceback ?? []).map((e) => (offsets ? `${e.func}+${e.offset}` : e.func));
}

/**
 * Record a difference when the two values differ once shown and address-normalized. The harness
 * compares outcomes after every phase and they almost always agree: identical values (same
 * structure, key order and primitives) show identically, so they are settled without building
 * and normalizing the JSON text.
 */
function compareField(diffs: OutcomeDifference[], field: string, x: unknown, y: unknown): void {
  if (sameJson(x, y)) return;
  const sx = normalizeAddresses(show(x));
  const sy = normalizeAddresses(show(y));
  if (sx !== sy) diffs.push({ field, left: sx, right: sy });
}

/** x and y are the same JSON-like value: equal primitives, arrays and plain objects (same key order). */
function sameJson(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x !== "object" || typeof y !== "object" || x === null || y === null) return false;
  if (Array.isArray(x)) {
    if (!Array.isArray(y) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!sameJson(x[i], y[i])) return false;
    return true;
  }
  if (Array.isArray(y) || Object.getPrototypeOf(x) !== Object.prototype || Object.getPrototypeOf(y) !== Object.prototype) return false;
  const kx = Object.keys(x), ky = Object.keys(y);
  if (kx.length !== ky.length) return false;
  for (let i = 0; i < kx.length; i++) {
    const k = kx[i]!;
    if (k !== ky[i] || !sameJson((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k])) return false;
  }
  return true;
}
