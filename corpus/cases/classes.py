# Pins down: classes with class attributes, methods, single inheritance and overriding,
# __init__ arguments, instance vs class attribute lookup, a class attribute changed after
# many reads (the kind of change type versions must notice), methods replaced on the class,
# bound methods stored and called later, and attribute errors.
class Shape:
    sides = 0
    def __init__(self, name):
        self.name = name
    def describe(self):
        return self.name + ":" + str(self.sides)
    def area(self):
        return 0

class Square(Shape):
    sides = 4
    def __init__(self, side):
        Shape.__init__(self, "square")
        self.side = side
    def area(self):
        return self.side * self.side

shapes = [Shape("blob"), Square(3), Square(4)]
total = 0
for i in range(50):
    for s in shapes:
        total += s.area()
print(total, [s.describe() for s in shapes], isinstance(shapes[1], Shape), type(shapes[1]).__name__)
Square.sides = 5
print(shapes[1].describe())
def new_area(self):
    return -1
Square.area = new_area
print([s.area() for s in shapes])
m = shapes[2].describe
shapes[2].name = "renamed"
print(m(), Shape.describe(shapes[2]))
shapes[0].sides = 99
print(shapes[0].describe(), Shape.sides)
try:
    Shape()
except TypeError as e:
    print(e)
try:
    shapes[0].missing
except AttributeError as e:
    print(e)
class Empty:
    pass
try:
    Empty(1)
except TypeError as e:
    print(e)
print(type(Empty()).__name__, Empty.__name__, isinstance(Empty(), object))
