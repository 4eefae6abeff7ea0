/**
 * The fan-out workload: S subscribers over C channels, publications of a
 * given size published at a rate through the HTTP API or client publish,
 * singly or in bursts. The *load* of a step is offered deliveries per second
 * (publications per second × subscribers per publication), the unit every
 * comparison uses.
 */
import type { PayloadKind } from '../loadgen/payload';
import type { TransportKind } from '../loadgen/transport';

/** What the subscribers and publisher do (fixed for a whole ladder). */
export interface Workload {
  /** Subscriber connections (S); each subscribes to one channel. */
  readonly subscribers: number;
  /** Channels (C); connection j subscribes to channel j mod C. */
  readonly channels: number;
  /** Size of each publication's data, bytes (JSON text). */
  readonly payloadBytes: number;
  /** How publications reach the server. */
  readonly transport: TransportKind;
  /** Publications per request (1 = singly). */
  readonly burst: number;
  /** What the publications carry (default `padding`; `ticker` for similar payloads, see loadgen/payload.ts). */
  readonly payload?: PayloadKind;
  /** Tags every publication carries (none by default). */
  readonly tags?: Readonly<Record<string, string>>;
}

/** The default workload of the committed results: 1,000 subscribers on 1 channel, 100-byte messages, HTTP, singly. */
export const DEFAULT_WORKLOAD: Workload = Object.freeze({ subscribers: 1000, channels: 1, payloadBytes: 100, transport: 'http', burst: 1 });

/** The channel names of a workload. */
export function channelNames(workload: Workload): string[] {
  return Array.from({ length: workload.channels }, (_, i) => `bench-${i}`);
}

/** The channel of every subscriber connection, in order. */
export function subscriberChannels(workload: Workload): string[] {
  const names = channelNames(workload);
  return Array.from({ length: workload.subscribers }, (_, j) => names[j % names.length]!);
}

/** Mean subscribers per publication (publications go round-robin over the channels). */
export function deliveriesPerPublication(workload: Workload): number {
  return workload.subscribers / workload.channels;
}

/** One line describing a workload. */
export function describeWorkload(workload: Workload): string {
  const how = workload.transport === 'http' ? 'HTTP API' : 'client publish';
  const burst = workload.burst > 1 ? `, bursts of ${workload.burst}` : ', singly';
  return `S=${workload.subscribers.toLocaleString('en-US')} subscribers on C=${workload.channels.toLocaleString('en-US')} channel(s), ${workload.payloadBytes}-byte messages, published through the ${how}${burst}`;
}
