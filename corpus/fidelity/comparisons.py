# Fidelity: comparisons and truth tests: COMPARE_OP_INT/_FLOAT/_STR, chained comparisons,
# CONTAINS_OP_DICT and contains in lists/tuples/str (not specialized), TO_BOOL_INT/_BOOL/_LIST/
# _NONE/_STR/ALWAYS_TRUE (one site per type, and one site seeing every type), `not`; a comparison site that sees ints, then strs after warm-up.
class Thing:
    pass

def classify(x, lo, hi):
    if lo <= x < hi:
        return 1
    if x == hi:
        return 2
    return 0

def truthy(v):
    if v:
        return 1
    return 0

def flag_list(xs):
    return 1 if xs else 0

def flag_str(s):
    return 0 if not s else len(s)

def flag_none(v):
    if v:
        return 1
    return 0

def lookups(d, keys):
    n = 0
    for k in keys:
        if k in d:
            n += 1
        if k not in ("a", "b"):
            n += 2
        if k in "abc":
            n += 3
    return n

def less(a, b):
    return a < b

r = []
for i in range(30):
    r.append(classify(i, 5, 20))
    r.append(classify(i * 0.5, 2.5, 10.0))
    r.append(less(i, 15))
for i in range(30):
    r.append(less("k" + str(i), "k15"))   # same site, strings now
things = [0, 1, True, False, None, "", "s", [], [1], Thing(), 2.5]
t = 0
for i in range(10):
    for v in things:
        t += truthy(v)
for i in range(20):
    t += flag_list([i] if i % 2 else []) + flag_str("ab" if i % 3 else "") + flag_none(None)
for i in range(20):
    t += lookups({"a": 1, "c": 2}, ["a", "b", "c", "d"])
print(sum([1 for x in r if x]), t, not t, less(1.5, 2))
