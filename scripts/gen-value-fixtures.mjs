// Generates engine/runtime/fixtures/values.json: expected results of int / float / str value
// operations, computed by REAL CPython 3.14 (the `pyodide` npm package: CPython 3.14.2 compiled to
// wasm, runs offline). engine/runtime/{int,float,format}.test.ts replay every case against the TS
// implementations, so expected values never come from our own code.
//
// Run: node scripts/gen-value-fixtures.mjs   (commit this script and its output)
//
// Each case: { op, args: [value...], result: value } or { op, args, error: [excType, message] }.
// A value is encoded by its Python type:
//   {"int": "<decimal>"}  {"float": "<repr>"}  {"str": "..."}  {"bool": true}
//   {"tuple": [value...]}  {"complex": "<repr>"}  (complex: CPython result outside our subset)
// Ops: add sub mul truediv floordiv mod divmod pow lshift rshift and or xor (a OP b);
//      neg pos abs invert; eq ne lt le gt ge; float(x); int(x); repr(x); format(x, spec).
// The header's "unicode" entry holds CPython's BMP tables (non-printable ranges, decimal digits,
// whitespace) that the TS code embeds; the tests check the embedded copies against it.
// Note: pyodide is a 32-bit build (Py_ssize_t and C long are 32 bits, libc is musl); a few results
// depend on that and the TS code models the oracle's values (format width overflow, "too many
// digits in integer", 'c' of ints beyond a C long, the errno of float pow overflow).
// Cases are seeded, so re-running the script reproduces the file byte for byte.
import { loadPyodide } from "pyodide";
import { writeFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const py = await loadPyodide();

const json = py.runPython(String.raw`
import sys, json, random

BIN = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "truediv": lambda a, b: a / b, "floordiv": lambda a, b: a // b, "mod": lambda a, b: a % b,
    "divmod": divmod, "pow": lambda a, b: a ** b, "lshift": lambda a, b: a << b,
    "rshift": lambda a, b: a >> b, "and": lambda a, b: a & b, "or": lambda a, b: a | b,
    "xor": lambda a, b: a ^ b,
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b,
    "format": format,
}
UN = {"neg": lambda a: -a, "pos": lambda a: +a, "abs": abs, "invert": lambda a: ~a,
      "float": float, "int": int, "repr": repr}

def enc(v):
    t = type(v)
    if t is bool: return {"bool": v}
    if t is int:
        old = sys.get_int_max_str_digits(); sys.set_int_max_str_digits(0)
        try: return {"int": str(v)}
        finally: sys.set_int_max_str_digits(old)
    if t is float: return {"float": repr(v)}
    if t is str: return {"str": v}
    if t is tuple: return {"tuple": [enc(x) for x in v]}
    if t is complex: return {"complex": repr(v)}
    raise TypeError(t)

cases = []
def case(op, *args):
    c = {"op": op, "args": [enc(a) for a in args]}
    fn = BIN.get(op) or UN[op]
    try:
        c["result"] = enc(fn(*args))
    except Exception as e:
        c["error"] = [type(e).__name__, str(e)]
    cases.append(c)

rng = random.Random(314)
def rand_double():
    import struct
    while True:
        bits = rng.getrandbits(64)
        x = struct.unpack("<d", bits.to_bytes(8, "little"))[0]
        if x == x and x not in (float("inf"), float("-inf")): return x

# ---------------------------------------------------------------- int arithmetic
INTS = [0, 1, -1, -3, 7, -7, 2**30, -(2**30), 2**53 - 1, 2**53, -(2**53) - 1, 2**63, -(2**64), -(3**70)]
for op in ["add", "sub", "mul", "floordiv", "mod", "divmod", "truediv"]:
    for a in INTS:
        for b in INTS:
            case(op, a, b)
for _ in range(50):
    a = rng.getrandbits(rng.choice([20, 52, 53, 54, 64, 100, 300, 1100])) * rng.choice([1, -1])
    b = rng.getrandbits(rng.choice([3, 20, 53, 54, 80, 200])) * rng.choice([1, -1]) or 1
    for op in ["mul", "floordiv", "mod", "truediv", "add", "sub"]:
        case(op, a, b)
for a, b in [(1, 2**1074), (1, 2**1075), (3, 2**1076), (-1, 2**1075), (-3, 2**1076), (2**1075 + 1, 2**2149),
             (1, 10**400), (-1, 10**400), (0, -5), (0, 10**400), (0, -(10**400)), (2**1024, 1), (2**1024 - 1, 1),
             (2**1024 - 2**970, 1), (2**1024 - 2**970 - 1, 1), (2**1025, 2), (2**1025 + 1, 2), (2**53 + 1, 1),
             (2**53 + 3, 1), (2**54 + 2, 2), (10**400, 10**399), (10**400, 3 * 10**399), (7, 10**300 + 1),
             (-(2**2000), 3**1000), (2**2000 + 1, 2**1000), (10**17 + 1, 10), (-(10**17) - 1, 10), (10, 0), (10**30, 0)]:
    case("truediv", a, b)
for a in [0, 1, -1, 2, -2, 3, -10, 7, 2**53, 12345678901]:
    for b in [0, 1, 2, 3, 53, 64, 100, -1, -2, -3, -1074, -1075]:
        case("pow", a, b)
for a, b in [(0, -1), (0, -(2**70)), (2**1100, -1), (2, 2**70 * -1), (10, 400), (-10, 301), (2, -1100)]:
    case("pow", a, b)
SH_V = [0, 1, -1, 5, -5, 2**53 - 1, -(2**53), 10**30, -(10**30) - 7]
SH_N = [0, 1, 3, 30, 31, 52, 53, 64, 100, 1000, -1]
for op in ["lshift", "rshift"]:
    for a in SH_V:
        for n in SH_N:
            case(op, a, n)
for a, n in [(1, 2**34), (1, 2**62), (1, 2**100), (-3, 2**70), (0, 2**100), (5, 30 * 536870908),
             (1, -(2**100))]:
    case("lshift", a, n)
for a, n in [(1, 2**100), (-1, 2**100), (-(10**30), 2**64), (10**30, 2**64), (0, 2**100), (1, -(2**100))]:
    case("rshift", a, n)
BITS = [0, -1, 6, -6, 2**31, -(2**31) - 1, 2**53 - 1, -(2**53), 2**64 + 5, -(2**70) - 3]
for op in ["and", "or", "xor"]:
    for a in BITS:
        for b in BITS:
            case(op, a, b)
for a in INTS + BITS:
    for op in ["neg", "pos", "abs", "invert"]:
        case(op, a)
CMP = [0, -1, 2**53, 2**53 + 1, -(2**53) - 1, 2**64, -(2**64)]
for op in ["eq", "ne", "lt", "le", "gt", "ge"]:
    for a in CMP:
        for b in CMP:
            case(op, a, b)

# ---------------------------------------------------------------- int conversions
for a in INTS + [2**53 + 3, 2**54 + 2, 2**1023, 2**1024 - 2**971, 2**1024 - 2**970 - 1, 2**1024 - 2**970,
                 2**1024, -(2**1024), 10**308, 10**309, 3**500, -(3**600), 2**63 - 1]:
    case("float", a)
for a in INTS + [10**4299, 10**4300 - 1, 10**4300, -(10**4300 - 1), -(10**4300), 2**14284, 2**14286,
                 -(2**20000)]:
    case("repr", a)
INT_STRS = ["0", "-0", "+5", " 12 ", "\t-3\n", "1_000", "1__000", "_1", "1_", "", " ", "abc", "12a", "0x10",
            "010", "00", "0_0", "1e3", "1.5", "+-1", "- 1", "+", "-", "1 2", "\x00", "12\x00", "+_1", "-_1",
            "9" * 30, "-" + "9" * 40, "\u0663", "\u0661\u0662\u0663", "\uff11\uff12", "\u00a012\u2003",
            "\x1c12", "12\x1f", "\x0b12\x0c", "\x8512\x85", "\u3000-7", "1\u200b", "\u2028 5", "it's", 'say "x"',
            "a" * 300, "1" * 4300, "1" * 4301, "0" * 4301, "-" + "1" * 4301, "1" * 5000 + "x",
            "1_" * 4300 + "1", "1" * 4301 + "__1", " " * 3 + "1" * 4301, "\u0967\u0968", "\u0e53"]
for s in INT_STRS:
    case("int", s)
for x in [0.0, -0.0, 1.5, -1.5, 0.9999, -0.9999, 1e20, -1e20, 2.0**53 + 2, 1.7976931348623157e308,
          -1.7976931348623157e308, 5e-324, 123456.789, -2.5, float("inf"), float("-inf"), float("nan"), 2.0**63,
          -(2.0**64), 1e300]:
    case("int", x)

# ---------------------------------------------------------------- float reprs
REPRS = [0.0, -0.0, 1.0, -1.0, 0.1, 0.2, 0.1 + 0.2, 1 / 3, 2 / 3, 1e16, 1e15, 9999999999999998.0, 1e17, 1e22,
         1e23, 1e-4, 1e-5, 0.00011, 1.5e-7, 123456789012345.6, 1234567890123456.7, 5e-324, 1e-323,
         2.2250738585072014e-308, 2.225073858507201e-308, 1.7976931348623157e308, float("inf"),
         float("-inf"), float("nan"), 2.0**53, 2.0**53 + 2, 2.0**63, 2.0**64, 2e16 + 8, 100.0, 1e100,
         1.1, 2.675, 0.3, 123.456, -987.654321, 3.141592653589793, 2.718281828459045, 1 / 7, 4.35,
         0.000123456789, 12345678.9, 7.0e-10, 9.5, 1e21, 1e-7, 5e-5]
REPRS += [rand_double() for _ in range(150)]
REPRS += [rng.randint(1, 10**7) / 10**rng.randint(0, 12) for _ in range(60)]
REPRS += [10.0**k for k in range(-25, 26)] + [2.0**k for k in range(-30, 70, 7)]
for x in REPRS:
    case("repr", x)

# ---------------------------------------------------------------- float(str)
FLOAT_STRS = ["inf", "-Infinity", "nan", "-nan", "+inf", "INF", "iNfInItY", "+NaN", " 1.5 ", "1_000.5",
              "1_000.000_5", "1e5", "1E-5", ".5", "5.", ".", "e5", "1e", "1e+", "1_e5", "1e_5", "1e5_0",
              "1._5", "1_.5", "_1.5", "1.5_", "0x10", "1.5.6", "", " ", "abc", "in f", "nan_", "infinit",
              "infinityy", "1e500", "-1e500", "1e-400", "-1e-400", "-0", "-0.0", "0.1", "1.7976931348623157e308",
              "1.7976931348623158e308", "1.7976931348623159e308", "2.4703282292062328e-324",
              "2.4703282292062327e-324", "4.9406564584124654e-324", "\u0663.\u0665", "\u2003 1.5", "1.5\x00",
              "a" * 300, "it's", "\x1c1.5", "1.5\x85", "12", "-12", "+.5e-3", "1e+0308", "0" * 400 + "1",
              "1" + "0" * 400, "0." + "0" * 400 + "1", "9007199254740993", "1.00000000000000011102230246251565404236316680908203125",
              "1.000000000000000111022302462515654042363166809082031250000001", "+-1", "--1", "1 e5", "1e 5",
              "\u00a0inf\u00a0", "infinity_", "i_nf", "1__0", "١٢٣", "\t\n1\r\x0b\x0c"]
for s in FLOAT_STRS:
    case("float", s)

# ---------------------------------------------------------------- float arithmetic
FLOATS = [0.0, -0.0, 1.0, -1.0, 1.5, -2.5, 0.1, 7.0, 1e308, 5e-324, float("inf"), float("-inf"), float("nan")]
for op in ["add", "sub", "mul", "truediv", "floordiv", "mod", "divmod", "pow"]:
    for a in FLOATS:
        for b in FLOATS:
            case(op, a, b)
for _ in range(80):
    a = rng.uniform(-100, 100); b = rng.choice([rng.uniform(-10, 10), rng.uniform(-1e-3, 1e-3), rand_double()])
    for op in ["floordiv", "mod", "divmod", "truediv"]:
        case(op, a, b)
for _ in range(300):
    k = rng.randrange(4)
    if k == 0: x, y = rng.uniform(0, 10), rng.uniform(-20, 20)
    elif k == 1: x, y = rng.uniform(0, 2), float(rng.randint(-40, 40))
    elif k == 2: x, y = rng.randint(1, 1000) / rng.choice([1, 10, 100, 7]), rng.choice([0.5, 1.5, 2.0, 3.0, -1.0, -2.0, 0.1, 1 / 3])
    else: x, y = rng.lognormvariate(0, 5), rng.uniform(-5, 5)
    case("pow", x, y)
for x, y in [(-2.0, 3.0), (-2.0, 0.5), (-8.0, 1 / 3), (-1.0, 1e300), (-1.0, 1e300 + 1), (2.0, 1024.0), (2.0, 1023.0),
             (10.0, 308.5), (10.0, -400.0), (0.5, -1100.0), (-0.5, -1075.0), (2.0, -1074.0), (2.0, -1075.0),
             (-2.0, 1025.0), (1.0000001, 1e10), (0.0, -1.0), (-0.0, -3.0), (0.0, -0.5), (-0.0, 3.0),
             (-0.0, 2.0), (1.0, float("nan")), (float("nan"), 0.0), (-1.0, float("inf")), (0.5, float("-inf")),
             (float("-inf"), 3.0), (float("-inf"), -3.0), (float("-inf"), 2.0), (5e-324, 0.5), (5e-324, -0.5),
             (1.5e-308, 2.0), (9.0, 0.5), (2.0, 0.5), (1e-300, 1.0000001), (1.1, 2.0), (3.0, 2.0), (7.0, 23.0)]:
    case("pow", x, y)

# ---------------------------------------------------------------- mixed int / float
MIX_I = [0, 1, -7, 2**53 + 1, 10**400, 2**1023]
MIX_F = [0.0, -0.0, 0.5, -2.0, 1e308, float("-inf"), float("nan"), -(2.0**53)]
for op in ["add", "sub", "mul", "truediv", "floordiv", "mod", "divmod", "pow"]:
    for a in MIX_I:
        for b in MIX_F:
            case(op, a, b)
            case(op, b, a)
CMP_I = [0, 1, -1, 2**53, 2**53 + 1, -(2**53) - 1, 2**64 + 1, 10**400, -(10**400)]
CMP_F = [0.0, 0.5, -1.5, 2.0**53, 2.0**53 + 2, -(2.0**53), 2.0**64, float("inf"), float("-inf"), float("nan")]
for op in ["eq", "ne", "lt", "le", "gt", "ge"]:
    for a in CMP_I:
        for b in CMP_F:
            case(op, a, b)
            case(op, b, a)
for op in ["eq", "lt"]:
    for a in FLOATS:
        for b in FLOATS:
            case(op, a, b)

# ---------------------------------------------------------------- str repr
STR_REPRS = ["", "a", "'", '"', "'\"", "a'b\"c", "it's", '"q"', "\\", "\n\t\r", "\x00\x1f\x7f", "\x80\x9f\xa0\xad",
             "\xe9", "caf\xe9", "\u2028", "\u200b", "\ufeff", "\ud800", "\udfff", "\ue000", "\u0378", "\u65e5\u672c",
             "\u3000", "\U0001f600", "\x0b\x0c", "\x1b[0m", "tab\there", "\u00ff\u0100", "\uffff", "\ufffd",
             "\u0600", "\u00a0", "\u1680", "\u2000", "\u202f", "\u0085", "\u061c", "\u2066", "\ud7ff", "\uf8ff",
             "\u0590", "\u08c7", "\u1aff", "\ua7cb"]
for s in STR_REPRS:
    case("repr", s)

# ---------------------------------------------------------------- format()
FMT_INTS = [0, -1, 42, -255, 1234567, -(2**70), 10**30, True, 65]
FMT_INT_SPECS = ["", "d", "5", "<5", ">5", "^5", "=5", "*^9", "+", "-", " ", "+d", " d", "05", "010", "-05", "+05",
                 "#x", "#X", "#o", "#b", "x", "X", "o", "b", ",", "_", "_x", "_b", ",x", ",b", "_o", "010,", "012_",
                 "#010x", "#012_b", "c", "+c", "#c", "=c", "5c", ".2", "z", "s", "e", ".3e", "f", ".2f", "%", "g",
                 "G", "E", "F", "n", ",n", "_n", ",d", "=10", "0=10", "x<10", "\xe9>6", "\x01", ",.2f", "._d", ".,",
                 "q", "dd", "<<", "99999999999", ".2147483648", "#", "-#08x", " #o", "+_d", ",_",
                 "_,", "00", "0", "\u0663", "012.", ".5_f", "z.2f", "#,", "<05", "^05", ">05", "1_d", " 5X",
                 "0x", "#<6b", ",%", "_e", ",.0%"]
for v in FMT_INTS:
    for s in FMT_INT_SPECS:
        case("format", v, s)
for v, s in [(0x110000, "c"), (-1, "c"), (0x10ffff, "c"), (0x263a, "c"), (2**31 - 1, "c"), (2**31, "c"),
             (-(2**31), "c"), (-(2**31) - 1, "c"), (10**5000, "d"), (10**5000, ""),
             (10**5000, ","), (10**5000, "n"), (10**300, "x"), (10**400, "f"), (10**400, "e"), (-(10**4300 - 1), "d"),
             (2**100, "_b"), (-(2**100), "#_o")]:
    case("format", v, s)
FMT_FLOATS = [0.0, -0.0, 1.0, 0.1, -1234.5678, 1e16, 1e-5, 1.5e300, 5e-324, float("-inf"), float("nan"), 0.125,
              2.5, 123456789.0, -0.0001, 9.995, 99999.5]
FMT_FLOAT_SPECS = ["", "f", ".0f", ".1f", ".2f", ".10f", ".20f", ".60f", "e", ".0e", ".3e", "E", "g", ".0g", ".1g",
                   ".3g", ".10g", ".17g", "G", "#g", "#.3g", "#.0f", "#.0e", "%", ".1%", "n", ".3", ".1", ".0",
                   ".17", "#", "+", " ", "-", "+.2f", " .2f", "015.3f", "=15.3f", "<15.3f", "^15.3f", ">15", ",",
                   ",.2f", "_.2f", "020,.2f", "020_.2f", "z.1f", "z", "+z.1f", "z.0e", ".3_f", ",._f", ".,f",
                   "._e", "015,.6_f", ".2_", "d", "x", "c", "s", ".f", "..2f", ",_f", "_,f", ".,_f", "._,f", "0",
                   "010", "#.0", "*<12.3e", ".30e", ".25g", "#.25g", ".2n", ",n", ".,n", "010.3%", "#.0%", ".15",
                   ".16", "#x", "Z", "F", ".3F", "z.3g", "^#12.0f", "_.10_", ",.3,e"]
for v in FMT_FLOATS:
    for s in FMT_FLOAT_SPECS:
        case("format", v, s)
for _ in range(100):
    x = rng.choice([rand_double(), rng.uniform(-1000, 1000), rng.randint(1, 10**6) / 10**rng.randint(0, 8)])
    s = rng.choice([".17g", ".3e", ".10f", ".1f", ".5g", "", ".0f", ".2e", ".12", "e", "g", ".20e", "%"])
    case("format", x, s)
for v, s in [(1e-7, ".17g"), (-1e-7, ".17"), (1e24, ".17g"), (9.999999999999999e-05, ".16g"),
             (9.999999999999999e+24, ".16g"), (9.999999999999999e-06, ".16g"), (1e23, ".17g"), (1e22, ".17g"),
             (5e-324, ".17g"), (5e-324, ".3e"), (1.7976931348623157e308, ".17g"), (1.7976931348623157e308, ".0e"),
             (0.5, ".0f"), (1.5, ".0f"), (2.5, ".0f"), (0.125, ".2f"), (0.375, ".2f"), (9.5, ".0e"), (0.05, ".1f"),
             (1e-300, ".3f"), (-1e-300, ".3f"), (-1e-300, "z.3f"), (2.0**100, ".0f"), (1e300, ".0f")]:
    case("format", v, s)
FMT_STRS = ["abc", "", "h\xe9llo", "\u65e5\u672c\u8a9e"]
FMT_STR_SPECS = ["", "s", "5", "<5", ">5", "^6", "*^7", ".2", "5.2", ".0", "0", "05", "010s", "=5", "+", " ", "-",
                 "#", "z", ",", "_", "d", "x", ".2_", ".,", "ss", "\x80", "\u0663", "^", "<", "x^2", ".10",
                 "2.1s", "0<5", "!<5", "-5", "99999999999"]
for v in FMT_STRS:
    for s in FMT_STR_SPECS:
        case("format", v, s)

# ---------------------------------------------------------------- Unicode tables (BMP)
import unicodedata
ranges, start = [], None
for c in range(0x10001):
    np = c < 0x10000 and not chr(c).isprintable()
    if np and start is None: start = c
    if not np and start is not None:
        ranges.append("%x-%x" % (start, c - 1) if c - 1 != start else "%x" % start); start = None
unicode_tables = {
    "unidata_version": unicodedata.unidata_version,
    "bmp_nonprintable": " ".join(ranges),
    "bmp_decimal_zeros": [c for c in range(0x10000) if unicodedata.decimal(chr(c), -1) == 0],
    "bmp_decimal_count": sum(1 for c in range(0x10000) if unicodedata.decimal(chr(c), -1) >= 0),
    "nonascii_spaces": [c for c in range(128, 0x10000) if chr(c).isspace()],
}

json.dumps({"generator": "scripts/gen-value-fixtures.mjs", "python": sys.version.split()[0],
            "platform": sys.platform, "maxsize": sys.maxsize, "unicode": unicode_tables, "cases": cases},
           ensure_ascii=True)
`);

const data = JSON.parse(json);
// One case per line keeps the committed file reviewable and its diffs small.
const body = data.cases.map((c) => "    " + JSON.stringify(c)).join(",\n");
const header = {
  generator: data.generator, python: data.python, platform: data.platform, maxsize: data.maxsize, unicode: data.unicode,
};
const text =
  "{\n" +
  Object.entries(header).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)},\n`).join("") +
  '  "cases": [\n' + body + "\n  ]\n}\n";
const outDir = join(root, "engine", "runtime", "fixtures");
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "values.json"), text);
console.log(`wrote ${data.cases.length} cases from CPython ${data.python} (${data.platform})`);
