/**
 * Invariants of tier 2's executors, checked from outside after every harness phase:
 *  - an installed executor is valid and its code's instruction is ENTER_EXECUTOR naming it;
 *  - a valid executor depends on no freed object (a missed invalidation would leave its borrowed
 *    pointers dangling), its promoted globals still are the values in their (watched) dicts, the
 *    types it guards still have the versions it guarded, and it links only live, valid executors.
 */
import { HeapObject } from "../../engine/runtime/heap.ts";
import type { Runtime } from "../../engine/runtime/runtime.ts";
import { decodeBorrowed } from "../../engine/tier1/versions.ts";
import { hashKey } from "../../engine/runtime/dictstore.ts";
import { OPMAP } from "../../engine/bytecode/opcodes.ts";
import type { Tier2 } from "../../engine/tier2/tier2.ts";
import type { ExecutorObject } from "../../engine/tier2/executor.ts";

export function checkExecutors(rt: Runtime, t2: Tier2): string[] {
  const out: string[] = [...t2.violations];
  const where = (e: ExecutorObject): string => `executor of ${e.code.def.qualname} at offset ${e.start * 2}`;
  for (const { code, index, executor: e } of t2.installed()) {
    if (code.freed) out.push(`${where(e)} is installed in a freed code object`);
    if (!e.valid) out.push(`${where(e)} is installed but invalid`);
    const unit = code.units[e.start]!;
    if ((unit & 0xff) !== OPMAP["ENTER_EXECUTOR"] || unit >> 8 !== index) out.push(`${where(e)}: the instruction at its offset is not ENTER_EXECUTOR ${index}`);
  }
  for (const e of t2.live) {
    if (e.freed) out.push(`${where(e)} was freed but is still listed`);
    if (!e.valid) continue;
    for (const d of e.dependencies) {
      if (d instanceof HeapObject && d.freed) out.push(`${where(e)} is valid but depends on a freed ${d.describe()} (missed invalidation)`);
    }
    for (const u of e.uops) {
      if (u.promoted !== undefined) {
        const { dict, key } = u.promoted;
        const hk = hashKey(key);
        const now = hk === undefined ? undefined : dict.store.getEntry(hk)?.value;
        // a borrowed operand is addr + gen * 2**32 (engine/tier1/versions.ts encodeBorrowed); gen 0: a value-table index
        const gen = Math.floor(u.operand / 2 ** 32);
        const addr = u.operand - gen * 2 ** 32;
        const at = gen === 0 ? null : rt.heap.deref<HeapObject>({ addr, gen });
        if (at !== null && at.state !== "live") out.push(`${where(e)}: promoted global ${String(key)} is a dangling borrowed pointer (${at.state})`);
        else if (now === undefined) out.push(`${where(e)}: promoted global ${String(key)} was deleted from its dict without invalidating the executor`);
        else if (at !== null ? !(now instanceof HeapObject) || now.addr !== addr : now !== decodeBorrowed(rt, u.operand)) {
          // heap objects by address; gen 0 operands (ints, strs, ... in the value table) by identity
          out.push(`${where(e)}: promoted global ${String(key)} was rebound without invalidating the executor`);
        }
      }
    }
    // not the guards' operands: a guard may carry a version that was already stale when the trace
    // was projected (tier 1's cache not yet respecialized); the optimizer does not watch such a type
    for (const [t, v] of e.typeVersions) {
      if (t.versionTag !== v) out.push(`${where(e)}: depends on class ${t.qualname}, modified (version ${v} -> ${t.versionTag}) without invalidating it`);
    }
    for (const x of e.exits) {
      const l = x.executor;
      if (l !== null && (l.freed || !l.valid)) out.push(`${where(e)}: a side exit links a ${l.freed ? "freed" : "invalid"} executor`);
    }
  }
  return out;
}
