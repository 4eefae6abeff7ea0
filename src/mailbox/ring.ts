/**
 * A single-producer/single-consumer byte ring in a SharedArrayBuffer: one
 * thread writes records, one other thread reads them, in order, without locks.
 *
 *   SharedArrayBuffer, HEADER_BYTES + capacity bytes
 *   byte 0             64                 128                          128 + capacity
 *   ┌──────────────────┬──────────────────┬─────────────────────────────┐
 *   │ Int32 WRITE_INDEX│ Int32 READ_INDEX │ data: capacity bytes        │
 *   │ (+ 60 unused)    │ (+ 60 unused)    │ (a power of two, ≥ 64)      │
 *   └──────────────────┴──────────────────┴─────────────────────────────┘
 *    written only by     written only by
 *    the producer        the consumer
 *
 *   The data area; an index's byte offset is `index & mask` (mask = capacity - 1):
 *
 *               read & mask                       write & mask
 *                    │                                 │
 *   ┌────────────────▼─────────────────────────────────▼───────────┐
 *   │ ...free...     │len│k│ body │len│k│ body ...       │ ...free │
 *   └──────────────────────────────────────────────────────────────┘
 *   used = (write - read) >>> 0        free = capacity - used
 *
 *   record = [u32 little-endian body length][u8 kind][body bytes]
 *
 * The indices count bytes ever written/read as uint32 and wrap at 2^32; since
 * the capacity divides 2^32, `index & mask` stays right across that wrap. A
 * record may wrap around the end of the data area anywhere, its 5-byte header
 * included. The two indices sit on separate 64-byte cache lines so producer and
 * consumer do not invalidate each other's line on every store.
 *
 * Ordering: the producer copies the bytes first and only then publishes the
 * new write index with Atomics.store; the consumer loads the write index with
 * Atomics.load before it reads bytes, and publishes the read index (once per
 * drain call) only after the records were handled. Atomics are sequentially
 * consistent, so a published index always covers fully written (or fully
 * consumed) bytes. Each side keeps the other's index as last loaded and loads
 * it again only when that value says "full" or "empty"; since indices only
 * grow, a stale value errs on the safe side.
 */

/** Int32 slot of the header holding the write index (bytes ever written, uint32). */
export const WRITE_INDEX = 0;
/** Int32 slot of the header holding the read index (bytes ever read, uint32); 64 bytes after WRITE_INDEX. */
export const READ_INDEX = 16;
/** Size of the header in bytes: two 64-byte cache lines. */
export const HEADER_BYTES = 128;
/** Size of a record header in bytes: a u32 body length and a u8 kind. */
export const RECORD_HEADER_BYTES = 5;
/** Smallest data capacity in bytes. */
export const MIN_CAPACITY = 64;
/** Largest data capacity in bytes (2^30), so that `write - read` always fits an int32. */
export const MAX_CAPACITY = 2 ** 30;

/** Total byte length of the parts, i.e. of the body they form. */
export function bodyLength(parts: readonly Uint8Array[]): number {
  let length = 0;
  for (const part of parts) length += part.byteLength;
  return length;
}

/** The error for a record that can never fit a ring of `capacity` bytes. */
export function recordTooLarge(body: number, capacity: number): RangeError {
  return new RangeError(
    `mailbox record of ${RECORD_HEADER_BYTES + body} bytes (${RECORD_HEADER_BYTES}-byte header + ${body}-byte body) ` +
      `can never fit a ring of ${capacity} bytes`,
  );
}

function isValidCapacity(capacity: number): boolean {
  return (
    Number.isInteger(capacity) && capacity >= MIN_CAPACITY && capacity <= MAX_CAPACITY && (capacity & (capacity - 1)) === 0
  );
}

/** Throws a RangeError unless kind is a byte (an integer from 0 to 255). */
export function checkKind(kind: number): void {
  if (!Number.isInteger(kind) || kind < 0 || kind > 255) {
    throw new RangeError(`mailbox record kind must be an integer from 0 to 255 (got ${kind})`);
  }
}

/**
 * One end's view of a shared ring: the producer thread and the consumer thread
 * each make their own Ring over the same buffer. Only one thread may write and
 * only one may read.
 */
export class Ring {
  /** Bytes of SharedArrayBuffer needed for a ring of `capacity` data bytes (header + data). */
  static byteLength(capacity: number): number {
    if (!isValidCapacity(capacity)) {
      throw new RangeError(
        `ring capacity must be a power of two from ${MIN_CAPACITY} to ${MAX_CAPACITY} bytes (got ${capacity})`,
      );
    }
    return HEADER_BYTES + capacity;
  }

  /** A zeroed (empty) ring buffer with `capacity` data bytes; capacity must be a power of two ≥ 64. */
  static allocate(capacity: number): SharedArrayBuffer {
    return new SharedArrayBuffer(Ring.byteLength(capacity));
  }

  /** Data bytes the ring holds, records' headers included. */
  readonly capacity: number;
  private readonly mask: number;
  private readonly buffer: SharedArrayBuffer;
  private readonly header: Int32Array;
  private readonly data: Uint8Array;
  /** Where a wrapped body is copied to be handed out whole; grows on demand. */
  private scratch = new Uint8Array(256);
  /** Producer: the read index when last loaded. It only grows, so a stale value only underestimates free room. */
  private readSeen: number;
  /** Consumer: the write index when last loaded. It only grows, so a stale value only underestimates data. */
  private writeSeen: number;

