/**
 * Three switchyard processes with the NATS broker on a nats-server the test
 * starts (and restarts), presence kept in Redis when REDIS_URL is set
 * (`broker` and `presence_manager` chosen apart): publications cross processes
 * in order, once each; a NATS restart under load gives publishers clear
 * errors, never a hang, and delivery resumes; a channel with history is a
 * config error; an unreachable NATS at start exits 1 within dial_timeout.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { natsSubject } from '../src/broker/nats/broker';
import { validateConfig } from '../src/config/validate';
import { ConfigError } from '../src/config/errors';
import { callApi } from './helpers/api';
import { sdkClient, waitFor } from './helpers/clients';
import { REDIS_URL, startNodes, uniquePrefix, type ChildNode } from './helpers/redis';
import { skipWithoutNatsServer, startNatsServer, type ServerProcess } from './helpers/servers';
import { runCli } from './helpers/engines';

function natsConfig(url: string, prefix: string): Record<string, unknown> {
  const presence = REDIS_URL
    ? { presence_manager: { enabled: true, type: 'redis', redis: { address: REDIS_URL, prefix, connect_timeout: '500ms', io_timeout: '2s' } } }
    : {};
  return {
    broker: { enabled: true, type: 'nats', nats: { url, prefix, dial_timeout: '500ms', write_timeout: '1s' } },
    ...presence,
    client: { presence_update_interval: '1s' },
    channel: { without_namespace: { presence: true, join_leave: true, force_push_join_leave: true } },
  };
}

test('NATS subjects: plain channels keep their name, others are encoded so none becomes a wildcard', () => {
  const config = validateConfig({}).broker.nats;
  assert.equal(natsSubject(config, 'news'), 'switchyard.client.news');
  assert.equal(natsSubject(config, 'chat:room.1'), 'switchyard.client.chat:room.1');
  assert.match(natsSubject(config, 'a b'), /^switchyard\.client\._b64\./);
  assert.match(natsSubject(config, '>'), /^switchyard\.client\._b64\./);
  assert.match(natsSubject(config, 'x.*'), /^switchyard\.client\._b64\./);
  assert.match(natsSubject(config, 'a..b'), /^switchyard\.client\._b64\./);
  const raw = { ...config, raw_mode: { enabled: true, prefix: 'app.', channel_replacements: { ':': '.' } } };
  assert.equal(natsSubject(raw, 'chat:index'), 'app.chat.index');
});

test('a channel with history under the NATS broker is a config error naming the channel options', () => {
  const broker = { enabled: true, type: 'nats' };
  assert.throws(
    () => validateConfig({ broker, channel: { namespaces: [{ name: 'feed', history_size: 10, history_ttl: '60s' }] } }),
    (err: unknown) => err instanceof ConfigError && err.errors.some((e) => e.startsWith('channel.namespaces[0].history_size (namespace "feed") needs a broker that keeps history')),
  );
  validateConfig({ broker, channel: { namespaces: [{ name: 'feed' }] } });
});

test('an unreachable NATS at start: a clear error and exit 1 within dial_timeout', { skip: skipWithoutNatsServer }, async () => {
  const started = Date.now();
  const result = await runCli({ broker: { enabled: true, type: 'nats', nats: { url: 'nats://127.0.0.1:1', dial_timeout: '300ms' } } });
  assert.equal(result.code, 1);
  assert.match(result.output, /broker\.nats: NATS at nats:\/\/127\.0\.0\.1:1 did not answer within dial_timeout \(300 ms\)/);
  assert.ok(Date.now() - started < 5000, `exited after ${Date.now() - started} ms`);
});

describe('three processes on NATS', { skip: skipWithoutNatsServer }, () => {
  let nats: ServerProcess & { url: string };
  const nodes: ChildNode[] = [];
  const cleanups: (() => void)[] = [];

  before(async () => {
    nats = await startNatsServer();
    const shared = natsConfig(nats.url, uniquePrefix('nats').replace(/\./g, '_'));
    await startNodes([1, 2, 1].map((count) => ({ ...shared, shards: { count } })), nodes);
  });

  after(async () => {
    for (const c of cleanups) c();
    await Promise.all(nodes.map((n) => n.stop()));
    await nats?.stop();
  });

  test('publications through B reach clients on A and C in order, once each', async () => {
    const received: number[][] = [[], []];
    for (const [i, node] of [nodes[0]!, nodes[2]!].entries()) {
      const client = sdkClient(node.wsUrl);
      cleanups.push(() => client.disconnect());
      const sub = client.newSubscription('ticker');
      sub.on('publication', (ctx) => received[i]!.push((ctx.data as { n: number }).n));
      client.connect();
      sub.subscribe();
      await sub.ready(5000);
    }
    for (let batch = 0; batch < 5; batch++) {
      const commands = Array.from({ length: 100 }, (_, i) => ({ publish: { channel: 'ticker', data: { n: batch * 100 + i } } }));
      const answer = await callApi(nodes[1]!.apiUrl, 'batch', { commands });
      assert.equal(answer.body.result.replies.filter((r: { error?: unknown }) => r.error).length, 0);
    }
    await waitFor(() => received.every((r) => r.length >= 500), '500 publications on A and C', 15_000);
    await new Promise((r) => setTimeout(r, 200));
    const expected = Array.from({ length: 500 }, (_, i) => i);
    assert.deepEqual(received[0], expected);
    assert.deepEqual(received[1], expected);
  });

  test('join/leave cross processes; presence agrees everywhere when Redis keeps it', async () => {
    const watcher = sdkClient(nodes[0]!.wsUrl);
    cleanups.push(() => watcher.disconnect());
    const joins: string[] = [];
    const wsub = watcher.newSubscription('room', { joinLeave: true });
    wsub.on('join', (ctx) => joins.push(ctx.info.client));
    watcher.connect();
    wsub.subscribe();
    await wsub.ready(5000);
    const guest = sdkClient(nodes[2]!.wsUrl);
    cleanups.push(() => guest.disconnect());
    const gsub = guest.newSubscription('room');
    guest.connect();
    gsub.subscribe();
    await gsub.ready(5000);
    await waitFor(() => joins.length >= 1, 'join of a client on another process');
    if (!REDIS_URL) return;
    const answers = await Promise.all(nodes.map((n) => callApi(n.apiUrl, 'presence_stats', { channel: 'room' })));
    for (const a of answers) assert.deepEqual(a.body.result, { num_clients: 2, num_users: 1 });
  });

  test('a NATS restart under load: every publish answers (ok or 100), delivery resumes, nothing exits', async () => {
    const client = sdkClient(nodes[0]!.wsUrl);
    cleanups.push(() => client.disconnect());
    const disconnects: number[] = [];
    client.on('disconnected', (ctx) => disconnects.push(ctx.code));
    client.on('connecting', (ctx) => disconnects.push(ctx.code));
    const received = new Set<number>();
    const sub = client.newSubscription('load');
    sub.on('publication', (ctx) => received.add((ctx.data as { n: number }).n));
    client.connect();
    sub.subscribe();
    await sub.ready(5000);
    const codes: (number | 'ok')[] = [];
    let n = 0;
    const publish = async (): Promise<void> => {
      const started = Date.now();
      const answer = await callApi(nodes[1]!.apiUrl, 'publish', { channel: 'load', data: { n: n++ } });
      assert.ok(Date.now() - started < 4000, 'a publish never hangs');
      codes.push(answer.body?.result ? 'ok' : answer.body?.error?.code);
    };
    for (let i = 0; i < 20; i++) await publish();
    await nats.stop();
    for (let i = 0; i < 10; i++) await publish();
    await nats.start();
    const deadline = Date.now() + 15_000;
    let afterRestart = -1;
    while (Date.now() < deadline) {
      await publish();
      if (codes.at(-1) === 'ok' && afterRestart < 0) afterRestart = n - 1;
      if (afterRestart >= 0 && received.has(n - 1)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(codes.every((c) => c === 'ok' || c === 100), `answers: ${codes.join(',')}`);
    assert.ok(codes.slice(20, 30).every((c) => c === 100), 'publishes while NATS is down fail with 100');
    assert.ok(received.has(n - 1), 'publications flow again after the restart');
    for (let i = 0; i < 20; i++) assert.ok(received.has(i), `publication ${i} before the outage arrived`);
    // No history holds what NATS lost: the subscriber is told by a disconnect with reconnect advice (3010), not left unaware.
    assert.ok(disconnects.includes(3010), `the client saw ${disconnects.join(',')}`);
    for (const node of nodes) assert.equal(node.child.exitCode, null);
    assert.match(nodes[1]!.output(), /NATS connection lost; reconnecting/);
    await waitFor(() => /NATS connection restored/.test(nodes[0]!.output()), 'restore logged');
  });
});
