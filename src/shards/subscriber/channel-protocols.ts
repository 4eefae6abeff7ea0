/**
 * Which protocols' encodings a shard asked a channel's owner for, and which
 * the owner confirmed. The owner encodes each publication once per protocol
 * some shard needs; a shard asks again (SUBSCRIBE_SHARD with the new bits)
 * when its set grows or shrinks, and the owner's OK — on the FIFO that
 * carries the publications — marks the point from which the new set applies.
 *
 * A socket may join a channel at once only when its protocol is confirmed
 * and no request still in flight drops it; otherwise it waits for the OK
 * that brings it.
 */
import { ProtocolBit } from '../messaging/fanout';

/** The protocol registration of one local channel with its owner. */
export class ChannelProtocols {
  /** Bits of the latest request sent. */
  requested: number;
  /** Bits of the latest OK received (0 before the first, or after the owner restarted). */
  confirmed = 0;
  /** Bits of each request sent and not yet answered, oldest first; null when none (no array kept per idle channel). */
  private inflight: number[] | null = null;

  constructor(initial: number) {
    this.requested = initial;
  }

  /** A request with `requested` was sent. */
  sent(): void {
    (this.inflight ??= []).push(this.requested);
  }

  /** Adds a protocol; true when the set grew and a request must be sent. */
  add(bit: number): boolean {
    if ((this.requested & bit) !== 0) return false;
    this.requested |= bit;
    return true;
  }

  /** Undoes add() after its request could not be sent. */
  undoAdd(bit: number): void {
    this.requested &= ~bit;
  }

  /** Narrows the set to `needed` (never empty); true when it shrank and a request must be sent. */
  shrinkTo(needed: number): boolean {
    if (needed === 0 || (this.requested & ~needed) === 0) return false;
    this.requested &= needed;
    return true;
  }

  /** The owner's OK arrived with the bits it applied. */
  ok(bits: number): void {
    this.inflight?.shift();
    if (this.inflight?.length === 0) this.inflight = null;
    this.confirmed = bits;
  }

  /** The owner refused the oldest request in flight: it is answered, and nothing more is confirmed. */
  failed(): void {
    this.inflight?.shift();
    if (this.inflight?.length === 0) this.inflight = null;
  }

  /** Whether a socket of protocol `bit` can join now: confirmed, and kept by every request in flight. */
  ready(bit: number): boolean {
    return (this.confirmed & bit) !== 0 && (this.inflight === null || this.inflight.every((bits) => (bits & bit) !== 0));
  }

  /** Whether every request was answered (no OK can still arrive for this registration). */
  settled(): boolean {
    return this.inflight === null;
  }

  /** The owner restarted: nothing is confirmed and earlier requests will never be answered. */
  reset(): void {
    this.confirmed = 0;
    this.inflight = null;
  }

  /** The `p` field of a SUBSCRIBE_SHARD message (left out for JSON only). */
  messageField(): { p?: number } {
    return this.requested === ProtocolBit.JSON ? {} : { p: this.requested };
  }
}
