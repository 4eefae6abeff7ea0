/**
 * Engine servers a test starts for itself on free loopback ports, in temp
 * dirs, and stops by PID: a NATS server, a Redis Cluster of three masters and
 * three replicas, and a Redis master with a replica and three Sentinels. A
 * test skips, saying why, only when the server binary is absent.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { findFreePort } from '../../src/acceptor/port';
import { waitFor } from './clients';

function hasBinary(name: string): boolean {
  return spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** The `skip` option of a test needing nats-server: false, or the reason. */
export const skipWithoutNatsServer: string | false = hasBinary('nats-server') ? false : 'nats-server is not installed: NATS tests skipped';
/** The `skip` option of a test needing redis-server (cluster or sentinel mode): false, or the reason. */
export const skipWithoutRedisServer: string | false = hasBinary('redis-server') ? false : 'redis-server is not installed: Redis Cluster/Sentinel tests skipped';

/** A server process a test started, which it may stop (SIGKILL) and start again on the same port. */
export interface ServerProcess {
  readonly port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly running: boolean;
}

/** Spawns `command args` and waits until its output contains `readyText`. */
function serverProcess(port: number, command: string, args: () => string[], readyText: string, what: string): ServerProcess {
  let child: ChildProcess | null = null;
  return {
    port,
    get running() {
      return child !== null && child.exitCode === null;
    },
    async start() {
      const proc = spawn(command, args(), { stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      let out = '';
      proc.stdout!.on('data', (d) => (out += d));
      proc.stderr!.on('data', (d) => (out += d));
      await waitFor(() => out.includes(readyText) || proc.exitCode !== null, `${what} on port ${port}`, 15_000);
      if (proc.exitCode !== null) throw new Error(`${what} exited: ${out}`);
    },
    async stop() {
      const proc = child;
      child = null;
      if (!proc || proc.exitCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** Starts a nats-server on a free port; `config` (nats-server's config syntax, e.g. an `authorization` block) is written to a file it reads. */
export async function startNatsServer(config = ''): Promise<ServerProcess & { readonly url: string }> {
  const port = await findFreePort('127.0.0.1');
  const file = config ? join(mkdtempSync(join(tmpdir(), 'switchyard-nats-')), 'nats.conf') : '';
  if (file) writeFileSync(file, config);
  const server = serverProcess(port, 'nats-server', () => [...(file ? ['-c', file] : []), '-a', '127.0.0.1', '-p', String(port)], 'Server is ready', 'nats-server');
  await server.start();
  return Object.assign(server, { url: `nats://127.0.0.1:${port}` });
}

/** Starts a redis-server with extra arguments in its own dir; `readyText` differs for Sentinels. */
async function redisProcess(extra: (port: number, dir: string) => string[], sentinel = false): Promise<ServerProcess> {
  const port = await findFreePort('127.0.0.1');
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-redis-node-'));
  const args = (): string[] => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extra(port, dir)];
  const ready = sentinel ? 'Sentinel ID is' : 'Ready to accept connections';
  const server = sentinel
    ? serverProcess(port, 'redis-server', () => [writeSentinelConfig(dir, args()), '--sentinel'], ready, 'redis-sentinel')
    : serverProcess(port, 'redis-server', args, ready, 'redis-server');
  await server.start();
  return server;
}

function writeSentinelConfig(dir: string, args: string[]): string {
  const file = join(dir, 'sentinel.conf');
  const lines: string[] = [];
  for (let i = 0; i < args.length; i += 2) if (args[i]!.startsWith('--') && !['--save', '--appendonly'].includes(args[i]!)) lines.push(`${args[i]!.slice(2)} ${args[i + 1]}`);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** A Redis Cluster of three masters, each with one replica. */
export interface RedisClusterFixture {
  readonly nodes: ServerProcess[];
  /** "host:port,host:port" of every node, as `cluster_address` takes it. */
  readonly seeds: string;
  /** The master node serving `key`'s slot now. */
  masterOf(key: string): Promise<ServerProcess>;
  /** Waits until every slot is served by a live master. */
  waitHealthy(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts six cluster-enabled redis-servers and joins them as three masters with a replica each. */
export async function startRedisCluster(): Promise<RedisClusterFixture> {
  const clusterArgs = (): string[] => ['--cluster-enabled', 'yes', '--cluster-node-timeout', '1000', '--cluster-config-file', 'nodes.conf', '--cluster-replica-no-failover', 'no'];
  const nodes: ServerProcess[] = [];
  for (let i = 0; i < 6; i++) nodes.push(await redisProcess(() => clusterArgs()));
  const hosts = nodes.map((n) => `127.0.0.1:${n.port}`);
  const made = spawnSync('redis-cli', ['--cluster', 'create', ...hosts, '--cluster-replicas', '1', '--cluster-yes'], { encoding: 'utf8', timeout: 30_000 });
  if (made.status !== 0) throw new Error(`redis-cli --cluster create failed: ${made.stdout}${made.stderr}`);
  const fixture: RedisClusterFixture = {
    nodes,
    seeds: hosts.join(','),
    async masterOf(key) {
      const live = nodes.find((n) => n.running)!;
      const client = new Redis({ port: live.port, host: '127.0.0.1', lazyConnect: true });
      try {
        await client.connect();
        const slot = (await client.call('CLUSTER', 'KEYSLOT', key)) as number;
        const slots = (await client.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
        const range = slots.find(([from, to]) => slot >= from && slot <= to)!;
        return nodes.find((n) => n.port === range[2][1])!;
      } finally {
        client.disconnect();
      }
    },
    async waitHealthy(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const live = nodes.filter((n) => n.running);
        const states = await Promise.all(live.map((n) => clusterState(n.port)));
        if (states.every((s) => s === 'ok')) return;
        if (Date.now() > deadline) throw new Error(`cluster not healthy: ${states.join(',')}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
  await fixture.waitHealthy(20_000);
  const deadline = Date.now() + 20_000;
  while (!(await replicasOnline(nodes.map((n) => n.port)))) {
    if (Date.now() > deadline) throw new Error('cluster replicas did not come online');
    await new Promise((r) => setTimeout(r, 200));
  }
  return fixture;
}

/** Whether every master among `ports` has a replica that is online (synced). */
async function replicasOnline(ports: number[]): Promise<boolean> {
  const infos = await Promise.all(ports.map((port) => nodeInfo(port, 'replication')));
  const masters = infos.filter((i) => /role:master/.test(i));
  return masters.length > 0 && masters.every((i) => /slave0:.*state=online/.test(i));
}

async function nodeInfo(port: number, section: string): Promise<string> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.info(section);
  } catch {
    return '';
  } finally {
    client.disconnect();
  }
}

async function clusterState(port: number): Promise<string> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const info = (await client.call('CLUSTER', 'INFO')) as string;
    return /cluster_state:(\w+)/.exec(info)?.[1] ?? 'unknown';
  } catch {
    return 'unreachable';
  } finally {
    client.disconnect();
  }
}

/** A Redis master, one replica and three Sentinels watching them as `mymaster`. */
export interface RedisSentinelFixture {
  readonly master: ServerProcess;
  readonly replica: ServerProcess;
  readonly sentinels: ServerProcess[];
  /** "host:port,host:port,host:port" of the Sentinels, as `sentinel_address` takes it. */
  readonly addresses: string;
  readonly masterName: string;
  /** What each Sentinel names as the master now ("host:port", or why it could not say), and each server's replication role line: for a failure report. */
  describe(): Promise<string>;
  stop(): Promise<void>;
}

async function sentinelMaster(port: number, masterName: string): Promise<string> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const address = (await client.call('SENTINEL', 'get-master-addr-by-name', masterName)) as string[] | null;
    return address ? address.join(':') : 'none';
  } catch (err) {
    return `unreachable (${(err as Error).message})`;
  } finally {
    client.disconnect();
  }
}

/** Starts the master, its replica and three Sentinels (quorum 2, down after 1 s). */
export async function startRedisSentinels(): Promise<RedisSentinelFixture> {
  const masterName = 'mymaster';
  const master = await redisProcess(() => []);
  const replica = await redisProcess(() => ['--replicaof', '127.0.0.1', String(master.port)]);
  const sentinels: ServerProcess[] = [];
  for (let i = 0; i < 3; i++) {
    sentinels.push(
      await redisProcess(
        () => [
          '--sentinel', `monitor ${masterName} 127.0.0.1 ${master.port} 2`,
          '--sentinel', `down-after-milliseconds ${masterName} 1000`,
          '--sentinel', `failover-timeout ${masterName} 5000`,
        ],
        true,
      ),
    );
  }
  return {
    master,
    replica,
    sentinels,
    addresses: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
    masterName,
    async describe() {
      const named = await Promise.all(sentinels.map((s) => sentinelMaster(s.port, masterName)));
      const roles = await Promise.all([master, replica].map(async (n) => `${n.port}: ${(/role:\w+/.exec(await nodeInfo(n.port, 'replication')) ?? ['down'])[0]}`));
      return `sentinels name the master ${named.join(', ')}; servers ${roles.join(', ')}`;
    },
    async stop() {
      await Promise.all([master, replica, ...sentinels].map((n) => n.stop()));
    },
  };
}
