# Benchmark: recursion. One iteration = fib(12) computed the naive recursive way
# (465 Python calls through a module global: LOAD_GLOBAL_MODULE + CALL_PY_EXACT_ARGS, deep frames).
N = 20


def fib(k):
    if k < 2:
        return k
    return fib(k - 1) + fib(k - 2)


def bench(n):
    total = 0
    for i in range(n):
        total += fib(12)
    return total
