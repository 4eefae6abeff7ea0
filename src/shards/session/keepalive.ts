/**
 * Connection housekeeping on one shard timer (not one timer per connection):
 * server pings and pong deadlines (3012), stale connections that never sent
 * connect (3502), expired connections and subscriptions (expiry.ts: 3005,
 * 2501, 3006, or a refresh proxy call), and slow consumers whose outgoing
 * buffer passed `client.queue_max_size` (3008).
 *
 * A tick looks only at connections whose `checkAt` has come: the earliest of
 * their deadlines, at most RECHECK_MS ahead, so an idle connection costs a
 * comparison per tick and a full check about once a second (each used to be
 * checked in full at every tick: 2.6 ms of CPU per second per 1,000 idle
 * connections). A deadline moved earlier outside this file calls
 * `recheckSoon`; one that was not would still be seen within RECHECK_MS.
 * Buffers are scanned every BUFFER_SCAN_TICKS ticks, and whenever the
 * Writer has published enough to fill one (its pressure callback).
 *
 * Expiry: a connection the client refreshes is given
 * `client.expired_close_delay` after its expiry to send `refresh`; one the
 * refresh proxy refreshes is handed over at its expiry. A subscription is
 * handed over once `client.expired_sub_close_delay` has passed after its
 * expiry, whoever refreshes it (as Centrifugo checks both).
 */
import type { Config } from '../../config/types';
import { Disconnects } from '../../protocol/codes';
import { PING_FRAME } from '../../protocol/json';
import { ConnState, type Connection } from './connection';

/** Whether a host call closed the connection (a function, so the compiler does not keep the narrowed state). */
function isClosed(conn: Connection): boolean {
  return conn.state === ConnState.Closed;
}

/** How often connections are checked, ms. */
export const KEEPALIVE_TICK_MS = 250;
/** Longest time a connection goes without a full check, ms. */
const RECHECK_MS = 1_000;
/** Ticks between two scans of every connection's outgoing buffer (about a second). */
const BUFFER_SCAN_TICKS = 4;

/** Makes keepalive check `conn` in full at its next tick: call after moving one of its deadlines earlier. */
export function recheckSoon(conn: Connection): void {
  conn.checkAt = 0;
}

/** What keepalive needs from the shard. */
export interface KeepaliveHost {
  readonly connections: ReadonlyMap<string, Connection>;
  send(conn: Connection, text: string): void;
  disconnect(conn: Connection, code: number, reason: string): void;
  /** Told after every buffer check. */
  buffersChecked(): void;
  /** Bytes a buffer may hold beyond client.queue_max_size before it is slow: the largest frame written lately (Writer.frameAllowance). */
  frameAllowance(): number;
  /** The connection is past its expiry (and grace): close it, or ask the refresh proxy. */
  connectionExpired(conn: Connection): void;
  /** A subscription is past its expiry and grace: end it, or ask the sub_refresh proxy. */
  subscriptionExpired(conn: Connection, channel: string): void;
}

/** The shard's housekeeping timer. */
export class Keepalive {
  private timer: NodeJS.Timeout | null = null;
  /** Ticks since the last periodic buffer scan. */
  private ticksSinceScan = 0;
  /** Connections closed for each reason, for stats. */
  readonly closed = { noPong: 0, stale: 0, expired: 0, slow: 0 };

  constructor(
    /** The config in force; replaced on reload. */
    public config: Config,
    private readonly host: KeepaliveHost,
  ) {}

  /** Starts the timer. */
  run(): void {
    this.timer = setInterval(() => this.tick(Date.now()), KEEPALIVE_TICK_MS);
    this.timer.unref();
  }

  /** Stops the timer. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** A connection finished connect: schedule its first ping at a random point in [interval/2, interval]. */
  start(conn: Connection): void {
    const interval = this.config.client.ping_interval;
    conn.nextPingAt = Date.now() + interval / 2 + Math.random() * (interval / 2);
    recheckSoon(conn);
  }

  /** Disconnects (3008) every connection whose outgoing buffer is over client.queue_max_size plus the frame allowance. */
  checkBuffers(): void {
    const limit = this.config.client.queue_max_size + this.host.frameAllowance();
    for (const conn of this.host.connections.values()) {
      if (conn.state !== ConnState.Closed && conn.transport.bufferedAmount() > limit) this.slow(conn);
    }
    this.host.buffersChecked();
  }

