/**
 * int semantics (CPython 3.14, Objects/longobject.c) over `PyInt = number | bigint`.
 *
 * Every result goes through `normInt` (primitive.ts): magnitudes <= Number.MAX_SAFE_INTEGER are JS
 * numbers (never -0), larger ones are bigints. Small ints take `number` fast paths; a fast path is
 * only kept when the double computation is provably exact (Number.isSafeInteger of the result), and
 * falls back to bigint math otherwise.
 *
 * Size limits. CPython raises OverflowError("too many digits in integer") when a result would need
 * more than MAX_LONG_DIGITS 30-bit digits (long_alloc). That bound depends on Py_ssize_t: our oracle
 * (pyodide) is a 32-bit build, where it is (2**31 - 1 - 12) / 4 = 536870908 digits; we model that
 * value. Below it CPython simply computes (or runs out of memory); V8 cannot hold such bigints
 * (its maximum is 2**30 bits) and computing them would stall the harness, so results estimated
 * above INT_BITS_LIMIT bits throw `EngineLimitError` — a JS error, NOT a Python exception, so the
 * differential harness can report "beyond the engine's limits" instead of a fake Python outcome.
 */
import { normInt, toBig, PyFloat, type PyInt } from "./primitive.ts";
import { raise } from "./pyerror.ts";
import { strRepr } from "./format.ts";
import { floatPow } from "./float.ts";

/** Engine limit on the size of an int result (bits). Not a CPython limit — see the file comment. */
export const INT_BITS_LIMIT = 2 ** 24;

/**
 * A value too large for this engine to compute (an int beyond INT_BITS_LIMIT bits, a formatted
 * string of absurd width). Not a Python exception: CPython would compute it or raise MemoryError.
 */
export class EngineLimitError extends Error {
  constructor(what: string) {
    super(`tierdiff engine limit: ${what}`);
    this.name = "EngineLimitError";
  }
}

/** CPython's MAX_LONG_DIGITS on the 32-bit oracle build (Include/cpython/longintrepr.h). */
const MAX_LONG_DIGITS = 536870908;
/** PY_SSIZE_T_MAX / sizeof(digit) on the 32-bit oracle: where divmod_shift clips huge shifts. */
const SHIFT_WORD_CLIP = 536870911;
const PYLONG_SHIFT = 30;

/** sys.int_info.default_max_str_digits (CPython can change it with sys.set_int_max_str_digits; we cannot). */
export const MAX_STR_DIGITS = 4300;
const TEN_TO_MAX_STR_DIGITS = 10n ** BigInt(MAX_STR_DIGITS);

const DIV_ZERO = "division by zero";

// ---------------------------------------------------------------------------------------------
// small helpers

/** Number of bits of |x| (0 for 0), like int.bit_length(). */
export function bitLength(x: PyInt): number {
  if (typeof x === "number") {
    const a = Math.abs(x);
    if (a < 2 ** 32) return 32 - Math.clz32(a);
    return 64 - Math.clz32(Math.floor(a / 2 ** 32)); // a < 2**53: the high word is exact
  }
  const a = x < 0n ? -x : x;
  if (a === 0n) return 0;
  const hex = a.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0]!, 16)));
}

function isNegative(x: PyInt): boolean {
  return x < 0;
}

/** |x| >= 2**(INT_BITS_LIMIT / 2): only then can a product or shift reach the limit (O(1) check). */
const HALF_LIMIT = 1n << BigInt(INT_BITS_LIMIT / 2);
// precomputed: `-HALF_LIMIT` inline would build a new 8-million-bit (1 MB) bigint on every call
const NEG_HALF_LIMIT = -HALF_LIMIT;
function isHuge(x: PyInt): boolean {
  return typeof x === "bigint" && (x >= HALF_LIMIT || x <= NEG_HALF_LIMIT);
}

function checkBits(bits: number, what: string): void {
  if (bits > INT_BITS_LIMIT) {
    throw new EngineLimitError(`${what} of about ${Math.ceil(bits)} bits exceeds ${INT_BITS_LIMIT} bits`);
  }
}

/** CPython's _PyLong_IsCompact on a 30-bit-digit build: at most one digit, |x| < 2**30. */
export function isCompact(x: PyInt): boolean {
  return typeof x === "number" && x < 1073741824 && x > -1073741824;
}

