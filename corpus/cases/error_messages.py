# Pins down: TypeError/AttributeError messages of operators and attribute stores that the
# generic paths raise (3.14 wording, e.g. "for ** or pow()" but "for **=").
def t(f):
    try:
        f()
    except Exception as e:
        print(type(e).__name__, e)
t(lambda: "a" ** 2)
def g():
    x = "a"
    x **= 2
t(g)
def h():
    del (1, 2)[0]
t(h)
def k():
    (1).x = 2
t(k)
def k2():
    "s".y = 1
t(k2)
def k3():
    del "abc"[0]
t(k3)
t(lambda: [] < 1)
t(lambda: 1 @ 2)
