/**
 * float semantics (CPython 3.14, Objects/floatobject.c) on plain JS numbers (IEEE-754 doubles,
 * which is exactly what a CPython float holds).
 *
 *  - arithmetic: float_add/sub/mul/div/rem/floor_div/divmod/pow, incl. signed zeros and CPython's
 *    ZeroDivisionError "division by zero" (3.14 wording);
 *  - mixed int/float: CPython converts the int operand with PyLong_AsDouble first (CONVERT_TO_DOUBLE),
 *    use `toFloatOperand`; comparisons are exact instead (float_richcompare), see `compareFloatInt`;
 *  - repr and the PyOS_double_to_string core shared with format.ts (Python/pystrtod.c
 *    format_float_short over Python/dtoa.c digit generation);
 *  - float(str) (PyFloat_FromString).
 *
 * pow: CPython calls the C library's pow(). Our oracle (pyodide/emscripten) links musl, whose pow
 * is ARM's optimized-routines implementation (also glibc's since 2.28); V8's Math.pow differs from
 * it in the last bit for ~8% of random inputs, so `libmPow` below is a port of that routine
 * (non-FMA variant, as compiled for wasm) with its tables.
 *
 * Unsupported (outside the subset): a negative float raised to a non-integer power returns a
 * complex in CPython; we raise ValueError("negative number cannot be raised to a fractional
 * power") (the pre-3.0 CPython wording) instead. The sign bit of a NaN is not modeled (JS does not
 * preserve it), which is only observable through math.copysign & co.
 */
import { PyFloat, type PyInt } from "./primitive.ts";
import { PyError, raise } from "./pyerror.ts";
import { intToFloat, transformDecimalAndSpaceToAscii, isAsciiSpace } from "./int.ts";
import { strRepr } from "./format.ts";

const DIV_ZERO = "division by zero";

// ---------------------------------------------------------------------------------------------
// bit access

const view = new DataView(new ArrayBuffer(8));
function hiWord(x: number): number {
  view.setFloat64(0, x);
  return view.getUint32(0);
}
function loWord(x: number): number {
  view.setFloat64(0, x);
  return view.getUint32(4);
}
function fromWords(hi: number, lo: number): number {
  view.setUint32(0, hi >>> 0);
  view.setUint32(4, lo >>> 0);
  return view.getFloat64(0);
}
function fromHex(word: string): number {
  return fromWords(parseInt(word.slice(0, 8), 16), parseInt(word.slice(8), 16));
}
function copysign0(s: number): number {
  return s < 0 || Object.is(s, -0) ? -0 : 0;
}

// ---------------------------------------------------------------------------------------------
// arithmetic

/** The double CPython uses for an operand of a float operation (CONVERT_TO_DOUBLE). */
export function toFloatOperand(x: PyInt | PyFloat): number {
  return x instanceof PyFloat ? x.v : intToFloat(x);
}

export function add(a: number, b: number): number {
  return a + b;
}
export function sub(a: number, b: number): number {
  return a - b;
}
export function mul(a: number, b: number): number {
  return a * b;
}

export function truediv(a: number, b: number): number {
  if (b === 0) raise("ZeroDivisionError", DIV_ZERO);
  return a / b;
}

/** a % b (float_rem): fmod, then the result takes the sign of b, zero included. */
export function mod(a: number, b: number): number {
  if (b === 0) raise("ZeroDivisionError", DIV_ZERO);
  let m = a % b; // JS % is C fmod: exact, sign of a
  // `!== 0`, not truthiness: in C a NaN is true (NaN != 0), in JS it is falsy.
  if (m !== 0) {
    if (b < 0 !== m < 0) m += b;
  } else {
    m = copysign0(b);
  }
  return m;
}

/** divmod(a, b) (_float_div_mod): the quotient is snapped to an integral value. */
export function divmod(a: number, b: number): [number, number] {
  if (b === 0) raise("ZeroDivisionError", DIV_ZERO);
  let m = a % b;
  let div = (a - m) / b;
  if (m !== 0) {
    if (b < 0 !== m < 0) {
      m += b;
      div -= 1.0;
    }
  } else {
    m = copysign0(b);
  }
  let floordiv: number;
  if (div !== 0) {
    floordiv = Math.floor(div);
    if (div - floordiv > 0.5) floordiv += 1.0;
  } else {
    floordiv = copysign0(a / b);
  }
  return [floordiv, m];
}

export function floordiv(a: number, b: number): number {
  return divmod(a, b)[0];
}

export function neg(a: number): number {
  return -a;
}
export function abs(a: number): number {
  return Math.abs(a);
}

/** float.is_integer(). */
export function floatIsInteger(x: number): boolean {
  return Number.isInteger(x);
}

function isOddInteger(x: number): boolean {
  return Math.abs(x) % 2 === 1; // DOUBLE_IS_ODD_INTEGER
}

/**
 * float_pow reports overflow with PyErr_SetFromErrno(OverflowError) after _Py_ADJUST_ERANGE1, so
 * the exception's args are (errno, strerror(errno)) of the C library. We model the oracle's
 * (emscripten/musl): ERANGE is 68, "Result not representable". (On Linux/glibc CPython prints
 * "(34, 'Numerical result out of range')" instead.)
 */
export const ERANGE_ERRNO = 68;
export const ERANGE_STRERROR = "Result not representable";

