# Benchmark: Python function calls in a loop: positional calls, a default argument, a keyword
# argument and a call through a local alias (CALL_PY_EXACT_ARGS, CALL_PY_GENERAL, CALL_KW_PY,
# RETURN_VALUE). One iteration = four calls.
N = 5000


def add(a, b):
    return a + b


def mul_add(a, b, c=1):
    return a * b + c


def clamp(x, lo=0, hi=1000):
    if x < lo:
        return lo
    if x > hi:
        return hi
    return x


def bench(n):
    acc = 0
    f = add
    for i in range(n):
        acc = add(acc, i & 255)
        acc = mul_add(acc & 1023, 3)
        acc = clamp(acc, hi=2000)
        acc = f(acc, 1)
    return acc
