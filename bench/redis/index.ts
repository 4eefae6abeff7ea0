/**
 * The Redis broker against the memory broker, in one run: API publish
 * throughput (HTTP, keep-alive, concurrent callers) and fan-out latency
 * (publish → WebSocket subscribers, same process clock), reported as
 * ratios redis/memory over the median of ROUNDS interleaved rounds, plus
 * Redis CPU time per 100k delivered messages (a private redis-server, so
 * INFO cpu counts only this benchmark). Run with `npm run bench:redis`;
 * writes bench/results/redis.{json,md}.
 */
import { execSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { findFreePort } from '../../src/acceptor/port';
import { startServer, type RunningServer } from '../../src/acceptor/run';
import { validateConfig } from '../../src/config/validate';

const ROUNDS = 3;
const SHARDS = 2;
const PUBLISHES = 3000;
const CALLERS = 32;
const SUBSCRIBERS = 200;
const FANOUT_MESSAGES = 300;
const FANOUT_RATE = 200; // publications per second
const KEY = 'bench-key';
const PAYLOAD = 'x'.repeat(80);

interface RoundResult {
  publishPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  delivered: number;
  redisCpuMs: number;
}

function config(engine: 'memory' | 'redis', redisUrl: string) {
  return validateConfig({
    http_server: { address: '127.0.0.1', port: 0 },
    log: { level: 'error' },
    client: { allow_anonymous_connect_without_token: true },
    channel: { without_namespace: { allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true, history_size: 100, history_ttl: '60s' } },
    http_api: { key: KEY },
    shards: { count: SHARDS },
    engine: { type: engine, redis: { address: redisUrl, prefix: `bench.${engine}.${Date.now()}` } },
  });
}

function publish(agent: Agent, port: number, channel: string, data: unknown): Promise<void> {
  const body = JSON.stringify({ channel, data });
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/publish', method: 'POST', agent, headers: { 'X-API-Key': KEY, 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => (text.includes('"result"') ? resolve() : reject(new Error(text))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function throughput(port: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CALLERS });
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      while (next < PUBLISHES) {
        const n = next++;
        await publish(agent, port, `tp-${n % 64}`, { n, p: PAYLOAD });
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return PUBLISHES / seconds;
}

async function subscribers(port: number, channel: string, latencies: number[]): Promise<WebSocket[]> {
  const sockets = await Promise.all(
    Array.from({ length: SUBSCRIBERS }, () => new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/connection/websocket`);
      ws.on('open', () => {
        ws.send(`{"id":1,"connect":{}}\n{"id":2,"subscribe":{"channel":"${channel}"}}`);
      });
      ws.on('message', (raw) => {
        const now = Number(process.hrtime.bigint()) / 1e6;
        for (const line of raw.toString().split('\n')) {
          if (line.includes('"id":2')) resolve(ws);
          const m = /"t":(\d+(?:\.\d+)?)/.exec(line);
          if (m && line.includes('"pub"')) latencies.push(now - Number(m[1]));
        }
      });
      ws.on('error', reject);
    })),
  );
  return sockets;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
}

async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const num = (key: string) => Number(new RegExp(`${key}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return (num('used_cpu_sys') + num('used_cpu_user')) * 1000;
}

async function round(engine: 'memory' | 'redis', redisUrl: string, redis: Redis): Promise<RoundResult> {
  const server: RunningServer = await startServer(config(engine, redisUrl));
  try {
    const publishPerSec = await throughput(server.port);
    const latencies: number[] = [];
    const sockets = await subscribers(server.port, 'fan', latencies);
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    const cpuBefore = await redisCpuMs(redis);
    for (let i = 0; i < FANOUT_MESSAGES; i++) {
      await publish(agent, server.port, 'fan', { t: Number(process.hrtime.bigint()) / 1e6, p: PAYLOAD });
      await new Promise((r) => setTimeout(r, 1000 / FANOUT_RATE));
    }
    const expected = FANOUT_MESSAGES * SUBSCRIBERS;
    const deadline = Date.now() + 10_000;
    while (latencies.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const cpuAfter = await redisCpuMs(redis);
    agent.destroy();
    for (const ws of sockets) ws.terminate();
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      publishPerSec,
      latencyP50Ms: percentile(sorted, 50),
      latencyP99Ms: percentile(sorted, 99),
      delivered: latencies.length,
      redisCpuMs: cpuAfter - cpuBefore,
    };
  } finally {
    await server.close();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const port = await findFreePort('127.0.0.1');
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const redisUrl = `redis://127.0.0.1:${port}`;
  await new Promise((r) => setTimeout(r, 500));
  const redis = new Redis(redisUrl);
  const runs: Record<'memory' | 'redis', RoundResult[]> = { memory: [], redis: [] };
  try {
    for (let i = 0; i < ROUNDS; i++) {
      for (const engine of ['memory', 'redis'] as const) {
        const r = await round(engine, redisUrl, redis);
        runs[engine].push(r);
        process.stderr.write(`round ${i + 1} ${engine}: ${Math.round(r.publishPerSec)} publish/s, p50 ${r.latencyP50Ms.toFixed(2)} ms, p99 ${r.latencyP99Ms.toFixed(2)} ms, ${r.delivered} delivered\n`);
      }
    }
  } finally {
    redis.disconnect();
    proc.kill('SIGKILL');
  }
  const summary = (engine: 'memory' | 'redis') => ({
    publish_per_sec: median(runs[engine].map((r) => r.publishPerSec)),
    latency_p50_ms: median(runs[engine].map((r) => r.latencyP50Ms)),
    latency_p99_ms: median(runs[engine].map((r) => r.latencyP99Ms)),
    delivered: median(runs[engine].map((r) => r.delivered)),
  });
  const memory = summary('memory');
  const viaRedis = summary('redis');
  const redisCpuPer100k = median(runs.redis.map((r) => (r.redisCpuMs / Math.max(1, r.delivered)) * 100_000));
  const ratios = {
    publish_throughput: viaRedis.publish_per_sec / memory.publish_per_sec,
    latency_p50: viaRedis.latency_p50_ms / memory.latency_p50_ms,
    latency_p99: viaRedis.latency_p99_ms / memory.latency_p99_ms,
  };
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    // not a git checkout
  }
  const stamp = { commit, node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, shards: SHARDS, date: new Date().toISOString() };
  const setup = { publishes: PUBLISHES, callers: CALLERS, subscribers: SUBSCRIBERS, fanout_messages: FANOUT_MESSAGES, fanout_rate: FANOUT_RATE, rounds: ROUNDS };
  const dir = join(__dirname, '..', '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'redis.json'), JSON.stringify({ ...stamp, setup, memory, redis: viaRedis, ratios, redis_cpu_ms_per_100k_delivered: redisCpuPer100k, runs }, null, 2) + '\n');
  const f = (n: number, d = 2) => n.toFixed(d);
  const md = [
    '# Redis broker against the memory broker',
    '',
    `Commit ${stamp.commit}, Node ${stamp.node}, ${stamp.cpu} × ${stamp.cores}, ${SHARDS} shards, ${stamp.date}. Medians of ${ROUNDS} interleaved rounds; the load generator runs in the same process, on the same cores.`,
    `Throughput: ${PUBLISHES} API publishes, ${CALLERS} concurrent keep-alive callers, history on. Fan-out: ${SUBSCRIBERS} WebSocket subscribers of one channel, ${FANOUT_MESSAGES} publications at ${FANOUT_RATE}/s.`,
    '',
    '| measure | memory | redis | redis / memory |',
    '|---|---:|---:|---:|',
    `| API publishes/s | ${Math.round(memory.publish_per_sec)} | ${Math.round(viaRedis.publish_per_sec)} | ${f(ratios.publish_throughput)} |`,
    `| fan-out latency p50, ms | ${f(memory.latency_p50_ms)} | ${f(viaRedis.latency_p50_ms)} | ${f(ratios.latency_p50)} |`,
    `| fan-out latency p99, ms | ${f(memory.latency_p99_ms)} | ${f(viaRedis.latency_p99_ms)} | ${f(ratios.latency_p99)} |`,
    `| delivered | ${memory.delivered} | ${viaRedis.delivered} | |`,
    '',
    `Redis CPU time per 100k delivered messages (fan-out phase, user + sys): ${f(redisCpuPer100k, 1)} ms.`,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'redis.md'), md);
  process.stdout.write(md + '\n');
}

void main();
