# tierdiff CPython oracle, run side (loaded once into pyodide by oracles/cpython/pyodide.ts).
#
# run_program(json) runs a program in this process's CPython 3.14 and returns its Outcome as JSON.
# The protocol (what is recorded, and when) is documented at the top of oracles/cpython/run.ts;
# the comments here explain how each point is achieved inside pyodide.
import builtins
import gc
import io
import json
import sys
import types
import warnings
from importlib import _bootstrap, machinery


class RunnerError(Exception):
    """A problem with the program as a whole (does not compile, bad module name), or with the
    runner itself: reported to JS as an error, never as an Outcome."""


def _frame_depth_of_caller():
    # Python frames on the stack from our caller's frame (included) outward. CPython 3.12+ counts
    # only Python frames against the recursion limit (tstate->py_recursion_remaining), one per frame,
    # so this is exactly the depth the limit sees.
    f = sys._getframe(2)
    n = 0
    while f is not None:
        n += 1
        f = f.f_back
    return n


def _calibrate():
    """Make program code called from our caller see the recursion limit of a fresh
    `python3 prog.py` (limit 1000, the module frame at depth 1): our caller sits at depth d, the
    program frame it starts will be at d + 1, so the limit must be 1000 + d.
    (setrecursionlimit re-bases py_recursion_remaining on the current depth, so the limit stays
    absolute: it can be called from any frame.)"""
    sys.setrecursionlimit(1000 + _frame_depth_of_caller())


def _is_dunder(name):
    return len(name) >= 4 and name.startswith("__") and name.endswith("__")


def _safe_str(exc):
    try:
        return str(exc)
    except BaseException:
        return "<exception str() failed>"  # what CPython's traceback printer shows


def _safe_repr(value):
    try:
        return repr(value)
    except BaseException as e:
        return f"<repr raised {type(e).__qualname__}: {_safe_str(e)}>"


def _walk_codes(code):
    yield code
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            yield from _walk_codes(c)


class _Run:
    """State of one run. Nothing here outlives run_program: modules, code objects, finder and
    hooks are all dropped or uninstalled before it returns."""

    def __init__(self, importable):
        self.importable = importable  # module name -> (filename, code) for modules 2..n
        self.executed = []  # [name, module] of program modules alive, in first-execution order
        self.del_order = []
        self.unraisable = []
        self.recording = True

    # --- sys.monitoring PY_START on the program's __del__ code objects ---
    def on_py_start(self, code, offset):
        if not self.recording:
            return None
        # The callback is called from the instrumented RESUME of the __del__ frame: that frame is
        # our caller. Its first argument is the object being finalized (bound `self`).
        frame = sys._getframe(1)
        obj = None
        found = False
        if frame.f_code is code:
            loc = frame.f_locals
            if code.co_argcount > 0 and code.co_varnames[0] in loc:
                obj, found = loc[code.co_varnames[0]], True
            elif code.co_flags & 0x4 and code.co_varnames[code.co_kwonlyargcount] in loc:  # def __del__(*a)
                args = loc[code.co_varnames[code.co_kwonlyargcount]]
                if args:
                    obj, found = args[0], True
            del loc
        del frame
        self.del_order.append(type(obj).__qualname__ if found else "?")
        del obj
        return None

    # --- sys.unraisablehook: exceptions ignored in __del__ ---
    def on_unraisable(self, u):
        if not self.recording:
            return
        exc_type = u.exc_type if u.exc_type is not None else type(u.exc_value)
        self.unraisable.append({"type": exc_type.__qualname__, "message": _safe_str(u.exc_value)})


class _Finder:
    """Meta-path finder for the program's own modules. Nothing touches the file system and
    nothing is cached by importlib outside sys.modules, so removing the finder and the
    sys.modules entries removes every trace."""

    def __init__(self, run):
        self._run = run

    def find_spec(self, fullname, path=None, target=None):
        if path is not None:
            return None
        entry = self._run.importable.get(fullname)
        if entry is None:
            return None
        spec = machinery.ModuleSpec(fullname, _Loader(self._run, entry[1]), origin=entry[0])
        # Like a file-backed module: __file__ = the program's filename, repr
        # "<module 'm' from 'm.py'>" (importlib also derives a __cached__ path; nothing is written).
        spec.has_location = True
        return spec

    def invalidate_caches(self):
        pass


