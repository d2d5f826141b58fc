# Benchmark: list and dict work: building, indexing, append/pop, slicing, dict get/set with int
# and str keys, iteration, sum and a comprehension (BUILD_LIST, LIST_APPEND, BINARY_OP_SUBSCR_*,
# STORE_SUBSCR_*, CALL_LIST_APPEND, dict methods). One iteration = one trip around the loop body.
N = 2000

NAMES = ["alpha", "beta", "gamma", "delta"]


def bench(n):
    counts = {}
    by_name = {"alpha": 0, "beta": 0, "gamma": 0, "delta": 0}
    total = 0
    for i in range(n):
        items = [i & 15, (i + 1) & 15, (i * 3) & 15]
        items.append(i & 7)
        key = i & 63
        counts[key] = counts.get(key, 0) + items[1]
        name = NAMES[i & 3]
        by_name[name] = by_name[name] + len(items)
        total += items[-1] + items.pop() + sum(items[1:])
        if key == 0:
            squares = [v * v for v in counts.values()]
            total = (total + sum(squares)) % 1000003
    for k, v in by_name.items():
        total += len(k) * v
    return total % 1000003
