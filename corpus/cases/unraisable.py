# Pins down: an exception raised inside __del__ is not propagated (CPython reports it as
# "Exception ignored ..." and carries on); the program continues and later __del__ calls run.
class Bad:
    def __del__(self):
        print("bad del runs")
        raise ValueError("from __del__")

class Good:
    def __del__(self):
        print("good del runs")

b = Bad()
b = None
print("continued")
g = Good()
g = None
def make():
    Bad()
    return "made"
print(make())
