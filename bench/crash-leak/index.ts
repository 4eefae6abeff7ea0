/**
 * `npm run bench:crash-leak`: does closing every socket of a uWS worker
 * thread leak them? Two bare shards (shard.ts, uWS only) share a port under
 * N reconnecting WebSocket clients (clients.ts, default 5,000); each round
 * one shard closes all of its sockets, in the loop phase the variant names,
 * and a fresh shard takes its place (or, with `stay`, the same shard stays);
 * the clients reconnect. The process's RSS is read once every client is
 * connected again (after a garbage collection in every thread), after a
 * warm-up round per shard and after K more rounds (default 8).
 *
 *   --connections N  --rounds K  --variants immediate,timer,message,immediate-stay,timer-stay,immediate-end
 *
 * Needs `node --expose-gc`. Prints one line per variant.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { numberOption } from '../common/args';
import { sleep } from '../common/clock';
import { say } from '../common/output';
import { processMemory } from '../common/proc';
import type { ClosePhase, LeakShardData, ToLeakShard } from './shard';

const SHARDS = 2;

interface Variant {
  readonly name: string;
  readonly phase: ClosePhase;
  readonly graceful: boolean;
  readonly stay: boolean;
}

function variant(name: string): Variant {
  const [phase, ...flags] = name.split('-');
  if (phase !== 'immediate' && phase !== 'timer' && phase !== 'message') throw new Error(`unknown variant ${name}`);
  return { name, phase, graceful: flags.includes('end'), stay: flags.includes('stay') };
}

/** This process's RSS, MiB to one decimal. */
function rssMiB(): number {
  return Math.round(processMemory(process.pid).rssBytes / 104_857.6) / 10;
}

async function run(v: Variant, connections: number, rounds: number, port: number): Promise<void> {
  const shards: Worker[] = [];
  let open = 0;
  const spawn = (i: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(join(__dirname, 'shard.js'), { workerData: { port, phase: v.phase, graceful: v.graceful, stay: v.stay } satisfies LeakShardData });
      shards[i] = worker;
      worker.on('message', (msg: { type: string }) => {
        if (msg.type === 'ready') resolve();
        if (msg.type === 'listen-failed') reject(new Error(`port ${port} in use`));
        if (msg.type === 'closed') setTimeout(() => void spawn(i), 100);
      });
    });
  const post = (i: number, msg: ToLeakShard): void => shards[i]!.postMessage(msg);
  const settled = async (): Promise<number> => {
    while (open < connections) await sleep(100);
    await sleep(1500);
    for (let i = 0; i < SHARDS; i++) post(i, { type: 'gc' });
    (globalThis as { gc?: () => void }).gc?.();
    await sleep(300);
    return rssMiB();
  };
  const round = async (i: number): Promise<number> => {
    post(i, { type: 'close' });
    await sleep(300);
    return settled();
  };
  await Promise.all(Array.from({ length: SHARDS }, (_, i) => spawn(i)));
  const clients = fork(join(__dirname, 'clients.js'), [`ws://127.0.0.1:${port}/`, String(connections)]);
  clients.on('message', (msg: { open: number }) => (open = msg.open));
  await settled();
  for (let i = 0; i < SHARDS; i++) await round(i);
  const before = rssMiB();
  const readings = [before];
  for (let k = 0; k < rounds; k++) readings.push(await round(k % SHARDS));
  const after = readings[readings.length - 1]!;
  say(
    `${v.name.padEnd(16)} RSS ${before} → ${after} MiB (${after >= before ? '+' : ''}${(((after - before) / before) * 100).toFixed(1)} %, ` +
      `${((after - before) / rounds).toFixed(2)} MiB per round of ~${Math.round(connections / SHARDS)} sockets)  [${readings.join(' ')}]`,
  );
  clients.kill();
  // Shards still hold open sockets: a worker torn down with open uWS handles aborts the process, so this one exits at once.
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { connections: { type: 'string' }, rounds: { type: 'string' }, variants: { type: 'string' }, child: { type: 'string' } } });
  const connections = Math.round(numberOption('connections', values.connections, 5000, 2));
  const rounds = Math.round(numberOption('rounds', values.rounds, 8, 1));
  if (values.child) {
    await run(variant(values.child), connections, rounds, 20000 + Math.floor(Math.random() * 20000));
    process.kill(process.pid, 'SIGKILL');
    return;
  }
  // Each variant in its own process, so one variant's memory does not carry into the next.
  const names = (values.variants ?? 'immediate,timer,message,immediate-stay,timer-stay,immediate-end').split(',');
  say(`crash-leak: ${connections} connections on ${SHARDS} shards, ${rounds} rounds per variant`);
  for (const name of names) {
    variant(name);
    await new Promise<void>((resolve) => {
      const child = fork(__filename, ['--child', name, '--connections', String(connections), '--rounds', String(rounds)], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'ignore', 'ipc'] });
      child.on('exit', () => resolve());
    });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`crash-leak benchmark failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
