NAME = "helper"
FACTOR = 2
calls = 0
print("helper imported")

def scale(x):
    global calls
    calls += 1
    return x * FACTOR

class Counter:
    def __init__(self):
        self.n = 0
    def inc(self):
        self.n += 1
