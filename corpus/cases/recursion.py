# Pins down: recursion depth accounting against the limit of 1000 frames (the module frame
# counts), RecursionError's message, recovery after it, and recursion just under the limit.
def depth(n):
    try:
        return depth(n + 1)
    except RecursionError:
        return n

print("max depth", depth(1))

def fact(n):
    return 1 if n <= 1 else n * fact(n - 1)

print(fact(30), len(str(fact(900))))

def forever(n):
    return forever(n + 1)

try:
    forever(0)
except RecursionError as e:
    print("caught:", e)
print(fact(5))
