/** Stack and local-variable access for uop bodies (the C macros stack_pointer[-1], GETLOCAL...). */
import type { PyValue } from "../runtime/objects.ts";
import { InternalError } from "../runtime/heap.ts";
import { PyError } from "../runtime/pyerror.ts";
import { UndefinedBehavior } from "../runtime/ops.ts";
import type { UopContext } from "./table.ts";

export function push(c: UopContext, v: PyValue | null): void {
  c.f.stack.push(v);
}
/** Pop a value that must not be NULL. */
export function pop(c: UopContext): PyValue {
  const v = c.f.stack.pop();
  if (v === undefined) throw new InternalError(`${c.f.def.qualname}+${c.offset * 2}: stack underflow`);
  if (v === null) throw new UndefinedBehavior(`${c.f.def.qualname}+${c.offset * 2}: NULL used as a value`);
  return v;
}
export function popMaybeNull(c: UopContext): PyValue | null {
  const v = c.f.stack.pop();
  if (v === undefined) throw new InternalError(`${c.f.def.qualname}+${c.offset * 2}: stack underflow`);
  return v;
}
/** stack_pointer[-k] (k >= 1), not NULL */
export function peek(c: UopContext, k: number): PyValue {
  const s = c.f.stack;
  const v = s[s.length - k];
  if (v === undefined) throw new InternalError(`${c.f.def.qualname}+${c.offset * 2}: peek below the stack`);
  if (v === null) throw new UndefinedBehavior(`${c.f.def.qualname}+${c.offset * 2}: NULL used as a value`);
  return v;
}
export function popN(c: UopContext, n: number): (PyValue | null)[] {
  const s = c.f.stack;
  if (n > s.length) throw new InternalError(`${c.f.def.qualname}+${c.offset * 2}: stack underflow`);
  return s.splice(s.length - n, n);
}
export function local(c: UopContext, i: number): PyValue {
  const v = c.f.localsplus[i];
  if (v === null || v === undefined) {
    const name = c.f.def.localsplusnames[i] ?? `#${i}`;
    throw new PyError("UnboundLocalError", `cannot access local variable '${name}' where it is not associated with a value`);
  }
  return v;
}
/** SETLOCAL: store, then release the old value (its __del__ sees the new binding). */
export function setLocal(c: UopContext, i: number, v: PyValue | null): void {
  const old = c.f.localsplus[i] ?? null;
  c.f.localsplus[i] = v;
  if (old !== null) c.rt.decref(old);
}
