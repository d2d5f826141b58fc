# Fidelity: module attributes (a multi-module program, imported by name): LOAD_ATTR_MODULE for
# functions and constants of an imported module in a hot loop, `from m import f` (a global of the
# importer), a module attribute rebound after warm-up (the module dict's version changes), and the
# imported module's own globals and builtins.
import geometry
from geometry import dist2

acc = 0
pts = [(i, i + 1) for i in range(10)]
for r in range(20):
    for p in pts:
        acc += geometry.dist2(p, (0, 0))
        acc += dist2(p, (1, 1)) + geometry.ORIGIN_WEIGHT
    acc += geometry.count_calls()
geometry.ORIGIN_WEIGHT = 5           # same key, new value
geometry.extra = 1                   # new key: the module's keys version changes
for r in range(60):
    acc += geometry.ORIGIN_WEIGHT + geometry.dist2(pts[r % 10], (2, 2))
print(acc, geometry.count_calls(), geometry.ORIGIN_WEIGHT)
