# Pins down: float repr (shortest round-trip, 'r' format switching to exponent form at 1e16 and
# below 1e-4), arithmetic on -0.0, inf and nan, mixed int/float comparisons that are exact
# for big ints, float floor division/modulo signs, and float error messages.
print(0.1 + 0.2, 1e16, 1e15, 1.5e-5, 0.0001, 123456789012345.6, 5e-324, 1.7976931348623157e308)
print(-0.0, 0.0 * -1, 1 / 3, 2 / 3, 10 / 4, float("inf"), -float("inf"), float("nan"))
print(7.5 // 2, -7.5 // 2, 7.5 % 2, -7.5 % 2, 7.5 % -2, -0.0 % 5, 5 % -0.5)
print(2 ** 53 + 1 == float(2 ** 53), 2 ** 53 == float(2 ** 53), 1 == 1.0, 0.5 < 1, 3 > 2.5)
print(float("1e500"), float(" 1_000.25 "), float(7), 3 * 1.5, 2 ** 0.5, 1e308 * 10)
print(round_trip := 0.1 * 3, round_trip == 0.3)
try:
    1.0 / 0
except ZeroDivisionError as e:
    print(e)
try:
    5.0 % 0.0
except ZeroDivisionError as e:
    print(e)
try:
    float("x1")
except ValueError as e:
    print(e)
try:
    print(10.0 ** 400)
except OverflowError as e:
    print(e)
print(sum([0.1] * 10), sum([1, 2.5, 3]), sum(range(5)), min(2.5, 2), max(-1, -1.0))
