/**
 * Drives publications at a fixed rate from a schedule: publication i (in
 * bursts of `burst`) is due at start + floor(i / burst) × burst / rate, and
 * carries that due time in its payload, whenever it actually leaves. So a
 * publisher that falls behind (a slow server, a busy event loop) shows up as
 * latency instead of silently lowering the load. Timers wake about every
 * millisecond; each wake-up sends every burst that is due.
 */
import { nowMs } from '../common/clock';
import { payloadOf, type PayloadKind } from './payload';
import type { OutgoingPublication, Transport } from './transport';

/** What to publish. */
export interface PaceSpec {
  /** When the first burst is due (shared clock, ms). */
  readonly startAt: number;
  /** Nothing due at or after this time is sent. */
  readonly endAt: number;
  /** Publications per second (all channels). */
  readonly rate: number;
  /** Publications per request. */
  readonly burst: number;
  /** Publications go round-robin over these channels. */
  readonly channels: readonly string[];
  readonly payloadBytes: number;
  /** Which payload (default `padding`). */
  readonly payload?: PayloadKind;
  /** Tags of every publication, as JSON text. */
  readonly tags?: string;
  /** A burst is skipped (and counted) rather than sent while this many publications are unacknowledged. */
  readonly maxInFlight: number;
  /** Publications due in [countFrom, endAt) are counted per channel (the measurement window). */
  readonly countFrom: number;
}

/** What the publisher did. */
export interface PaceReport {
  /** Publications due before endAt. */
  readonly scheduled: number;
  readonly sent: number;
  /** Publications skipped because too many were unacknowledged. */
  readonly skipped: number;
  /** Publications due in the window, per channel (sent or skipped). */
  readonly dueInWindow: ReadonlyMap<string, number>;
  /** How late bursts left after their due time, ms: median, 99th percentile and worst. */
  readonly lagMs: { readonly p50: number; readonly p99: number; readonly max: number };
}

let sequence = 0;

/** A due time as the payload carries it: rounded to the µs (makePayload writes 3 decimals). */
function stampOf(timeMs: number): number {
  return Math.round(timeMs * 1000) / 1000;
}

/**
 * A window edge half a µs off the stamp grid, so that no stamp can sit on it:
 * the publisher's count and the receiver's parse of the same stamp (which may
 * differ in the last bit) always fall on the same side.
 */
export function windowEdge(timeMs: number): number {
  return stampOf(timeMs) - 0.0005;
}

/** Publishes per `spec` through `transport`; resolves when the last due burst has gone. */
export function pace(transport: Transport, spec: PaceSpec): Promise<PaceReport> {
  const perBurstMs = (spec.burst / spec.rate) * 1000;
  const bursts = Math.max(0, Math.ceil((spec.endAt - spec.startAt) / perBurstMs));
  const dueInWindow = new Map<string, number>();
  const lags: number[] = [];
  let nextBurst = 0;
  let index = 0;
  let sent = 0;
  let skipped = 0;

  return new Promise((resolve) => {
    const tick = (): void => {
      const now = nowMs();
      while (nextBurst < bursts) {
        const due = stampOf(spec.startAt + nextBurst * perBurstMs);
        if (due > now) break;
        const publications: OutgoingPublication[] = [];
        for (let k = 0; k < spec.burst; k++, index++) {
          const channel = spec.channels[index % spec.channels.length]!;
          if (due >= spec.countFrom && due < spec.endAt) dueInWindow.set(channel, (dueInWindow.get(channel) ?? 0) + 1);
          publications.push({ channel, data: payloadOf(spec.payload ?? 'padding', due, sequence++, spec.payloadBytes), ...(spec.tags ? { tags: spec.tags } : {}) });
        }
        if (transport.inFlight >= spec.maxInFlight) {
          skipped += publications.length;
        } else {
          transport.send(publications);
          sent += publications.length;
          lags.push(now - due);
        }
        nextBurst++;
      }
      if (nextBurst < bursts) {
        setTimeout(tick, Math.max(0, spec.startAt + nextBurst * perBurstMs - nowMs()));
        return;
      }
      lags.sort((a, b) => a - b);
      const at = (q: number): number => (lags.length ? lags[Math.min(lags.length - 1, Math.floor(q * lags.length))]! : 0);
      resolve({ scheduled: index, sent, skipped, dueInWindow, lagMs: { p50: at(0.5), p99: at(0.99), max: lags.at(-1) ?? 0 } });
    };
    setTimeout(tick, Math.max(0, spec.startAt - nowMs()));
  });
}
