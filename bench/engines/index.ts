/**
 * Every engine against the memory broker, in one run: API publish throughput
 * (HTTP, keep-alive, concurrent callers) on one channel and on 64 channels,
 * and fan-out latency (publish → WebSocket subscribers, same process clock)
 * on one channel with 200 subscribers and on 50 channels with 4 each.
 * Engines: memory, Redis (one server), Redis Cluster (3 masters + 3
 * replicas), Redis Sentinel (master + replica + 3 Sentinels), all with
 * history; NATS (no history, so compared with memory without history).
 * Every server is private, on free loopback ports. Reported as ratios to the
 * memory broker, medians of ROUNDS interleaved rounds. Run with
 * `npm run bench:engines` (about 2 minutes); writes bench/results/engines.{json,md}.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startServer } from '../../src/acceptor/run';
import { validateConfig } from '../../src/config/validate';
import { startNatsServer, startRedisCluster, startRedisSentinels } from '../../test/helpers/servers';
import { startPrivateRedis } from '../../test/helpers/redis';

const ROUNDS = 3;
const SHARDS = 2;
const PUBLISHES = 2000;
const CALLERS = 32;
const FANOUT_MESSAGES = 200;
const FANOUT_RATE = 200; // publications per second, over all channels
const KEY = 'bench-key';
const PAYLOAD = 'x'.repeat(80);
const HISTORY = { history_size: 100, history_ttl: '60s' };

type Variant = 'memory' | 'redis' | 'redis-cluster' | 'redis-sentinel' | 'memory-no-history' | 'nats';

interface Measures {
  publishOne: number;
  publishMany: number;
  p50One: number;
  p99One: number;
  p50Many: number;
  p99Many: number;
  delivered: number;
}

function publish(agent: Agent, port: number, channel: string, data: unknown): Promise<void> {
  const body = JSON.stringify({ channel, data });
  return new Promise((resolve, reject) => {
    const headers = { 'X-API-Key': KEY, 'Content-Length': Buffer.byteLength(body) };
    const req = request({ host: '127.0.0.1', port, path: '/api/publish', method: 'POST', agent, headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => (text.includes('"result"') ? resolve() : reject(new Error(text))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function throughput(port: number, channels: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CALLERS });
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      while (next < PUBLISHES) {
        const n = next++;
        await publish(agent, port, `tp-${channels}-${n % channels}`, { n, p: PAYLOAD });
      }
    }),
  );
  agent.destroy();
  return PUBLISHES / (Number(process.hrtime.bigint() - started) / 1e9);
}

function subscriber(port: number, channel: string, latencies: number[]): Promise<WebSocket> {
  return new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/connection/websocket`);
    ws.on('open', () => ws.send(`{"id":1,"connect":{}}\n{"id":2,"subscribe":{"channel":"${channel}"}}`));
    ws.on('message', (raw) => {
      const now = Number(process.hrtime.bigint()) / 1e6;
      for (const line of raw.toString().split('\n')) {
        if (line.includes('"id":2')) resolve(ws);
        const m = /"t":(\d+(?:\.\d+)?)/.exec(line);
        if (m && line.includes('"pub"')) latencies.push(now - Number(m[1]));
      }
    });
    ws.on('error', reject);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
}

/** Fan-out over `channels` channels with `perChannel` subscribers each; returns p50, p99 and deliveries. */
async function fanout(port: number, channels: number, perChannel: number): Promise<[number, number, number]> {
  const latencies: number[] = [];
  const names = Array.from({ length: channels }, (_, i) => `fan-${channels}-${i}`);
  const sockets: WebSocket[] = [];
  for (const name of names) sockets.push(...(await Promise.all(Array.from({ length: perChannel }, () => subscriber(port, name, latencies)))));
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  for (let i = 0; i < FANOUT_MESSAGES; i++) {
    await publish(agent, port, names[i % channels]!, { t: Number(process.hrtime.bigint()) / 1e6, p: PAYLOAD });
    await new Promise((r) => setTimeout(r, 1000 / FANOUT_RATE));
  }
  const expected = FANOUT_MESSAGES * perChannel;
  const deadline = Date.now() + 10_000;
  while (latencies.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  agent.destroy();
  for (const ws of sockets) ws.terminate();
  const sorted = [...latencies].sort((a, b) => a - b);
  return [percentile(sorted, 50), percentile(sorted, 99), latencies.length];
}

async function measure(engine: Record<string, unknown>, history: boolean): Promise<Measures> {
  const server = await startServer(
    validateConfig({
      http_server: { address: '127.0.0.1', port: 0 },
      log: { level: 'error' },
      client: { allow_anonymous_connect_without_token: true },
      channel: { without_namespace: { allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true, ...(history ? HISTORY : {}) } },
      http_api: { key: KEY },
      shards: { count: SHARDS },
      ...engine,
    }),
  );
  try {
    const publishOne = await throughput(server.port, 1);
    const publishMany = await throughput(server.port, 64);
    const [p50One, p99One, one] = await fanout(server.port, 1, 200);
    const [p50Many, p99Many, many] = await fanout(server.port, 50, 4);
    return { publishOne, publishMany, p50One, p99One, p50Many, p99Many, delivered: one + many };
  } finally {
    await server.close();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const redis = await startPrivateRedis(false);
  const cluster = await startRedisCluster();
  const sentinel = await startRedisSentinels();
  const nats = await startNatsServer();
  const prefix = (v: string): string => `bench_${v}_${Date.now()}`;
  const engines: Record<Variant, () => [Record<string, unknown>, boolean]> = {
    memory: () => [{}, true],
    redis: () => [{ engine: { type: 'redis', redis: { address: redis.url, prefix: prefix('r') } } }, true],
    'redis-cluster': () => [{ engine: { type: 'redis', redis: { cluster_address: cluster.seeds, prefix: prefix('c') } } }, true],
    'redis-sentinel': () => [
      { engine: { type: 'redis', redis: { sentinel_address: sentinel.addresses, sentinel_master_name: sentinel.masterName, prefix: prefix('s') } } },
      true,
    ],
    'memory-no-history': () => [{}, false],
    nats: () => [{ broker: { enabled: true, type: 'nats', nats: { url: nats.url, prefix: prefix('n') } } }, false],
  };
  const runs = Object.fromEntries(Object.keys(engines).map((v) => [v, [] as Measures[]])) as Record<Variant, Measures[]>;
  try {
    for (let i = 0; i < ROUNDS; i++) {
      for (const variant of Object.keys(engines) as Variant[]) {
        const [engine, history] = engines[variant]();
        const m = await measure(engine, history);
        runs[variant].push(m);
        process.stderr.write(`round ${i + 1} ${variant}: ${JSON.stringify(m, (_, v: unknown) => (typeof v === 'number' ? Math.round(v * 100) / 100 : v))}\n`);
      }
    }
  } finally {
    await Promise.all([redis.stop(), cluster.stop(), sentinel.stop(), nats.stop()]);
  }
  report(runs);
}

function report(runs: Record<Variant, Measures[]>): void {
  const keys: (keyof Measures)[] = ['publishOne', 'publishMany', 'p50One', 'p99One', 'p50Many', 'p99Many', 'delivered'];
  const medians = Object.fromEntries(
    Object.entries(runs).map(([v, list]) => [v, Object.fromEntries(keys.map((k) => [k, median(list.map((m) => m[k]))])) as unknown as Measures]),
  ) as Record<Variant, Measures>;
  const baseline = (v: Variant): Variant => (v === 'nats' || v === 'memory-no-history' ? 'memory-no-history' : 'memory');
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    // not a git checkout
  }
  const stamp = { commit, node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, shards: SHARDS, date: new Date().toISOString() };
  const setup = { publishes: PUBLISHES, callers: CALLERS, fanout_messages: FANOUT_MESSAGES, fanout_rate: FANOUT_RATE, rounds: ROUNDS };
  const dir = join(__dirname, '..', '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'engines.json'), JSON.stringify({ ...stamp, setup, medians, runs }, null, 2) + '\n');
  const f = (n: number, d = 2): string => n.toFixed(d);
  const row = (v: Variant): string => {
    const m = medians[v];
    const b = medians[baseline(v)];
    return `| ${v} | ${Math.round(m.publishOne)} (${f(m.publishOne / b.publishOne)}×) | ${Math.round(m.publishMany)} (${f(m.publishMany / b.publishMany)}×) | ${f(m.p50One)} (${f(m.p50One / b.p50One)}×) | ${f(m.p99One)} | ${f(m.p50Many)} (${f(m.p50Many / b.p50Many)}×) | ${f(m.p99Many)} | ${m.delivered} |`;
  };
  const md = [
    '# Engines against the memory broker',
    '',
    `Commit ${stamp.commit}, Node ${stamp.node}, ${stamp.cpu} × ${stamp.cores}, ${SHARDS} shards, ${stamp.date}. Medians of ${ROUNDS} interleaved rounds; every engine server, the switchyard server and the load generator share the same cores.`,
    `Throughput: ${PUBLISHES} API publishes by ${CALLERS} concurrent keep-alive callers, into one channel or spread over 64. Fan-out: ${FANOUT_MESSAGES} publications at ${FANOUT_RATE}/s, to one channel with 200 WebSocket subscribers or over 50 channels with 4 each. Ratios (×) are to memory with history, or, for NATS (which keeps none), to memory without history.`,
    '',
    '| engine | publishes/s, 1 channel | publishes/s, 64 channels | p50 ms, 1 ch × 200 | p99 ms | p50 ms, 50 ch × 4 | p99 ms | delivered |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...(Object.keys(medians) as Variant[]).map(row),
    '',
  ].join('\n');
  writeFileSync(join(dir, 'engines.md'), md);
  process.stdout.write(md + '\n');
}

void main();
