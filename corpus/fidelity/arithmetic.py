# Fidelity: int, float and str arithmetic: BINARY_OP_ADD/SUBTRACT/MULTIPLY_INT and _FLOAT,
# ADD_UNICODE, INPLACE_ADD_UNICODE, mixed int/float (BINARY_OP_EXTEND), true and floor division,
# modulo, shifts and bitwise ops; an int function fed floats after warm-up, a float function fed
# big ints, string building in loops.
def poly(x):
    return x * x - 3 * x + 2

def mean(xs):
    s = 0.0
    for x in xs:
        s = s + x
    return s / len(xs)

def bits(a, b):
    return (a & b) | (a ^ b) + (a << 2) - (b >> 1)

def mixed(i, f):
    return i + f, f * i, i - f, f / 2

def build(n):
    s = ""
    for i in range(n):
        s += "ab"
    t = "x"
    for i in range(n):
        t = t + "y"
    return len(s) + len(t)

def divs(a, b):
    return a // b, a % b, a / b

r = 0
for i in range(40):
    r += poly(i) + bits(i, 7)
    r += build(3)
    q, m, d = divs(i + 10, 3)
    r += q + m
f = 0.0
for i in range(40):
    f += mean([1.5, 2.5, float(i)])
    a, b, c, d = mixed(i, 0.5)
    f += a + b + c + d
for i in range(60):
    f += poly(i + 0.25)        # the int forms see floats now: deopt, re-specialize
    r += poly(2 ** 70 + i) % 97  # big ints: not compact
print(r, int(f * 1000), build(5), divs(-7, 2))
