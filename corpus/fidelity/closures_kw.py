# Fidelity: closures and calls: functions made in a loop that capture variables (LOAD_DEREF,
# nonlocal), lambdas, calls with keywords (CALL_KW_PY, CALL_KW_BOUND_METHOD, CALL_KW_NON_PY),
# defaults and *args / **kwargs (CALL_PY_GENERAL), builtins with keywords (sorted(key=...)).
def make_adder(n):
    def add(x, scale=1):
        return x * scale + n
    return add

def make_counter():
    count = 0
    def inc(step=1):
        nonlocal count
        count += step
        return count
    return inc

def collect(*args, **kwargs):
    return len(args) + len(kwargs)

class Acc:
    def __init__(self):
        self.v = 0
    def add(self, x, times=1):
        self.v += x * times
        return self.v

adders = [make_adder(i) for i in range(5)]
inc = make_counter()
acc = Acc()
s = 0
for r in range(20):
    for f in adders:
        s += f(r)
        s += f(r, scale=2)
        s += f(x=r)
    s += inc()
    s += inc(step=3)
    s += collect(1, 2, k=3)
    s += collect(r)
    s += acc.add(r, times=2)
    s += acc.add(1)
key = lambda t: -t
for r in range(20):
    s += sorted([3, 1, 2], key=key)[0]
    s += sorted([5, 4], reverse=True)[0]
    s += max([1, 9, 4], key=lambda t: t % 5)
print(s, inc(), acc.v)
