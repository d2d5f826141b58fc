/**
 * Run a program in real CPython 3.14 (pyodide) and produce its Outcome (oracles/outcome.ts).
 * The engines implement the SAME protocol; this block is its definition.
 *
 * OUTCOME PROTOCOL (CPython oracle, oracles/cpython/runner.py)
 *  1. Modules. modules[0] is the entry point; it runs as `__main__` in a fresh
 *     `types.ModuleType("__main__")` whose dict starts as {__name__: "__main__", __doc__: None,
 *     __package__: None, __loader__: None, __spec__: None, __builtins__: <module builtins>} (no
 *     __file__). The other modules are importable by name (`import m`, `from m import f`) and run on
 *     first import through the normal import system (sys.modules entry, module created by importlib
 *     with __name__, __doc__, __package__, __loader__, __spec__, __file__ = the module's filename,
 *     __cached__, then __builtins__ added by exec). Module reprs: `<module '__main__'>` and
 *     `<module 'm' from 'm.py'>`.
 *     An import whose module body raises removes the module again (importlib semantics); such a
 *     module is not "executed" below. Nothing of a run survives into the next run.
 *  2. Before the run: gc.collect(); during the whole run, teardown included: gc disabled (reference
 *     counting only; cyclic garbage is never collected while recording).
 *  3. Recursion: limit as in a fresh `python3 prog.py` with limit 1000: the module frame is at depth 1
 *     and at most 1000 Python frames may be live (so `def f(n): return f(n+1)` called from the
 *     module body reaches f(998) and the call f(999) raises RecursionError("maximum recursion depth
 *     exceeded")). Imported module bodies sit 5 importlib frames below the importing frame, as in
 *     CPython. Code run during steps 6-8 (repr, __del__) starts at depth 1 again.
 *  4. stdout: everything written to sys.stdout from the start of the run to the end of teardown
 *     (steps 6-8 included), byte for byte. stderr is discarded.
 *  5. Uncaught exception from the entry module (BaseException included): status "exception",
 *     exception = {type: type(exc).__qualname__, message: str(exc) (or "<exception str() failed>"),
 *     traceback: one entry per traceback level whose code belongs to the program, outermost first
 *     (the `<module>` frame of modules[0] first): {func: co_qualname, offset: tb_lasti = BYTE offset of
 *     the executing instruction (2 x code unit), line: tb_lineno (left out when there is none),
 *     file: co_filename = the module's filename}. importlib's and the runner's frames are left out,
 *     so an exception from an imported module's body shows `<module>` (entry, at its IMPORT_NAME),
 *     then `<module>` of the imported module. Otherwise status "ok". value is always "None".
 *  6. globals, recorded right after the entry module finished (exception still alive): for every
 *     executed program module still in sys.modules, in order of first execution (`__main__` first),
 *     [name, repr(value)] for each key in dict order, leaving out dunder names (`__x__`, length >= 4).
 *     A repr that raises is recorded as `<repr raised TYPE: MESSAGE>`. Keyed by module name
 *     ("__main__" for the entry module).
 *  7. Then the uncaught exception (with its traceback, frames and their locals) is dropped.
 *  8. Teardown: for each executed module in REVERSE order of first execution (entry module last),
 *     CPython's _PyModule_ClearDict: pass 1 sets every name starting with exactly one underscore
 *     (`_x`, also `_`; not `__x`) whose value is not None to None; pass 2 sets every name except
 *     `__builtins__` whose value is not None to None (dunders included); each pass iterates over a
 *     snapshot of the keys in dict order and skips keys deleted meanwhile. Then the module objects
 *     are dropped. Cyclic garbage left after that is NOT part of the outcome.
 *  9. delOrder: one entry per call of any program function named `__del__` (from the start of the
 *     run to the end of teardown; explicit calls count too), in call order:
 *     type(first argument).__qualname__, i.e. the class of the object being finalized (observed
 *     with sys.monitoring PY_START on the program's `__del__` code objects).
 * 10. unraisable: every exception CPython reports through sys.unraisablehook from the start of the
 *     run to the end of teardown (in practice: raised by `__del__`), in order:
 *     {type: exception class __qualname__, message: str(exc)}.
 * Runner failures (the program does not compile, a module name is not an identifier, duplicates,
 * or shadows a stdlib module, or the runner itself breaks) are thrown as JS Errors, not Outcomes.
 * There is no step budget: a program that does not terminate hangs the caller.
 *
 * Known limits of the oracle: pyodide is a 32-bit build (hash(), sys.maxsize, id-based orders
 * differ from 64-bit CPython); the sys.monitoring callback and the runner add a frame, so a `__del__`
 * entered at exactly the recursion limit behaves differently. Step 8 is the protocol's model of
 * shutdown, NOT what `python3 prog.py` does at exit: there CPython first drops sys.modules entries and
 * runs the cycle collector (module dicts are usually in a cycle with their functions), so __del__
 * order at exit follows the collector (CPython 3.12/3.13 print 1, 2, 3 for `a = A(1); b = A(2);
 * _c = A(3)`, the protocol gives 3, 1, 2).
 */
import type { ExceptionOutcome, Outcome, TracebackEntry, UnraisableOutcome } from "../outcome.ts";
import { readPythonFiles, type PySourceModule } from "./import.ts";
import { callHelper } from "./pyodide.ts";

interface RunnerResult {
  status: "ok" | "exception";
  value: string;
  stdout: string;
  exception?: { type: string; message: string; traceback: { func: string; offset: number; line?: number; file: string }[] };
  delOrder: string[];
  unraisable: { type: string; message: string }[];
  globals: Record<string, [string, string][]>;
}

function isRunnerResult(x: unknown): x is RunnerResult {
  if (typeof x !== "object" || x === null) return false;
  const r = x as Record<string, unknown>;
  return (
    (r["status"] === "ok" || r["status"] === "exception") &&
    typeof r["stdout"] === "string" &&
    Array.isArray(r["delOrder"]) &&
    Array.isArray(r["unraisable"]) &&
    typeof r["globals"] === "object"
  );
}

export async function runInCPython(modules: readonly PySourceModule[], _opts?: { stepLimit?: never }): Promise<Outcome> {
  const res = await callHelper("run_program", {
    modules: modules.map((m) => ({ name: m.name, filename: m.filename, source: m.source })),
  });
  if (!isRunnerResult(res)) throw new Error(`CPython oracle: malformed runner result ${JSON.stringify(res).slice(0, 200)}`);
  let exception: ExceptionOutcome | undefined;
  if (res.exception !== undefined) {
    const traceback: TracebackEntry[] = res.exception.traceback.map((e) =>
      e.line !== undefined ? { func: e.func, offset: e.offset, line: e.line, file: e.file } : { func: e.func, offset: e.offset, file: e.file },
    );
    exception = { type: res.exception.type, message: res.exception.message, traceback };
  }
  const globals: Record<string, readonly (readonly [string, string])[]> = {};
  for (const [mod, rows] of Object.entries(res.globals)) globals[mod] = rows.map(([k, v]) => [k, v] as const);
  const unraisable: UnraisableOutcome[] = res.unraisable.map((u) => ({ type: u.type, message: u.message }));
  return {
    status: res.status,
    value: res.value,
    stdout: res.stdout,
    ...(exception !== undefined ? { exception } : {}),
    delOrder: res.delOrder,
    unraisable,
    globals,
  };
}

/** runInCPython on files: `path` is the entry point, `others` importable by their base names. */
export async function runPythonFile(path: string, others: readonly string[] = []): Promise<Outcome> {
  return runInCPython(readPythonFiles([path, ...others]));
}
