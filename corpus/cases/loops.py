# Pins down: hot loops of the kind tier 1 specializes and tier 2 traces — for over range, list
# and tuple, while with a bounded counter, branches that flip after warm-up, values whose type
# changes mid-loop (int -> float -> str, small int -> big int), break/continue, nested loops.
acc = 0
for i in range(200):
    if i < 150:
        acc += i
    else:
        acc -= 1
print(acc)
vals = [1, 2.5, "s", 10 ** 20, True, None]
out = []
for v in vals * 3:
    if v is None:
        continue
    if isinstance(v, str):
        out.append(v * 2)
    else:
        out.append(v + v)
print(out[:6])
n = 0
x = 1
while n < 100:
    x = x * 3
    n += 1
    if x > 10 ** 30:
        break
print(n, x)
grid = []
for r in range(4):
    row = []
    for c in (0, 1, 2):
        row.append(r * c)
    grid.append(row)
print(grid)
s = 0
t = 1
for k in range(120):
    s = s + t
    t = t * 2
print(s, type(s).__name__)
f = 0
for k in range(100):
    f = f + 0.5 if k % 3 else f + 1
print(f)
