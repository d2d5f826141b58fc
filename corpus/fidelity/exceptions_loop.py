# Fidelity: exceptions in hot loops: try/except around subscripts and divisions that sometimes
# fail (IndexError, KeyError, ZeroDivisionError), raising and catching user exception classes,
# exception attributes, isinstance on exceptions (CALL_ISINSTANCE), try/finally, raise from.
class AppError(Exception):
    def __init__(self, code):
        self.code = code

def safe_div(a, b):
    try:
        return a // b
    except ZeroDivisionError:
        return -1

def pick(xs, i):
    try:
        return xs[i]
    except IndexError as e:
        return len(str(e))

def check(n):
    if n % 7 == 0:
        raise AppError(n)
    return n

def run(n):
    hits = 0
    errs = 0
    for i in range(n):
        try:
            hits += check(i)
        except AppError as e:
            errs += e.code
        finally:
            hits += 1
    return hits, errs

def convert(s):
    try:
        return int(s)
    except ValueError as e:
        raise KeyError(s) from e

total = 0
for i in range(40):
    total += safe_div(100, i % 5)
    total += pick([1, 2, 3], i % 5)
h, e = run(60)
d = {"a": 1}
for i in range(30):
    try:
        total += d["b" if i % 3 else "a"]
    except KeyError as ex:
        total += isinstance(ex, LookupError)
caught = 0
for s in ["1", "x", "3", "y"] * 5:
    try:
        total += convert(s)
    except KeyError as ex:
        caught += isinstance(ex.__cause__, ValueError)
print(total, h, e, caught)
