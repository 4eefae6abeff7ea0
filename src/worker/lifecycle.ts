/**
 * Messages between the acceptor (main thread) and a shard worker, over the
 * worker's postMessage port. Low rate: lifecycle and supervision only;
 * shard-to-shard traffic uses the mailbox rings.
 */
import type { Config } from '../config/types';
import type { Wiring } from '../mailbox/mailbox';

/** What a shard worker starts with (workerData). */
export interface ShardInit {
  readonly shardId: number;
  readonly config: Config;
  readonly wiring: Wiring;
  /** The process's shared counters (common/process-counters.ts). */
  readonly counters: SharedArrayBuffer;
  /** The process's subscriber table and publication stamp counter (common/subscriber-table.ts). */
  readonly subscriberTable: SharedArrayBuffer;
  /** The concrete port to listen on (the acceptor resolved port 0 already). */
  readonly port: number;
  readonly nodeUid: string;
  readonly nodeName: string;
  /**
   * Times the acceptor restarted this shard index after a crash before
   * starting this worker. Restarts are the acceptor's to count (a crashed
   * worker cannot count its own end); each worker learns the count at start
   * and reports it in its stats (`ShardStats.restarts`), so `info` and the
   * admin UI show it without asking the acceptor.
   */
  readonly restarts: number;
  /** The internal port (server API, /metrics, /health); 0 for none. */
  readonly internalPort: number;
  /** Certificate and key files for TLS on the client port (the acceptor wrote PEMs given inline to files); null without TLS. */
  readonly tls: TlsFiles | null;
  /** Reload version of `config` (0 at start). */
  readonly configVersion: number;
}

/** Files uWS's SSLApp reads. */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** One shard's metrics, as prom-client JSON (src/metrics/json.ts). */
export type { MetricJson } from '../metrics/json';
import type { MetricJson } from '../metrics/json';

/** Acceptor → shard. */
export type ToShard =
  | { readonly type: 'all-ready' }
  | { readonly type: 'drain'; readonly timeoutMs: number }
  | { readonly type: 'peer-restarted'; readonly peer: number; readonly toPeer: SharedArrayBuffer; readonly fromPeer: SharedArrayBuffer }
  | { readonly type: 'crash'; readonly reason: string }
  /** Reload, phase 1: build the settings of `config` aside and answer config-prepared. */
  | { readonly type: 'config-prepare'; readonly version: number; readonly config: Config }
  /** Reload, phase 2: switch (unless a peer's marker switched this shard already). */
  | { readonly type: 'config-commit'; readonly version: number }
  /** Send this shard's metrics (metrics-snapshot with the same id). */
  | { readonly type: 'metrics-collect'; readonly id: number }
  /** The exposition this shard asked for with metrics-request. */
  | { readonly type: 'metrics-text'; readonly id: number; readonly text: string; readonly error?: string };

/** Shard → acceptor. */
export type FromShard =
  | { readonly type: 'ready'; readonly shardId: number }
  | { readonly type: 'listen-failed'; readonly shardId: number; readonly port: number }
  | { readonly type: 'fatal'; readonly shardId: number; readonly message: string }
  | { readonly type: 'crashed'; readonly shardId: number; readonly message: string }
  | { readonly type: 'drained'; readonly shardId: number }
  | { readonly type: 'config-prepared'; readonly shardId: number; readonly version: number; readonly error?: string }
  /** Every peer's marker arrived: this shard runs only on config `version`; `revoked` subscriptions were ended. */
  | { readonly type: 'config-applied'; readonly shardId: number; readonly version: number; readonly revoked: number }
  | { readonly type: 'metrics-snapshot'; readonly shardId: number; readonly id: number; readonly metrics: readonly MetricJson[] }
  /** GET /metrics arrived on this shard: the acceptor gathers every shard and answers metrics-text. */
  | { readonly type: 'metrics-request'; readonly shardId: number; readonly id: number };