// ---------------------------------------------------------------------------------------------
// arithmetic

export function add(a: PyInt, b: PyInt): PyInt {
  if (typeof a === "number" && typeof b === "number") {
    const r = a + b;
    // |exact sum| <= MAX_SAFE implies the double sum is exact; otherwise the rounded sum is >= 2**53.
    if (Number.isSafeInteger(r)) return r;
    return normInt(BigInt(a) + BigInt(b));
  }
  return normInt(toBig(a) + toBig(b));
}

export function sub(a: PyInt, b: PyInt): PyInt {
  if (typeof a === "number" && typeof b === "number") {
    const r = a - b;
    if (Number.isSafeInteger(r)) return r === 0 ? 0 : r;
    return normInt(BigInt(a) - BigInt(b));
  }
  return normInt(toBig(a) - toBig(b));
}

export function mul(a: PyInt, b: PyInt): PyInt {
  if (typeof a === "number" && typeof b === "number") {
    const r = a * b;
    // Same argument as add(): a safe double product is the exact product. `r + 0` drops -0.
    if (Number.isSafeInteger(r)) return r + 0;
    return normInt(BigInt(a) * BigInt(b));
  }
  if (isHuge(a) || isHuge(b)) checkBits(bitLength(a) + bitLength(b), "int product");
  return normInt(toBig(a) * toBig(b));
}

/** a // b (long_div: floor division; ZeroDivisionError "division by zero" in 3.14). */
export function floordiv(a: PyInt, b: PyInt): PyInt {
  if (typeof a === "number" && typeof b === "number") {
    if (b === 0) raise("ZeroDivisionError", DIV_ZERO);
    const r = a % b; // see divmod(): both steps are exact
    const q = (a - r) / b;
    return r !== 0 && r < 0 !== b < 0 ? q - 1 : q + 0;
  }
  return divmod(a, b)[0];
}

/** a % b: the result takes the sign of b (l_mod). */
export function mod(a: PyInt, b: PyInt): PyInt {
  if (typeof a === "number" && typeof b === "number") {
    if (b === 0) raise("ZeroDivisionError", DIV_ZERO);
    const r = a % b; // fmod: exact, sign of a
    if (r !== 0 && r < 0 !== b < 0) return r + b;
    return r + 0;
  }
  const B = toBig(b);
  if (B === 0n) raise("ZeroDivisionError", DIV_ZERO);
  const r = toBig(a) % B;
  return normInt(r !== 0n && r < 0n !== B < 0n ? r + B : r);
}

/** divmod(a, b) == (a // b, a % b) (l_divmod). */
export function divmod(a: PyInt, b: PyInt): [PyInt, PyInt] {
  if (typeof a === "number" && typeof b === "number") {
    if (b === 0) raise("ZeroDivisionError", DIV_ZERO);
    const r = a % b; // fmod: exact, takes the sign of a
    // a - r is an exact multiple of b with |a - r| <= |a|, so the division is exact too.
    const q = (a - r) / b;
    if (r !== 0 && r < 0 !== b < 0) return [q - 1, r + b];
    return [q + 0, r + 0]; // + 0 turns -0 into 0
  }
  const A = toBig(a);
  const B = toBig(b);
  if (B === 0n) raise("ZeroDivisionError", DIV_ZERO);
  let q = A / B;
  let r = A % B;
  if (r !== 0n && r < 0n !== B < 0n) {
    q -= 1n;
    r += B;
  }
  return [normInt(q), normInt(r)];
}

/**
 * a / b for ints (long_true_divide): the correctly rounded (half-even) double of the exact
 * quotient, including subnormal results; OverflowError when it does not fit a double.
 */
export function truediv(a: PyInt, b: PyInt): number {
  if (typeof a === "number" && typeof b === "number") {
    if (b === 0) raise("ZeroDivisionError", DIV_ZERO);
    // Both operands are exact doubles (<= 2**53), so IEEE division is the correctly rounded
    // quotient — this is CPython's own fast path. 0 / -5 is -0.0 there too.
    return a / b;
  }
  const B = toBig(b);
  if (B === 0n) raise("ZeroDivisionError", DIV_ZERO);
  return bigTrueDiv(toBig(a), B);
}

