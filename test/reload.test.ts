/**
 * Reload end to end (issue 13): 1,000 SDK clients keep receiving across 10
 * reloads under publishing load and none is disconnected; the new options
 * take effect (a namespace gains history and recovery starts working; a
 * revoked permission unsubscribes with 2000); five bad configs in a row
 * change nothing and the server keeps serving; restart-only keys are
 * reported and kept.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Centrifuge } from 'centrifuge';
import { callApi } from './helpers/api';
import { sdkClient, waitFor } from './helpers/clients';
import { startReloadable, type ReloadableServer } from './helpers/reload';

const CLIENTS = 1000;
const open = { allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true };

/** The config of reload `i`: `feed` gains history and recovery from the first reload on; `perm` is open until `revoke`. */
function variant(i: number, revoke = false): Record<string, unknown> {
  const history = i > 0 ? { history_size: 100, history_ttl: '60s', force_recovery: true } : {};
  return {
    log: { level: i % 2 === 0 ? 'warn' : 'error' },
    client: { allowed_origins: i % 2 === 0 ? [] : ['https://example.com'] },
    channel: {
      namespaces: [
        { name: 'load', ...open },
        { name: 'feed', ...open, ...history },
        { name: 'perm', ...(revoke ? {} : open) },
      ],
    },
  };
}

let dir: string;
let running: ReloadableServer;
const clients: Centrifuge[] = [];
const received: number[] = [];
let disconnects = 0;
let published = 0;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-reload-'));
  running = await startReloadable(join(dir, 'config.json'), variant(0));
  const { wsUrl } = running.server;
  const connectOne = async (i: number): Promise<void> => {
    const client = sdkClient(wsUrl);
    client.on('disconnected', () => disconnects++);
    received[i] = 0;
    const sub = client.newSubscription('load:all');
    sub.on('publication', () => received[i]!++);
    client.connect();
    sub.subscribe();
    await sub.ready(20_000);
    clients.push(client);
  };
  for (let start = 0; start < CLIENTS; start += 250) {
    await Promise.all(Array.from({ length: Math.min(250, CLIENTS - start) }, (_, k) => connectOne(start + k)));
  }
});