  constructor(buffer: SharedArrayBuffer) {
    const capacity = buffer.byteLength - HEADER_BYTES;
    if (!isValidCapacity(capacity)) {
      throw new RangeError(
        `ring buffer must be ${HEADER_BYTES} header bytes + a power-of-two capacity (got ${buffer.byteLength} bytes)`,
      );
    }
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.buffer = buffer;
    this.header = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    this.data = new Uint8Array(buffer, HEADER_BYTES, capacity);
    this.readSeen = Atomics.load(this.header, READ_INDEX) >>> 0;
    this.writeSeen = Atomics.load(this.header, WRITE_INDEX) >>> 0;
  }

  /**
   * Writes one record whose body is the parts concatenated. Returns false,
   * writing nothing, when it does not fit now. Throws a RangeError when it can
   * never fit (5 + body bytes > capacity) or the kind is not a byte.
   */
  tryWrite(kind: number, parts: readonly Uint8Array[]): boolean {
    const length = bodyLength(parts);
    const size = RECORD_HEADER_BYTES + length;
    if (size > this.capacity) throw recordTooLarge(length, this.capacity);
    checkKind(kind);
    // Only this side stores the write index, so a plain read of it is exact; the
    // read index is loaded with Atomics only when the last value seen leaves too little room.
    const write = this.header[WRITE_INDEX]! >>> 0;
    if (this.capacity - ((write - this.readSeen) >>> 0) < size) {
      this.readSeen = Atomics.load(this.header, READ_INDEX) >>> 0;
      if (this.capacity - ((write - this.readSeen) >>> 0) < size) return false;
    }

    const data = this.data;
    const mask = this.mask;
    data[write & mask] = length;
    data[(write + 1) & mask] = length >>> 8;
    data[(write + 2) & mask] = length >>> 16;
    data[(write + 3) & mask] = length >>> 24;
    data[(write + 4) & mask] = kind;
    let offset = (write + RECORD_HEADER_BYTES) & mask;
    for (const part of parts) offset = this.copyIn(part, offset);
    Atomics.store(this.header, WRITE_INDEX, (write + size) | 0);
    return true;
  }

  /**
   * Reads up to `max` records in order, calling onRecord(kind, body) for each.
   * The body is only valid during the call: it is a view of the ring, or of a
   * scratch copy when the record wraps. A record counts as consumed even when
   * onRecord throws (the error propagates). Returns the number of records read.
   */
  drain(max: number, onRecord: (kind: number, body: Uint8Array) => void): number {
    const data = this.data;
    const mask = this.mask;
    const startRead = this.header[READ_INDEX]! >>> 0; // only this side stores it
    let read = startRead;
    let count = 0;
    try {
      while (count < max) {
        let available = (this.writeSeen - read) >>> 0;
        if (available === 0 || available > this.capacity) {
          // Nothing left of what was seen (or another reader moved on): load the write index.
          this.writeSeen = Atomics.load(this.header, WRITE_INDEX) >>> 0;
          available = (this.writeSeen - read) >>> 0;
          if (available === 0) break;
        }
        const length =
          (data[read & mask]! |
            (data[(read + 1) & mask]! << 8) |
            (data[(read + 2) & mask]! << 16) |
            (data[(read + 3) & mask]! << 24)) >>>
          0;
        const kind = data[(read + 4) & mask]!;
        if (available < RECORD_HEADER_BYTES || length > available - RECORD_HEADER_BYTES) {
          throw new Error(`mailbox ring corrupted: record of ${length} body bytes but only ${available} bytes published`);
        }
        const start = (read + RECORD_HEADER_BYTES) & mask;
        // A fresh view costs a third of data.subarray() here (no species lookup).
        const body =
          start + length <= this.capacity
            ? new Uint8Array(this.buffer, HEADER_BYTES + start, length)
            : this.copyOut(start, length);
        read = (read + RECORD_HEADER_BYTES + length) >>> 0;
        count++;
        onRecord(kind, body);
      }
    } finally {
      // One store per call, after the handlers ran: the producer may overwrite only what was handled.
      if (read !== startRead) Atomics.store(this.header, READ_INDEX, read | 0);
    }
    return count;
  }

  /** Bytes published and not yet read (records' headers included), as both indices stand now. */
  usedBytes(): number {
    return (Atomics.load(this.header, WRITE_INDEX) - Atomics.load(this.header, READ_INDEX)) >>> 0;
  }

  /** Producer side: bytes a record (header included) may take now; exact for this side, since the reader only frees more. */
  freeBytes(): number {
    this.readSeen = Atomics.load(this.header, READ_INDEX) >>> 0;
    return this.capacity - ((this.header[WRITE_INDEX]! - this.readSeen) >>> 0);
  }

  /** True when no published record is waiting to be read. */
  isEmpty(): boolean {
    return Atomics.load(this.header, WRITE_INDEX) === Atomics.load(this.header, READ_INDEX);
  }

  /** Copies src into the data area at offset, wrapping at the end; returns the offset after it. */
  private copyIn(src: Uint8Array, offset: number): number {
    const room = this.capacity - offset;
    if (src.byteLength <= room) {
      this.data.set(src, offset);
      return (offset + src.byteLength) & this.mask;
    }
    this.data.set(src.subarray(0, room), offset);
    this.data.set(src.subarray(room), 0);
    return src.byteLength - room;
  }

  /** A contiguous copy of a body that wraps around the end of the data area. */
  private copyOut(start: number, length: number): Uint8Array {
    if (this.scratch.byteLength < length) {
      let size = this.scratch.byteLength;
      while (size < length) size *= 2;
      this.scratch = new Uint8Array(size);
    }
    const head = this.capacity - start;
    this.scratch.set(this.data.subarray(start), 0);
    this.scratch.set(this.data.subarray(0, length - head), head);
    return this.scratch.subarray(0, length);
  }
}
