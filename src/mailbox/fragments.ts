/**
 * Fragments: how a record too large for one ring slot travels. The Outbox
 * cuts its body into pieces of at most a quarter of the ring and posts each
 * as a record of the reserved kind FRAGMENT_KIND, back to back, on the same
 * FIFO path as every other record (the ring, or the overflow queue while the
 * ring is full). The Inbox gives each sender a Reassembler, which collects a
 * record's pieces and hands the whole record on with its own kind. A sender
 * posts a record's fragments in one synchronous call, so the fragments of
 * two records from one sender never interleave, and the record takes the
 * place of its last fragment in the sender's FIFO: ordering is unchanged.
 *
 *   fragment record body, FRAGMENT_HEADER_BYTES + piece
 *   byte 0           1            2                         6
 *   ┌────────────────┬────────────┬─────────────────────────┬──────────────┐
 *   │ u8 position    │ u8 kind    │ u32 LE whole body length│ piece bytes  │
 *   │ FIRST/MIDDLE/  │ of the     │ (the same in every      │              │
 *   │ LAST           │ record     │ fragment)               │              │
 *   └────────────────┴────────────┴─────────────────────────┴──────────────┘
 *
 * A record of 0 pieces cannot happen: only bodies larger than one fragment
 * are cut, so there are always at least two (FIRST … LAST).
 */
import { RECORD_HEADER_BYTES } from './ring';

/** Record kind reserved for fragments; other records may use kinds 0–254. */
export const FRAGMENT_KIND = 255;
/** Bytes of a fragment's own header, before its piece of the body. */
export const FRAGMENT_HEADER_BYTES = 6;
/** Fragment position: the first piece (its arrival starts a record). */
export const FIRST = 1;
/** Fragment position: a piece between the first and the last. */
export const MIDDLE = 0;
/** Fragment position: the last piece (its arrival completes the record). */
export const LAST = 2;

/**
 * Largest record, in ring bytes (5-byte record header + body), that goes
 * through a ring of `capacity` bytes whole; larger ones are cut into
 * fragments of at most this size. A quarter of the ring, so a large record
 * never waits for the ring to empty completely, and others queue behind it
 * only briefly.
 */
export function largestWholeRecord(capacity: number): number {
  return capacity >>> 2;
}

/** Body bytes each fragment carries (the last may carry fewer), for a ring of `capacity` bytes. */
export function pieceBytes(capacity: number): number {
  return largestWholeRecord(capacity) - RECORD_HEADER_BYTES - FRAGMENT_HEADER_BYTES;
}

/** Ring bytes (record headers included) that a body of `length` bytes takes once cut for a ring of `capacity`. */
export function fragmentedBytes(length: number, capacity: number): number {
  const count = Math.ceil(length / pieceBytes(capacity));
  return length + count * (RECORD_HEADER_BYTES + FRAGMENT_HEADER_BYTES);
}

/**
 * Calls `emit` once per fragment of the record (kind, body = parts
 * concatenated, `length` bytes), in order. Each call's parts are the
 * fragment's header and views of the caller's parts, valid only during the
 * call; `size` is the fragment's ring bytes (record header included).
 */
export function cutIntoFragments(
  kind: number,
  parts: readonly Uint8Array[],
  length: number,
  capacity: number,
  emit: (parts: readonly Uint8Array[], size: number) => void,
): void {
  const piece = pieceBytes(capacity);
  let partIndex = 0;
  let partOffset = 0;
  for (let start = 0; start < length; start += piece) {
    const end = Math.min(length, start + piece);
    const header = new Uint8Array(FRAGMENT_HEADER_BYTES);
    header[0] = start === 0 ? FIRST : end === length ? LAST : MIDDLE;
    header[1] = kind;
    new DataView(header.buffer).setUint32(2, length, true);
    const fragment: Uint8Array[] = [header];
    let need = end - start;
    while (need > 0) {
      const part = parts[partIndex]!;
      const take = Math.min(need, part.byteLength - partOffset);
      if (take > 0) fragment.push(part.subarray(partOffset, partOffset + take));
      need -= take;
      partOffset += take;
      if (partOffset === part.byteLength) {
        partIndex++;
        partOffset = 0;
      }
    }
    emit(fragment, RECORD_HEADER_BYTES + FRAGMENT_HEADER_BYTES + end - start);
  }
}

/** A record put back together: its kind and its whole body. */
export interface WholeRecord {
  readonly kind: number;
  readonly body: Uint8Array;
}

/**
 * Collects the fragments from one sender. add() returns the whole record
 * when its last fragment arrives, otherwise null. A fragment out of place
 * (a MIDDLE or LAST without a FIRST, a FIRST while a record is open, pieces
 * that overrun or fall short of the announced length) throws an Error naming
 * what was wrong, and the open record is dropped.
 */
export class Reassembler {
  private body: Uint8Array | null = null;
  private kind = 0;
  private filled = 0;

  /** Adds one fragment body (valid only during the call; its bytes are copied). */
  add(fragment: Uint8Array): WholeRecord | null {
    if (fragment.byteLength < FRAGMENT_HEADER_BYTES) {
      return this.fail(`mailbox fragment of ${fragment.byteLength} bytes is shorter than its ${FRAGMENT_HEADER_BYTES}-byte header`);
    }
    const position = fragment[0]!;
    const kind = fragment[1]!;
    const length = new DataView(fragment.buffer, fragment.byteOffset, FRAGMENT_HEADER_BYTES).getUint32(2, true);
    const piece = fragment.subarray(FRAGMENT_HEADER_BYTES);
    if (position === FIRST) {
      if (this.body !== null) return this.fail('mailbox fragment FIRST arrived while a record was still incomplete');
      this.body = new Uint8Array(length);
      this.kind = kind;
      this.filled = 0;
    } else if (this.body === null) {
      return this.fail(`mailbox fragment ${position === LAST ? 'LAST' : 'MIDDLE'} arrived without a FIRST`);
    } else if (kind !== this.kind || length !== this.body.byteLength) {
      return this.fail('mailbox fragment does not belong to the record being reassembled (kind or length differs)');
    }
    const body = this.body;
    if (this.filled + piece.byteLength > body.byteLength) {
      return this.fail(`mailbox fragments overrun their record of ${body.byteLength} bytes`);
    }
    body.set(piece, this.filled);
    this.filled += piece.byteLength;
    if (position !== LAST) return null;
    this.body = null;
    if (this.filled !== body.byteLength) {
      return this.fail(`mailbox record of ${body.byteLength} bytes ended after ${this.filled} bytes of fragments`);
    }
    return { kind: this.kind, body };
  }

  /** Drops a record in progress (its sender restarted); true when there was one. */
  reset(): boolean {
    const open = this.body !== null;
    this.body = null;
    this.filled = 0;
    return open;
  }

  private fail(message: string): never {
    this.reset();
    throw new Error(message);
  }
}
