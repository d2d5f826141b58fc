# Fidelity: single inheritance: methods and class attributes found on a base class, overrides,
# __repr__ / __str__ called through str() and repr() and f-strings, polymorphic call sites over a
# mix of subclasses, a base-class attribute changed after warm-up (invalidates every subclass).
class Shape:
    sides = 0
    def __init__(self, name):
        self.name = name
    def describe(self):
        return self.name + ":" + str(self.sides)
    def area(self):
        return 0
    def __repr__(self):
        return "Shape(" + self.name + ")"

class Square(Shape):
    sides = 4
    def __init__(self, s):
        self.name = "square"
        self.s = s
    def area(self):
        return self.s * self.s

class Tri(Shape):
    sides = 3
    def __init__(self, b, h):
        Shape.__init__(self, "tri")
        self.b = b
        self.h = h
    def area(self):
        return self.b * self.h / 2
    def __str__(self):
        return f"Tri({self.b}x{self.h})"

def total_area(shapes):
    t = 0
    for s in shapes:
        t += s.area()
    return t

def labels(shapes):
    return [s.describe() for s in shapes]

shapes = [Square(2), Tri(3, 4), Shape("blob"), Square(5)]
acc = 0
for i in range(30):
    acc += total_area(shapes)
    acc += len(labels(shapes))
for i in range(30):
    acc += len(str(shapes[1])) + len(repr(shapes[0])) + len(f"{shapes[2]!r}")
Shape.sides = 1                 # every subclass's version changes too
for i in range(30):
    acc += len(labels(shapes))
    acc += total_area(shapes[:2])
print(acc, labels(shapes), shapes[1], repr(shapes[3]))
