# tierdiff CPython oracle, importer side (loaded once into pyodide by oracles/cpython/pyodide.ts).
#
# dump_program(json) compiles each module with CPython 3.14's own compile(source, filename, "exec")
# and converts its code objects, UNCHANGED, to plain JSON that import.ts turns into CodeDefs.
# Everything here is transfer only; the subset checks (opcodes, constant types) live in import.ts
# so they use the same opcode tables as the rest of tierdiff.
#
# JSON shape (all offsets in BYTES as CPython's Python APIs give them; import.ts converts):
#   {"modules": [{"name", "filename", "code": CODE}]}  or  {"error": {"filename", "line", "type", "msg"}}
#   CODE  = {"name", "qualname", "filename", "firstlineno", "argcount", "posonlyargcount",
#            "kwonlyargcount", "flags", "stacksize", "code": hex of co_code, "consts": [CONST],
#            "names", "localsplusnames", "localspluskinds", "exceptiontable": [[start, end, target,
#            depth, lasti]], "lines": [line or null per code unit]}
#   CONST = ["none"] | ["bool", b] | ["int", neg, "0x.."] | ["float", repr] | ["str", s]
#         | ["tuple", [CONST]] | ["slice", CONST, CONST, CONST] | ["code", CODE]
#         | ["unsupported", type name, short repr]
import dis
import json
import types
import warnings

try:
    # The exact co_localspluskinds (Objects/codeobject.c keeps them private; test-only C API).
    from _testinternalcapi import get_co_localskinds as _get_kinds
except ImportError:  # pragma: no cover - present in pyodide's CPython 3.14
    _get_kinds = None

# _PyLocals_Kind (Include/internal/pycore_code.h)
CO_FAST_ARG_POS = 0x02
CO_FAST_ARG_KW = 0x04
CO_FAST_ARG_VAR = 0x08
CO_FAST_HIDDEN = 0x10
CO_FAST_LOCAL = 0x20
CO_FAST_CELL = 0x40
CO_FAST_FREE = 0x80
CO_OPTIMIZED = 0x1
CO_VARARGS = 0x4
CO_VARKEYWORDS = 0x8


def derive_localsplus(co):
    """co_localsplusnames/kinds rebuilt from public attributes, following Python/compile.c
    (compute_localsplus_info) and Objects/codeobject.c: co_varnames first (arguments first, in
    order: positional, keyword-only, *args, **kwargs), an argument/local that is also a cell is ONE
    entry LOCAL|CELL, then cell-only names (co_cellvars order), then free vars. CO_FAST_HIDDEN marks
    every fast local of a non-function scope (module or class body): those only exist because a
    comprehension was inlined there (PEP 709), and 3.14 hides them from locals(); in a function the
    same inlined comprehension variables are plain LOCALs. Used when _testinternalcapi is missing and
    by the tests as an independent cross-check of the real kinds."""
    names = list(co.co_varnames)
    kinds = [CO_FAST_LOCAL] * len(names)
    i = 0
    for i in range(co.co_argcount + co.co_kwonlyargcount):
        if i < co.co_posonlyargcount:
            kinds[i] |= CO_FAST_ARG_POS
        elif i < co.co_argcount:
            kinds[i] |= CO_FAST_ARG_POS | CO_FAST_ARG_KW
        else:
            kinds[i] |= CO_FAST_ARG_KW
    i = co.co_argcount + co.co_kwonlyargcount
    if co.co_flags & CO_VARARGS:
        kinds[i] |= CO_FAST_ARG_VAR | CO_FAST_ARG_POS
        i += 1
    if co.co_flags & CO_VARKEYWORDS:
        kinds[i] |= CO_FAST_ARG_VAR | CO_FAST_ARG_KW
    if not co.co_flags & CO_OPTIMIZED:
        kinds = [k | CO_FAST_HIDDEN for k in kinds]
    for name in co.co_cellvars:
        if name in names:
            kinds[names.index(name)] |= CO_FAST_CELL
        else:
            names.append(name)
            kinds.append(CO_FAST_CELL)
    for name in co.co_freevars:
        names.append(name)
        kinds.append(CO_FAST_FREE)
    return names, kinds


