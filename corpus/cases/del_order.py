# Pins down: the moment __del__ runs under reference counting, and the order of several:
# rebinding and `del` of names, list items released LAST TO FIRST, dict values FIRST TO LAST,
# function locals released LAST TO FIRST at return (3.14), temporaries passed to calls,
# instance attributes, and objects kept alive by a caught exception's traceback frames.
class D:
    def __init__(self, tag):
        self.tag = tag
    def __del__(self):
        print("del", self.tag)

x = D("x1")
x = D("x2")
print("rebound")
del x
print("deleted")
items = [D("l1"), D("l2"), D("l3")]
items = None
table = {"a": D("d1"), "b": D("d2")}
table = None

def locals_at_return():
    first = D("first")
    second = D("second")
    third = D("third")
    return 0

locals_at_return()
print("returned")

def take(a, b):
    print("in take")
    return a.tag + b.tag

print(take(D("arg1"), D("arg2")))
holder = D("holder")
holder.child = D("child")
holder = None

def fail():
    victim = D("victim")
    raise KeyError("k")

try:
    fail()
except KeyError:
    print("handling")
print("handled")
keep = D("kept-until-teardown")
_private = D("underscore-first")

# Temporaries passed to a builtin are released after the call from the top of the stack down:
# the LAST argument first (CPython 3.14's DECREF_INPUTS order).
class R:
    def __init__(self, t):
        self.t = t
    def __del__(self):
        print("release", self.t)
    def __repr__(self):
        return "R" + str(self.t)
print(R(1), R(2), R(3))
min(R(4), R(5), key=lambda r: r.t)

# Release order of operator inputs: after a failing `+` the right operand goes first; after a
# comparison or `in`, right then left (CPython 3.14's generated code).
try:
    R(6) + R(7)
except TypeError:
    print("no +")
print(R(8) == R(9), R(10) in [R(11)])
