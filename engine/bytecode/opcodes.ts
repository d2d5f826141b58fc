/**
 * Opcode facts derived from the generated CPython 3.14 table (opcodes.generated.ts) plus the few
 * facts `_opcode_metadata` does not expose as data (jump direction). Everything that reads bytecode
 * (decoder, verifier, assembler, interpreters) asks this module, so the facts live in one place.
 */
import {
  OPMAP,
  SPECIALIZATIONS,
  INLINE_CACHE_ENTRIES,
  HAVE_ARGUMENT,
  HAS_JUMP,
  HAS_CONST,
  HAS_NAME,
  HAS_LOCAL,
  HAS_FREE,
} from "./opcodes.generated.ts";

export { OPMAP, SPECIALIZATIONS, HAVE_ARGUMENT };

export const OPNAME: readonly string[] = (() => {
  const names: string[] = [];
  for (const [name, num] of Object.entries(OPMAP)) if (num < 256) names[num] = name;
  return names;
})();

/** specialized name -> base (family) name; base names map to themselves. */
export const BASE_OF: Readonly<Record<string, string>> = (() => {
  const m: Record<string, string> = {};
  for (const name of Object.keys(OPMAP)) m[name] = name;
  for (const [base, forms] of Object.entries(SPECIALIZATIONS)) for (const f of forms) m[f] = base;
  return m;
})();

export function opcodeOf(name: string): number | undefined {
  const n = OPMAP[name];
  return n === undefined || n >= 256 ? undefined : n;
}

/** Inline cache code units after an instruction (same for every member of a family). */
export function cacheSize(opcode: number): number {
  const name = OPNAME[opcode];
  if (name === undefined) return 0;
  return INLINE_CACHE_ENTRIES[BASE_OF[name] ?? name] ?? 0;
}

const BACKWARD = new Set(["JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT", "END_ASYNC_FOR"]);
const JUMPS = new Set(HAS_JUMP);
export const CONST_OPS = new Set(HAS_CONST);
export const NAME_OPS = new Set(HAS_NAME);
export const LOCAL_OPS = new Set(HAS_LOCAL);
export const FREE_OPS = new Set(HAS_FREE);

export function isJump(name: string): boolean {
  return JUMPS.has(BASE_OF[name] ?? name);
}
export function isBackwardJump(name: string): boolean {
  return BACKWARD.has(BASE_OF[name] ?? name);
}
