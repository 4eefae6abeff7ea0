/**
 * Whether this process takes one more client connection, asked by every
 * transport before it opens one (WebSocket upgrades, HTTP-streaming and SSE
 * sessions, the unidirectional transports): `client.connection_limit`
 * (connections of all shards), `client.connection_rate_limit` (new
 * connections per second, all shards together) and the file-descriptor guard
 * (acceptor/fd-guard.ts). A refusal is answered HTTP 503, as Centrifugo
 * does; the shared counters never block (common/process-counters.ts).
 */
import type { Logger } from '../../common/log';
import { fdReserve, type ProcessCounters } from '../../common/process-counters';
import type { Config } from '../../config/types';

/** Least time between two log lines about one kind of refusal, ms (Centrifugo: 3 s). */
const LOG_INTERVAL_MS = 3000;

/** Why a connection was refused: the text of its 503 answer. */
export type Refusal = 'connection limit reached' | 'connection rate limit reached' | 'file descriptors nearly exhausted';

/** The admission checks of one shard. */
export class Admission {
  private readonly loggedAt = new Map<Refusal, number>();

  constructor(
    /** The config in force (read on every admission, so a reload applies to the next connection). */
    private readonly config: () => Config,
    private readonly counters: ProcessCounters,
    private readonly shardId: number,
    private readonly log: Logger,
  ) {}

  /** Records how many connections this shard holds (after each open and close). */
  count(connections: number): void {
    this.counters.setShardConnections(this.shardId, connections);
  }

  /** Null when one more connection may open (it is counted against the rate); else why not. */
  admit(): Refusal | null {
    const { connection_limit: limit, connection_rate_limit: rate } = this.config().client;
    if (limit > 0 && this.counters.totalConnections() >= limit) return this.refuse('connection limit reached', { limit });
    const fdLimit = this.counters.fdLimit();
    if (fdLimit > 0 && this.counters.estimatedOpenFds() >= fdLimit - fdReserve(fdLimit)) {
      return this.refuse('file descriptors nearly exhausted', { fd_limit: fdLimit });
    }
    if (rate > 0 && !this.counters.admitRate(rate, Date.now())) return this.refuse('connection rate limit reached', { limit: rate });
    return null;
  }

  private refuse(why: Refusal, fields: Record<string, number>): Refusal {
    const now = Date.now();
    if (now - (this.loggedAt.get(why) ?? -Infinity) >= LOG_INTERVAL_MS) {
      this.loggedAt.set(why, now);
      this.log.warn(`new connection refused: ${why}`, fields);
    }
    return why;
  }
}
