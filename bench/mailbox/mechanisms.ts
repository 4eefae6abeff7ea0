/**
 * The mechanisms the mailbox benchmark compares, and the Inbox linger each
 * ring mechanism runs with. Kept apart from worker.ts, which runs its role
 * as soon as it is loaded.
 */
import { DEFAULT_LINGER_MICROS, DEFAULT_NAP_MICROS } from '../../src/mailbox/inbox';

/**
 * What a run measures: 'ring' is the Inbox as shards run it (lingering,
 * napping in Atomics.wait, before it sleeps), 'ringSpin' the same linger
 * spinning instead of napping, 'ringNoLinger' the ring sleeping as soon as
 * it is empty (the behaviour before the linger, kept for the before/after
 * ratio), 'postMessage' per-message postMessage.
 */
export type Mechanism = 'ring' | 'ringSpin' | 'ringNoLinger' | 'postMessage';

/** The ring mechanisms. */
export type RingMechanism = Exclude<Mechanism, 'postMessage'>;

/** Inbox linger and nap of each ring mechanism, µs. */
export const LINGER: Readonly<Record<RingMechanism, { lingerMicros: number; napMicros: number }>> = Object.freeze({
  ring: { lingerMicros: DEFAULT_LINGER_MICROS, napMicros: DEFAULT_NAP_MICROS },
  ringSpin: { lingerMicros: DEFAULT_LINGER_MICROS, napMicros: 0 },
  ringNoLinger: { lingerMicros: 0, napMicros: 0 },
});
