# Pins down: module globals read in a loop, `global` rebinding from a function, `del` of a
# global and the NameError after it, shadowing a builtin in globals and restoring it, and
# LOAD_GLOBAL falling back to builtins.
counter = 0
def bump():
    global counter
    counter += 1
    return counter

for _ in range(5):
    bump()
print(counter)

def uses_len(xs):
    return len(xs)

print(uses_len([1, 2, 3]))
def len(x):
    return 42
print(uses_len([1, 2, 3]))
del len
print(uses_len([1, 2, 3]))
temp = 1
del temp
try:
    print(temp)
except NameError as e:
    print(e)
def reads_later():
    return later_defined * 2
later_defined = 21
print(reads_later())
