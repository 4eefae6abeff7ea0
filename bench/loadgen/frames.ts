/**
 * Splits a frame the server sent into its lines (Centrifugo joins replies and
 * pushes with `\n`) and sorts them: publication pushes go to a fast path that
 * only reads the stamp; anything else (connect and subscribe replies, errors,
 * the `{}` ping) is parsed as JSON.
 */
import { readStamp, STAMP_PREFIX } from './payload';

const NEWLINE = 0x0a;
const PUSH_PREFIX = Buffer.from('{"push":');
const STAMP = Buffer.from(STAMP_PREFIX);

/** What a frame's lines are handed to. */
export interface LineHandlers {
  /**
   * Reads the stamp of the publication push in `frame[start, end)` instead of
   * the fast path's search for it (a delta subscription, whose data is a JSON
   * string or a patch): NaN when it cannot be read. Must not throw.
   */
  readonly stampOf?: (frame: Buffer, start: number, end: number) => number;
  /** A publication push; `stampMs` is its scheduled send time (NaN when the payload carries none). */
  onPublication(stampMs: number): void;
  /** Any other line, as text. */
  onOther(line: string): void;
}

/** Walks the lines of one frame. */
export function scanFrame(frame: Buffer, handlers: LineHandlers): void {
  let start = 0;
  while (start < frame.length) {
    let end = frame.indexOf(NEWLINE, start);
    if (end < 0) end = frame.length;
    if (end > start) {
      if (frame.compare(PUSH_PREFIX, 0, PUSH_PREFIX.length, start, start + PUSH_PREFIX.length) === 0) {
        if (handlers.stampOf) {
          handlers.onPublication(handlers.stampOf(frame, start, end));
        } else {
          const at = frame.indexOf(STAMP, start);
          handlers.onPublication(at >= 0 && at < end ? readStamp(frame, at + STAMP.length, end) : Number.NaN);
        }
      } else {
        handlers.onOther(frame.toString('utf8', start, end));
      }
    }
    start = end + 1;
  }
}
