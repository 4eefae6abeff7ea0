/**
 * Which connections a keepalive tick looks at (src/shards/session/keepalive.ts),
 * on a host driven by hand with explicit clock values: an idle connection is
 * checked in full every 5 s, not at every tick; a deadline closer than that
 * (a ping, an expiry, a subscription's expiry, a stale connect) is met at the
 * first tick past it; `recheckSoon` makes the next tick look again; closed
 * and removed connections are dropped; a stalled timer catches up; and
 * buffers are scanned every fourth tick.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../src/config/validate';
import { createGrant } from '../src/auth/grant';
import { ConnState, createConnection, type Connection } from '../src/shards/session/connection';
import { Keepalive, type KeepaliveHost } from '../src/shards/session/keepalive';
import type { ClientTransport } from '../src/shards/session/transport';

/** A transport that counts the buffer reads keepalive makes. */
function transport(): ClientTransport & { bufferReads: number } {
  return {
    name: 'websocket',
    protocol: 'json',
    unidirectional: false,
    nativeTopics: true,
    session: undefined,
    bufferReads: 0,
    subscribe: () => undefined,
    unsubscribe: () => undefined,
    send: () => undefined,
    bufferedAmount() {
      this.bufferReads++;
      return 0;
    },
    end: () => undefined,
    close: () => undefined,
  };
}

/** A host recording what keepalive asked of it. */
function host(): KeepaliveHost & { published: number; pings: string[]; disconnects: [string, number][]; expired: string[]; subExpired: string[]; connections: Map<string, Connection> } {
  const connections = new Map<string, Connection>();
  return {
    connections,
    pings: [],
    disconnects: [],
    expired: [],
    subExpired: [],
    send(conn) {
      this.pings.push(conn.id);
    },
    disconnect(conn, code) {
      conn.state = ConnState.Closed;
      this.disconnects.push([conn.id, code]);
    },
    buffersChecked() {
      this.published = 0;
    },
    published: 0,
    publishedSinceBufferCheck() {
      return this.published;
    },
    frameAllowance: () => 0,
    connectionExpired(conn) {
      this.expired.push(conn.id);
      conn.state = ConnState.Closed;
    },
    subscriptionExpired(conn, channel) {
      this.subExpired.push(`${conn.id}:${channel}`);
      conn.grants.delete(channel);
    },
  };
}

const T0 = 1_000_000;
const config = validateConfig({ client: { ping_interval: '25s', pong_timeout: '8s', expired_close_delay: '0s', expired_sub_close_delay: '0s' } });

/** A connected connection whose next ping is far away, filed with `keepalive` as the shard files a new one. */
function connected(h: ReturnType<typeof host>, keepalive: Keepalive, id: string): Connection & { transport: ReturnType<typeof transport> } {
  const conn = createConnection(id, transport(), T0, 10_000) as Connection & { transport: ReturnType<typeof transport> };
  conn.state = ConnState.Connected;
  conn.staleDeadline = 0;
  conn.nextPingAt = T0 + 20_000;
  h.connections.set(id, conn);
  keepalive.recheckSoon(conn);
  return conn;
}

