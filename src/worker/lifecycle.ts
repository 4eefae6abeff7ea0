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
  /** The concrete port to listen on (the acceptor resolved port 0 already). */
  readonly port: number;
  readonly nodeUid: string;
  readonly nodeName: string;
}

/** Acceptor → shard. */
export type ToShard =
  | { readonly type: 'all-ready' }
  | { readonly type: 'drain'; readonly timeoutMs: number }
  | { readonly type: 'peer-restarted'; readonly peer: number; readonly toPeer: SharedArrayBuffer; readonly fromPeer: SharedArrayBuffer }
  | { readonly type: 'crash'; readonly reason: string };

/** Shard → acceptor. */
export type FromShard =
  | { readonly type: 'ready'; readonly shardId: number }
  | { readonly type: 'listen-failed'; readonly shardId: number; readonly port: number }
  | { readonly type: 'fatal'; readonly shardId: number; readonly message: string }
  | { readonly type: 'crashed'; readonly shardId: number; readonly message: string }
  | { readonly type: 'drained'; readonly shardId: number };
