/**
 * Real CPython 3.14 (the `pyodide` npm package: CPython compiled to 32-bit wasm) as an oracle.
 *
 * Pyodide takes ~2 s to start, so it is loaded once per process and shared. It runs fully offline
 * (the interpreter, its stdlib zip and lock file are read from node_modules/pyodide; we never call
 * loadPackage) and its own console output is discarded: programs' output is captured by the Python
 * helpers themselves (runner.py), never through pyodide's stdout callback.
 *
 * The Python side of the oracle lives in .py files next to this one (dump.py: compile + convert code
 * objects, runner.py: run a program and record its Outcome). They are executed once after load, each
 * in its own namespace dict, and JS calls their entry points with ONE JSON string and gets ONE JSON
 * string back: no PyProxy ever leaks out of this module, so callers stay fully typed.
 */
import { loadPyodide, type PyodideInterface } from "pyodide";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export type { PyodideInterface };

const HERE = dirname(fileURLToPath(import.meta.url));

/** Helper files and the entry points each defines: `fn(json: str) -> str`. */
const HELPERS = {
  "dump.py": ["dump_program", "cross_check_kinds"],
  "runner.py": ["run_program"],
} as const;
export type HelperName = (typeof HELPERS)[keyof typeof HELPERS][number];

/** pyodide's PyProxy class is not exported by name; take it from runPython's signature. */
type PyProxyT = NonNullable<NonNullable<Parameters<PyodideInterface["runPython"]>[1]>["globals"]>;
/** A proxied Python dict, seen only through `get` (values come back as JS values or proxies). */
type PyNamespace = PyProxyT & { get(key: string): unknown };

/** A JS view of a Python callable taking and returning str (pyodide converts str both ways). */
type StrFn = (arg: string) => unknown;

interface Loaded {
  py: PyodideInterface;
  helpers: Map<string, StrFn>;
}

let loading: Promise<Loaded> | undefined;

async function load(): Promise<Loaded> {
  const quiet = (): void => {};
  const py = await loadPyodide({ stdout: quiet, stderr: quiet });
  // Route Python-level writes to the real streams into the void as well (loadPyodide's callbacks only
  // cover the C-level streams in some versions); runner.py swaps sys.stdout/sys.stderr per run anyway.
  py.setStdout({ batched: quiet });
  py.setStderr({ batched: quiet });
  const helpers = new Map<string, StrFn>();
  for (const [file, names] of Object.entries(HELPERS)) {
    const path = join(HERE, file);
    const source = readFileSync(path, "utf8");
    // Each helper gets a private globals dict, so helpers never see each other's (or pyodide's) names.
    const ns = py.runPython("dict()") as PyNamespace;
    py.runPython(source, { globals: ns, filename: path });
    for (const name of names) {
      const fn = ns.get(name);
      if (typeof fn !== "function") throw new Error(`pyodide: ${file} does not define ${name}()`);
      helpers.set(name, fn as StrFn);
    }
  }
  return { py, helpers };
}

async function loaded(): Promise<Loaded> {
  loading ??= load().catch((e: unknown) => {
    // A failed load must not poison the process: let the next caller try again.
    loading = undefined;
    throw e;
  });
  return loading;
}

/** The shared pyodide instance (loaded on first use, then cached for the whole process). */
export async function getPyodide(): Promise<PyodideInterface> {
  return (await loaded()).py;
}

/**
 * Call a Python helper entry point with a JSON argument; returns its JSON result parsed.
 * A Python exception inside the helper (a bug in the helper, or a deliberate RunnerError) becomes
 * a JS Error whose message carries the Python traceback.
 */
export async function callHelper(name: HelperName, arg: unknown): Promise<unknown> {
  const { helpers } = await loaded();
  const fn = helpers.get(name);
  if (fn === undefined) throw new Error(`pyodide: unknown helper ${name}`);
  let result: unknown;
  try {
    result = fn(JSON.stringify(arg));
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    // RunnerError is the helpers' way to refuse a program: its message alone is the useful part.
    // Anything else is a bug in a helper: keep the whole Python traceback.
    const refused = (e as { type?: unknown }).type === "RunnerError" ? /\nRunnerError: ([^]*?)\n?$/.exec(msg) : null;
    if (refused) throw new Error(`CPython oracle: ${refused[1]}`);
    throw new Error(`CPython oracle helper ${name}() failed:\n${msg}`);
  }
  if (typeof result !== "string") throw new Error(`CPython oracle helper ${name}() returned a non-string`);
  return JSON.parse(result) as unknown;
}
