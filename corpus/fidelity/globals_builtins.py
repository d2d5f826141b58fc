# Fidelity: globals and builtins read in hot loops (LOAD_GLOBAL_MODULE / _BUILTIN), a global
# rebound and a new global added after warm-up (the module dict's keys version changes, so the
# specialized loads deopt and re-specialize), a builtin shadowed by a global and un-shadowed again,
# builtin calls (len, abs, min, max, isinstance) in loops.
SCALE = 3
OFFSET = 1

def scaled(xs):
    total = 0
    for x in xs:
        total += x * SCALE + OFFSET
    return total

def lengths(items):
    n = 0
    for it in items:
        n += len(it) + abs(-1)
    return n

def extremes(rows):
    lo = 10 ** 6
    hi = -(10 ** 6)
    for r in rows:
        lo = min(lo, r)
        hi = max(hi, r)
    return lo, hi

data = list(range(20))
words = ["a", "bb", "ccc", "dddd"]
out = []
for i in range(30):
    out.append(scaled(data))
    out.append(lengths(words))
SCALE = 5                     # same key: the value changes, the keys version does not
out.append(scaled(data))
EXTRA = "new global"          # a new key: the module's keys version changes
for i in range(60):
    out.append(scaled(data))

def len(x):                   # shadows the builtin: LOAD_GLOBAL_BUILTIN must deopt
    return 7
for i in range(60):
    out.append(lengths(words))
del len
for i in range(60):
    out.append(lengths(words))
for i in range(25):
    out.append(extremes([i, 3, 9, -i]))
    out.append(isinstance(i, int) and not isinstance(i, str))
print(out[:4], out[-4:], sum([x for x in out if isinstance(x, int)]))