class _Loader:
    def __init__(self, run, code):
        self._run = run
        self._code = code

    def create_module(self, spec):
        return None  # importlib's default module creation, as for any .py module

    def exec_module(self, module):
        entry = [module.__spec__.name, module]
        self._run.executed.append(entry)
        try:
            # Same frame chain as SourceFileLoader (_LoaderBasics.exec_module) so the recursion
            # depth of the imported module's body matches a real import: _find_and_load ->
            # _find_and_load_unlocked -> _load_unlocked -> exec_module -> _call_with_frames_removed.
            _bootstrap._call_with_frames_removed(exec, self._code, module.__dict__)
        except BaseException:
            # importlib drops the half-initialized module from sys.modules; so do we.
            self._run.executed = [e for e in self._run.executed if e is not entry]
            raise
        finally:
            del entry


def _describe_exception(exc, program_code_ids):
    entries = []
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        # Only frames of program code: the runner's own frames (run_program, exec_module) and
        # importlib's frames are left out.
        if id(code) in program_code_ids:
            entry = {"func": code.co_qualname, "offset": tb.tb_lasti}
            line = tb.tb_lineno
            if line is not None and line >= 0:
                entry["line"] = line
            entry["file"] = code.co_filename
            entries.append(entry)
        tb = tb.tb_next
    return {"type": type(exc).__qualname__, "message": _safe_str(exc), "traceback": entries}


def _record_globals(executed):
    _calibrate()  # user __repr__ runs one frame below
    out = {}
    for name, module in executed:
        d = module.__dict__
        rows = []
        for key in list(d):
            if not isinstance(key, str) or _is_dunder(key) or key not in d:
                continue
            rows.append([key, _safe_repr(d[key])])
        out[name] = rows
    return out


def _clear_module_dict(d):
    """_PyModule_ClearDict (Objects/moduleobject.c), in Python: first every name starting with a
    single underscore whose value is not None is set to None, then every name but __builtins__.
    Each pass walks a snapshot of the keys in dict order (re-checking the live dict, since a __del__
    may have changed it). A value is released by the assignment, so __del__ runs right there."""
    _calibrate()  # __del__ runs one frame below, like at depth 1 during interpreter shutdown
    for key in list(d):
        if isinstance(key, str) and key[:1] == "_" and key[1:2] != "_":
            if key in d and d[key] is not None:
                d[key] = None
    for key in list(d):
        if isinstance(key, str) and key != "__builtins__":
            if key in d and d[key] is not None:
                d[key] = None


def _compile_all(modules):
    codes = []
    for m in modules:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                codes.append(compile(m["source"], m["filename"], "exec", dont_inherit=True))
        except SyntaxError as e:
            raise RunnerError(f"{m['filename']}:{e.lineno}: {type(e).__name__}: {e.msg}") from None
        except ValueError as e:
            raise RunnerError(f"{m['filename']}: {type(e).__name__}: {e}") from None
    return codes


def _check_names(modules):
    seen = set()
    for m in modules[1:]:
        name = m["name"]
        if not name.isidentifier():
            raise RunnerError(f"module name {name!r} is not a plain identifier")
        if name in seen or name == "__main__":
            raise RunnerError(f"duplicate module name {name!r}")
        # A program module may not share a name with a standard library module: whether
        # `python3 prog.py` would import the program's file or the stdlib one depends on what
        # the interpreter preloads, and pyodide preloads more. Better refuse than guess.
        if name in sys.builtin_module_names or name in sys.stdlib_module_names or name in sys.modules:
            raise RunnerError(f"module name {name!r} shadows a standard library module")
        seen.add(name)


def _acquire_tool_id():
    mon = sys.monitoring
    for tool in range(6):  # ids 0..5 are the ones tools may use
        if mon.get_tool(tool) is None:
            mon.use_tool_id(tool, "tierdiff-cpython-oracle")
            return tool
    raise RunnerError("no free sys.monitoring tool id")


