/**
 * Per-connection command and error rate limits (`client.rate_limit`, the
 * layout of Centrifugo PRO's operation rate limits):
 *
 * - `client_command`: a command of a kind with an enabled limit of its own
 *   takes a token from its buckets, else from the `default` buckets (one set
 *   per kind); once that passed, it takes one from `total` too (every command
 *   but connect). A command without a token is answered error 111 (too many
 *   requests, temporary: the SDK retries subscribes and refreshes by itself).
 *   `unsubscribe` is counted but never refused (a refused unsubscribe makes
 *   the SDK reconnect, which costs more); `send` over its limit is dropped
 *   (it has no reply).
 * - `client_error`: every error reply but 100 (internal, not the client's
 *   fault) takes a token from `total`; a connection without one left is
 *   disconnected with 3509 (too many errors), which SDKs do not reconnect
 *   after.
 *
 * Buckets are made on a connection's first command, so idle connections
 * cost nothing.
 */
import { TokenBuckets } from '../../common/token-bucket';
import type { ClientLimitsConfig, RateLimitConfig } from '../../config/limits-types';
import { LIMITED_COMMANDS, type LimitedCommand } from '../../config/limits-types';
import type { Connection } from '../session/connection';

const TOTAL = 'total';
const ERRORS = 'errors';
/** The internal error code, which never counts against the error budget. */
const INTERNAL = 100;

/** The command and error limits of one shard's connections. */
export class CommandLimits {
  private readonly perKind = new Map<string, RateLimitConfig>();
  private readonly total: RateLimitConfig | null;
  private readonly errors: RateLimitConfig | null;

  constructor(config: ClientLimitsConfig['rate_limit']) {
    const commands = config.client_command;
    const on = (l: RateLimitConfig): RateLimitConfig | null => (l.enabled && l.buckets.length > 0 ? l : null);
    this.total = commands.enabled ? on(commands.total) : null;
    this.errors = config.client_error.enabled ? on(config.client_error.total) : null;
    if (commands.enabled) {
      for (const kind of LIMITED_COMMANDS) {
        const own = on(commands[kind]) ?? on(commands.default);
        if (own) this.perKind.set(kind, own);
      }
    }
  }

  /** Whether any command limit is set (the dispatcher may skip admit otherwise). */
  get active(): boolean {
    return this.total !== null || this.perKind.size > 0;
  }

  /** Whether `conn` may run a command of `method` now (connect always may); takes its tokens. */
  admit(conn: Connection, method: string, now = Date.now()): boolean {
    if (method === 'connect' || !this.active) return true;
    const own = this.perKind.get(method);
    if (own && !this.buckets(conn, method, own, now).take(now) && method !== ('unsubscribe' satisfies LimitedCommand)) return false;
    if (!this.total) return true;
    const total = this.buckets(conn, TOTAL, this.total, now);
    return method === 'unsubscribe' ? (total.charge(now), true) : total.take(now);
  }

  /** Counts an error reply with `code` to `conn`; true when it is over its error budget (disconnect it with 3509). */
  overErrors(conn: Connection, code: number, now = Date.now()): boolean {
    if (!this.errors || code === INTERNAL) return false;
    return !this.buckets(conn, ERRORS, this.errors, now).take(now);
  }

  private buckets(conn: Connection, key: string, limit: RateLimitConfig, now: number): TokenBuckets {
    const all = (conn.rateLimits ??= new Map());
    let buckets = all.get(key);
    if (!buckets) {
      buckets = new TokenBuckets(limit.buckets, now);
      all.set(key, buckets);
    }
    return buckets;
  }
}
