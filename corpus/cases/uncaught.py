# Pins down: an uncaught exception's outcome — type, message, and traceback entries (function
# and byte offset per frame, innermost last) — plus output printed before it and the globals.
def inner(d):
    return d["key"] * 2

def outer():
    data = {"other": 1}
    print("about to fail")
    return inner(data)

result = "unset"
result = outer()
