# Pins down: several modules — `import m` runs m once (sys.modules), `from m import f`,
# calls across modules read the CALLEE's globals, a module's global rebound from outside,
# and module attribute errors.
import helper
from helper import scale, Counter
print(helper.NAME, scale(4), helper.scale(5))
helper.FACTOR = 10
print(scale(4))
import helper as again
print(again is helper, helper.calls)
c = Counter()
c.inc()
c.inc()
print(c.n, helper.calls)
try:
    helper.missing
except AttributeError as e:
    print(e)
try:
    from helper import nothing
except ImportError as e:
    print(e)
