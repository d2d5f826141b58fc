# Pins down: list/tuple/dict behaviour — methods the subset supports, slicing read and write,
# item deletion, unpacking, inlined comprehensions (3.14), dict order and views, and the
# IndexError/KeyError/ValueError messages.
xs = [5, 3, 8]
xs.append(1)
xs.insert(0, 9)
xs.extend((7, 7))
print(xs, xs.pop(), xs.pop(0), xs)
xs[1:3] = [10, 20, 30]
print(xs, xs[::-2])
del xs[0]
del xs[1:3]
print(xs, sorted(xs), sorted(xs, reverse=True), len(xs))
t = (1, (2, 3), "x")
a, (b, c), d = t
print(a, b, c, d, t[1:], t + (4,), t * 2)
d = {"b": 2, "a": 1}
d["c"] = 3
d["b"] = 20
del d["a"]
print(d, list(d.keys()), list(d.values()), list(d.items()), d.get("zz"), d.get("zz", 0))
print([i * i for i in range(6) if i % 2], {k: v for k, v in d.items()}, [(i, j) for i in range(2) for j in "ab"])
print(list(enumerate("ab", 1)), list(zip([1, 2, 3], "xy")), dict([("k", 1)], z=2), tuple([1, 2]))
try:
    [][0]
except IndexError as e:
    print(e)
try:
    d["nope"]
except KeyError as e:
    print(repr(e), e)
try:
    a, b = [1, 2, 3]
except ValueError as e:
    print(e)
try:
    a, b, c = (1,)
except ValueError as e:
    print(e)
try:
    [].pop()
except IndexError as e:
    print(e)
try:
    {}[[1]] = 2
except TypeError as e:
    print(e)
print(1 in [1, 2], 3 not in (1, 2), "k" in {"k": 0}, 2 in range(0, 10, 2), [1, 2] == [1, 2], (1, 2) < (1, 3))
