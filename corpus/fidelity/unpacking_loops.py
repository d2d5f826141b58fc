# Fidelity: unpacking and for loops: UNPACK_SEQUENCE_TWO_TUPLE / _TUPLE / _LIST, unpacking of
# other iterables (str, range, dict items), FOR_ITER_RANGE / _LIST / _TUPLE and for over dict,
# str, enumerate and zip (not specialized), break/continue/else, a loop fed lists then tuples.
def pairs(ps):
    s = 0
    for a, b in ps:
        s += a * b
    return s

def triples(ts):
    s = 0
    for t in ts:
        a, b, c = t
        s += a + b - c
    return s

def walk(seq):
    n = 0
    for x in seq:
        if x == 3:
            continue
        if x > 50:
            break
        n += x
    else:
        n += 1000
    return n

def misc():
    n = 0
    for i, c in enumerate("xyz"):
        n += i
    for a, b in zip([1, 2, 3], (4, 5, 6)):
        n += a * b
    for k in {"p": 1, "q": 2}:
        n += len(k)
    for k, v in {"p": 1, "q": 2}.items():
        n += v
    x, y = "ab"
    u, v = range(2)
    return n + len(x + y) + u + v

total = 0
for r in range(20):
    total += pairs([(1, 2), (3, 4), (5, 6)])
    total += triples([[1, 2, 3], [4, 5, 6]])
    total += triples([(1, 2, 3), (4, 5, 6)])
    total += walk(range(10))
    total += walk([1, 2, 3, 4, 60, 7])
for r in range(60):
    total += walk((5, 6, 7))          # tuples now
    total += pairs([[1, 2], [3, 4]])  # lists now
total += misc() + misc()
print(total)
