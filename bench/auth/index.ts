/**
 * Connect throughput with authentication: connections per second through the
 * whole connect path (WebSocket upgrade, `connect` command, reply, close) for
 * anonymous clients (the baseline), HS256 tokens and RS256 tokens, measured
 * in the same run against the same server, rounds interleaved so drift hits
 * every variant alike. Tokens are signed before timing starts; each
 * connection carries its own token (a different user), so nothing is cached.
 *
 * The load generator is a child process (generator.ts), so the server's CPU
 * time per connection can be read apart from it; on a small machine the
 * generator may be the bottleneck for connections/s, and CPU per connection
 * is then the figure that shows the cost of verification.
 *
 * Run: `npm run build && node dist/bench/auth/index.js [--connections N]
 * [--concurrency C] [--rounds R] [--shards S]`. Writes bench/results/auth.json
 * and bench/results/auth.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createSecretKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { fork } from 'node:child_process';
import { startServer } from '../../src/acceptor/run';
import { validateConfig } from '../../src/config/validate';
import { describeEnvironment } from '../mailbox/environment';
import type { GeneratorAnswer, GeneratorJob } from './generator';

/** What one run measures. */
interface Options {
  /** Connections per variant per round. */
  readonly connections: number;
  /** Connections in flight at once. */
  readonly concurrency: number;
  readonly rounds: number;
  readonly shards: number;
}

/** A way of connecting. */
interface Variant {
  readonly name: string;
  /** The connect request of connection `i`. */
  readonly requests: readonly string[];
}

const SECRET = 'bench-secret';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

function say(line = ''): void {
  process.stdout.write(line + '\n');
}

/** Connect frames carrying one signed token each (or none for the baseline). */
async function connectFrames(count: number, sign: ((sub: string) => Promise<string>) | null): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const connect = sign ? { token: await sign(`user-${i}`) } : {};
    out.push(JSON.stringify({ id: 1, connect }));
  }
  return out;
}

function signer(key: KeyObject, alg: string): (sub: string) => Promise<string> {
  const exp = Math.floor(Date.now() / 1000) + 3600;
  return (sub) => new SignJWT({ sub, exp }).setProtectedHeader({ alg }).sign(key);
}

/** The load generator child process. */
interface Generator {
  /** Makes every connect in `frames` with `concurrency` in flight; resolves with connections/s. */
  run(url: string, frames: readonly string[], concurrency: number): Promise<number>;
  stop(): void;
}

function startGenerator(): Generator {
  const child = fork(path.join(__dirname, 'generator.js'), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return {
    run: (url, frames, concurrency) =>
      new Promise((resolve, reject) => {
        child.once('message', (msg: GeneratorAnswer) => ('error' in msg ? reject(new Error(msg.error)) : resolve(msg.rate)));
        child.send({ url, frames, concurrency } satisfies GeneratorJob);
      }),
    stop: () => child.kill(),
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const options: Options = {
    connections: option('connections', 2000),
    concurrency: option('concurrency', 32),
    rounds: option('rounds', 3),
    shards: option('shards', 1),
  };
  const environment = describeEnvironment();
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsaPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  say(`signing ${options.connections * 2} tokens…`);
  const variants: Variant[] = [
    { name: 'no auth (anonymous)', requests: await connectFrames(options.connections, null) },
    { name: 'HS256', requests: await connectFrames(options.connections, signer(createSecretKey(Buffer.from(SECRET)), 'HS256')) },
    { name: 'RS256 (2048-bit)', requests: await connectFrames(options.connections, signer(rsa.privateKey, 'RS256')) },
  ];
  const server = await startServer(
    validateConfig({
      http_server: { address: '127.0.0.1', port: 0 },
      log: { level: 'error' },
      client: { allow_anonymous_connect_without_token: true, ping_interval: '600s', token: { hmac_secret_key: SECRET, rsa_public_key: rsaPem } },
      shards: { count: options.shards },
    }),
  );
  const results = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  const cpuResults = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  const generator = startGenerator();
  try {
    // Warm-up: JIT, key objects, TCP paths.
    for (const v of variants) await generator.run(server.wsUrl, v.requests.slice(0, 200), options.concurrency);
    for (let round = 1; round <= options.rounds; round++) {
      for (const v of variants) {
        const cpuBefore = process.cpuUsage();
        const rate = await generator.run(server.wsUrl, v.requests, options.concurrency);
        const cpu = process.cpuUsage(cpuBefore);
        const cpuPerConnection = (cpu.user + cpu.system) / v.requests.length;
        results.get(v.name)!.push(rate);
        cpuResults.get(v.name)!.push(cpuPerConnection);
        say(`round ${round}  ${v.name.padEnd(20)} ${rate.toFixed(0)} connections/s  server CPU ${cpuPerConnection.toFixed(0)} µs/connection`);
      }
    }
  } finally {
    generator.stop();
    await server.close();
  }
  const baseline = median(results.get(variants[0]!.name)!);
  const baselineCpu = median(cpuResults.get(variants[0]!.name)!);
  const rows = variants.map((v) => {
    const runs = results.get(v.name)!;
    const rate = median(runs);
    const cpu = median(cpuResults.get(v.name)!);
    return {
      variant: v.name,
      connections_per_second: Math.round(rate),
      ratio_to_baseline: Number((rate / baseline).toFixed(3)),
      server_cpu_us_per_connection: Math.round(cpu),
      cpu_ratio_to_baseline: Number((cpu / baselineCpu).toFixed(3)),
      runs: runs.map(Math.round),
    };
  });
  const dir = path.join(__dirname, '..', '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'auth.json'), JSON.stringify({ benchmark: 'auth-connect', environment, options, results: rows }, null, 2) + '\n');
  const md = [
    '# Connect throughput with authentication',
    '',
    `Commit ${environment.commit}, Node ${environment.node}, ${environment.cpu} (${environment.cores} cores), ${environment.platform}, ${environment.date}.`,
    `${options.shards} shard(s); the load generator is a separate process on the same machine (it competes for the cores).`,
    'Server CPU is the server process\'s user+system time per connection (all shard threads).',
    `Each variant: ${options.connections} connections per round (open, \`connect\`, reply, close), ${options.concurrency} in flight, ${options.rounds} rounds interleaved; median shown.`,
    '',
    '| variant | connections/s | vs no auth | server CPU µs/connection | vs no auth | runs (connections/s) |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.variant} | ${r.connections_per_second} | ${r.ratio_to_baseline.toFixed(2)}× | ${r.server_cpu_us_per_connection} | ${r.cpu_ratio_to_baseline.toFixed(2)}× | ${r.runs.join(', ')} |`,
    ),
    '',
    'Reproduce: `npm run build && node dist/bench/auth/index.js`.',
    '',
  ].join('\n');
  writeFileSync(path.join(dir, 'auth.md'), md);
  say();
  say(md);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
