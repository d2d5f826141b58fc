# Benchmark: a numeric loop. Integer arithmetic, comparisons and branches on locals only
# (BINARY_OP / COMPARE_OP int forms, FOR_ITER_RANGE, STORE_FAST/LOAD_FAST). One iteration = one
# trip around the loop body. `bench(n)` returns a checksum; `tierdiff bench` chooses n.
N = 20000


def bench(n):
    total = 0
    acc = 1
    for i in range(n):
        x = i % 1000
        if x % 3 == 0:
            total += x * 2
        elif x & 1:
            total -= x >> 2
        else:
            total += 1
        acc = (acc * 31 + x) % 65521
        if total > 1000000:
            total -= 1000000
    return total * 65536 + acc
