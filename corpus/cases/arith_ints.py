# Pins down: int semantics — negative floor division and modulo, big ints past 2**53/2**64,
# shifts, pow (incl. negative exponents -> float), bitwise ops on bools, and the exact
# ZeroDivisionError / OverflowError / ValueError messages of CPython 3.14.
print(-7 // 2, -7 % 2, 7 // -2, 7 % -2, -7 // -2, -7 % -2)
print(2 ** 53 + 1, 2 ** 64, -(2 ** 70) // 3, (2 ** 70) % 7, 10 ** 30 // 7)
print(1 << 70, (1 << 70) >> 69, -1 >> 5, ~5, ~-1, 5 & 3, 5 | 3, 5 ^ 3)
print(True + True, True & False, True | False, True ^ True, -True)
print(2 ** -2, (-2) ** 3, 0 ** 0, 7 / 2, 2 ** 100 / 2 ** 99)
big = 3 ** 200
print(big % 1000, big // 10 ** 90, len(str(big)))
for a, b in [(1, 0), (5, 0)]:
    try:
        print(a // b)
    except ZeroDivisionError as e:
        print("floordiv:", e)
    try:
        print(a % b)
    except ZeroDivisionError as e:
        print("mod:", e)
    try:
        print(a / b)
    except ZeroDivisionError as e:
        print("truediv:", e)
try:
    print(0 ** -1)
except ZeroDivisionError as e:
    print("pow:", e)
try:
    float(10 ** 400)
except OverflowError as e:
    print("float:", e)
try:
    1 << -1
except ValueError as e:
    print("shift:", e)
print(int("  -42 "), int(3.99), int(-3.99), int(True), abs(-5), abs(-2 ** 80))
try:
    int("abc")
except ValueError as e:
    print(e)
