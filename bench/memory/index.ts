/**
 * Memory cost of history and presence on an owner shard, measured with the
 * real MemoryBroker and MemoryPresence: heap bytes per retained publication,
 * per stream (channel with history) and per presence entry. Run with
 * `npm run bench:memory` (node --expose-gc); writes bench/results/memory.{json,md}.
 */
import { execSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { MemoryBroker } from '../../src/broker/memory';
import { MemoryPresence } from '../../src/broker/presence-memory';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  process.stderr.write('run with node --expose-gc (npm run bench:memory does)\n');
  process.exit(2);
}

function heapUsed(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

/** Keeps what was measured alive until after the measurement. */
const keep: unknown[] = [];

const PAYLOAD = JSON.stringify({ text: 'x'.repeat(80) }); // about 100 bytes of JSON, like the fan-out benchmark

async function perPublication(channels: number, size: number): Promise<number> {
  const broker = new MemoryBroker();
  await broker.start({ onPublication: () => undefined });
  const history = { size, ttl: 3_600_000, metaTtl: 0 };
  const before = heapUsed();
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < size; i++) await broker.publish(`ch:${c}`, { data: PAYLOAD }, { history });
  }
  keep.push(broker);
  const after = heapUsed();
  return (after - before) / (channels * size);
}

async function perStream(channels: number): Promise<number> {
  const broker = new MemoryBroker();
  await broker.start({ onPublication: () => undefined });
  const before = heapUsed();
  for (let c = 0; c < channels; c++) await broker.history(`ch:${c}`, { limit: 0, metaTtl: 0 });
  keep.push(broker);
  const after = heapUsed();
  return (after - before) / channels;
}

async function perPresenceEntry(entries: number): Promise<number> {
  const presence = new MemoryPresence();
  const before = heapUsed();
  for (let i = 0; i < entries; i++) {
    await presence.add(`room:${i % 100}`, { user: `user-${i % 5000}`, client: `0a1b2c3d-4e5f-4a6b-8c7d-${String(i).padStart(12, '0')}` }, i % 4);
  }
  keep.push(presence);
  const after = heapUsed();
  return (after - before) / entries;
}

async function main(): Promise<void> {
  const results = {
    bytes_per_publication_history_100: await perPublication(1000, 100),
    bytes_per_publication_history_10: await perPublication(10_000, 10),
    bytes_per_empty_stream: await perStream(50_000),
    bytes_per_presence_entry: await perPresenceEntry(100_000),
  };
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    // not a git checkout
  }
  const stamp = { commit, node: process.version, cpu: cpus()[0]?.model ?? 'unknown', date: new Date().toISOString() };
  const dir = join(__dirname, '..', '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'memory.json'), JSON.stringify({ ...stamp, payload_bytes: PAYLOAD.length, results }, null, 2) + '\n');
  const kb = (n: number) => `${Math.round(n)} B`;
  const md = [
    '# Memory of history and presence',
    '',
    `Commit ${stamp.commit}, Node ${stamp.node}, ${stamp.cpu}, ${stamp.date}. Heap bytes after GC, real MemoryBroker/MemoryPresence, ${PAYLOAD.length}-byte payloads.`,
    '',
    '| what | heap per item |',
    '|---|---:|',
    `| retained publication (1,000 channels × history_size 100) | ${kb(results.bytes_per_publication_history_100)} |`,
    `| retained publication (10,000 channels × history_size 10) | ${kb(results.bytes_per_publication_history_10)} |`,
    `| stream position of a channel with no publications held | ${kb(results.bytes_per_empty_stream)} |`,
    `| presence entry (100 channels, 100,000 entries) | ${kb(results.bytes_per_presence_entry)} |`,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'memory.md'), md);
  process.stdout.write(md + '\n');
}

void main();
