/**
 * The mechanisms the mailbox benchmark compares, and the Inbox linger each
 * ring mechanism runs with. Kept apart from worker.ts, which runs its role
 * as soon as it is loaded.
 */
import { DEFAULT_LINGER_MICROS } from '../../src/mailbox/inbox';

/**
 * What a run measures: 'ring' is the Inbox as shards run it (lingering
 * before it sleeps), 'ringNoLinger' the same ring sleeping as soon as it is
 * empty (the behaviour before the linger, kept for the before/after ratio),
 * 'postMessage' per-message postMessage.
 */
export type Mechanism = 'ring' | 'ringNoLinger' | 'postMessage';

/** Inbox linger of each ring mechanism, µs. */
export const LINGER_MICROS: Readonly<Record<Exclude<Mechanism, 'postMessage'>, number>> = Object.freeze({
  ring: DEFAULT_LINGER_MICROS,
  ringNoLinger: 0,
});
