# Fidelity: type changes after warm-up: the same instructions see ints, then floats, then strs,
# then ints again, long enough for each specialized form to deopt, back off and re-specialize
# (CPython's cooldown is 52 executions); an attribute site that sees a second class; a global
# call site whose callee is replaced; a method replaced on the class.
class A:
    def __init__(self):
        self.v = 1
    def get(self):
        return self.v

class B:
    def __init__(self):
        self.w = 0
        self.v = 2
    def get(self):
        return self.v * 10

def op(a, b):
    r = a + b
    if a < b:
        r = r * 2
    return r

def value(o):
    return o.v + o.get()

def callee(x):
    return x + 1

def use(x):
    return callee(x)

out = []
for i in range(80):
    out.append(op(i, 3))
for i in range(80):
    out.append(op(i + 0.5, 3.0))
for i in range(80):
    out.append(op("s", str(i % 3)))
for i in range(80):
    out.append(op(i, 4))
a = A()
b = B()
for i in range(80):
    out.append(value(a))
for i in range(80):
    out.append(value(b))
for i in range(80):
    out.append(use(i))
def callee(x):
    return x - 1
for i in range(80):
    out.append(use(i))
def get2(self):
    return -self.v
A.get = get2
for i in range(80):
    out.append(value(a))
print(len(out), out[:3], out[80:83], out[-3:])