describe('keepalive schedule', () => {
  test('an idle connection is checked in full once, then not again for 5 s', () => {
    const h = host();
    const keepalive = new Keepalive(config, h);
    const conn = connected(h, keepalive, 'a');
    keepalive.tick(T0);
    assert.equal(conn.checkAt, T0 + 5_000);
    for (let t = T0 + 250; t < T0 + 5_000; t += 250) {
      keepalive.tick(t);
      assert.equal(conn.checkAt, T0 + 5_000, `not checked again at +${t - T0} ms`);
    }
    keepalive.tick(T0 + 5_000);
    assert.equal(conn.checkAt, T0 + 10_000);
    assert.deepEqual(h.pings, []);
  });

  test('a ping due within the second is sent at the first tick past it, and its pong deadline is kept', () => {
    const h = host();
    const keepalive = new Keepalive(config, h);
    const conn = connected(h, keepalive, 'a');
    conn.nextPingAt = T0 + 600;
    keepalive.tick(T0);
    assert.equal(conn.checkAt, T0 + 600);
    keepalive.tick(T0 + 500);
    assert.deepEqual(h.pings, []);
    keepalive.tick(T0 + 750);
    assert.deepEqual(h.pings, ['a']);
    assert.equal(conn.pongDeadline, T0 + 750 + 8_000);
    // No pong: closed with 3012 at the first tick past the deadline, with checks of at most a second apart before it.
    for (let t = T0 + 1_000; t < T0 + 8_750; t += 250) keepalive.tick(t);
    assert.deepEqual(h.disconnects, []);
    keepalive.tick(T0 + 8_750);
    assert.deepEqual(h.disconnects, [['a', 3012]]);
  });

  test('an expiry set after the last check is met at the next tick through recheckSoon', () => {
    const h = host();
    const keepalive = new Keepalive(config, h);
    const conn = connected(h, keepalive, 'a');
    keepalive.tick(T0);
    conn.expiresAt = T0 + 300;
    keepalive.tick(T0 + 500);
    assert.deepEqual(h.expired, [], 'without recheckSoon the connection waits for its next full check');
    keepalive.recheckSoon(conn);
    keepalive.tick(T0 + 750);
    assert.deepEqual(h.expired, ['a']);
  });

  test("a subscription's expiry is a deadline of its connection", () => {
    const h = host();
    const keepalive = new Keepalive(config, h);
    const conn = connected(h, keepalive, 'a');
    conn.channels.add('news');
    conn.grants.set('news', createGrant('subscription_token', {}, T0 + 400));
    keepalive.recheckSoon(conn);
    keepalive.tick(T0);
    assert.equal(conn.checkAt, T0 + 400);
    keepalive.tick(T0 + 500);
    assert.deepEqual(h.subExpired, ['a:news']);
    assert.equal(conn.checkAt, T0 + 5_500);
  });

  test('a connection that never sent connect is closed with 3502 at its stale deadline', () => {
    const h = host();
    const keepalive = new Keepalive(config, h);
    const conn = createConnection('s', transport(), T0, 700);
    h.connections.set('s', conn);
    keepalive.recheckSoon(conn);
    keepalive.tick(T0);
    assert.equal(conn.checkAt, T0 + 700);
    keepalive.tick(T0 + 500);
    assert.deepEqual(h.disconnects, []);
    keepalive.tick(T0 + 750);
    assert.deepEqual(h.disconnects, [['s', 3502]]);
  });

  test('closed and removed connections are dropped; a stalled timer catches up with what came due meanwhile', () => {
    const h = host();
    const keepalive = new Keepalive(config, h);
    const closed = connected(h, keepalive, 'closed');
    const removed = connected(h, keepalive, 'removed');
    const late = connected(h, keepalive, 'late');
    late.nextPingAt = T0 + 3_000;
    keepalive.tick(T0);
    closed.state = ConnState.Closed;
    h.connections.delete('removed');
    removed.nextPingAt = T0 + 1;
    // The timer next fires 20 s later (a blocked loop): the ping that came due is sent, once, to the live connection only.
    keepalive.tick(T0 + 20_000);
    assert.deepEqual(h.pings, ['late']);
    assert.equal(late.nextPingAt, T0 + 20_000 + 25_000);
  });

  test('buffers are scanned every fourth tick while topics are published to, else every 40th', () => {
    const h = host();
    const keepalive = new Keepalive(config, h);
    const conn = connected(h, keepalive, 'a');
    let t = T0;
    for (let i = 1; i <= 8; i++) {
      h.published += 100;
      keepalive.tick((t += 250));
    }
    assert.equal(conn.transport.bufferReads, 2);
    for (let i = 1; i <= 39; i++) keepalive.tick((t += 250));
    assert.equal(conn.transport.bufferReads, 2, 'nothing published: no scan for 39 ticks');
    keepalive.tick((t += 250));
    assert.equal(conn.transport.bufferReads, 3);
  });
});
