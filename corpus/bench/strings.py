# Benchmark: string building: str() of ints, concatenation, f-strings with format specs, join,
# split and slicing. One iteration = one line built, split and measured.
N = 2000


def bench(n):
    total = 0
    last = ""
    for i in range(n):
        parts = []
        for j in range(4):
            parts.append(str(i + j))
        line = "-".join(parts)
        tag = f"{i:>6}|{line}|{i % 7!r}"
        words = line.split("-")
        buf = ""
        for w in words:
            buf += w[:2]
        total += len(tag) + len(words[0]) + len(buf)
        last = tag
    return f"{total}:{last}"