after(async () => {
  for (const c of clients) c.disconnect();
  await running?.server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Publishes into `load:all` every 20 ms until `stop()`; resolves when the last publish answered. */
function publishing(): { stop(): Promise<void> } {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const answer = await callApi(running.server.apiUrl, 'publish', { channel: 'load:all', data: { n: published } });
      assert.equal(answer.status, 200, answer.text);
      assert.ok(answer.body.result, answer.text);
      published++;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

test('1,000 SDK clients keep receiving across 10 reloads under publishing load; none is disconnected', async () => {
  const load = publishing();
  try {
    for (let i = 1; i <= 10; i++) {
      running.write(variant(i));
      const outcome = await running.reloader.request(`test reload ${i}`);
      assert.equal(outcome.status, 'applied', JSON.stringify(outcome));
      if (outcome.status === 'applied') assert.deepEqual(outcome.result.missing, []);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await load.stop();
  }
  assert.ok(published >= 10, `published ${published}`);
  assert.equal(running.server.supervisor.configVersion, 10);
  await waitFor(() => received.every((n) => n === published), `every client received all ${published} publications`, 20_000);
  assert.equal(disconnects, 0);
  assert.equal(running.server.config.channel.namespaces.find((n) => n.name === 'feed')?.history_size, 100);
});

test('a namespace that gained history recovers what a reconnecting client missed', async () => {
  const client = sdkClient(running.server.wsUrl);
  clients.push(client);
  const got: unknown[] = [];
  const subscribed: { recoverable: boolean; wasRecovering: boolean; recovered: boolean }[] = [];
  const sub = client.newSubscription('feed:news');
  sub.on('publication', (ctx) => got.push(ctx.data));
  sub.on('subscribed', (ctx) => subscribed.push({ recoverable: ctx.recoverable, wasRecovering: ctx.wasRecovering, recovered: ctx.recovered }));
  client.connect();
  sub.subscribe();
  await sub.ready(5000);
  assert.equal(subscribed[0]?.recoverable, true, 'force_recovery from the reloaded config applies');
  await callApi(running.server.apiUrl, 'publish', { channel: 'feed:news', data: { n: 1 } });
  await waitFor(() => got.length === 1, 'first publication');
  client.disconnect();
  await callApi(running.server.apiUrl, 'publish', { channel: 'feed:news', data: { n: 2 } });
  await callApi(running.server.apiUrl, 'publish', { channel: 'feed:news', data: { n: 3 } });
  client.connect();
  await waitFor(() => got.length === 3, 'the two missed publications, recovered');
  assert.deepEqual(got, [{ n: 1 }, { n: 2 }, { n: 3 }]);
  assert.deepEqual(subscribed.at(-1), { recoverable: true, wasRecovering: true, recovered: true });
  client.disconnect();
});

test('a revoked permission unsubscribes the client with 2000; its connection stays', async () => {
  const client = sdkClient(running.server.wsUrl);
  clients.push(client);
  let clientDisconnects = 0;
  client.on('disconnected', () => clientDisconnects++);
  const sub = client.newSubscription('perm:room');
  const unsubscribed: { code: number; reason: string }[] = [];
  sub.on('unsubscribed', (ctx) => unsubscribed.push({ code: ctx.code, reason: ctx.reason }));
  client.connect();
  sub.subscribe();
  await sub.ready(5000);
  running.write(variant(11, true));
  const outcome = await running.reloader.request('revoke perm');
  assert.equal(outcome.status, 'applied');
  if (outcome.status === 'applied') assert.equal(outcome.result.revoked, 1);
  await waitFor(() => unsubscribed.length === 1, 'unsubscribe push');
  assert.deepEqual(unsubscribed[0], { code: 2000, reason: 'server unsubscribe' });
  assert.equal(client.state, 'connected');
  assert.equal(clientDisconnects, 0);
  client.disconnect();
});

test('five bad configs in a row under load change nothing; the server keeps serving', async () => {
  const before = running.server.config;
  const version = running.server.supervisor.configVersion;
  const start = published;
  const load = publishing();
  const bad: [Record<string, unknown> | string, RegExp][] = [
    ['{"http_server": {', /invalid JSON/],
    [{ config: { strict: true }, client: { ping_intervall: '10s' } }, /client\.ping_intervall.*strict mode/],
    [{ client: { channel_limit: 'many' } }, /client\.channel_limit must be an integer/],
    [{ http_server: { tls: { enabled: true } } }, /http_server\.tls\.enabled needs http_server\.tls\.cert_pem/],
    [{ channel: { namespaces: [{ name: 'feed', history_size: 10 }] } }, /channel\.namespaces\[0\]\.history_size and channel\.namespaces\[0\]\.history_ttl/],
  ];
  try {
    for (const [content, expected] of bad) {
      running.write(content);
      const outcome = await running.reloader.request('bad config');
      assert.equal(outcome.status, 'invalid');
      if (outcome.status === 'invalid') assert.ok(outcome.errors.some((e) => expected.test(e)), outcome.errors.join('\n'));
    }
  } finally {
    await load.stop();
  }
  assert.equal(running.server.config, before, 'the running config stays');
  assert.equal(running.server.supervisor.configVersion, version);
  const health = await fetch(`${running.server.opsUrl}/health`);
  assert.equal(health.status, 200);
  assert.ok(published > start);
  await waitFor(() => received.every((n) => n === published), 'every client still receives', 20_000);
  assert.equal(disconnects, 0);
});

test('restart-only keys are reported as needing a restart and keep their running values', async () => {
  const shards = running.server.config.shards.count;
  running.write({ ...variant(12), shards: { count: shards + 2 }, http_server: { port: running.server.port + 1 } });
  const outcome = await running.reloader.request('restart keys');
  assert.equal(outcome.status, 'applied');
  if (outcome.status === 'applied') assert.deepEqual([...outcome.needsRestart].sort(), ['http_server.port', 'shards.count']);
  assert.equal(running.server.config.shards.count, shards);
  assert.equal(running.server.config.http_server.port, 0);
});
