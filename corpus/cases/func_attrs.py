# Pins down: function objects as values — replacing __code__ (compatible and incompatible
# signatures), replacing __defaults__, __name__ and __qualname__ changes, deleting the last
# reference to a function (so it is deallocated) and creating new ones in its place.
def f(a, b=1):
    return a + b

def g(a, b=1):
    return a * b

def h(a):
    return -a

print(f(3), f(3, 4))
f.__code__ = g.__code__
print(f(3), f(3, 4), f.__name__)
f.__defaults__ = (10,)
print(f(3))
f.__code__ = h.__code__
print(f(3))
try:
    f(3, 4)
except TypeError as e:
    print(e)
f.__name__ = "renamed"
f.__qualname__ = "Renamed.q"
print(f.__name__, f.__qualname__)
try:
    f.__defaults__ = 5
except TypeError as e:
    print(e)
made = []
for k in range(5):
    def made_fn(x, k=k):
        return x + k
    made.append(made_fn)
del made[1:3]
made_fn = None
print([m(100) for m in made])
g = None
def g(a):
    return "new g " + str(a)
print(g(1))