def real_localsplus(co):
    """The real co_localsplusnames/kinds: get_co_localskinds returns {name: kind} in localsplus
    order; _varname_from_oparg(i) confirms the index of every name."""
    if _get_kinds is None:
        return derive_localsplus(co)
    kinds_by_name = _get_kinds(co)
    names = [co._varname_from_oparg(i) for i in range(len(kinds_by_name))]
    if names != list(kinds_by_name):
        raise AssertionError(f"localsplus order mismatch in {co.co_qualname}: {names} vs {list(kinds_by_name)}")
    return names, [kinds_by_name[n] for n in names]


def _const(c):
    t = type(c)
    if c is None:
        return ["none"]
    if t is bool:
        return ["bool", c]
    if t is int:
        # hex is exact and, unlike str(), not subject to sys.int_max_str_digits
        return ["int", c < 0, hex(abs(c))]
    if t is float:
        return ["float", repr(c)]  # shortest round-tripping repr: exact; 'inf'/'nan' mapped in JS
    if t is str:
        return ["str", c]
    if t is tuple:
        return ["tuple", [_const(x) for x in c]]
    if t is slice:
        return ["slice", _const(c.start), _const(c.stop), _const(c.step)]
    if t is types.CodeType:
        return ["code", dump_code(c)]
    r = repr(c)
    return ["unsupported", t.__name__, r if len(r) <= 40 else r[:37] + "..."]


def dump_code(co):
    names, kinds = real_localsplus(co)
    lines = [pos[0] for pos in co.co_positions()]  # one entry per code unit (caches included)
    return {
        "name": co.co_name,
        "qualname": co.co_qualname,
        "filename": co.co_filename,
        "firstlineno": co.co_firstlineno,
        "argcount": co.co_argcount,
        "posonlyargcount": co.co_posonlyargcount,
        "kwonlyargcount": co.co_kwonlyargcount,
        "flags": co.co_flags,
        "stacksize": co.co_stacksize,
        "code": co.co_code.hex(),  # 3.14's co_code: base opcodes, caches zeroed
        "consts": [_const(c) for c in co.co_consts],
        "names": list(co.co_names),
        "localsplusnames": names,
        "localspluskinds": kinds,
        "exceptiontable": [
            [e.start, e.end, e.target, e.depth, bool(e.lasti)] for e in dis._parse_exception_table(co)
        ],
        "lines": lines,
    }


def dump_program(arg):
    req = json.loads(arg)
    out = []
    for m in req["modules"]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # SyntaxWarnings etc. are not errors
                co = compile(m["source"], m["filename"], "exec", dont_inherit=True)
        except SyntaxError as e:  # includes IndentationError / TabError
            return json.dumps({"error": {"filename": m["filename"], "line": e.lineno,
                                         "type": type(e).__name__, "msg": e.msg}})
        except ValueError as e:  # e.g. a source CPython refuses outright
            return json.dumps({"error": {"filename": m["filename"], "line": None,
                                         "type": type(e).__name__, "msg": str(e)}})
        out.append({"name": m["name"], "filename": m["filename"], "code": dump_code(co)})
    return json.dumps({"modules": out})


def cross_check_kinds(arg):
    """Test support: for every code object of every module, compare the real localsplus info with
    derive_localsplus; returns the list of mismatches (empty when the derivation is right)."""
    req = json.loads(arg)
    bad = []

    def walk(co):
        real = real_localsplus(co)
        derived = derive_localsplus(co)
        if real != derived:
            bad.append({"code": co.co_qualname, "real": real, "derived": derived})
        for c in co.co_consts:
            if isinstance(c, types.CodeType):
                walk(c)

    for m in req["modules"]:
        walk(compile(m["source"], m["filename"], "exec", dont_inherit=True))
    return json.dumps(bad)
