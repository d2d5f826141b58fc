/**
 * Primitive (unboxed or lightly boxed) value representations shared by every engine
 * configuration and the reference interpreter.
 *
 *  - int:   `PyInt = number | bigint`, canonical: a value whose magnitude is <= Number.MAX_SAFE_INTEGER
 *           is ALWAYS a JS `number` (never -0); larger magnitudes are `bigint`. Use `normInt`.
 *  - bool:  JS `boolean` (bool is a subclass of int: arithmetic helpers take `PyInt`, callers convert).
 *  - float: `PyFloat` box around an IEEE-754 double (so it cannot be confused with an int).
 *  - str:   JS `string` (the subset is restricted to BMP code points, so UTF-16 index == code point index).
 *
 * These values are immutable and are not reference counted: their deallocation is not observable
 * in CPython either (no __del__), and nothing borrows them by address.
 */
export type PyInt = number | bigint;

export class PyFloat {
  constructor(readonly v: number) {}
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

/** Canonical int: bigint within the safe range becomes number; -0 becomes 0. */
export function normInt(x: number | bigint): PyInt {
  if (typeof x === "bigint") {
    if (x <= MAX_SAFE && x >= MIN_SAFE) return Number(x);
    return x;
  }
  return x === 0 ? 0 : x;
}

export function isPyInt(x: unknown): x is PyInt {
  return typeof x === "number" || typeof x === "bigint";
}

export function toBig(x: PyInt): bigint {
  return typeof x === "bigint" ? x : BigInt(x);
}
