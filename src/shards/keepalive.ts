/**
 * Connection housekeeping on one shard timer (not one timer per connection):
 * server pings and pong deadlines (3012), stale connections that never sent
 * connect (3502), expired connections (3005), and slow consumers whose
 * outgoing buffer passed `client.queue_max_size` (3008).
 */
import type { Config } from '../config/types';
import { Disconnects } from '../protocol/codes';
import { PING_FRAME } from '../protocol/json';
import { ConnState, type Connection } from './connection';

/** How often connections are checked, ms. */
export const KEEPALIVE_TICK_MS = 250;

/** What keepalive needs from the shard. */
export interface KeepaliveHost {
  readonly connections: ReadonlyMap<string, Connection>;
  send(conn: Connection, text: string): void;
  disconnect(conn: Connection, code: number, reason: string): void;
  /** Told after every buffer check. */
  buffersChecked(): void;
}

/** The shard's housekeeping timer. */
export class Keepalive {
  private timer: NodeJS.Timeout | null = null;
  /** Connections closed for each reason, for stats. */
  readonly closed = { noPong: 0, stale: 0, expired: 0, slow: 0 };

  constructor(
    private readonly config: Config,
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
  }

  /** Disconnects (3008) every connection whose outgoing buffer is over client.queue_max_size. */
  checkBuffers(): void {
    const limit = this.config.client.queue_max_size;
    for (const conn of this.host.connections.values()) {
      if (conn.state !== ConnState.Closed && conn.ws.getBufferedAmount() > limit) this.slow(conn);
    }
    this.host.buffersChecked();
  }

  /** Closes one slow connection. */
  slow(conn: Connection): void {
    this.closed.slow++;
    this.host.disconnect(conn, Disconnects.slow.code, Disconnects.slow.reason);
  }

  /** Checks every connection once. */
  tick(now: number): void {
    const { ping_interval, pong_timeout } = this.config.client;
    this.checkBuffers();
    for (const conn of this.host.connections.values()) {
      if (conn.state === ConnState.Closed) continue;
      if (conn.state !== ConnState.Connected) {
        if (conn.staleDeadline > 0 && now >= conn.staleDeadline) {
          this.closed.stale++;
          this.host.disconnect(conn, Disconnects.stale.code, Disconnects.stale.reason);
        }
        continue;
      }
      if (conn.expiresAt > 0 && now >= conn.expiresAt) {
        this.closed.expired++;
        this.host.disconnect(conn, Disconnects.expired.code, Disconnects.expired.reason);
        continue;
      }
      if (conn.pongDeadline > 0 && now >= conn.pongDeadline) {
        this.closed.noPong++;
        this.host.disconnect(conn, Disconnects.noPong.code, Disconnects.noPong.reason);
        continue;
      }
      if (ping_interval > 0 && now >= conn.nextPingAt) {
        this.host.send(conn, PING_FRAME);
        conn.nextPingAt = now + ping_interval;
        if (conn.pongDeadline === 0) conn.pongDeadline = now + pong_timeout;
      }
    }
  }
}
