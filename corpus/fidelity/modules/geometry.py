# The imported module of the `modules` fidelity program.
ORIGIN_WEIGHT = 2
calls = 0

def dist2(p, q):
    global calls
    calls += 1
    dx = p[0] - q[0]
    dy = p[1] - q[1]
    return dx * dx + dy * dy

def count_calls():
    return calls
