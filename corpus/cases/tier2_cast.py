# Pins down: the superblock of the seed design note (typing.cast written locally): a hot loop whose
# trace follows the call into cast() through the function-version cache (_PUSH_FRAME ... _RETURN_VALUE),
# globals promoted to inline constants, an unpredictable branch as a guarded side exit; then the
# callee's __code__ replaced and a global rebound while executors exist (invalidation and deopt).
def cast(typ, val):
    return val


def other(typ, val):
    return val + 1


def run(n, unpredictable):
    x = 1
    for i in range(n):
        x = cast(int, x)
        if unpredictable(i):
            x = x + 1
    return x


print(run(200, lambda i: i % 50 == 0))
cast.__code__ = other.__code__
print(run(50, lambda i: False))
int = float
print(run(20, lambda i: i == 3))
