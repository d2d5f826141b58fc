/** Decoded instructions of a static code object, computed once per CodeDef and shared. */
import type { CodeDef } from "../bytecode/code.ts";
import { decode, type Instr } from "../bytecode/instructions.ts";
import { InternalError } from "../runtime/heap.ts";
import type { Frame } from "./frame.ts";

const decodedCache = new WeakMap<CodeDef, (Instr | undefined)[]>();

/**
 * Instruction at each code unit where execution can be: its opcode unit AND the first unit of its
 * EXTENDED_ARG prefixes (a jump to a prefixed instruction targets the prefix, as in CPython);
 * undefined inside caches.
 */
export function instrsOf(def: CodeDef): (Instr | undefined)[] {
  let d = decodedCache.get(def);
  if (d === undefined) {
    d = new Array<Instr | undefined>(def.units.length);
    for (const ins of decode(def.units)) {
      d[ins.offset] = ins;
      for (let u = ins.start; u < ins.offset; u++) d[u] = ins;
    }
    decodedCache.set(def, d);
  }
  return d;
}

export function instrAt(f: Frame, offset: number): Instr {
  const ins = f.instrs[offset];
  if (ins === undefined) throw new InternalError(`${f.def.qualname}+${offset * 2}: no instruction at this offset`);
  return ins;
}
