/**
 * Reading publications of a delta subscription (`delta: "fossil"`), as the
 * centrifuge SDK does: `data` arrives as a JSON string holding either the
 * full payload or a fossil patch (`"delta":true`) against the previous
 * payload of the same subscription. Every patch is applied (fossil-delta,
 * checksum verified) and the stamp is read from the rebuilt payload, so a
 * delivery counts only when the client could really rebuild it.
 */
import { applyDelta } from 'fossil-delta';
import { readStamp, STAMP_PREFIX } from './payload';

const STAMP = Buffer.from(STAMP_PREFIX);

/** The publication fields a delta reader needs. */
interface PushLine {
  readonly push?: { readonly pub?: { readonly data?: unknown; readonly delta?: boolean } };
}

/** One subscription's delta state: the last payload it rebuilt. */
export class DeltaReader {
  private previous: Uint8Array | null = null;

  /**
   * Rebuilds the payload of the publication push in `frame[start, end)` and
   * returns its stamp (NaN when it carries none). Throws when a patch cannot
   * be applied (no previous payload, or a checksum mismatch).
   */
  stampOf(frame: Buffer, start: number, end: number): number {
    const pub = (JSON.parse(frame.toString('utf8', start, end)) as PushLine).push?.pub;
    if (!pub || typeof pub.data !== 'string') return Number.NaN;
    const bytes = Buffer.from(pub.data, 'utf8');
    let payload: Uint8Array = bytes;
    if (pub.delta === true) {
      if (!this.previous) throw new Error('a delta publication before any full one');
      payload = applyDelta(this.previous, bytes);
    }
    this.previous = payload;
    return Buffer.from(payload.buffer, payload.byteOffset, STAMP.length).equals(STAMP) ? readStamp(payload, STAMP.length, payload.length) : Number.NaN;
  }
}