/** a ** b (float_pow without modulus): special cases first, then the C library's pow. */
export function pow(iv: number, iw: number): number {
  if (iw === 0) return 1.0; // v**0 is 1, even 0**0 and nan**0
  if (Number.isNaN(iv)) return iv;
  if (Number.isNaN(iw)) return iv === 1.0 ? 1.0 : iw;
  if (!isFinite(iw)) {
    const av = Math.abs(iv);
    if (av === 1.0) return 1.0;
    if (iw > 0 === av > 1.0) return Math.abs(iw);
    return 0.0;
  }
  if (!isFinite(iv)) {
    const odd = isOddInteger(iw);
    if (iw > 0) return odd ? iv : Math.abs(iv);
    return odd ? copysign0(iv) : 0.0;
  }
  if (iv === 0) {
    const odd = isOddInteger(iw);
    if (iw < 0) raise("ZeroDivisionError", "zero to a negative power");
    return odd ? iv : 0.0;
  }
  let negate = false;
  if (iv < 0) {
    if (iw !== Math.floor(iw)) {
      // CPython delegates to complex.__pow__ here; complex is outside the subset.
      raise("ValueError", "negative number cannot be raised to a fractional power");
    }
    iv = -iv;
    negate = isOddInteger(iw);
  }
  if (iv === 1.0) return negate ? -1.0 : 1.0;
  let ix = libmPow(iv, iw);
  if (negate) ix = -ix;
  // _Py_ADJUST_ERANGE1: an infinite result is an overflow; underflow to 0 is not an error.
  if (!isFinite(ix)) {
    throw new PyError("OverflowError", `(${ERANGE_ERRNO}, '${ERANGE_STRERROR}')`, [ERANGE_ERRNO, ERANGE_STRERROR]);
  }
  return ix;
}
/** Alias used by int.ts (int ** negative int is computed as a float power). */
export const floatPow = pow;

// ---------------------------------------------------------------------------------------------
// musl / ARM optimized-routines pow (src/math/pow.c), non-FMA path, for x > 0 finite, x != 1,
// y finite and non-zero (float_pow has dealt with every other case). 64-bit integer operations
// on the representation are done on the two 32-bit words.

const LN2HI = fromHex("3fe62e42fefa3800");
const LN2LO = fromHex("3d2ef35793c76730");
const A0 = fromHex("bfe0000000000000");
const A1 = fromHex("bfe5555555555560");
const A2 = fromHex("3fe0000000000006");
const A3 = fromHex("3fe999999959554e");
const A4 = fromHex("bfe555555529a47a");
const A5 = fromHex("bff2495b9b4845e9");
const A6 = fromHex("3ff0002b8b263fc3");
const INV_LN2_N = fromHex("40671547652b82fe");
const SHIFT = fromHex("4338000000000000");
const NEG_LN2_HI_N = fromHex("bf762e42fefa0000");
const NEG_LN2_LO_N = fromHex("bd0cf79abc9e3b3a");
const C2 = fromHex("3fdffffffffffdbd");
const C3 = fromHex("3fc555555555543c");
const C4 = fromHex("3fa55555cf172b91");
const C5 = fromHex("3f81111167a4d017");
const OFF_HI = 0x3fe69555; // OFF = 0x3fe6955500000000
const TWO_1009 = fromWords((1009 + 1023) << 20, 0);
const TWO_M1022 = fromWords((-1022 + 1023) << 20, 0);

let logTail = 0;
/** log(x) = result + logTail, x given by its words, subnormals pre-normalized (log_inline). */
function logInline(ixHi: number, ixLo: number): number {
  const tmpHi = (ixHi - OFF_HI) | 0;
  const i = (tmpHi >>> 13) & 127; // (tmp >> 45) % N
  const k = tmpHi >> 20; // (int64_t)tmp >> 52
  const izHi = (ixHi - (tmpHi & 0xfff00000)) >>> 0;
  const z = fromWords(izHi, ixLo);
  const kd = k;
  const invc = LOG_INVC[i]!;
  const logc = LOG_LOGC[i]!;
  const logctail = LOG_LOGCTAIL[i]!;
  // Split z such that rhi, rlo and rhi*rhi are exact: zhi = (iz + 2**31) & -2**32.
  const zhi = fromWords((izHi + (ixLo >= 0x80000000 ? 1 : 0)) >>> 0, 0);
  const zlo = z - zhi;
  const rhi = zhi * invc - 1.0;
  const rlo = zlo * invc;
  const r = rhi + rlo;
  const t1 = kd * LN2HI + logc;
  const t2 = t1 + r;
  const lo1 = kd * LN2LO + logctail;
  const lo2 = t1 - t2 + r;
  const ar = A0 * r;
  const ar2 = r * ar;
  const ar3 = r * ar2;
  const arhi = A0 * rhi;
  const arhi2 = rhi * arhi;
  const hi = t2 + arhi2;
  const lo3 = rlo * (ar + arhi);
  const lo4 = t2 - hi + arhi2;
  const p = ar3 * (A1 + r * A2 + ar2 * (A3 + r * A4 + ar2 * (A5 + r * A6)));
  const lo = lo1 + lo2 + lo3 + lo4 + p;
  const y = hi + lo;
  logTail = hi - y + lo;
  return y;
}

/** exp(x + xtail) for the positive-sign case (exp_inline with sign_bias 0). */
function expInline(x: number, xtail: number): number {
  let abstop = (hiWord(x) >>> 20) & 0x7ff;
  if (((abstop - 0x3c9) >>> 0) >= 0x408 - 0x3c9) {
    if (abstop < 0x3c9) return 1.0 + x; // tiny x
    if (abstop >= 0x409) return x < 0 ? 0 : Infinity; // __math_uflow / __math_oflow
    abstop = 0; // large |x|: handled by specialCase
  }
  const z = INV_LN2_N * x;
  let kd = z + SHIFT;
  kd -= SHIFT; // k = round(z), an exact integer
  let r = x + kd * NEG_LN2_HI_N + kd * NEG_LN2_LO_N;
  r += xtail;
  const k = kd;
  const j = ((k % 128) + 128) % 128;
  const tail = EXP_TAIL[j]!;
  // sbits = T[2j+1] + (k << 45): only the high word changes (2**45 is 2**13 in the high word).
  const sbitsHi = ((EXP_SBITS_HI[j]! + k * 8192) % 2 ** 32 + 2 ** 32) % 2 ** 32;
  const sbitsLo = EXP_SBITS_LO[j]!;
  const r2 = r * r;
  const tmp = tail + r + r2 * (C2 + r * C3) + r2 * r2 * (C4 + r * C5);
  if (abstop === 0) return specialCase(tmp, sbitsHi, sbitsLo, k);
  const scale = fromWords(sbitsHi, sbitsLo);
  return scale + scale * tmp;
}

