// Small hand-built cases shared by the corpus tests.
import type { ProgramAst } from "../properties/ast/types.ts";

/** A closure made in a loop, freed at once: the function-dealloc fault's case. */
export const LAMBDA_LOOP: ProgramAst = {
  modules: [{
    name: "__main__",
    body: [
      {
        k: "def", name: "f0_run", params: [], body: [{
          k: "for", v: { k: "name", id: "i" }, iter: { k: "call", f: { k: "name", id: "range" }, args: [{ k: "int", v: 2 }] },
          body: [{ k: "assign", target: { k: "name", id: "tmp" }, value: { k: "lambda", params: ["x"], body: { k: "bin", op: "+", l: { k: "name", id: "x" }, r: { k: "name", id: "i" } } } }],
        }],
      },
      { k: "expr", e: { k: "call", f: { k: "name", id: "f0_run" }, args: [] } },
    ],
  }],
};
