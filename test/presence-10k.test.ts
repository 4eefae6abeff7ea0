/**
 * 10,000 presence entries in one channel do not stall a shard: while ten
 * thousand clients subscribe to one presence channel, another client's
 * commands keep being answered, and presence then lists every entry.
 * The server runs as its own process (ten thousand sockets each side).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import WebSocket from 'ws';
import { findFreePort } from '../src/acceptor/port';
import { callApi } from './helpers/api';
import { RawClient, waitFor } from './helpers/clients';
import { testConfigInput } from './helpers/server';

const CLI = join(__dirname, '..', 'src', 'cli.js');
const ENTRIES = 10_000;
const BATCH = 500;

/** A bare subscriber: connect, subscribe, and answer nothing else. */
function subscriber(url: string, channel: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('error', reject);
    ws.once('open', () => ws.send(`{"id":1,"connect":{}}\n{"id":2,"subscribe":{"channel":${JSON.stringify(channel)}}}`));
    ws.on('message', (data) => {
      if (data.toString().includes('"id":2')) resolve(ws);
    });
  });
}

test(`${ENTRIES.toLocaleString('en')} presence entries in one channel do not stall the shard`, { timeout: 180_000 }, async (t) => {
  const port = await findFreePort('127.0.0.1');
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-'));
  const file = join(dir, 'config.json');
  writeFileSync(
    file,
    JSON.stringify(
      testConfigInput({
        http_server: { port },
        log: { level: 'info' },
        shards: { count: 2 },
        client: { ping_interval: '120s', pong_timeout: '10s' },
        channel: { namespaces: [{ name: 'big', allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true, presence: true, join_leave: true }] },
      }),
    ),
  );
  const child = spawn(process.execPath, [CLI, '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const sockets: WebSocket[] = [];
  try {
    await waitFor(() => out.includes('switchyard ready'), 'server ready', 15_000);
    const url = `ws://127.0.0.1:${port}/connection/websocket`;
    const bystander = new RawClient(url);
    await bystander.connect();
    let answered = 0;
    let asking = true;
    const pinger = (async () => {
      for (let id = 10; asking; id++) {
        bystander.send(JSON.stringify({ id, ping: {} }));
        await bystander.nextFrame(30_000);
        answered++;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    for (let i = 0; i < ENTRIES; i += BATCH) {
      const batch = await Promise.all(Array.from({ length: Math.min(BATCH, ENTRIES - i) }, () => subscriber(url, 'big:hall')));
      sockets.push(...batch);
    }
    const api = `http://127.0.0.1:${port}/api`;
    await waitFor(() => true, 'noop');
    let stats: { num_clients: number } = { num_clients: 0 };
    for (let tries = 0; tries < 100 && stats.num_clients < ENTRIES; tries++) {
      stats = (await callApi(api, 'presence_stats', { channel: 'big:hall' })).body.result;
      if (stats.num_clients < ENTRIES) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(stats.num_clients, ENTRIES);
    const listing = await callApi(api, 'presence', { channel: 'big:hall' });
    assert.equal(Object.keys(listing.body.result.presence).length, ENTRIES);
    asking = false;
    await pinger;
    t.diagnostic(`bystander pings answered while ${ENTRIES} clients joined: ${answered}`);
    assert.ok(answered > 0, 'the bystander was answered during the joins');
    assert.ok(bystander.isOpen);
    bystander.close();
  } finally {
    for (const s of sockets) s.terminate();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
});
