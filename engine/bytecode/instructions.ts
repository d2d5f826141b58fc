/**
 * Decoding code units into instructions, CPython 3.14 style (Lib/dis.py `_unpack_opargs`,
 * Python/bytecodes.c): EXTENDED_ARG prefixes fold into the following instruction's oparg, each
 * instruction is followed by its inline cache units, and relative jumps count from the code unit
 * after those caches.
 */
import { OPNAME, OPMAP, HAVE_ARGUMENT, cacheSize, isJump, isBackwardJump } from "./opcodes.ts";

const EXTENDED_ARG = OPMAP["EXTENDED_ARG"]!;

export interface Instr {
  /** code unit of the opcode itself (after any EXTENDED_ARG prefixes) — CPython's instruction offset / 2 */
  readonly offset: number;
  /** code unit of the first EXTENDED_ARG prefix, or == offset */
  readonly start: number;
  readonly opcode: number;
  readonly name: string;
  /** full oparg, EXTENDED_ARG folded in (0 for opcodes < HAVE_ARGUMENT as CPython ignores it) */
  readonly oparg: number;
  readonly caches: number;
  /** code unit after this instruction's caches */
  readonly next: number;
  /** jump target (code unit) of a jump instruction, else undefined: computed once at decoding */
  readonly target: number | undefined;
}

/** Decode every instruction. Unknown opcodes decode with name `<N>` (the verifier rejects them). */
export function decode(units: Uint16Array): Instr[] {
  const out: Instr[] = [];
  let i = 0;
  let ext = 0;
  let start = -1;
  while (i < units.length) {
    if (start < 0) start = i;
    const unit = units[i]!;
    const opcode = unit & 0xff;
    const arg = unit >> 8;
    if (opcode === EXTENDED_ARG) {
      ext = (ext << 8) | arg;
      i += 1;
      continue;
    }
    const known = OPNAME[opcode] !== undefined;
    const caches = known ? cacheSize(opcode) : 0;
    // CPython passes the oparg to every instruction; those below HAVE_ARGUMENT ignore it.
    const oparg = opcode >= HAVE_ARGUMENT ? (ext << 8) | arg : arg;
    const name = known ? OPNAME[opcode]! : `<${opcode}>`;
    const next = i + 1 + caches;
    const target = !isJump(name) ? undefined : isBackwardJump(name) ? next - oparg : next + oparg;
    out.push({ offset: i, start, opcode, name, oparg, caches, next, target });
    i += 1 + caches;
    ext = 0;
    start = -1;
  }
  return out;
}

/** Jump target (code unit) of a jump instruction, or undefined for non-jumps. */
export function jumpTarget(ins: Instr): number | undefined {
  return ins.target;
}

export { OPNAME };
