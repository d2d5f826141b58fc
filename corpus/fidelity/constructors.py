# Fidelity: constructors: classes with __init__ (CALL_ALLOC_AND_ENTER_INIT), a subclass that
# inherits __init__, builtin classes called with one argument (CALL_STR_1, CALL_TUPLE_1,
# CALL_TYPE_1) or several (CALL_BUILTIN_CLASS: int, float, list, dict), defaults in __init__, a
# class whose __init__ is replaced after warm-up.
class Vec:
    def __init__(self, x, y=0):
        self.x = x
        self.y = y

class Vec3(Vec):
    pass

class Plain:
    pass

def make(n):
    vs = []
    for i in range(n):
        vs.append(Vec(i, i + 1))
        vs.append(Vec(i))
        vs.append(Vec3(i, 2))
        vs.append(Plain())
    return vs

def convert(xs):
    out = []
    for x in xs:
        out.append(str(x))
        out.append(int("12") + int(3.5))
        out.append(float(x))
        out.append(tuple([x, x]))
        out.append(type(x) is int)
        out.append(list((x, 1)))
        out.append(dict(a=x))
    return out

total = 0
for _ in range(10):
    total += len(make(6))
    total += len(convert([1, 2, 3]))

def new_init(self, x, y=5):
    self.x = -x
    self.y = y
Vec.__init__ = new_init        # the class changes: the cached __init__ is stale
for _ in range(10):
    total += sum([v.x for v in make(4) if type(v) is Vec])
print(total, Vec(3).x, Vec3(4, 1).y, convert([7])[:4])