/** Results that may overflow or underflow (exp's specialcase). */
function specialCase(tmp: number, sbitsHi: number, sbitsLo: number, k: number): number {
  if (k >= 0) {
    const scale = fromWords((sbitsHi - (1009 << 20)) >>> 0, sbitsLo);
    return TWO_1009 * (scale + scale * tmp);
  }
  const sHi = (sbitsHi + (1022 << 20)) >>> 0;
  const scale = fromWords(sHi, sbitsLo);
  let y = scale + scale * tmp;
  if (Math.abs(y) < 1.0) {
    // Round y to the right precision before scaling into the subnormal range (no double rounding).
    const one = y < 0.0 ? -1.0 : 1.0;
    let lo = scale - y + scale * tmp;
    const hi = one + y;
    lo = one - hi + y + lo;
    y = hi + lo - one;
    if (y === 0) y = sHi >= 0x80000000 ? -0 : 0;
  }
  return TWO_M1022 * y;
}

function libmPow(x: number, y: number): number {
  let ixHi = hiWord(x);
  let ixLo = loWord(x);
  const topy = (hiWord(y) >>> 20) & 0x7ff;
  if (((topy - 0x3be) >>> 0) >= 0x43e - 0x3be) {
    // |y| < 2**-65 or |y| >= 2**63.
    const gt1 = x > 1.0;
    if (topy < 0x3be) return gt1 ? 1.0 + y : 1.0 - y;
    return gt1 === y > 0 ? Infinity : 0;
  }
  if (ixHi >>> 20 === 0) {
    // Subnormal x: normalize, letting the exponent go negative (wrapping into the sign bit).
    const xs = x * 2 ** 52;
    ixHi = (hiWord(xs) & 0x7fffffff) - (52 << 20);
    ixLo = loWord(xs);
  }
  const hi = logInline(ixHi >>> 0, ixLo);
  const lo = logTail;
  const yhi = fromWords(hiWord(y), loWord(y) & 0xf8000000); // iy & -1 << 27
  const ylo = y - yhi;
  const lhi = fromWords(hiWord(hi), loWord(hi) & 0xf8000000);
  const llo = hi - lhi + lo;
  const ehi = yhi * lhi;
  const elo = ylo * lhi + y * llo;
  return expInline(ehi, elo);
}

// ---------------------------------------------------------------------------------------------
// comparisons

/**
 * Exact comparison of a float with an int (float_richcompare): -1, 0, 1, or NaN when f is NaN.
 * Never converts the int to a float (2**53 + 1 != float(2**53)).
 */
export function compareFloatInt(f: number, i: PyInt): number {
  if (Number.isNaN(f)) return NaN;
  if (typeof i === "number") return f < i ? -1 : f > i ? 1 : 0; // safe ints are exact doubles
  if (!isFinite(f)) return f > 0 ? 1 : -1;
  const fl = Math.floor(f);
  const big = BigInt(fl);
  if (big < i) return -1;
  if (big > i) return 1;
  return f > fl ? 1 : 0;
}

/**
 * Three-way comparison of two real numbers where a `number` is a double (a float, or a safe int —
 * safe ints are exact doubles, so they compare identically either way) and a `bigint` is an int.
 * Returns -1, 0, 1, or NaN when either side is a NaN. Exact for every int/float mix.
 */
