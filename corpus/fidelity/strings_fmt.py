# Fidelity: strings: indexing and slicing str (BINARY_OP_SUBSCR_STR_INT), concatenation in loops,
# comparisons of strs (COMPARE_OP_STR), str methods (join, split), f-strings with conversions and
# format specs (FORMAT_SIMPLE / FORMAT_WITH_SPEC, not specialized), str() of ints and floats,
# membership tests, non-ASCII BMP text.
def caesar(s, k):
    alpha = "abcdefghijklmnopqrstuvwxyz"
    out = ""
    for ch in s:
        if ch in alpha:
            i = 0
            while alpha[i] != ch:
                i += 1
            out += alpha[(i + k) % 26]
        else:
            out = out + ch
    return out

def table(rows):
    lines = []
    for name, v in rows:
        lines.append(f"{name:>6}|{v:5.2f}|{v!r}")
    return "\n".join(lines)

def longest(words):
    best = ""
    for w in words:
        if len(w) > len(best) or (len(w) == len(best) and w < best):
            best = w
    return best

text = "the quick brown fox jumps over the lazy dog"
acc = []
for k in range(15):
    acc.append(caesar(text, k))
for i in range(20):
    acc.append(table([("a", 1.5), ("beta", i / 3)]))
    acc.append(longest(text.split(" ")))
acc.append(caesar("h\u00e9llo w\u00f6rld", 1))
print(acc[1], acc[-2], acc[-1], len("".join(acc)), str(12) + str(3.25))
