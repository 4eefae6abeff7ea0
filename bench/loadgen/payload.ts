/**
 * The publication payload: a JSON object of exactly the requested size that
 * carries its *scheduled* send time, so latency is measured from the schedule
 * and a stalled publisher cannot hide it (no coordinated omission):
 *
 *   {"t":123456789.123,"n":42,"p":"xxxxxxxx…"}
 *
 * `t` is the scheduled time on the shared clock (ms, 3 decimals), `n` a
 * sequence number, `p` padding up to the size.
 */

/** The bytes that open every payload; the receiver finds the stamp after them. */
export const STAMP_PREFIX = '{"t":';
/** The smallest payload that holds a stamp, a sequence number and empty padding, bytes. */
export const MIN_PAYLOAD_BYTES = 48;

/** The payload JSON text for a publication scheduled at `scheduledMs`, exactly `bytes` long (ASCII). */
export function makePayload(scheduledMs: number, sequence: number, bytes: number): string {
  const head = `${STAMP_PREFIX}${scheduledMs.toFixed(3)},"n":${sequence},"p":"`;
  const padding = Math.max(0, bytes - head.length - 2);
  return `${head}${'x'.repeat(padding)}"}`;
}

/**
 * Reads the number at `at` in `bytes` (digits, an optional fraction): the
 * stamp written by makePayload. Parsed by hand so a receiver handles hundreds
 * of thousands per second without building strings.
 */
export function readStamp(bytes: Uint8Array, at: number, end: number): number {
  let value = 0;
  let i = at;
  let c = bytes[i] ?? 0;
  while (i < end && c >= 0x30 && c <= 0x39) {
    value = value * 10 + (c - 0x30);
    c = bytes[++i] ?? 0;
  }
  if (c === 0x2e) {
    let scale = 0.1;
    c = bytes[++i] ?? 0;
    while (i < end && c >= 0x30 && c <= 0x39) {
      value += (c - 0x30) * scale;
      scale /= 10;
      c = bytes[++i] ?? 0;
    }
  }
  return i === at ? Number.NaN : value;
}