def run_program(arg):
    req = json.loads(arg)
    modules = req["modules"]
    if not modules:
        raise RunnerError("a program needs at least one module")
    _check_names(modules)
    codes = _compile_all(modules)
    program_code_ids = set()
    del_codes = []
    for code in codes:
        for c in _walk_codes(code):
            program_code_ids.add(id(c))
            if c.co_name == "__del__":
                del_codes.append(c)
    main_code = codes[0]
    run = _Run({m["name"]: (m["filename"], c) for m, c in zip(modules[1:], codes[1:])})

    saved_stdout, saved_stderr = sys.stdout, sys.stderr
    saved_hook = sys.unraisablehook
    saved_limit = sys.getrecursionlimit()
    had_main = "__main__" in sys.modules
    saved_main = sys.modules.get("__main__")
    gc_was_enabled = gc.isenabled()
    out = io.StringIO()
    sink = io.StringIO()  # stderr of the program, and anything after recording stopped
    finder = _Finder(run)
    mon = sys.monitoring
    tool = None
    result = None

    # Start from a clean heap, then keep the cycle collector away: the engines model reference
    # counting only, so cyclic garbage must never be collected (and __del__ run) at random points.
    gc.collect()
    gc.disable()
    try:
        tool = _acquire_tool_id()
        mon.register_callback(tool, mon.events.PY_START, run.on_py_start)
        for c in del_codes:
            mon.set_local_events(tool, c, mon.events.PY_START)
        sys.meta_path.insert(0, finder)
        sys.stdout, sys.stderr = out, sink
        sys.unraisablehook = run.on_unraisable

        main = types.ModuleType("__main__")
        main.__builtins__ = builtins
        sys.modules["__main__"] = main
        run.executed.append(["__main__", main])
        main_dict = main.__dict__
        del main

        status = "ok"
        exception = None
        pending = None
        _calibrate()
        try:
            exec(main_code, main_dict)
        except BaseException as e:
            status = "exception"
            exception = _describe_exception(e, program_code_ids)
            pending = e  # keep it (and what its traceback's frames hold) alive until after globals

        globals_out = _record_globals(run.executed)

        # Dropping the exception frees the frames of its traceback and their locals (__del__!).
        _calibrate()
        pending = None

        # Module teardown, entry module last.
        executed = list(run.executed)
        for entry in reversed(executed):
            _clear_module_dict(entry[1].__dict__)
        for entry in executed:
            if entry[0] != "__main__" and sys.modules.get(entry[0]) is entry[1]:
                del sys.modules[entry[0]]
        entry = executed = main_dict = None
        run.executed.clear()

        result = {
            "status": status,
            "value": "None",
            "stdout": out.getvalue(),
            "delOrder": list(run.del_order),
            "unraisable": list(run.unraisable),
            "globals": globals_out,
        }
        if exception is not None:
            result["exception"] = exception
    finally:
        # Stop recording, then collect what the program left in cycles (their __del__ output goes
        # to the sink) so it cannot surface during a later run; then restore pyodide's state.
        run.recording = False
        sys.stdout = sys.stderr = sink
        if finder in sys.meta_path:
            sys.meta_path.remove(finder)
        for m in modules[1:]:
            spec = getattr(sys.modules.get(m["name"]), "__spec__", None)
            if spec is not None and isinstance(spec.loader, _Loader):
                del sys.modules[m["name"]]
            spec = None
        if had_main:
            sys.modules["__main__"] = saved_main
        else:
            sys.modules.pop("__main__", None)
        run.executed.clear()
        gc.collect()
        if tool is not None:
            for c in del_codes:
                mon.set_local_events(tool, c, 0)
            mon.register_callback(tool, mon.events.PY_START, None)
            mon.clear_tool_id(tool)
            mon.free_tool_id(tool)
        sys.unraisablehook = saved_hook
        sys.stdout, sys.stderr = saved_stdout, saved_stderr
        sys.setrecursionlimit(saved_limit)
        if gc_was_enabled:
            gc.enable()
    return json.dumps(result)
