/**
 * The CLI as a user runs it: starts from a config file, answers /health, and
 * on SIGTERM drains within shutdown.timeout, closing clients with 3001 and
 * exiting 0. Also: it refuses uWS's JavaScript fallback with a clear message.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { findFreePort } from '../src/acceptor/port';
import { callApi, callApiKeepAlive } from './helpers/api';
import { RawClient, waitFor } from './helpers/clients';
import { testConfigInput } from './helpers/server';

const CLI = join(__dirname, '..', 'src', 'cli.js');

function run(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Writes a test config with two shards on `port`, info logs and the given shutdown.timeout; returns its path. */
function twoShardConfig(port: number, shutdownTimeout: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'switchyard-')), 'config.json');
  writeFileSync(file, JSON.stringify(testConfigInput({ http_server: { port }, shards: { count: 2 }, shutdown: { timeout: shutdownTimeout }, log: { level: 'info' } })));
  return file;
}

test('SIGTERM drains: clients get 3001, the process exits 0 within shutdown.timeout', async () => {
  const port = await findFreePort('127.0.0.1');
  const server = run(['--config', twoShardConfig(port, '5s')]);
  try {
    await waitFor(() => server.output().includes('switchyard ready'), 'ready log line', 15_000);
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    assert.equal(health.status, 200);
    const clients: RawClient[] = [];
    for (let i = 0; i < 6; i++) {
      const c = new RawClient(`ws://127.0.0.1:${port}/connection/websocket`);
      await c.connect();
      clients.push(c);
    }
    const api = await callApi(`http://127.0.0.1:${port}/api`, 'info', {});
    assert.equal(api.body.result.nodes[0].num_clients, 6);

    const started = Date.now();
    server.child.kill('SIGTERM');
    const codes = await Promise.all(clients.map((c) => c.waitClose(5000)));
    assert.deepEqual(codes, codes.map(() => 3001));
    assert.equal(await server.exited, 0);
    assert.ok(Date.now() - started < 5000, 'drained within shutdown.timeout');
    assert.match(server.output(), /draining/);
  } finally {
    server.child.kill('SIGKILL');
  }
});

test('SIGTERM with an API client holding an idle keep-alive connection: a clean stop, exit 0, well within a short shutdown.timeout', async () => {
  const port = await findFreePort('127.0.0.1');
  const server = run(['--config', twoShardConfig(port, '3s')]);
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  try {
    await waitFor(() => server.output().includes('switchyard ready'), 'ready log line', 15_000);
    // Concurrent calls open several keep-alive connections, landing on both shards; the client keeps them open.
    const statuses = await Promise.all([0, 1, 2, 3].map(async () => (await callApiKeepAlive(agent, `http://127.0.0.1:${port}/api`, 'info', {})).status));
    assert.deepEqual(statuses, [200, 200, 200, 200]);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    // Before, the idle connections held the shards for uWS's 10 s idle timeout: the drain passed
    // shutdown.timeout and the process exited under open sockets (Node aborts on that).
    assert.match(server.output(), /"message":"stopped"/);
    assert.doesNotMatch(server.output(), /shutdown\.timeout passed|open handles|Assertion failed/);
  } finally {
    agent.destroy();
    server.child.kill('SIGKILL');
  }
});

test('a fixed port that is taken is reported, exit 1', async () => {
  const port = await findFreePort('127.0.0.1');
  const blocker = (await import('node:net')).createServer().listen(port, '127.0.0.1');
  await new Promise((r) => blocker.once('listening', r));
  try {
    const server = run(['--http_server.address', '127.0.0.1', '--http_server.port', String(port), '--shards.count', '1']);
    assert.equal(await server.exited, 1);
    assert.match(server.output(), new RegExp(`port ${port}`));
  } finally {
    blocker.close();
  }
});

test('refuses to run on the uWS JavaScript fallback', async () => {
  const server = run(['--http_server.port', '0'], { UWS_USE_FALLBACK: '1' });
  assert.equal(await server.exited, 1);
  assert.match(server.output(), /native binary/);
});
