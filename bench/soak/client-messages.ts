/**
 * The messages between the soak's driver and its client worker threads
 * (`client-worker.ts`), and what a worker reports.
 */
import type { SubscriberTally } from './subscriber';

/** workerData of a client worker. */
export interface ClientWorkerData {
  readonly url: string;
  /** One entry per connection: its recoverable channel and whether it is a slow consumer. */
  readonly assignments: readonly { readonly channel: string; readonly slow: boolean }[];
  /** Date.now() when the soak began. */
  readonly startedAt: number;
  /** Connections opened at once while starting. */
  readonly concurrency: number;
}

/** Driver → worker. */
export type ToClientWorker =
  | { readonly type: 'progress'; readonly id: number; readonly lastAcked: Readonly<Record<string, number>> }
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  | { readonly type: 'check'; readonly id: number; readonly acked: Readonly<Record<string, readonly number[]>> }
  | { readonly type: 'stop'; readonly id: number };

/** How far a worker's subscribers are. */
export interface ProgressReport {
  readonly total: number;
  /** Subscribed on a live connection. */
  readonly ready: number;
  /** Received (or recovered) the last acknowledged publication of their channel. */
  readonly caughtUp: number;
}

/** One subscriber that misses acknowledged publications. */
export interface LossSample {
  readonly channel: string;
  /** The subscriber's first subscribe position; only later offsets were expected. */
  readonly startOffset: number;
  readonly missing: number;
  /** The first missing offsets. */
  readonly firstMissing: readonly number[];
  readonly live: number;
  readonly recovered: number;
}

/** One subscriber's first duplicate or out-of-order arrival, with its last events before it. */
export interface OrderSample {
  readonly channel: string;
  readonly anomalies: readonly { offset: number; top: number; via: number; duplicate: boolean }[];
  readonly history: readonly string[];
}

/** Deliveries counted by the final check. */
export interface DeliveryCounts {
  readonly live: number;
  readonly recovered: number;
  /** Deliveries the check expected: each acknowledged publication after a subscriber's start, once per subscriber. */
  readonly expected: number;
  readonly missing: number;
  readonly subscribersWithLoss: number;
  readonly duplicates: number;
  readonly outOfOrder: number;
}

/** A worker's part of the final check. */
export interface CheckReport extends DeliveryCounts {
  readonly subscribers: number;
  readonly samples: readonly LossSample[];
  readonly orderSamples: readonly OrderSample[];
  readonly tally: SubscriberTally;
}

/** Worker → driver. */
export type FromClientWorker =
  | { readonly type: 'started'; readonly connected: number; readonly failed: number; readonly errors: readonly string[] }
  | { readonly type: 'progress'; readonly id: number; readonly report: ProgressReport }
  | { readonly type: 'check'; readonly id: number; readonly report: CheckReport }
  | { readonly type: 'stopped'; readonly id: number };
