# Fidelity: subscripts: BINARY_OP_SUBSCR_LIST_INT / _TUPLE_INT / _DICT / _STR_INT / _LIST_SLICE,
# negative indices (not specialized), STORE_SUBSCR_LIST_INT and _DICT, a subscript site whose
# container changes from list to tuple to dict after warm-up, deleting items.
def get(c, i):
    return c[i]

def swap(xs, i, j):
    t = xs[i]
    xs[i] = xs[j]
    xs[j] = t

def count(words):
    d = {}
    for w in words:
        d[w] = d.get(w, 0) + 1
    return d

def chars(s):
    n = 0
    for i in range(len(s)):
        if s[i] == "a":
            n += 1
    return n

def window(xs, k):
    out = []
    for i in range(len(xs) - k + 1):
        out.append(xs[i:i + k])
    return out

lst = list(range(10))
tup = tuple(range(10))
acc = 0
for r in range(20):
    for i in range(10):
        acc += get(lst, i)
        swap(lst, i, 9 - i)
for r in range(60):
    acc += get(tup, r % 10)        # same site: tuples now
for r in range(60):
    acc += get({r: r * 2}, r)      # and dicts
acc += get(lst, -1) + get(lst, -2)
d = count(["x", "y", "x", "z"] * 10)
acc += chars("banana" * 5) + d["x"]
w = window(lst, 3)
del lst[0]
del d["z"]
print(acc, lst, d, w[:2], get("hello", 1))