function bigTrueDiv(a: bigint, b: bigint): number {
  const negative = a < 0n !== b < 0n;
  const n = a < 0n ? -a : a;
  const d = b < 0n ? -b : b;
  if (n === 0n) return negative ? -0 : 0;
  // e = floor(log2(n / d)), exactly.
  let e = bitLength(n) - bitLength(d);
  if (e >= 0 ? n < d << BigInt(e) : n << BigInt(-e) < d) e -= 1;
  if (e >= 1024) raise("OverflowError", "integer division result too large for a float");
  // Quantum of the result: 53 significant bits, but never finer than the subnormal step 2**-1074.
  const k = Math.max(e - 52, -1074);
  const num = k >= 0 ? n : n << BigInt(-k);
  const den = k >= 0 ? d << BigInt(k) : d;
  let q = num / den;
  const twiceRem = (num - q * den) * 2n;
  if (twiceRem > den || (twiceRem === den && (q & 1n) === 1n)) q += 1n;
  const x = ldexp(Number(q), k); // q <= 2**53: exact
  if (x === Infinity) raise("OverflowError", "integer division result too large for a float");
  return negative ? -x : x;
}

/** x * 2**n computed exactly whenever the result is representable (powers of two built from bits). */
export function ldexp(x: number, n: number): number {
  while (n > 1000) {
    x *= pow2(1000);
    n -= 1000;
    if (!isFinite(x)) return x;
  }
  while (n < -1000) {
    x *= pow2(-1000);
    n += 1000;
    if (x === 0) return x;
  }
  return x * pow2(n);
}

const pow2View = new DataView(new ArrayBuffer(8));
/** 2**n for -1022 <= n <= 1023, exact (built from the exponent bits). */
function pow2(n: number): number {
  pow2View.setUint32(0, (n + 1023) << 20);
  pow2View.setUint32(4, 0);
  return pow2View.getFloat64(0);
}

/**
 * a ** b (long_pow without modulus). A negative exponent delegates to float.__pow__ exactly like
 * CPython (both operands converted with PyLong_AsDouble), so the result is a PyFloat then.
 */
export function pow(a: PyInt, b: PyInt): PyInt | PyFloat {
  if (isNegative(b)) return new PyFloat(floatPow(intToFloat(a), intToFloat(b)));
  if (b === 0) return 1;
  if (a === 0 || a === 1) return a;
  if (a === -1) return isOdd(b) ? -1 : 1;
  // log2 of the result; a bigint base has >= 54 bits, where bitLength - 1 is a fine estimate.
  const bits = Number(b) * (typeof a === "number" ? Math.log2(Math.abs(a)) : bitLength(a) - 1);
  checkBits(bits, "int power");
  if (typeof a === "number" && typeof b === "number" && bits < 52) {
    // Square-and-multiply where every intermediate is <= |result| < 2**52: all exact.
    let r = 1;
    let x = a;
    let n = b;
    for (;;) {
      if (n & 1) r *= x;
      n = Math.floor(n / 2);
      if (n === 0) return r;
      x *= x;
    }
  }
  return normInt(toBig(a) ** toBig(b));
}

function isOdd(x: PyInt): boolean {
  return typeof x === "number" ? x % 2 !== 0 : (x & 1n) === 1n;
}

// ---------------------------------------------------------------------------------------------
// shifts and bitwise operations (JS bigint bitwise ops use infinite two's complement, like Python)

/** a << n (long_lshift_method / long_lshift1). */
export function lshift(a: PyInt, n: PyInt): PyInt {
  if (isNegative(n)) raise("ValueError", "negative shift count");
  if (a === 0) return 0;
  if (typeof a === "number" && typeof n === "number" && n < 53) {
    const r = a * 2 ** n;
    if (Number.isSafeInteger(r)) return r;
  }
  const N = toBig(n);
  if (N > BigInt(INT_BITS_LIMIT)) {
    // Digits CPython would allocate: divmod_shift clips huge counts, then long_alloc checks.
    let wordshift = N / BigInt(PYLONG_SHIFT);
    let remshift = N % BigInt(PYLONG_SHIFT);
    if (wordshift >= BigInt(SHIFT_WORD_CLIP)) {
      wordshift = BigInt(SHIFT_WORD_CLIP);
      remshift = 0n;
    }
    const oldsize = Math.ceil(bitLength(a) / PYLONG_SHIFT);
    const newsize = oldsize + Number(wordshift) + (remshift !== 0n ? 1 : 0);
    if (newsize > MAX_LONG_DIGITS) raise("OverflowError", "too many digits in integer");
  }
  if (isHuge(a) || N > BigInt(INT_BITS_LIMIT / 2)) checkBits(bitLength(a) + Number(N), "int left shift");
  return normInt(toBig(a) << N);
}