export function compare(a: number | bigint, b: number | bigint): number {
  if (typeof a === "number") {
    if (typeof b === "number") return a < b ? -1 : a > b ? 1 : a === b ? 0 : NaN;
    return compareFloatInt(a, b);
  }
  if (typeof b === "number") {
    const c = compareFloatInt(b, a);
    return c === 0 ? 0 : -c;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

export type CompareOp = "eq" | "ne" | "lt" | "le" | "gt" | "ge";

function fromCmp(c: number, op: CompareOp): boolean {
  if (Number.isNaN(c)) return op === "ne";
  switch (op) {
    case "eq": return c === 0;
    case "ne": return c !== 0;
    case "lt": return c < 0;
    case "le": return c <= 0;
    case "gt": return c > 0;
    case "ge": return c >= 0;
  }
}

/** Rich comparison of two floats (C semantics: every comparison with NaN is false except !=). */
export function compareFloats(op: CompareOp, a: number, b: number): boolean {
  switch (op) {
    case "eq": return a === b;
    case "ne": return a !== b;
    case "lt": return a < b;
    case "le": return a <= b;
    case "gt": return a > b;
    case "ge": return a >= b;
  }
}

/** `f OP i` for a float f and an int i, exact. */
export function compareFloatWithInt(op: CompareOp, f: number, i: PyInt): boolean {
  return fromCmp(compareFloatInt(f, i), op);
}

/** `i OP f` for an int i and a float f, exact. */
export function compareIntWithFloat(op: CompareOp, i: PyInt, f: number): boolean {
  const c = compareFloatInt(f, i);
  return fromCmp(Number.isNaN(c) ? c : -c, op);
}

// ---------------------------------------------------------------------------------------------
// float -> str: PyOS_double_to_string / format_float_short (Python/pystrtod.c)

/** Flags of PyOS_double_to_string (Py_DTSF_*). */
export interface DtsFlags {
  sign?: boolean;
  addDot0?: boolean;
  alt?: boolean;
  noNegZero?: boolean;
}

/** Decimal digits (no trailing zeros) and decimal-point position, as _Py_dg_dtoa returns them. */
interface DtoaResult {
  digits: string;
  decpt: number;
}

/** |x| = m * 2**e exactly (x finite, non-zero). */
function decompose(x: number): { m: bigint; e: number } {
  const hi = hiWord(x);
  const lo = loWord(x);
  const bexp = (hi >>> 20) & 0x7ff;
  const frac = BigInt(hi & 0xfffff) * 4294967296n + BigInt(lo);
  return bexp === 0 ? { m: frac, e: -1074 } : { m: frac + (1n << 52n), e: bexp - 1075 };
}

/** round-half-even(|x| * 10**s) as a bigint. */
function scaledRound(x: number, s: number): bigint {
  const { m, e } = decompose(x);
  let num = e >= 0 ? m << BigInt(e) : m;
  let den = e >= 0 ? 1n : 1n << BigInt(-e);
  if (s >= 0) num *= 10n ** BigInt(s);
  else den *= 10n ** BigInt(-s);
  let q = num / den;
  const twiceRem = (num - q * den) * 2n;
  if (twiceRem > den || (twiceRem === den && (q & 1n) === 1n)) q += 1n;
  return q;
}

function stripZeros(digits: string, decpt: number): DtoaResult {
  let end = digits.length;
  while (end > 0 && digits[end - 1] === "0") end--;
  return { digits: digits.slice(0, end), decpt };
}

/** _Py_dg_dtoa mode 0: shortest digits that round-trip (V8's shortest conversion agrees). */
function dtoaShortest(x: number): DtoaResult {
  if (x === 0) return { digits: "0", decpt: 1 };
  const s = Math.abs(x).toExponential(); // "d.ddde+N", shortest round-trip digits
  const ePos = s.indexOf("e");
  const mant = s.slice(0, ePos).replace(".", "");
  return { digits: mant, decpt: Number(s.slice(ePos + 1)) + 1 };
}

/** _Py_dg_dtoa mode 3: correctly rounded to `ndigits` digits after the decimal point. */
function dtoaFixed(x: number, ndigits: number): DtoaResult {
  if (x === 0) return { digits: "0", decpt: 1 };
  const q = scaledRound(x, ndigits);
  if (q === 0n) return { digits: "", decpt: -ndigits };
  const s = q.toString();
  return stripZeros(s, s.length - ndigits);
}

/** Sign of |x| - 10**k, computed exactly (x finite, non-zero). */
function comparePow10(x: number, k: number): number {
  const { m, e } = decompose(x);
  let num = e >= 0 ? m << BigInt(e) : m;
  let den = e >= 0 ? 1n : 1n << BigInt(-e);
  if (k >= 0) den *= 10n ** BigInt(k);
  else num *= 10n ** BigInt(-k);
  return num < den ? -1 : num > den ? 1 : 0;
}

/** _Py_dg_dtoa mode 2: correctly rounded to `ndigits` (>= 1) significant digits. */
function dtoaSignificant(x: number, ndigits: number): DtoaResult {
  if (x === 0) return { digits: "0", decpt: 1 };
  // k = floor(log10|x|) exactly: the float estimate can be off by one near powers of ten.
  let k = Math.floor(Math.log10(Math.abs(x)));
  if (comparePow10(x, k) < 0) k -= 1;
  else if (comparePow10(x, k + 1) >= 0) k += 1;
  const s = scaledRound(x, ndigits - 1 - k).toString();
  // Rounding may carry into a new leading digit: 10**ndigits at this scale.
  if (s.length > ndigits) return { digits: "1", decpt: k + 2 };
  return stripZeros(s, k + 1);
}

/**
 * PyOS_double_to_string(val, format_code, precision, flags): format_code is one of
 * e E f F g G r (r = repr: precision must be 0). Returns the ASCII string.
 */
export function doubleToString(val: number, formatCode: string, precision: number, flags: DtsFlags = {}): string {
  let upper = false;
  let code = formatCode;
  let mode: 0 | 2 | 3;
  switch (formatCode) {
    case "E": upper = true; code = "e"; mode = 2; precision++; break;
    case "e": mode = 2; precision++; break;
    case "F": upper = true; code = "f"; mode = 3; break;
    case "f": mode = 3; break;
    case "G": upper = true; code = "g"; mode = 2; if (precision === 0) precision = 1; break;
    case "g": mode = 2; if (precision === 0) precision = 1; break;
    case "r": mode = 0; precision = 0; break;
    default: throw new Error(`doubleToString: bad format code ${formatCode}`);
  }
  let sign = val < 0 || Object.is(val, -0);
  if (!isFinite(val)) {
    // Infinities and nans: "inf"/"nan" ("INF"/"NAN"); the sign of a nan is ignored.
    const nan = Number.isNaN(val);
    if (nan) sign = false;
    const body = nan ? "nan" : "inf";
    return (sign ? "-" : flags.sign ? "+" : "") + (upper ? body.toUpperCase() : body);
  }
  const { digits, decpt: dp } =
    mode === 0 ? dtoaShortest(val) : mode === 3 ? dtoaFixed(val, precision) : dtoaSignificant(val, precision);
  let decpt = dp;
  const digitsLen = digits.length;
  if (flags.noNegZero && sign && (digitsLen === 0 || (digitsLen === 1 && digits === "0"))) sign = false;

  // Output the slice vdigits[vdigitsStart:vdigitsEnd] of the digits padded with zeros on both
  // sides, with the decimal point at `decpt` (see format_float_short).
  let vdigitsEnd = digitsLen;
  let useExp = false;
  const addDot0 = flags.addDot0 === true;
  switch (code) {
    case "e":
      useExp = true;
      vdigitsEnd = precision;
      break;
    case "f":
      vdigitsEnd = decpt + precision;
      break;
    case "g":
      if (decpt <= -4 || decpt > (addDot0 ? precision - 1 : precision)) useExp = true;
      if (flags.alt) vdigitsEnd = precision;
      break;
    case "r":
      // Exponent form from 1e16 on, and below 1e-4.
      if (decpt <= -4 || decpt > 16) useExp = true;
      break;
  }
  let exp = 0;
  if (useExp) {
    exp = decpt - 1;
    decpt = 1;
  }
  const vdigitsStart = decpt <= 0 ? decpt - 1 : 0;
  if (!useExp && addDot0) vdigitsEnd = vdigitsEnd > decpt ? vdigitsEnd : decpt + 1;
  else vdigitsEnd = vdigitsEnd > decpt ? vdigitsEnd : decpt;

  let out = sign ? "-" : flags.sign ? "+" : "";
  if (decpt <= 0) out += "0".repeat(decpt - vdigitsStart) + "." + "0".repeat(-decpt);
  else out += "0".repeat(-vdigitsStart);
  if (decpt > 0 && decpt <= digitsLen) out += digits.slice(0, decpt) + "." + digits.slice(decpt);
  else out += digits;
  if (digitsLen < decpt) out += "0".repeat(decpt - digitsLen) + "." + "0".repeat(vdigitsEnd - decpt);
  else out += "0".repeat(vdigitsEnd - digitsLen);
  if (out.endsWith(".") && !flags.alt) out = out.slice(0, -1);
  if (useExp) {
    const a = Math.abs(exp);
    out += (upper ? "E" : "e") + (exp < 0 ? "-" : "+") + (a < 10 ? "0" : "") + a;
  }
  return out;
}

/** repr(float) (float_repr): shortest round-trip digits, 'r' format, ".0" added to integers. */
export function floatRepr(x: number): string {
  return doubleToString(x, "r", 0, { addDot0: true });
}

// ---------------------------------------------------------------------------------------------
// str -> float

const DECIMAL = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const INF_NAN = /^([+-]?)(inf|infinity|nan)$/i;

/** float(s) for a str s (PyFloat_FromString + _Py_string_to_number_with_underscores). */
export function floatFromString(s: string): number {
  const fail = (): never => raise("ValueError", `could not convert string to float: ${strRepr(s)}`);
  let buf = transformDecimalAndSpaceToAscii(s);
  if (buf.includes("_")) {
    // Underscores are only allowed between two digits; they are then dropped.
    let out = "";
    let prev = "";
    for (const c of buf) {
      const isDigit = c >= "0" && c <= "9";
      if (c === "_") {
        if (!(prev >= "0" && prev <= "9")) fail();
      } else {
        out += c;
        if (prev === "_" && !isDigit) fail();
      }
      prev = c;
    }
    if (prev === "_") fail();
    buf = out;
  }
  // float_from_string_inner: strip Py_ISSPACE whitespace, then the whole rest must parse.
  let start = 0;
  let end = buf.length;
  while (start < end && isAsciiSpace(buf[start])) start++;
  while (end > start + 1 && isAsciiSpace(buf[end - 1])) end--;
  const body = buf.slice(start, end);
  if (DECIMAL.test(body)) return Number(body); // ECMAScript's conversion is correctly rounded
  const m = INF_NAN.exec(body);
  if (m) {
    if (m[2]!.toLowerCase() === "nan") return NaN;
    return m[1] === "-" ? -Infinity : Infinity;
  }
  return fail();
}

// ---------------------------------------------------------------------------------------------
// pow tables (ARM optimized-routines, as built into musl/glibc): __pow_log_data.tab as
// (invc, logc, logctail) triples and __exp_data.tab as (tail, sbits) pairs, IEEE-754 bits in hex.
// Read from the oracle's (pyodide's) libc data; identical to musl's src/math/{pow,exp}_data.c.

const LOG_INVC = new Float64Array(128);
const LOG_LOGC = new Float64Array(128);
const LOG_LOGCTAIL = new Float64Array(128);
const EXP_TAIL = new Float64Array(128);
const EXP_SBITS_HI = new Uint32Array(128);
const EXP_SBITS_LO = new Uint32Array(128);

function loadTables(): void {
  const log = POW_LOG_TABLE.trim().split(/\s+/);
  for (let i = 0; i < 128; i++) {
    LOG_INVC[i] = fromHex(log[3 * i]!);
    LOG_LOGC[i] = fromHex(log[3 * i + 1]!);
    LOG_LOGCTAIL[i] = fromHex(log[3 * i + 2]!);
  }
  const exp = EXP_TABLE.trim().split(/\s+/);
  for (let i = 0; i < 128; i++) {
    EXP_TAIL[i] = fromHex(exp[2 * i]!);
    const w = exp[2 * i + 1]!;
    EXP_SBITS_HI[i] = parseInt(w.slice(0, 8), 16);
    EXP_SBITS_LO[i] = parseInt(w.slice(8), 16);
  }
}

const POW_LOG_TABLE = `
3ff6a00000000000 bfd62c82f2b9c800 3cfab42428375680  3ff6800000000000 bfd5d1bdbf580800 bd1ca508d8e0f720
3ff6600000000000 bfd5767717455800 bd2362a4d5b6506d  3ff6400000000000 bfd51aad872df800 bce684e49eb067d5
3ff6200000000000 bfd4be5f95777800 bd041b6993293ee0  3ff6000000000000 bfd4618bc21c6000 3d13d82f484c84cc
3ff5e00000000000 bfd404308686a800 3cdc42f3ed820b3a  3ff5c00000000000 bfd3a64c55694800 3d20b1c686519460
3ff5a00000000000 bfd347dd9a988000 3d25594dd4c58092  3ff5800000000000 bfd2e8e2bae12000 3d267b1e99b72bd8
3ff5600000000000 bfd2895a13de8800 3d15ca14b6cfb03f  3ff5600000000000 bfd2895a13de8800 3d15ca14b6cfb03f
3ff5400000000000 bfd22941fbcf7800 bd165a242853da76  3ff5200000000000 bfd1c898c1699800 bd1fafbc68e75404
3ff5000000000000 bfd1675cababa800 3d1f1fc63382a8f0  3ff4e00000000000 bfd1058bf9ae4800 bd26a8c4fd055a66
3ff4c00000000000 bfd0a324e2739000 bd0c6bee7ef4030e  3ff4a00000000000 bfd0402594b4d000 bcf036b89ef42d7f
3ff4a00000000000 bfd0402594b4d000 bcf036b89ef42d7f  3ff4800000000000 bfcfb9186d5e4000 3d0d572aab993c87
3ff4600000000000 bfcef0adcbdc6000 3d2b26b79c86af24  3ff4400000000000 bfce27076e2af000 bd172f4f543fff10
3ff4200000000000 bfcd5c216b4fc000 3d21ba91bbca681b  3ff4000000000000 bfcc8ff7c79aa000 3d27794f689f8434
3ff4000000000000 bfcc8ff7c79aa000 3d27794f689f8434  3ff3e00000000000 bfcbc286742d9000 3d194eb0318bb78f
3ff3c00000000000 bfcaf3c94e80c000 3cba4e633fcd9066  3ff3a00000000000 bfca23bc1fe2b000 bd258c64dc46c1ea
3ff3a00000000000 bfca23bc1fe2b000 bd258c64dc46c1ea  3ff3800000000000 bfc9525a9cf45000 bd2ad1d904c1d4e3
3ff3600000000000 bfc87fa06520d000 3d2bbdbf7fdbfa09  3ff3400000000000 bfc7ab890210e000 3d2bdb9072534a58
3ff3400000000000 bfc7ab890210e000 3d2bdb9072534a58  3ff3200000000000 bfc6d60fe719d000 bd10e46aa3b2e266
3ff3000000000000 bfc5ff3070a79000 bd1e9e439f105039  3ff3000000000000 bfc5ff3070a79000 bd1e9e439f105039
3ff2e00000000000 bfc526e5e3a1b000 bd20de8b90075b8f  3ff2c00000000000 bfc44d2b6ccb8000 3d170cc16135783c
3ff2c00000000000 bfc44d2b6ccb8000 3d170cc16135783c  3ff2a00000000000 bfc371fc201e9000 3cf178864d27543a
3ff2800000000000 bfc29552f81ff000 bd248d301771c408  3ff2600000000000 bfc1b72ad52f6000 bd2e80a41811a396
3ff2600000000000 bfc1b72ad52f6000 bd2e80a41811a396  3ff2400000000000 bfc0d77e7cd09000 3d0a699688e85bf4
3ff2400000000000 bfc0d77e7cd09000 3d0a699688e85bf4  3ff2200000000000 bfbfec9131dbe000 bd2575545ca333f2
3ff2000000000000 bfbe27076e2b0000 3d2a342c2af0003c  3ff2000000000000 bfbe27076e2b0000 3d2a342c2af0003c
3ff1e00000000000 bfbc5e548f5bc000 bd1d0c57585fbe06  3ff1c00000000000 bfba926d3a4ae000 3d253935e85baac8
3ff1c00000000000 bfba926d3a4ae000 3d253935e85baac8  3ff1a00000000000 bfb8c345d631a000 3d137c294d2f5668
3ff1a00000000000 bfb8c345d631a000 3d137c294d2f5668  3ff1800000000000 bfb6f0d28ae56000 bd269737c93373da
3ff1600000000000 bfb51b073f062000 3d1f025b61c65e57  3ff1600000000000 bfb51b073f062000 3d1f025b61c65e57
3ff1400000000000 bfb341d7961be000 3d2c5edaccf913df  3ff1400000000000 bfb341d7961be000 3d2c5edaccf913df
3ff1200000000000 bfb16536eea38000 3d147c5e768fa309  3ff1000000000000 bfaf0a30c0118000 3d2d599e83368e91
3ff1000000000000 bfaf0a30c0118000 3d2d599e83368e91  3ff0e00000000000 bfab42dd71198000 3d1c827ae5d6704c
3ff0e00000000000 bfab42dd71198000 3d1c827ae5d6704c  3ff0c00000000000 bfa77458f632c000 bd2cfc4634f2a1ee
3ff0c00000000000 bfa77458f632c000 bd2cfc4634f2a1ee  3ff0a00000000000 bfa39e87b9fec000 3cf502b7f526feaa
3ff0a00000000000 bfa39e87b9fec000 3cf502b7f526feaa  3ff0800000000000 bf9f829b0e780000 bd2980267c7e09e4
3ff0800000000000 bf9f829b0e780000 bd2980267c7e09e4  3ff0600000000000 bf97b91b07d58000 bd288d5493faa639
3ff0400000000000 bf8fc0a8b0fc0000 bcdf1e7cf6d3a69c  3ff0400000000000 bf8fc0a8b0fc0000 bcdf1e7cf6d3a69c
3ff0200000000000 bf7fe02a6b100000 bd19e23f0dda40e4  3ff0200000000000 bf7fe02a6b100000 bd19e23f0dda40e4
3ff0000000000000 0000000000000000 0000000000000000  3ff0000000000000 0000000000000000 0000000000000000
3fefc00000000000 3f80101575890000 bd10c76b999d2be8  3fef800000000000 3f90205658938000 bd23dc5b06e2f7d2
3fef400000000000 3f98492528c90000 bd2aa0ba325a0c34  3fef000000000000 3fa0415d89e74000 3d0111c05cf1d753
3feec00000000000 3fa466aed42e0000 bd2c167375bdfd28  3fee800000000000 3fa894aa149fc000 bd197995d05a267d
3fee400000000000 3faccb73cdddc000 bd1a68f247d82807  3fee200000000000 3faeea31c006c000 bd0e113e4fc93b7b
3fede00000000000 3fb1973bd1466000 bd25325d560d9e9b  3feda00000000000 3fb3bdf5a7d1e000 3d2cc85ea5db4ed7
3fed600000000000 3fb5e95a4d97a000 bd2c69063c5d1d1e  3fed400000000000 3fb700d30aeac000 3cec1e8da99ded32
3fed000000000000 3fb9335e5d594000 3d23115c3abd47da  3fecc00000000000 3fbb6ac88dad6000 bd1390802bf768e5
3feca00000000000 3fbc885801bc4000 3d2646d1c65aacd3  3fec600000000000 3fbec739830a2000 bd2dc068afe645e0
3fec400000000000 3fbfe89139dbe000 bd2534d64fa10afd  3fec000000000000 3fc1178e8227e000 3d21ef78ce2d07f2
3febe00000000000 3fc1aa2b7e23f000 3d2ca78e44389934  3feba00000000000 3fc2d1610c868000 3d039d6ccb81b4a1
3feb800000000000 3fc365fcb0159000 3cc62fa8234b7289  3feb400000000000 3fc4913d8333b000 3d25837954fdb678
3feb200000000000 3fc527e5e4a1b000 3d2633e8e5697dc7  3feae00000000000 3fc6574ebe8c1000 3d19cf8b2c3c2e78
3feac00000000000 3fc6f0128b757000 bd25118de59c21e1  3feaa00000000000 3fc7898d85445000 bd1c661070914305
3fea600000000000 3fc8beafeb390000 bd073d54aae92cd1  3fea400000000000 3fc95a5adcf70000 3d07f22858a0ff6f
3fea000000000000 3fca93ed3c8ae000 bd28724350562169  3fe9e00000000000 3fcb31d8575bd000 bd0c358d4eace1aa
3fe9c00000000000 3fcbd087383be000 bd2d4bc4595412b6  3fe9a00000000000 3fcc6ffbc6f01000 bcf1ec72c5962bd2
3fe9600000000000 3fcdb13db0d49000 bd2aff2af715b035  3fe9400000000000 3fce530effe71000 3cc212276041f430
3fe9200000000000 3fcef5ade4dd0000 bcca211565bb8e11  3fe9000000000000 3fcf991c6cb3b000 3d1bcbecca0cdf30
3fe8c00000000000 3fd07138604d5800 3cf89cdb16ed4e91  3fe8a00000000000 3fd0c42d67616000 3d27188b163ceae9
3fe8800000000000 3fd1178e8227e800 bd2c210e63a5f01c  3fe8600000000000 3fd16b5ccbacf800 3d2b9acdf7a51681
3fe8400000000000 3fd1bf99635a6800 3d2ca6ed5147bdb7  3fe8200000000000 3fd214456d0eb800 3d0a87deba46baea
3fe7e00000000000 3fd2bef07cdc9000 3d2a9cfa4a5004f4  3fe7c00000000000 3fd314f1e1d36000 bd28e27ad3213cb8
3fe7a00000000000 3fd36b6776be1000 3d116ecdb0f177c8  3fe7800000000000 3fd3c25277333000 3d183b54b606bd5c
3fe7600000000000 3fd419b423d5e800 3d08e436ec90e09d  3fe7400000000000 3fd4718dc271c800 bd2f27ce0967d675
3fe7200000000000 3fd4c9e09e173000 bd2e20891b0ad8a4  3fe7000000000000 3fd522ae0738a000 3d2ebe708164c759
3fe6e00000000000 3fd57bf753c8d000 3d1fadedee5d40ef  3fe6c00000000000 3fd5d5bddf596000 bd0a0b2a08a465dc
`;
const EXP_TABLE = `
0000000000000000 3ff0000000000000 3c9b3b4f1a88bf6e 3feff63da9fb3335
bc7160139cd8dc5d 3fefec9a3e778061 bc905e7a108766d1 3fefe315e86e7f85
3c8cd2523567f613 3fefd9b0d3158574 bc8bce8023f98efa 3fefd06b29ddf6de
3c60f74e61e6c861 3fefc74518759bc8 3c90a3e45b33d399 3fefbe3ecac6f383
3c979aa65d837b6d 3fefb5586cf9890f 3c8eb51a92fdeffc 3fefac922b7247f7
3c3ebe3d702f9cd1 3fefa3ec32d3d1a2 bc6a033489906e0b 3fef9b66affed31b
bc9556522a2fbd0e 3fef9301d0125b51 bc5080ef8c4eea55 3fef8abdc06c31cc
bc91c923b9d5f416 3fef829aaea92de0 3c80d3e3e95c55af 3fef7a98c8a58e51
bc801b15eaa59348 3fef72b83c7d517b bc8f1ff055de323d 3fef6af9388c8dea
3c8b898c3f1353bf 3fef635beb6fcb75 bc96d99c7611eb26 3fef5be084045cd4
3c9aecf73e3a2f60 3fef54873168b9aa bc8fe782cb86389d 3fef4d5022fcd91d
3c8a6f4144a6c38d 3fef463b88628cd6 3c807a05b0e4047d 3fef3f49917ddc96
3c968efde3a8a894 3fef387a6e756238 3c875e18f274487d 3fef31ce4fb2a63f
3c80472b981fe7f2 3fef2b4565e27cdd bc96b87b3f71085e 3fef24dfe1f56381
3c82f7e16d09ab31 3fef1e9df51fdee1 bc3d219b1a6fbffa 3fef187fd0dad990
3c8b3782720c0ab4 3fef1285a6e4030b 3c6e149289cecb8f 3fef0cafa93e2f56
3c834d754db0abb6 3fef06fe0a31b715 3c864201e2ac744c 3fef0170fc4cd831
3c8fdd395dd3f84a 3feefc08b26416ff bc86a3803b8e5b04 3feef6c55f929ff1
bc924aedcc4b5068 3feef1a7373aa9cb bc9907f81b512d8e 3feeecae6d05d866
bc71d1e83e9436d2 3feee7db34e59ff7 bc991919b3ce1b15 3feee32dc313a8e5
3c859f48a72a4c6d 3feedea64c123422 bc9312607a28698a 3feeda4504ac801c
bc58a78f4817895b 3feed60a21f72e2a bc7c2c9b67499a1b 3feed1f5d950a897
3c4363ed60c2ac11 3feece086061892d 3c9666093b0664ef 3feeca41ed1d0057
3c6ecce1daa10379 3feec6a2b5c13cd0 3c93ff8e3f0f1230 3feec32af0d7d3de
3c7690cebb7aafb0 3feebfdad5362a27 3c931dbdeb54e077 3feebcb299fddd0d
bc8f94340071a38e 3feeb9b2769d2ca7 bc87deccdc93a349 3feeb6daa2cf6642
bc78dec6bd0f385f 3feeb42b569d4f82 bc861246ec7b5cf6 3feeb1a4ca5d920f
3c93350518fdd78e 3feeaf4736b527da 3c7b98b72f8a9b05 3feead12d497c7fd
3c9063e1e21c5409 3feeab07dd485429 3c34c7855019c6ea 3feea9268a5946b7
3c9432e62b64c035 3feea76f15ad2148 bc8ce44a6199769f 3feea5e1b976dc09
bc8c33c53bef4da8 3feea47eb03a5585 bc845378892be9ae 3feea34634ccc320
bc93cedd78565858 3feea23882552225 3c5710aa807e1964 3feea155d44ca973
bc93b3efbf5e2228 3feea09e667f3bcd bc6a12ad8734b982 3feea012750bdabf
bc6367efb86da9ee 3fee9fb23c651a2f bc80dc3d54e08851 3fee9f7df9519484
bc781f647e5a3ecf 3fee9f75e8ec5f74 bc86ee4ac08b7db0 3fee9f9a48a58174
bc8619321e55e68a 3fee9feb564267c9 3c909ccb5e09d4d3 3feea0694fde5d3f
bc7b32dcb94da51d 3feea11473eb0187 3c94ecfd5467c06b 3feea1ed0130c132
3c65ebe1abd66c55 3feea2f336cf4e62 bc88a1c52fb3cf42 3feea427543e1a12
bc9369b6f13b3734 3feea589994cce13 bc805e843a19ff1e 3feea71a4623c7ad
bc94d450d872576e 3feea8d99b4492ed 3c90ad675b0e8a00 3feeaac7d98a6699
3c8db72fc1f0eab4 3feeace5422aa0db bc65b6609cc5e7ff 3feeaf3216b5448c
3c7bf68359f35f44 3feeb1ae99157736 bc93091fa71e3d83 3feeb45b0b91ffc6
bc5da9b88b6c1e29 3feeb737b0cdc5e5 bc6c23f97c90b959 3feeba44cbc8520f
bc92434322f4f9aa 3feebd829fde4e50 bc85ca6cd7668e4b 3feec0f170ca07ba
3c71affc2b91ce27 3feec49182a3f090 3c6dd235e10a73bb 3feec86319e32323
bc87c50422622263 3feecc667b5de565 3c8b1c86e3e231d5 3feed09bec4a2d33
bc91bbd1d3bcbb15 3feed503b23e255d 3c90cc319cee31d2 3feed99e1330b358
3c8469846e735ab3 3feede6b5579fdbf bc82dfcd978e9db4 3feee36bbfd3f37a
3c8c1a7792cb3387 3feee89f995ad3ad bc907b8f4ad1d9fa 3feeee07298db666
bc55c3d956dcaeba 3feef3a2b84f15fb bc90a40e3da6f640 3feef9728de5593a
bc68d6f438ad9334 3feeff76f2fb5e47 bc91eee26b588a35 3fef05b030a1064a
3c74ffd70a5fddcd 3fef0c1e904bc1d2 bc91bdfbfa9298ac 3fef12c25bd71e09
3c736eae30af0cb3 3fef199bdd85529c 3c8ee3325c9ffd94 3fef20ab5fffd07a
3c84e08fd10959ac 3fef27f12e57d14b 3c63cdaf384e1a67 3fef2f6d9406e7b5
3c676b2c6c921968 3fef3720dcef9069 bc808a1883ccb5d2 3fef3f0b555dc3fa
bc8fad5d3ffffa6f 3fef472d4a07897c bc900dae3875a949 3fef4f87080d89f2
3c74a385a63d07a7 3fef5818dcfba487 bc82919e2040220f 3fef60e316c98398
3c8e5a50d5c192ac 3fef69e603db3285 3c843a59ac016b4b 3fef7321f301b460
bc82d52107b43e1f 3fef7c97337b9b5f bc892ab93b470dc9 3fef864614f5a129
3c74b604603a88d3 3fef902ee78b3ff6 3c83c5ec519d7271 3fef9a51fbc74c83
bc8ff7128fd391f0 3fefa4afa2a490da bc8dae98e223747d 3fefaf482d8e67f1
3c8ec3bc41aa2008 3fefba1bee615a27 3c842b94c3a9eb32 3fefc52b376bba97
3c8a64a931d185ee 3fefd0765b6e4540 bc8e37bae43be3ed 3fefdbfdad9cbe14
3c77893b4d91cd9d 3fefe7c1819e90d8 3c5305c14160cc89 3feff3c22b8f71f1
`;

loadTables();
