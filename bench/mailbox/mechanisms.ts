/**
 * The mechanisms the mailbox benchmark compares, and the Inbox linger each
 * ring mechanism runs with. Kept apart from worker.ts, which runs its role
 * as soon as it is loaded.
 */
import { LINGERING_INBOX_TIMING, type InboxTiming } from '../../src/mailbox/inbox';

/**
 * What a run measures: 'ring' is the Inbox as shards run it (lingering:
 * spinning briefly, then napping in Atomics.wait, before it sleeps),
 * 'ringSpin' the same linger spinning throughout, 'ringNap' napping
 * throughout, 'ringNoLinger' the ring sleeping as soon as it is empty (the
 * behaviour before the linger, kept for the before/after ratio),
 * 'postMessage' per-message postMessage.
 */
export type Mechanism = 'ring' | 'ringSpin' | 'ringNap' | 'ringNoLinger' | 'postMessage';

/** The ring mechanisms. */
export type RingMechanism = Exclude<Mechanism, 'postMessage'>;

/** Inbox timing of each ring mechanism, µs. */
export const LINGER: Readonly<Record<RingMechanism, InboxTiming>> = Object.freeze({
  ring: LINGERING_INBOX_TIMING,
  ringSpin: { ...LINGERING_INBOX_TIMING, napMicros: 0 },
  ringNap: { ...LINGERING_INBOX_TIMING, spinMicros: 0 },
  ringNoLinger: { lingerMicros: 0, spinMicros: 0, napMicros: 0 },
});
