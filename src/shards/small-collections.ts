/**
 * A Set and a Map for the per-connection and per-channel collections, which
 * almost always hold zero or one entry (a connection's channels, a personal
 * channel's subscribers, a channel's waiting sockets). A native Set or Map
 * costs about 160–220 bytes even when empty (its hash table is allocated up
 * front); these keep zero or one entry inline in a 40–48-byte object and only
 * build the native collection for a second entry, dropping it again when
 * they become empty. Behaviour is the native one: insertion order, `size`,
 * iteration, SameValueZero keys.
 *
 * One difference: an iteration started while the collection holds its single
 * inline entry does not see entries added during that iteration (the native
 * collections would). Callers that add while iterating copy first.
 */

/** Marks an empty inline slot (elements and keys may be undefined). */
const EMPTY: unique symbol = Symbol('empty');

/** A Set that allocates no hash table for zero or one element. */
export class SmallSet<T> implements Set<T> {
  private one: T | typeof EMPTY = EMPTY;
  private many: Set<T> | null = null;

  constructor(values?: Iterable<T>) {
    if (values) for (const value of values) this.add(value);
  }

  get size(): number {
    return this.many ? this.many.size : this.one === EMPTY ? 0 : 1;
  }

  has(value: T): boolean {
    if (this.many) return this.many.has(value);
    return this.one !== EMPTY && sameValueZero(this.one, value);
  }

  add(value: T): this {
    value = normalized(value);
    if (this.many) {
      this.many.add(value);
    } else if (this.one === EMPTY) {
      this.one = value;
    } else if (!sameValueZero(this.one, value)) {
      this.many = new Set([this.one, value]);
      this.one = EMPTY;
    }
    return this;
  }

  delete(value: T): boolean {
    if (this.many) {
      const deleted = this.many.delete(value);
      if (this.many.size === 0) this.many = null;
      return deleted;
    }
    if (this.one === EMPTY || !sameValueZero(this.one, value)) return false;
    this.one = EMPTY;
    return true;
  }

  clear(): void {
    this.one = EMPTY;
    this.many = null;
  }

  forEach(callback: (value: T, value2: T, set: Set<T>) => void, thisArg?: unknown): void {
    for (const value of this) callback.call(thisArg, value, value, this);
  }

  *values(): IterableIterator<T> {
    if (this.many) {
      yield* this.many.values();
      return;
    }
    const one = this.one;
    if (one !== EMPTY) yield one;
  }

  keys(): IterableIterator<T> {
    return this.values();
  }

  *entries(): IterableIterator<[T, T]> {
    for (const value of this) yield [value, value];
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
  private key: K | typeof EMPTY = EMPTY;
  private value: V | undefined = undefined;
  private many: Map<K, V> | null = null;

  constructor(entries?: Iterable<readonly [K, V]>) {
    if (entries) for (const [key, value] of entries) this.set(key, value);
  }

  get size(): number {
    return this.many ? this.many.size : this.key === EMPTY ? 0 : 1;
  }

  has(key: K): boolean {
    if (this.many) return this.many.has(key);
    return this.key !== EMPTY && sameValueZero(this.key, key);
  }

  get(key: K): V | undefined {
    if (this.many) return this.many.get(key);
    return this.key !== EMPTY && sameValueZero(this.key, key) ? this.value : undefined;
  }

  set(key: K, value: V): this {
    key = normalized(key);
    if (this.many) {
      this.many.set(key, value);
    } else if (this.key === EMPTY || sameValueZero(this.key, key)) {
      this.key = key;
      this.value = value;
    } else {
      this.many = new Map([
        [this.key, this.value as V],
        [key, value],
      ]);
      this.key = EMPTY;
      this.value = undefined;
    }
    return this;
  }

  delete(key: K): boolean {
    if (this.many) {
      const deleted = this.many.delete(key);
      if (this.many.size === 0) this.many = null;
      return deleted;
    }
    if (this.key === EMPTY || !sameValueZero(this.key, key)) return false;
    this.key = EMPTY;
    this.value = undefined;
    return true;
  }

  clear(): void {
    this.key = EMPTY;
    this.value = undefined;
    this.many = null;
  }

  forEach(callback: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this) callback.call(thisArg, value, key, this);
  }

  *entries(): IterableIterator<[K, V]> {
    if (this.many) {
      yield* this.many.entries();
      return;
    }
    const key = this.key;
    if (key !== EMPTY) yield [key, this.value as V];
  }

  *keys(): IterableIterator<K> {
    for (const [key] of this) yield key;
  }

  *values(): IterableIterator<V> {
    for (const [, value] of this) yield value;
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'SmallMap';
  }
}

/** A key as Set and Map store it: -0 becomes +0. */
function normalized<T>(value: T): T {
  return (value === 0 ? 0 : value) as T;
}

/** The equality of Set and Map keys: === except that NaN equals NaN. */
function sameValueZero(a: unknown, b: unknown): boolean {
  return a === b || (a !== a && b !== b);
}
