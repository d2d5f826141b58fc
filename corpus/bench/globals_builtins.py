# Benchmark: module globals and builtins read (and a global written) in a loop
# (LOAD_GLOBAL_MODULE, LOAD_GLOBAL_BUILTIN, STORE_GLOBAL, CALL_LEN, CALL_ISINSTANCE,
# CALL_BUILTIN_FAST). One iteration = one trip around the loop body.
N = 5000

SCALE = 3
OFFSET = 7
TABLE = [5, 3, 8, 1, 9, 2, 6, 4]
COUNT = 0


def bump():
    global COUNT
    COUNT += 1


def bench(n):
    global COUNT
    COUNT = 0
    total = 0
    for i in range(n):
        v = TABLE[i % len(TABLE)]
        total += abs(v - OFFSET) * SCALE
        total = min(total, 1000000) - max(v, 4)
        if isinstance(v, int):
            total += 1
        if i % 16 == 0:
            bump()
    return total * 1000 + COUNT
