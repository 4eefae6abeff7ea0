/**
 * The publication payload: a JSON object of exactly the requested size that
 * carries its *scheduled* send time, so latency is measured from the schedule
 * and a stalled publisher cannot hide it (no coordinated omission):
 *
 *   {"t":123456789.123,"n":42,"p":"xxxxxxxx…"}
 *
 * `t` is the scheduled time on the shared clock (ms, 3 decimals), `n` a
 * sequence number, `p` padding up to the size.
 *
 * The *ticker* payload (bench:features, where fossil deltas need publications
 * that resemble each other) is a quote whose fields move a little from one
 * publication to the next, stamped and padded the same way:
 *
 *   {"t":…,"n":42,"sym":"SWYD","bid":101.17,"ask":101.21,"last":101.19,"size":300,"vol":1004200,"venue":"XNAS","cur":"USD","p":"xx…"}
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

/** Which payload a publisher sends: `padding` (makePayload) or `ticker` (makeTickerPayload). */
export type PayloadKind = 'padding' | 'ticker';

/** The smallest ticker payload (empty padding), bytes; about 150, so 200–500 B leaves room to pad. */
export const MIN_TICKER_BYTES = 160;

/** A quote price in cents that walks a few cents up or down per sequence number. */
function priceCents(sequence: number): number {
  return 10_100 + ((sequence * 7919) % 41) - 20;
}

/**
 * A ticker-like payload for a publication scheduled at `scheduledMs`: a JSON
 * object of quote fields that change a little with `sequence`, exactly
 * `bytes` long when `bytes` ≥ MIN_TICKER_BYTES (ASCII), stamp first.
 */
export function makeTickerPayload(scheduledMs: number, sequence: number, bytes: number): string {
  const cents = priceCents(sequence);
  const price = (c: number): string => (c / 100).toFixed(2);
  const head =
    `${STAMP_PREFIX}${scheduledMs.toFixed(3)},"n":${sequence},"sym":"SWYD","bid":${price(cents - 2)},"ask":${price(cents + 2)},"last":${price(cents)},` +
    `"size":${100 * (1 + (sequence % 9))},"vol":${1_000_000 + sequence * 100},"venue":"XNAS","cur":"USD","p":"`;
  const padding = Math.max(0, bytes - head.length - 2);
  return `${head}${'x'.repeat(padding)}"}`;
}

/** The payload of `kind` (see makePayload and makeTickerPayload). */
export function payloadOf(kind: PayloadKind, scheduledMs: number, sequence: number, bytes: number): string {
  return kind === 'ticker' ? makeTickerPayload(scheduledMs, sequence, bytes) : makePayload(scheduledMs, sequence, bytes);
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
