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

/**
 * The counter keys versions come from: CPython's interp->dict_state.next_keys_version, one per
 * interpreter, starting at 2 (0 is "no version"; it runs out at 2**32). Dict keys and the shared
 * keys of classes (ht_cached_keys) draw from the same counter. tierdiff keeps one per Runtime
 * (keysVersionCounter), so version numbers — and the 16-bit limits LOAD_GLOBAL checks them
 * against — do not depend on what ran before in the same process.
 */
export interface KeysVersionCounter {
  next: number;
}
const counters = new WeakMap<object, KeysVersionCounter>();
/** The keys-version counter of an interpreter (any object standing for it: the Runtime). */
export function keysVersionCounter(interp: object): KeysVersionCounter {
  let c = counters.get(interp);
  if (c === undefined) counters.set(interp, (c = { next: 2 }));
  return c;
}
/** get_next_dict_keys_version: 0 once the counter ran out */
export function nextKeysVersion(c: KeysVersionCounter): number {
  if (c.next === 0) return 0;
  const v = c.next;
  c.next = v >= 0xffffffff ? 0 : v + 1;
  return v;
}

export type HashKey = string | HeapObject;

/**
 * The hash key of the str `name` ("s" + name) for lookups by name (globals, builtins, attributes:
 * getStr / indexOfStr). Names are few and looked up constantly; reusing one key string per name
 * halves the cost of a lookup (no new string to build and hash each time). Bounded: the memo is
 * dropped whenever it reaches STR_KEY_MEMO_MAX names.
 */
const STR_KEY_MEMO_MAX = 4096;
const strKeyMemo = new Map<string, string>();
function strKey(name: string): string {
  let k = strKeyMemo.get(name);
  if (k === undefined) {
    if (strKeyMemo.size >= STR_KEY_MEMO_MAX) strKeyMemo.clear();
    k = "s" + name;
    strKeyMemo.set(name, k);
  }
  return k;
}

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
  /**
   * _PyDict_GetKeysVersionForCurrentState: the current keys version, assigning a fresh one from
   * the interpreter's counter if the keys changed since one was last handed out.
   */
  getKeysVersion(counter: KeysVersionCounter): number {
    if (this.keysVersion === 0) this.keysVersion = nextKeysVersion(counter);
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
    this.keysMutations++;
    this.watcher?.("add");
    return { added: true, old: undefined, oldKey: undefined };
  }
  delete(hk: HashKey): Entry | undefined {
    const e = this.map.get(hk);
    if (e === undefined) return undefined;
    this.map.delete(hk);
    this.mutations++;
    this.keysVersion = 0;
    this.keysMutations++;
    this.watcher?.("delete");
    return e;
  }
  /** Remove everything; returns the entries in order (caller decrefs them). */
  clear(): Entry[] {
    const all = [...this.map.values()];
    this.map.clear();
    this.mutations++;
    if (all.length > 0) {
      this.keysVersion = 0;
      this.keysMutations++;
    }
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
    return this.map.get(strKey(name))?.value;
  }

  /**
   * Entry positions, for caches that name an entry by index (LOAD_GLOBAL_*, LOAD_ATTR_MODULE).
   * CPython's index counts the holes deleted entries leave until the next resize; tierdiff counts
   * live entries in order. The caches that hold an index always guard on the keys version, which
   * any insertion or deletion resets, so both numberings name the same entry while the guard
   * passes (only the 16-bit range check could tell them apart, beyond 65535 globals).
   */
  private positions: { keysAt: number; list: Entry[]; index: Map<HashKey, number> } | undefined;
  private keysMutations = 0;
  private entryPositions(): { list: Entry[]; index: Map<HashKey, number> } {
    let p = this.positions;
    if (p === undefined || p.keysAt !== this.keysMutations) {
      const list = [...this.map.values()];
      const index = new Map<HashKey, number>();
      let i = 0;
      for (const k of this.map.keys()) index.set(k, i++);
      p = this.positions = { keysAt: this.keysMutations, list, index };
    }
    return p;
  }
  /** position of the str key `name`, or -1 */
  indexOfStr(name: string): number {
    const k = strKey(name);
    if (!this.map.has(k)) return -1;
    return this.entryPositions().index.get(k) ?? -1;
  }
  /** the entry at a position (see indexOfStr) */
  entryAt(i: number): Entry | undefined {
    return this.entryPositions().list[i];
  }
  /** DK_IS_UNICODE: every key is a str */
  allKeysStr(): boolean {
    for (const e of this.map.values()) if (typeof e.key !== "string") return false;
    return true;
  }
}
