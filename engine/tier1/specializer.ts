/**
 * The specializer registry (Python/specialize.c): one function per family decides, from the
 * operands at hand, which specialized form to rewrite the instruction to (and fills its inline
 * cache), or refuses with a reason (CPython's SPEC_FAIL_* kinds, kept for statistics).
 */
import type { PyValue } from "../runtime/objects.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { Frame } from "../vm/frame.ts";
import { writeCache } from "../uops/table.ts";
import { CACHE_FORMAT } from "../bytecode/opcodes.generated.ts";
import type { FunctionCache } from "./funccache.ts";

export interface SpecializeContext {
  readonly rt: Runtime;
  readonly f: Frame;
  /** code unit of the instruction */
  readonly offset: number;
  readonly oparg: number;
  readonly funcCache: FunctionCache;
  /** stack_pointer[-k] */
  peek(k: number): PyValue | null;
  /** write the cache entry `field` of the family's layout (CACHE_FORMAT) */
  setCache(field: string, value: number): void;
}

/** The specialized form's name, or a failure reason. */
export type SpecializeResult = { readonly form: string } | { readonly fail: string };

export type Specializer = (s: SpecializeContext) => SpecializeResult;

const registry = new Map<string, Specializer>();

export function registerSpecializer(family: string, fn: Specializer): void {
  if (registry.has(family)) throw new Error(`specializer for ${family} registered twice`);
  registry.set(family, fn);
}
export function specializerFor(family: string): Specializer | undefined {
  return registry.get(family);
}

/** cacheField results by family and field (the layouts are constant) */
const cacheFields = new Map<string, Map<string, { at: number; size: number }>>();

/** Offset (in units after the opcode) and size of a named cache entry of a family. */
export function cacheField(family: string, field: string): { at: number; size: number } {
  let byField = cacheFields.get(family);
  const known = byField?.get(field);
  if (known !== undefined) return known;
  const layout = CACHE_FORMAT[family];
  if (layout === undefined) throw new Error(`${family} has no inline cache`);
  let at = 0;
  for (const [name, size] of Object.entries(layout)) {
    if (name === field) {
      const r = { at, size };
      if (byField === undefined) cacheFields.set(family, (byField = new Map()));
      byField.set(field, r);
      return r;
    }
    at += size;
  }
  throw new Error(`${family} has no cache entry '${field}'`);
}

export function makeSetCache(units: Uint16Array, offset: number, family: string): (field: string, value: number) => void {
  return (field, value) => {
    const { at, size } = cacheField(family, field);
    writeCache(units, offset + 1 + at, size, value);
  };
}

/**
 * The SpecializeContext of one specialization attempt of the instruction at `offset`, as a class
 * (no closures per attempt). `family` names the inline cache layout setCache writes.
 */
export class InstructionSpecializeContext implements SpecializeContext {
  constructor(
    readonly rt: Runtime,
    readonly f: Frame,
    readonly offset: number,
    readonly oparg: number,
    readonly funcCache: FunctionCache,
    private readonly units: Uint16Array,
    private readonly family: string,
  ) {}
  peek(k: number): PyValue | null {
    const stack = this.f.stack;
    return stack[stack.length - k] ?? null;
  }
  setCache(field: string, value: number): void {
    const { at, size } = cacheField(this.family, field);
    writeCache(this.units, this.offset + 1 + at, size, value);
  }
}
