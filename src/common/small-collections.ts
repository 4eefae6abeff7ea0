/**
 * A Set and a Map for the per-connection and per-channel collections, which
 * almost always hold zero or one entry (a connection's channels, a personal
 * channel's subscribers, a channel's waiting sockets). A native Set or Map
 * costs about 160–220 bytes even when empty (its hash table is allocated up
 * front); these keep zero or one entry inline in a 32-byte (Set) or 40-byte
 * (Map) object and only build the native collection for a second entry,
 * dropping it again when they become empty. Behaviour is the native one:
 * insertion order, `size`, iteration, SameValueZero keys.
 *
 * One difference: an iteration started while the collection holds its single
 * inline entry does not see entries added during that iteration (the native
 * collections would). Callers that add while iterating copy first.
 */

/** Marks an empty inline slot (elements and keys may be undefined). */
const EMPTY: unique symbol = Symbol('empty');
/** Marks a SmallMap whose entries live in the native Map held as its value. */
const MANY: unique symbol = Symbol('many');
/**
 * What an empty collection iterates. Iterators are the native ones (of this
 * array, of a one-element array, or of the native Set or Map), not
 * generators: V8 allocates a generator object per iteration and optimizes
 * array iteration in `for…of` far better.
 */
const NO_ITEMS: readonly never[] = Object.freeze([]);

/** The native Set of a SmallSet with two or more elements (a private class, so no element can be mistaken for it). */
class ManyValues<T> {
  constructor(readonly set: Set<T>) {}
}

/** A Set that allocates no hash table for zero or one element. */
export class SmallSet<T> implements Set<T> {
  /** EMPTY, the one element, or the native Set of two or more. */
  private slot: T | typeof EMPTY | ManyValues<T> = EMPTY;

  constructor(values?: Iterable<T>) {
    if (values) for (const value of values) this.add(value);
  }

  get size(): number {
    const slot = this.slot;
    return slot instanceof ManyValues ? slot.set.size : slot === EMPTY ? 0 : 1;
  }

  has(value: T): boolean {
    const slot = this.slot;
    if (slot instanceof ManyValues) return slot.set.has(value);
    return slot !== EMPTY && sameValueZero(slot, value);
  }

  add(value: T): this {
    value = normalized(value);
    const slot = this.slot;
    if (slot instanceof ManyValues) slot.set.add(value);
    else if (slot === EMPTY) this.slot = value;
    else if (!sameValueZero(slot, value)) this.slot = new ManyValues(new Set([slot, value]));
    return this;
  }

  delete(value: T): boolean {
    const slot = this.slot;
    if (slot instanceof ManyValues) {
      const deleted = slot.set.delete(value);
      if (slot.set.size === 0) this.slot = EMPTY;
      return deleted;
    }
    if (slot === EMPTY || !sameValueZero(slot, value)) return false;
    this.slot = EMPTY;
    return true;
  }

  clear(): void {
    this.slot = EMPTY;
  }

  forEach(callback: (value: T, value2: T, set: Set<T>) => void, thisArg?: unknown): void {
    for (const value of this) callback.call(thisArg, value, value, this);
  }

  values(): IterableIterator<T> {
    const slot = this.slot;
    if (slot instanceof ManyValues) return slot.set.values();
    return slot === EMPTY ? (NO_ITEMS as readonly T[]).values() : [slot].values();
  }

  keys(): IterableIterator<T> {
    return this.values();
  }

  entries(): IterableIterator<[T, T]> {
    const slot = this.slot;
    if (slot instanceof ManyValues) return slot.set.entries();
    return slot === EMPTY ? (NO_ITEMS as readonly [T, T][]).values() : [[slot, slot] as [T, T]].values();
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this.values();
  }

  get [Symbol.toStringTag](): string {
    return 'SmallSet';
  }
}

/** A Map that allocates no hash table for zero or one entry. */
export class SmallMap<K, V> implements Map<K, V> {
  /** EMPTY, the one key, or MANY when `value` holds the native Map. */
  private key: K | typeof EMPTY | typeof MANY = EMPTY;
  private value: V | Map<K, V> | undefined = undefined;

  constructor(entries?: Iterable<readonly [K, V]>) {
    if (entries) for (const [key, value] of entries) this.set(key, value);
  }

  /** The native Map, when there are two or more entries. */
  private get many(): Map<K, V> | null {
    return this.key === MANY ? (this.value as Map<K, V>) : null;
  }

  get size(): number {
    const many = this.many;
    return many ? many.size : this.key === EMPTY ? 0 : 1;
  }

  has(key: K): boolean {
    const many = this.many;
    if (many) return many.has(key);
    return this.key !== EMPTY && sameValueZero(this.key, key);
  }

  get(key: K): V | undefined {
    const many = this.many;
    if (many) return many.get(key);
    return this.key !== EMPTY && sameValueZero(this.key, key) ? (this.value as V) : undefined;
  }

  set(key: K, value: V): this {
    key = normalized(key);
    const many = this.many;
    if (many) {
      many.set(key, value);
    } else if (this.key === EMPTY || sameValueZero(this.key, key)) {
      this.key = key;
      this.value = value;
    } else {
      this.value = new Map([
        [this.key as K, this.value as V],
        [key, value],
      ]);
      this.key = MANY;
    }
    return this;
  }

  delete(key: K): boolean {
    const many = this.many;
    if (many) {
      const deleted = many.delete(key);
      if (many.size === 0) this.clear();
      return deleted;
    }
    if (this.key === EMPTY || !sameValueZero(this.key, key)) return false;
    this.clear();
    return true;
  }

  clear(): void {
    this.key = EMPTY;
    this.value = undefined;
  }

  forEach(callback: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this) callback.call(thisArg, value, key, this);
  }

  entries(): IterableIterator<[K, V]> {
    const many = this.many;
    if (many) return many.entries();
    return this.key === EMPTY ? (NO_ITEMS as readonly [K, V][]).values() : [[this.key as K, this.value as V] as [K, V]].values();
  }

  keys(): IterableIterator<K> {
    const many = this.many;
    if (many) return many.keys();
    return this.key === EMPTY ? (NO_ITEMS as readonly K[]).values() : [this.key as K].values();
  }

  values(): IterableIterator<V> {
    const many = this.many;
    if (many) return many.values();
    return this.key === EMPTY ? (NO_ITEMS as readonly V[]).values() : [this.value as V].values();
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'SmallMap';
  }
}

/** What deleteReleasing needs of a collection: Set and Map (native or small) both fit. */
interface Deletable<T> {
  delete(value: T): boolean;
  readonly size: number;
}

/**
 * Deletes `value` from the collection in `owner[key]`, a field that holds
 * null while the collection would be empty (an empty SmallSet or SmallMap
 * still costs 32–40 bytes per owner), and sets the field back to null once
 * the collection is empty. Returns whether the value was there.
 */
export function deleteReleasing<K extends PropertyKey, T>(owner: { [P in K]: Deletable<NoInfer<T>> | null }, key: K, value: T): boolean {
  const collection = owner[key];
  if (collection === null || !collection.delete(value)) return false;
  if (collection.size === 0) owner[key] = null;
  return true;
}

/** A key as Set and Map store it: -0 becomes +0. */
function normalized<T>(value: T): T {
  return (value === 0 ? 0 : value) as T;
}

/** The equality of Set and Map keys: === except that NaN equals NaN. */
function sameValueZero(a: unknown, b: unknown): boolean {
  return a === b || (a !== a && b !== b);
}
