# Fidelity: attribute access on instances and classes: LOAD_ATTR_INSTANCE_VALUE and
# STORE_ATTR_INSTANCE_VALUE on objects with inline values, WITH_HINT once an instance's dict is
# materialized (many attributes added in different orders, attributes deleted), class attributes
# read through instances (NONDESCRIPTOR_WITH_VALUES) and on the class itself (LOAD_ATTR_CLASS), a
# class attribute rebound after warm-up (type version changes: deopt, re-specialize), an instance
# with more attributes than the shared keys hold (its dict is materialized: LOAD_ATTR_WITH_HINT,
# STORE_ATTR_WITH_HINT).
class Point:
    dims = 2
    def __init__(self, x, y):
        self.x = x
        self.y = y

class Bag:
    kind = "bag"

class Wide:
    def __init__(self, v):
        self.a00 = v; self.a01 = v; self.a02 = v; self.a03 = v; self.a04 = v; self.a05 = v
        self.a06 = v; self.a07 = v; self.a08 = v; self.a09 = v; self.a10 = v; self.a11 = v
        self.a12 = v; self.a13 = v; self.a14 = v; self.a15 = v; self.a16 = v; self.a17 = v
        self.a18 = v; self.a19 = v; self.a20 = v; self.a21 = v; self.a22 = v; self.a23 = v
        self.a24 = v; self.a25 = v; self.a26 = v; self.a27 = v; self.a28 = v; self.a29 = v
        self.a30 = v; self.a31 = v; self.last = v

def wide_sum(w):
    w.last = w.last + 1
    w.a31 = w.a31 - 1
    return w.a00 + w.a31 + w.last

def norm1(p):
    return abs(p.x) + abs(p.y)

def move(p, dx):
    p.x = p.x + dx
    p.y += dx
    return p

def dims(p):
    return p.dims + Point.dims

def fill(b, n):
    for i in range(n):
        setting = i * 2
        b.a = setting
        b.b = b.a + 1
    return b.a + b.b

pts = [Point(i, -i) for i in range(10)]
acc = 0
for _ in range(12):
    for p in pts:
        acc += norm1(move(p, 1))
        acc += dims(p)
Point.dims = 3                 # class attribute rebound: the type's version changes
for _ in range(8):
    for p in pts:
        acc += dims(p)

bags = []
for i in range(20):
    b = Bag()
    if i % 2:
        b.z = i                # different insertion orders
    b.q = i
    bags.append(b)
for b in bags:
    acc += fill(b, 3)
for b in bags[:10]:
    del b.q                    # deleting materializes / changes the dict
for b in bags:
    acc += fill(b, 3)
    acc += len(b.kind)
ws = [Wide(i) for i in range(4)]
for i in range(20):
    for w in ws:
        acc += wide_sum(w)
print(acc, pts[3].x, pts[3].y, Point.dims, bags[0].a)
