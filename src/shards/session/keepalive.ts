/**
 * Connection housekeeping on one shard timer (not one timer per connection):
 * server pings and pong deadlines (3012), stale connections that never sent
 * connect (3502), expired connections and subscriptions (expiry.ts: 3005,
 * 2501, 3006, or a refresh proxy call), and slow consumers whose outgoing
 * buffer passed `client.queue_max_size` (3008).
 *
 * A tick visits only the connections that are due: each connection is
 * filed in the slot of the tick at or after its `checkAt`, the earliest of
 * its deadlines and at most RECHECK_MS ahead, so an idle connection is
 * looked at every few seconds instead of at every tick (every connection
 * used to be checked in full at every tick: 2.6 ms of CPU per second per
 * 1,000 idle connections, most of it memory reads). New connections and
 * deadlines moved earlier outside this file go through `recheckSoon`; a
 * deadline moved earlier without it would still be seen within RECHECK_MS.
 * A slot may still list a connection that was filed again elsewhere since;
 * the sweep skips it. Buffers are scanned every BUFFER_SCAN_TICKS ticks while
 * topics are published to (every IDLE_BUFFER_SCAN_TICKS otherwise), and
 * whenever the Writer has published enough to fill one (its pressure
 * callback).
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
import { ConnState, holdsChannel, type Connection } from './connection';

/** Whether a host call closed the connection (a function, so the compiler does not keep the narrowed state). */
function isClosed(conn: Connection): boolean {
  return conn.state === ConnState.Closed;
}

/** How often connections are checked, ms. */
export const KEEPALIVE_TICK_MS = 250;
/** Longest time a connection goes without a full check, ms. */
const RECHECK_MS = 5_000;
/** Slots of the schedule, one per tick: RECHECK_MS ahead, the current tick and one to spare. */
const SLOTS = RECHECK_MS / KEEPALIVE_TICK_MS + 2;
/** Ticks between two scans of every connection's outgoing buffer while topics are published to (about a second). */
const BUFFER_SCAN_TICKS = 4;
/**
 * Ticks between two scans when nothing was published to topics since the last
 * one (10 s, the frame allowance's window: a buffer can pass its limit without
 * a write only when the allowance shrinks).
 */
const IDLE_BUFFER_SCAN_TICKS = 40;

/** What keepalive needs from the shard. */
export interface KeepaliveHost {
  readonly connections: ReadonlyMap<string, Connection>;
  send(conn: Connection, text: string): void;
  disconnect(conn: Connection, code: number, reason: string): void;
  /** Told after every buffer check. */
  buffersChecked(): void;
  /** Bytes published to topics since the last buffer check (direct writes check their socket at once). */
  publishedSinceBufferCheck(): number;
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
  /** Connections by the tick they are due at: slot `t % SLOTS` holds those due at tick t (ms / KEEPALIVE_TICK_MS, rounded up). */
  private readonly slots: Connection[][] = Array.from({ length: SLOTS }, () => []);
  /** Connections to check at the next tick (new ones, and deadlines moved earlier). */
  private soon: Connection[] = [];
  /** The last tick whose slot was swept; -1 before the first. */
  private sweptTick = -1;
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
    this.recheckSoon(conn);
  }

  /**
   * Checks `conn` in full at the next tick: call for a new connection and
   * after moving one of its deadlines earlier (an expiry, a grant).
   */
  recheckSoon(conn: Connection): void {
    conn.checkAt = 0;
    this.soon.push(conn);
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
      if (!holdsChannel(conn, channel)) {
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
    this.ticksSinceScan++;
    if (this.ticksSinceScan >= IDLE_BUFFER_SCAN_TICKS || (this.ticksSinceScan >= BUFFER_SCAN_TICKS && this.host.publishedSinceBufferCheck() > 0)) {
      this.ticksSinceScan = 0;
      this.checkBuffers();
    }
    const soon = this.soon;
    this.soon = [];
    for (const conn of soon) this.visit(conn, now, ping_interval, pong_timeout, expired_close_delay);
    const current = Math.floor(now / KEEPALIVE_TICK_MS);
    // After a stall of more than a round, every slot is swept once.
    const first = this.sweptTick < 0 ? current : Math.max(this.sweptTick + 1, current - SLOTS + 1);
    for (let t = first; t <= current; t++) {
      const slot = this.slots[t % SLOTS]!;
      // Connections filed during the sweep go to later slots only (nextCheck is after now).
      for (let i = 0; i < slot.length; i++) this.visit(slot[i]!, now, ping_interval, pong_timeout, expired_close_delay);
      slot.length = 0;
    }
    this.sweptTick = current;
  }

  /** Checks one filed connection if it is still this shard's and due, and files it again. */
  private visit(conn: Connection, now: number, ping_interval: number, pong_timeout: number, expired_close_delay: number): void {
    // Closed, gone, or filed again elsewhere since (a later slot, or the soon list).
    if (conn.state === ConnState.Closed || conn.checkAt > now || this.host.connections.get(conn.id) !== conn) return;
    this.check(conn, now, ping_interval, pong_timeout, expired_close_delay);
    if (isClosed(conn)) return;
    // A deadline already past (a refresh proxy call still in flight) is looked at again at the next tick, not in this sweep.
    const at = Math.max(this.nextCheck(conn, now, expired_close_delay), now + 1);
    conn.checkAt = at;
    this.slots[Math.ceil(at / KEEPALIVE_TICK_MS) % SLOTS]!.push(conn);
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
