# Pins down: dict displays of more than 16 items, which CPython 3.14 builds in chunks
# (BUILD_MAP + DICT_UPDATE), and ** unpacking in a dict display.
d = {0: 0, 1: 1, 2: 4, 3: 9, 4: 16, 5: 25, 6: 36, 7: 49, 8: 64, 9: 81, 10: 100, 11: 121, 12: 144, 13: 169, 14: 196, 15: 225, 16: 256, 17: 289, 18: 324, 19: 361}
print(len(d), d[19], list(d)[:3])
e = {**d, "x": 1}
print(len(e), e["x"])
try:
    f = {**5}
except TypeError as err:
    print(err)
