# Pins down: str operations (concat, repeat, slicing with steps, join/split), repr quoting
# rules, f-strings with conversions and format specs, and the TypeErrors of mixing str/int.
s = "hello world"
print(s[0], s[-1], s[2:5], s[::-1], s[::2], s[100:], len(s), "lo" in s)
print("a,b,,c".split(","), "  x  y ".split(), "a b c".split(" ", 1), "-".join(["x", "y", "z"]))
print(repr("it's"), repr('say "hi"'), repr("both ' and \""), repr("tab\there\n"))
x, y = 3.14159, 42
print(f"{x:.2f}|{y:>6}|{y:<6}|{y:^7}|{y:06d}|{y:x}|{y:#b}|{x:e}|{x:g}|{-x:+.1f}")
print(f"{'txt'!r} {s!s:>15} {[1, 'a']} {y:,} {10**7:_} {0.5:%}")
print("ab" * 3, 3 * "xy", "" * 5, "a" + "b")
try:
    "a" + 1
except TypeError as e:
    print(e)
try:
    "abc"[5]
except IndexError as e:
    print(e)
try:
    "abc"["x"]
except TypeError as e:
    print(e)
try:
    f"{y:z}"
except ValueError as e:
    print(e)
print(str(12), str(1.0), str(None), str(True), repr(None), str([1, "2"]))
