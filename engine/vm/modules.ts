/**
 * The program's modules as an import system (sys.modules + a finder that only knows the program's
 * own modules), shared by every interpreter: module objects, their dicts, executing a module body
 * on first import, and CPython's rule that a failed import leaves no module behind (a failed
 * __main__ stays, to be torn down like any other).
 */
import type { CodeDef, ProgramDef } from "../bytecode/code.ts";
import { PyModule, None, type PyCode, type PyDict, type PyValue } from "../runtime/objects.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { PyError } from "../runtime/pyerror.ts";

export class ProgramModules {
  private readonly code: Map<string, CodeDef>;
  private readonly files: Map<string, string>;

  constructor(
    readonly rt: Runtime,
    program: ProgramDef,
    /** run a module body: `code` is a new reference the callee may keep, `d` its globals and locals */
    private readonly runBody: (code: PyCode, def: CodeDef, d: PyDict) => void,
  ) {
    this.code = new Map(program.modules.map((m) => [m.name, m.code]));
    this.files = new Map(program.modules.map((m) => [m.name, m.filename]));
  }

  /** Execute a program module (first import, or the entry module as __main__). New ref to the module. */
  exec(name: string, asName = name): PyModule {
    const def = this.code.get(name);
    if (def === undefined) throw new PyError("ModuleNotFoundError", `No module named '${name}'`);
    const rt = this.rt;
    const d = rt.dict();
    rt.dictSet(d, "__name__", asName);
    rt.dictSet(d, "__doc__", None);
    // like the CPython oracle: __main__ has no __file__, imported modules do
    if (asName !== "__main__") rt.dictSet(d, "__file__", this.files.get(name) ?? name);
    rt.dictSet(d, "__builtins__", rt.builtins);
    const mod = rt.alloc(new PyModule(asName, d));
    rt.modules.set(asName, mod); // sys.modules holds one reference
    const code = rt.loadCode(def);
    try {
      this.runBody(rt.newRef(code), def, d);
    } catch (e) {
      if (asName !== "__main__") {
        rt.modules.delete(asName);
        rt.decref(mod);
      }
      throw e;
    } finally {
      rt.decref(code);
    }
    return rt.newRef(mod);
  }

  /** IMPORT_NAME: the module from sys.modules, executing it on first import. New reference. */
  import(name: string): PyValue {
    const existing = this.rt.modules.get(name);
    if (existing !== undefined) return this.rt.newRef(existing);
    if (!this.code.has(name)) throw new PyError("ModuleNotFoundError", `No module named '${name}'`);
    return this.exec(name);
  }
}
