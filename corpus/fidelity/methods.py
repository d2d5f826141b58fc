# Fidelity: method calls: Python methods through LOAD_ATTR_METHOD_WITH_VALUES and
# CALL_BOUND_METHOD_EXACT_ARGS / CALL_PY_EXACT_ARGS, methods of builtin types (list.append ->
# CALL_LIST_APPEND, list.pop, dict.get, dict.items, str.join, str.split -> CALL_METHOD_DESCRIPTOR_*),
# a method overridden in a subclass seen after warm-up (polymorphic call site).
class Counter:
    def __init__(self):
        self.n = 0
        self.log = []
    def bump(self, k):
        self.n += k
        self.log.append(k)
        return self.n
    def total(self):
        return self.n

class LoudCounter(Counter):
    def bump(self, k):
        self.n += 2 * k
        return self.n

def drive(c, times):
    for i in range(times):
        c.bump(i)
    return c.total()

def words_of(text):
    parts = text.split(" ")
    return "-".join(parts)

def tally(d, keys):
    out = []
    for k in keys:
        out.append(d.get(k, 0))
    for k, v in d.items():
        out.append(v)
    while len(out) > 3:
        out.pop()
    return out

c = Counter()
r = []
for _ in range(20):
    r.append(drive(c, 5))
lc = LoudCounter()
for _ in range(20):
    r.append(drive(lc, 5))       # same call sites, another class
    r.append(drive(c, 2))
for i in range(30):
    r.append(words_of("a b c d"))
    r.append(tally({"a": 1, "b": 2}, ["a", "b", "c"]))
print(r[:3], r[-3:], c.total(), lc.total(), len(c.log))
