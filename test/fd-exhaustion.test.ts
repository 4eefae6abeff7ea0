/**
 * Issue 17, item 5: file-descriptor exhaustion is not silent. A server
 * started under `ulimit -n 256` with more clients than that refuses the
 * excess with 503 before the limit (instead of uWS spinning on a failing
 * accept), keeps answering /health, logs one ERROR line naming the limit,
 * and takes connections again once some closed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { findFreePort } from '../src/acceptor/port';
import { openOrStatus, RawClient, waitFor } from './helpers/clients';
import { testConfigInput } from './helpers/server';

const CLI = join(__dirname, '..', 'src', 'cli.js');
const FD_LIMIT = 256;

const clients: RawClient[] = [];
let stop: () => Promise<void> = async () => undefined;

after(async () => {
  for (const c of clients) c.close();
  await stop();
});


test(`under ulimit -n ${FD_LIMIT}: excess connections get 503, /health answers, one ERROR line names the limit`, async () => {
  const port = await findFreePort('127.0.0.1');
  const file = join(mkdtempSync(join(tmpdir(), 'switchyard-fd-')), 'config.json');
  writeFileSync(file, JSON.stringify(testConfigInput({ http_server: { address: '127.0.0.1', port }, shards: { count: 1 }, log: { level: 'info', format: 'text' } })));
  const child = spawn('sh', ['-c', `ulimit -n ${FD_LIMIT} && exec "${process.execPath}" "${CLI}" --config "${file}"`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  stop = async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
  };
  await waitFor(() => out.includes('switchyard ready') || child.exitCode !== null, 'switchyard ready', 20_000);
  assert.equal(child.exitCode, null, out);

  const url = `ws://127.0.0.1:${port}/connection/websocket`;
  let refused = 0;
  for (let i = 0; i < FD_LIMIT + 40; i += 20) {
    const batch = await Promise.all(Array.from({ length: 20 }, () => openOrStatus(url)));
    for (const o of batch) {
      if (o instanceof RawClient) clients.push(o);
      else {
        assert.equal(o, 503);
        refused++;
      }
    }
  }
  assert.ok(refused > 0, 'some connections were refused');
  assert.ok(clients.length < FD_LIMIT, `${clients.length} connections held`);
  for (let i = 0; i < 3; i++) {
    const health = await fetch(`http://127.0.0.1:${port}/health`, { headers: { Connection: 'close' } });
    assert.equal(health.status, 200);
  }
  await waitFor(() => /ERROR.*file descriptors nearly exhausted.*limit=256/.test(out), 'the ERROR line', 5000);
  assert.equal(out.match(/ERROR[^\n]*file descriptors nearly exhausted/g)?.length, 1, 'one ERROR line per minute');

  for (const c of clients.splice(0, 50)) c.close();
  let again = await openOrStatus(url);
  const deadline = Date.now() + 5000;
  while (!(again instanceof RawClient) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    again = await openOrStatus(url);
  }
  assert.ok(again instanceof RawClient, 'connections are taken again once some closed');
  clients.push(again);
});
