# Pins down: try/except/else/finally flow, exception classes as Python classes (user
# subclasses, isinstance on the hierarchy), `raise ... from ...`, bare re-raise, exception args
# and str(), exceptions crossing several frames, and NameError/UnboundLocalError/AttributeError
# messages.
class AppError(Exception):
    pass

class DeepError(AppError):
    def __init__(self, code):
        self.code = code

def level3(n):
    if n > 2:
        raise DeepError(n)
    return n

def level2(n):
    try:
        return level3(n)
    finally:
        print("finally in level2", n)

def level1(n):
    try:
        v = level2(n)
    except AppError as e:
        print("caught", type(e).__name__, e.code, isinstance(e, Exception), e.args)
        v = -1
    else:
        print("no error")
    return v

print(level1(1), level1(5))
try:
    try:
        {}["missing"]
    except KeyError as e:
        raise ValueError("converted") from e
except ValueError as e:
    print(e, type(e.__cause__).__name__)
try:
    try:
        raise TypeError("inner")
    except TypeError:
        print("re-raising")
        raise
except TypeError as e:
    print("outer got", e)

def unbound():
    if False:
        q = 1
    return q

for thunk in [lambda: undefined_name, unbound, lambda: (1).nope, lambda: [].nope, lambda: int.nope]:
    try:
        thunk()
    except (NameError, AttributeError) as e:
        print(type(e).__name__, e)
e = Exception("a", 2)
print(str(e), repr(e), str(Exception()), repr(KeyError("k")), str(KeyError("k")))
try:
    raise 5
except TypeError as e:
    print(e)
try:
    assert 1 == 2, "assertion message"
except AssertionError as e:
    print("assert:", e)
