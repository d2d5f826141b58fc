/**
 * 16-bit backoff counters (Include/internal/pycore_backoff.h, 3.14): 12-bit value, 4-bit backoff
 * exponent. A counter "triggers" when its value is 0 (and its backoff is not UNREACHABLE).
 * Thresholds are parameters of a run (fuzzing wants low and odd values); defaults are CPython's.
 */
export const BACKOFF_BITS = 4;
export const MAX_BACKOFF = 12;
export const UNREACHABLE_BACKOFF = 15;

export function makeCounter(value: number, backoff: number): number {
  return ((value & 0xfff) << BACKOFF_BITS) | (backoff & 0xf);
}
export function counterValue(c: number): number {
  return c >> BACKOFF_BITS;
}
export function counterBackoff(c: number): number {
  return c & 0xf;
}
export function triggers(c: number): boolean {
  return c < UNREACHABLE_BACKOFF;
}
export function advance(c: number): number {
  return (c - (1 << BACKOFF_BITS)) & 0xffff;
}
/** restart_backoff_counter: value 2^(backoff+1)-1, backoff+1, capped at MAX_BACKOFF */
export function restart(c: number, maxBackoff = MAX_BACKOFF): number {
  const b = counterBackoff(c);
  return b < maxBackoff ? makeCounter((1 << (b + 1)) - 1, b + 1) : makeCounter((1 << maxBackoff) - 1, maxBackoff);
}

/** Specialization thresholds of one run (pycore_code.h ADAPTIVE_WARMUP_* / ADAPTIVE_COOLDOWN_*). */
export interface Tier1Params {
  /** warm-up: executions before the first specialization attempt, minus one (CPython: 1) */
  readonly warmupValue: number;
  readonly warmupBackoff: number;
  /** cooldown after a successful specialization: misses before re-specializing, minus one (CPython: 52) */
  readonly cooldownValue: number;
  readonly cooldownBackoff: number;
}

export const CPYTHON_TIER1_PARAMS: Tier1Params = { warmupValue: 1, warmupBackoff: 1, cooldownValue: 52, cooldownBackoff: 0 };

export function warmupCounter(p: Tier1Params): number {
  return makeCounter(p.warmupValue, p.warmupBackoff);
}
export function cooldownCounter(p: Tier1Params): number {
  return makeCounter(p.cooldownValue, p.cooldownBackoff);
}
