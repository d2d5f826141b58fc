/**
 * Insertion-ordered hash table with Python key semantics (1 == 1.0 == True are one key) and a
 * KEYS VERSION, after Objects/dictobject.c: `dk_version` is handed out lazily when a specializer
 * asks for it (_PyDictKeys_GetVersionForCurrentState) and dropped to 0 whenever a key is added or
 * removed; changing a value keeps it. Tier 1's LOAD_GLOBAL_* guards and tier 2's globals
 * promotion read it. Used by the `dict` object and as instance/class attribute storage.
 */
import type { PyValue } from "./objects.ts";
import { PyNoneType } from "../bytecode/code.ts";
import { PyFloat } from "./primitive.ts";
import { HeapObject } from "./heap.ts";

export interface Entry {
  key: PyValue;
  value: PyValue;
}

/** Global counter for keys versions (CPython: interp->dict_state.next_keys_version). */
let nextKeysVersion = 2;
export function resetKeysVersions(): void {
  nextKeysVersion = 2;
}

export type HashKey = string | HeapObject;

/** Identity-keyed objects use the object; value types map to a canonical string. Unhashable -> undefined. */
export function hashKey(v: PyValue): HashKey | undefined {
  switch (typeof v) {
    case "string":
      return "s" + v;
    case "number":
      return "i" + v;
    case "bigint":
      return "i" + v.toString();
    case "boolean":
      return v ? "i1" : "i0";
    default:
      break;
  }
  if (v instanceof PyFloat) {
    const x = v.v;
    if (Number.isInteger(x)) return Math.abs(x) <= Number.MAX_SAFE_INTEGER ? "i" + (x === 0 ? 0 : x) : "i" + BigInt(x).toString();
    return "f" + x;
  }
  if (v instanceof PyNoneType) return "N";
  return tupleOrObjectKey(v as HeapObject);
}

/** Set by objects.ts (avoids an import cycle): tuple keys are structural, other objects by identity. */
export let tupleOrObjectKey: (v: HeapObject) => HashKey | undefined = (v) => v;
export function setTupleKeyFunction(f: (v: HeapObject) => HashKey | undefined): void {
  tupleOrObjectKey = f;
}

export class DictStore {
  private readonly map = new Map<HashKey, Entry>();
  private keysVersion = 0;
  /** bumped on every mutation (CPython's ma_version_tag / dict watchers see every change) */
  mutations = 0;
  /** tier 2 (later) installs a watcher: called after every mutation */
  watcher: ((event: "add" | "modify" | "delete" | "clear") => void) | undefined;

  get size(): number {
    return this.map.size;
  }
  /** current keys version, assigning a fresh one if the keys changed since it was last handed out */
  getKeysVersion(): number {
    if (this.keysVersion === 0) this.keysVersion = nextKeysVersion++;
    return this.keysVersion;
  }
  peekKeysVersion(): number {
    return this.keysVersion;
  }
  getEntry(hk: HashKey): Entry | undefined {
    return this.map.get(hk);
  }
  /** Store; returns the previous value (caller decrefs it AFTER the store, as insertdict does). */
  set(hk: HashKey, key: PyValue, value: PyValue): { added: boolean; old: PyValue | undefined; oldKey: PyValue | undefined } {
    const e = this.map.get(hk);
    this.mutations++;
    if (e !== undefined) {
      const old = e.value;
      e.value = value;
      this.watcher?.("modify");
      return { added: false, old, oldKey: key };
    }
    this.map.set(hk, { key, value });
    this.keysVersion = 0;
    this.watcher?.("add");
    return { added: true, old: undefined, oldKey: undefined };
  }
  delete(hk: HashKey): Entry | undefined {
    const e = this.map.get(hk);
    if (e === undefined) return undefined;
    this.map.delete(hk);
    this.mutations++;
    this.keysVersion = 0;
    this.watcher?.("delete");
    return e;
  }
  /** Remove everything; returns the entries in order (caller decrefs them). */
  clear(): Entry[] {
    const all = [...this.map.values()];
    this.map.clear();
    this.mutations++;
    if (all.length > 0) this.keysVersion = 0;
    this.watcher?.("clear");
    return all;
  }
  entries(): IterableIterator<Entry> {
    return this.map.values();
  }
  /** snapshot of entries, for iteration that tolerates mutation */
  entryList(): Entry[] {
    return [...this.map.values()];
  }
  /** string-keyed fast paths (attribute and global lookups) */
  getStr(name: string): PyValue | undefined {
    return this.map.get("s" + name)?.value;
  }
}
