/**
 * Redis for tests: the shared instance at REDIS_URL (tests skip, saying why,
 * when it is unset), private redis-server instances on free ports (for
 * sharding and restart tests), Redis engine configs with a unique key prefix
 * per run, and switchyard processes started as children of the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '../../src/acceptor/port';
import { connectPartitions, whenReady, type RedisPartition } from '../../src/broker/redis/partitions';
import { validateConfig } from '../../src/config/validate';
import { createLogger } from '../../src/common/log';
import { waitFor } from './clients';
import { testConfigInput } from './server';

/** REDIS_URL, or undefined when Redis tests must be skipped. */
export const REDIS_URL: string | undefined = process.env['REDIS_URL'] || undefined;

/** The `skip` option of a Redis test: false, or the reason printed. */
export const skipWithoutRedis: string | false = REDIS_URL ? false : 'REDIS_URL is not set: Redis-backed tests skipped';

/** A key prefix no other test run uses. */
export function uniquePrefix(name: string): string {
  return `sytest.${name}.${randomBytes(4).toString('hex')}`;
}

/** The `engine` section of a config on the given Redis addresses. */
export function redisEngine(prefix: string, address: string | string[] = REDIS_URL ?? ''): Record<string, unknown> {
  return { type: 'redis', redis: { address, prefix, io_timeout: '2s', connect_timeout: '2s' } };
}

/** Connections to Redis for a broker or presence manager under test, once they are ready (disconnect them in `after`). */
export async function testShards(address: string | string[] = REDIS_URL ?? ''): Promise<RedisPartition[]> {
  const config = validateConfig({ engine: { type: 'redis', redis: { address, io_timeout: '2s' } } });
  const shards = connectPartitions(config.engine.redis, 'switchyard-test', createLogger('test'));
  await Promise.all(shards.flatMap((s) => [whenReady(s.command, 5000), whenReady(s.subscriber, 5000)]));
  return shards;
}

/** A private redis-server on a free port, which the test may stop and start again on the same port. */
export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open, nothing is answered. */
  pause(): void;
  /** Lets a paused server go on (SIGCONT). */
  resume(): void;
}

/** Starts a redis-server on a free port; `persistent` keeps data over restarts (append-only file, fsync always). */
export async function startPrivateRedis(persistent = false): Promise<PrivateRedis> {
  const port = await findFreePort('127.0.0.1');
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-redis-data-'));
  const persistence = persistent ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir] : ['--appendonly', 'no'];
  let child: ChildProcess | null = null;
  const instance: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence], { stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      let out = '';
      proc.stdout!.on('data', (d) => (out += d));
      await waitFor(() => out.includes('Ready to accept connections'), `redis-server on port ${port}`, 10_000);
    },
    async stop() {
      const proc = child;
      child = null;
      if (!proc || proc.exitCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGCONT');
      proc.kill('SIGKILL');
      await exited;
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
  };
  await instance.start();
  return instance;
}

/** A switchyard process started by a test. */
export interface ChildNode {
  readonly port: number;
  readonly apiUrl: string;
  readonly wsUrl: string;
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the exit code once the process ended. */
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

const CLI = join(__dirname, '..', '..', 'src', 'cli.js');

/** Starts `node dist/src/cli.js --config FILE` (or the CLI at `cli`) with the test config plus overrides; resolves once ready. */
export async function startNode(overrides: Record<string, unknown>, cli = CLI): Promise<ChildNode> {
  const port = await findFreePort('127.0.0.1');
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-redis-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(testConfigInput({ ...overrides, http_server: { address: '127.0.0.1', port }, log: { level: 'info' } })));
  const child = spawn(process.execPath, [cli, '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitFor(() => out.includes('switchyard ready') || child.exitCode !== null, 'switchyard ready', 20_000);
  if (child.exitCode !== null) throw new Error(`switchyard exited ${child.exitCode}: ${out}`);
  return {
    port,
    apiUrl: `http://127.0.0.1:${port}/api`,
    wsUrl: `ws://127.0.0.1:${port}/connection/websocket`,
    child,
    output: () => out,
    exited,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Starts one node per override set, in parallel, and adds every node that
 * started to `into`, in the order of `overrides`, even when another failed
 * (then it throws), so `after()` stops them all: a leftover child would keep
 * the test process alive.
 */
export async function startNodes(overrides: Record<string, unknown>[], into: ChildNode[]): Promise<void> {
  const results = await Promise.allSettled(overrides.map((o) => startNode(o)));
  for (const r of results) if (r.status === 'fulfilled') into.push(r.value);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