/** a >> n (long_rshift): floor division by 2**n. */
export function rshift(a: PyInt, n: PyInt): PyInt {
  if (isNegative(n)) raise("ValueError", "negative shift count");
  if (typeof a === "number") {
    if (typeof n === "bigint" || n >= 53) return a < 0 ? -1 : 0;
    return Math.floor(a / 2 ** n) + 0; // division by a power of two is exact here
  }
  if (typeof n === "bigint" || n >= bitLength(a)) return a < 0n ? -1 : 0;
  return normInt(a >> BigInt(n));
}

function isInt32(x: PyInt): x is number {
  return typeof x === "number" && (x | 0) === x;
}

export function and(a: PyInt, b: PyInt): PyInt {
  if (isInt32(a) && isInt32(b)) return a & b;
  return normInt(toBig(a) & toBig(b));
}

export function or(a: PyInt, b: PyInt): PyInt {
  if (isInt32(a) && isInt32(b)) return a | b;
  return normInt(toBig(a) | toBig(b));
}

export function xor(a: PyInt, b: PyInt): PyInt {
  if (isInt32(a) && isInt32(b)) return a ^ b;
  return normInt(toBig(a) ^ toBig(b));
}

/** ~a == -a - 1. */
export function invert(a: PyInt): PyInt {
  return sub(neg(a), 1);
}

export function neg(a: PyInt): PyInt {
  if (typeof a === "number") return a === 0 ? 0 : -a;
  return normInt(-a);
}

export function pos(a: PyInt): PyInt {
  return a;
}

export function abs(a: PyInt): PyInt {
  if (typeof a === "number") return Math.abs(a);
  return a < 0n ? -a : a;
}

// ---------------------------------------------------------------------------------------------
// comparisons (int vs float lives in float.ts). JS compares number and bigint mathematically.

export function eq(a: PyInt, b: PyInt): boolean {
  return a == b;
}
export function ne(a: PyInt, b: PyInt): boolean {
  return a != b;
}
export function lt(a: PyInt, b: PyInt): boolean {
  return a < b;
}
export function le(a: PyInt, b: PyInt): boolean {
  return a <= b;
}
export function gt(a: PyInt, b: PyInt): boolean {
  return a > b;
}
export function ge(a: PyInt, b: PyInt): boolean {
  return a >= b;
}
/** -1, 0 or 1. */
export function compare(a: PyInt, b: PyInt): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// conversions

/**
 * float(int) (PyLong_AsDouble): round-half-even to 53 bits. JS Number(bigint) rounds the same
 * way (ECMA-262 "the Number value for"), including the overflow boundary 2**1024 - 2**970.
 */
export function intToFloat(a: PyInt): number {
  if (typeof a === "number") return a;
  const x = Number(a);
  if (!isFinite(x)) raise("OverflowError", "int too large to convert to float");
  return x;
}

/** int(float) (PyLong_FromDouble): truncation toward zero. */
export function intFromFloat(x: number): PyInt {
  if (Number.isNaN(x)) raise("ValueError", "cannot convert float NaN to integer");
  if (!isFinite(x)) raise("OverflowError", "cannot convert float infinity to integer");
  const t = Math.trunc(x);
  if (Number.isSafeInteger(t)) return t + 0;
  return normInt(BigInt(t));
}

/**
 * repr(int) / str(int) in decimal (long_to_decimal_string_internal), with the 3.14 limit on
 * conversions of more than sys.get_int_max_str_digits() (4300) decimal digits, sign excluded.
 */
export function intRepr(a: PyInt): string {
  if (typeof a === "number") return String(a);
  if ((a < 0n ? -a : a) >= TEN_TO_MAX_STR_DIGITS) {
    raise(
      "ValueError",
      `Exceeds the limit (${MAX_STR_DIGITS} digits) for integer string conversion; ` +
        "use sys.set_int_max_str_digits() to increase the limit",
    );
  }
  return a.toString();
}

