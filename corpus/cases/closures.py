# Pins down: closures made in a loop share one code object, cells are per call, nonlocal
# rebinding, late binding of loop variables, default arguments captured at definition time,
# lambdas, and keyword/keyword-only/*args/**kwargs argument binding with its error messages.
def make_adders():
    fs = []
    for i in range(3):
        def add(x, i=i):
            return x + i
        fs.append(add)
    late = [lambda: i for i in range(3)]
    return fs, late

adders, late = make_adders()
print([f(10) for f in adders], [g() for g in late], adders[0].__code__ is adders[2].__code__)

def counter():
    count = 0
    def bump(by=1):
        nonlocal count
        count += by
        return count
    return bump

c1, c2 = counter(), counter()
print(c1(), c1(), c1(5), c2())

def args(a, b=2, *rest, key="k", **extra):
    return a, b, rest, key, extra

print(args(1), args(1, 3, 4, 5, key="z", w=0), args(b=9, a=8))
for bad in [lambda: args(), lambda: args(1, a=2), lambda: args(1, 2, zz=1, key=1, key2=2)]:
    try:
        print(bad())
    except TypeError as e:
        print(e)

def kwonly(a, *, k):
    return a + k

try:
    kwonly(1)
except TypeError as e:
    print(e)
try:
    kwonly(1, 2)
except TypeError as e:
    print(e)
print(kwonly(1, k=2), (lambda *xs: sum(xs))(1, 2, 3))
