/**
 * What the benchmark's main thread and its load-generator workers say to
 * each other over one MessagePort per worker: a request with an id, answered
 * once with the same id. Times are on the shared clock (common/clock.ts), ms.
 */

/** The client protocol a load-generator connection speaks. */
export type LoadProtocol = 'json' | 'protobuf';

/** Open a session: connect one WebSocket per entry of `channels` and subscribe it to that channel. */
export interface OpenRequest {
  readonly session: number;
  readonly url: string;
  /** The channel of each connection this worker holds. */
  readonly channels: readonly string[];
  /** The protocol of each connection (same order as `channels`); all JSON when absent. */
  readonly protocols?: readonly LoadProtocol[];
  /** Handshakes in flight at once. */
  readonly concurrency: number;
  /**
   * Extra fields of every subscribe command (e.g. `{"delta":"fossil"}`: the
   * worker then rebuilds every publication from its patches, loadgen/delta.ts).
   */
  readonly subscribe?: Readonly<Record<string, unknown>>;
  /** Offer permessage-deflate (the server compresses when it has `websocket.compression`); off by default. */
  readonly deflate?: boolean;
}

/** How opening went. */
export interface OpenReport {
  readonly connected: number;
  readonly failed: number;
  /** First few failure reasons. */
  readonly errors: readonly string[];
  /** When the first connection was started and when the last subscribe reply arrived. */
  readonly startedAt: number;
  readonly readyAt: number;
  /** This worker's event-loop utilization while opening, 0..1 (summed reports keep the busiest worker's). */
  readonly eventLoopUtilization: number;
}

/** Start a measurement window: count and record publications from now on. */
export interface WindowRequest {
  readonly session: number;
  /** Publications scheduled in [from, to) are recorded; receipts in [from, to) count as throughput. */
  readonly from: number;
  readonly to: number;
}

/** A cheap look at a running window (the main thread polls it while draining). */
export interface ProgressReport {
  /** Publications scheduled in the window received so far. */
  readonly recorded: number;
  /** When the last publication arrived (0: none yet). */
  readonly lastReceiveAt: number;
  /** Connections the server closed since the session opened. */
  readonly disconnected: number;
}

/** What one worker measured in a window. */
export interface WindowReport extends ProgressReport {
  /** Latencies (µs) of the recorded publications: an HDR histogram, compressed base64. */
  readonly histogram: string;
  /** Publications received with a receipt time inside the window. */
  readonly receivedInWindow: number;
  /** Publications received since the window was set, whenever scheduled. */
  readonly received: number;
  /** WebSocket message bytes (payload, without WebSocket framing) received with a receipt time inside the window. */
  readonly bytesInWindow: number;
  /** Bytes read from the sockets for the messages received in the window (wire bytes: framing, and compressed when deflate is on). */
  readonly wireBytesInWindow: number;
  /** Publication pushes that could not be read (a delta patch that did not apply), since the window was set. */
  readonly unreadable: number;
  /** CPU seconds this worker's thread used during the window. */
  readonly cpuSeconds: number;
  /** Event-loop utilization of this worker during the window, 0..1. */
  readonly eventLoopUtilization: number;
  /** Close codes seen since the session opened, code → count. */
  readonly closeCodes: Readonly<Record<string, number>>;
}

/** Every request with its answer. */
export interface CommandMap {
  open: { request: OpenRequest; answer: OpenReport };
  window: { request: WindowRequest; answer: null };
  progress: { request: { readonly session: number }; answer: ProgressReport };
  collect: { request: { readonly session: number }; answer: WindowReport };
  close: { request: { readonly session: number }; answer: null };
  exit: { request: Record<string, never>; answer: null };
}

/** A command name. */
export type CommandName = keyof CommandMap;

/** Main → worker. */
export interface Envelope<N extends CommandName = CommandName> {
  readonly rid: number;
  readonly name: N;
  readonly request: CommandMap[N]['request'];
}

/** Worker → main: the answer to request `rid`, or why it failed. */
export interface Reply {
  readonly rid: number;
  readonly answer?: unknown;
  readonly error?: string;
}

/** The piscina task each worker runs for its whole life. */
export interface WorkerTask {
  readonly port: import('node:worker_threads').MessagePort;
  readonly index: number;
}

/** What a worker's task resolves with when told to exit. */
export interface WorkerSummary {
  readonly index: number;
  readonly threadId: number;
}