// Unicode helpers for int()/float() of str (Objects/unicodeobject.c,
// _PyUnicode_TransformDecimalAndSpaceToASCII).

/**
 * Py_UNICODE_ISSPACE for code points >= 128 (bidi WS/B/S or Zs; _PyUnicode_IsWhitespace), the list
 * of CPython 3.14 (unicodedata 16.0); int.test.ts checks it against CPython.
 */
export function isNonAsciiSpace(cp: number): boolean {
  return (
    cp === 0x85 || cp === 0xa0 || cp === 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp === 0x2028 ||
    cp === 0x2029 || cp === 0x202f || cp === 0x205f || cp === 0x3000
  );
}

/**
 * Code points of the BMP's decimal digit zeros (each starts a run 0..9), from CPython 3.14's
 * unicodedata 16.0, so int()/float() do not depend on the JS engine's Unicode version. Checked
 * against CPython by int.test.ts. Astral digits (outside the subset) use the engine's tables.
 */
export const BMP_DECIMAL_ZEROS: readonly number[] = [
  0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66, 0xde6, 0xe50,
  0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90, 0x1b50, 0x1bb0, 0x1c40,
  0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10,
];
const ND = /^\p{Nd}$/u;

/** Py_UNICODE_TODECIMAL: the digit value of a Unicode decimal digit, else -1. */
export function decimalValue(cp: number): number {
  if (cp <= 0xffff) {
    for (const z of BMP_DECIMAL_ZEROS) if (cp >= z && cp <= z + 9) return cp - z;
    return -1;
  }
  // Nd characters come in contiguous runs 0..9 (Unicode stability policy).
  if (!ND.test(String.fromCodePoint(cp))) return -1;
  let start = cp;
  while (ND.test(String.fromCodePoint(start - 1))) start--;
  return (cp - start) % 10;
}

/**
 * ASCII-fy a str the way int()/float() do first: non-ASCII whitespace -> ' ', Unicode decimal
 * digits -> '0'..'9'; any other non-ASCII character (or DEL) ends the string with '?', which is
 * then certainly rejected by the parser.
 */
export function transformDecimalAndSpaceToAscii(s: string): string {
  let out = "";
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp < 127) out += ch;
    else if (isNonAsciiSpace(cp)) out += " ";
    else {
      const d = decimalValue(cp);
      if (d < 0) return out + "?";
      out += String.fromCharCode(48 + d);
    }
  }
  return out;
}

/** Py_ISSPACE: the C-locale-independent ASCII whitespace test of Python/pyctype.c. */
export function isAsciiSpace(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\v" || c === "\f" || c === "\r";
}

/** int(s) for a str s, base 10 (PyLong_FromUnicodeObject -> PyLong_FromString). */
export function intFromString(s: string): PyInt {
  const buf = transformDecimalAndSpaceToAscii(s);
  const invalid = (): never => {
    // "%.200R": the repr is truncated to 200 characters (possibly cutting off the closing quote).
    raise("ValueError", `invalid literal for int() with base 10: ${strRepr(s).slice(0, 200)}`);
  };
  let i = 0;
  while (i < buf.length && isAsciiSpace(buf[i])) i++;
  let negative = false;
  if (buf[i] === "+") i++;
  else if (buf[i] === "-") {
    negative = true;
    i++;
  }
  // long_from_string_base: digits with single underscores between them, then only whitespace.
  if (buf[i] === "_") invalid();
  const start = i;
  let digits = "";
  let prev = "";
  for (; i < buf.length; i++) {
    const c = buf[i]!;
    if (c === "_") {
      if (prev === "_") invalid();
    } else if (c >= "0" && c <= "9") digits += c;
    else break;
    prev = c;
  }
  if (prev === "_" || i === start) invalid();
  while (i < buf.length && isAsciiSpace(buf[i])) i++;
  if (i !== buf.length) invalid();
  if (digits.length > MAX_STR_DIGITS) {
    raise(
      "ValueError",
      `Exceeds the limit (${MAX_STR_DIGITS} digits) for integer string conversion: ` +
        `value has ${digits.length} digits; use sys.set_int_max_str_digits() to increase the limit`,
    );
  }
  if (digits.length <= 15) {
    const v = Number(digits);
    return negative ? (v === 0 ? 0 : -v) : v;
  }
  const v = BigInt(digits);
  return normInt(negative ? -v : v);
}


