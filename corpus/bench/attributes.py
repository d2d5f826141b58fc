# Benchmark: method calls and attribute access on instances: instance attribute loads and
# stores, class attribute loads, bound method calls and a constructor call per iteration
# (LOAD_ATTR_INSTANCE_VALUE, LOAD_ATTR_METHOD_WITH_VALUES, STORE_ATTR_INSTANCE_VALUE,
# LOAD_ATTR_CLASS, CALL_ALLOC_AND_ENTER_INIT).
N = 3000


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def dot(self, other):
        return self.x * other.x + self.y * other.y

    def shifted(self, d):
        return Point(self.x + d, self.y - d)


class Counter:
    step = 3

    def __init__(self):
        self.count = 0

    def tick(self):
        self.count = (self.count + self.step) % 10007
        return self.count


def bench(n):
    p = Point(1, 2)
    q = Point(3, 4)
    c = Counter()
    total = 0
    for i in range(n):
        p.x = i & 63
        total += p.dot(q)
        r = q.shifted(i & 7)
        total += r.y + c.tick()
        if total > 1000000:
            total -= 1000000
    return total * 16384 + c.count