  /** Closes one slow connection. */
  slow(conn: Connection): void {
    this.closed.slow++;
    this.host.disconnect(conn, Disconnects.slow.code, Disconnects.slow.reason);
  }

  /** Hands over each expired subscription of `conn`; forgets grants of channels it left. */
  private checkSubscriptions(conn: Connection, now: number): void {
    const delay = this.config.client.expired_sub_close_delay;
    for (const [channel, grant] of conn.grants) {
      if (!conn.channels.has(channel) && !conn.pending.has(channel) && !conn.authorizing.has(channel)) {
        conn.grants.delete(channel);
        continue;
      }
      if (grant.expireAt > 0 && now > grant.expireAt + delay) this.host.subscriptionExpired(conn, channel);
      if (isClosed(conn)) return;
    }
  }

  /** Checks every connection that is due, and every BUFFER_SCAN_TICKS ticks every buffer. */
  tick(now: number): void {
    const { ping_interval, pong_timeout, expired_close_delay } = this.config.client;
    if (++this.ticksSinceScan >= BUFFER_SCAN_TICKS) {
      this.ticksSinceScan = 0;
      this.checkBuffers();
    }
    for (const conn of this.host.connections.values()) {
      if (conn.state === ConnState.Closed || now < conn.checkAt) continue;
      this.check(conn, now, ping_interval, pong_timeout, expired_close_delay);
      if (!isClosed(conn)) conn.checkAt = this.nextCheck(conn, now, expired_close_delay);
    }
  }

  /** The earliest deadline of `conn`, at most RECHECK_MS from now. */
  private nextCheck(conn: Connection, now: number, expiredCloseDelay: number): number {
    let at = now + RECHECK_MS;
    if (conn.state !== ConnState.Connected) return conn.staleDeadline > 0 ? Math.min(at, conn.staleDeadline) : at;
    if (this.config.client.ping_interval > 0) at = Math.min(at, conn.nextPingAt);
    if (conn.pongDeadline > 0) at = Math.min(at, conn.pongDeadline);
    if (conn.expiresAt > 0) at = Math.min(at, conn.expiresAt + (conn.clientSideRefresh ? expiredCloseDelay : 0));
    if (conn.grants.size > 0) {
      const delay = this.config.client.expired_sub_close_delay;
      for (const grant of conn.grants.values()) if (grant.expireAt > 0) at = Math.min(at, grant.expireAt + delay);
    }
    // Deadlines are compared with `now >= deadline`: a deadline of this very ms is due at the next tick.
    return at;
  }

  /** Checks one connection's deadlines. */
  private check(conn: Connection, now: number, ping_interval: number, pong_timeout: number, expired_close_delay: number): void {
    if (conn.state !== ConnState.Connected) {
      if (conn.staleDeadline > 0 && now >= conn.staleDeadline) {
        this.closed.stale++;
        this.host.disconnect(conn, Disconnects.stale.code, Disconnects.stale.reason);
      }
      return;
    }
    if (conn.expiresAt > 0 && now >= conn.expiresAt + (conn.clientSideRefresh ? expired_close_delay : 0)) {
      if (conn.clientSideRefresh) this.closed.expired++;
      this.host.connectionExpired(conn);
      if (isClosed(conn)) return;
    }
    if (conn.grants.size > 0) this.checkSubscriptions(conn, now);
    if (isClosed(conn)) return;
    if (conn.pongDeadline > 0 && now >= conn.pongDeadline) {
      this.closed.noPong++;
      this.host.disconnect(conn, Disconnects.noPong.code, Disconnects.noPong.reason);
      return;
    }
    if (ping_interval > 0 && now >= conn.nextPingAt) {
      this.host.send(conn, PING_FRAME);
      conn.nextPingAt = now + ping_interval;
      // Unidirectional clients cannot answer: no pong is expected from them.
      if (conn.pongDeadline === 0 && !conn.transport.unidirectional) conn.pongDeadline = now + pong_timeout;
    }
  }
}
