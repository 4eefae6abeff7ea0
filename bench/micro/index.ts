/**
 * `npm run bench:micro`: single-thread costs on the publication path,
 * measured with tinybench: the JSON push frame of a publication (encoded
 * once per publication at the owner shard), the fossil delta of a changed
 * payload, `ownerOf` hashing, and the JSON depth check every request body
 * passes before JSON.parse (next to that parse, for scale). The mailbox ring vs postMessage lives in
 * `npm run bench:mailbox`; its committed figures are quoted here, not
 * measured again. The Protobuf push of the same publications (encoded once
 * per publication too, when the channel has Protobuf subscribers) is measured
 * next to the JSON one, with their ratio. Writes bench/results/micro.json and micro.md.
 *
 *   --time MS   time per task (default 500)
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import { describeEnvironment, type Environment } from '../mailbox/environment';
import { jsonText, RESULTS_DIR, say, writeResults } from '../common/output';
import { round, thousands } from '../common/stats';
import { encodeDeltaPublication, encodePublication, encodePush, type PublicationFields } from '../../src/protocol/json';
import { encodePublicationReply } from '../../src/protocol/protobuf/codec';
import { encodeFossilPatch } from '../../src/shards/owner/delta';
import { channelHash, ownerOf } from '../../src/shards/messaging/owner-of';
import { jsonTooDeep } from '../../src/protocol/input-guards';
import { makePayload } from '../loadgen/payload';

/** One task's result. */
interface MicroResult {
  readonly group: string;
  readonly name: string;
  /** Mean ns per operation, and its relative margin of error (%). */
  readonly nsPerOp: number;
  readonly rme: number;
  readonly opsPerSecond: number;
  readonly samples: number;
}

/** A line for something that cannot be measured yet. */
interface NotBuilt {
  readonly group: string;
  readonly name: string;
  readonly note: string;
}

const CHANNEL = 'chat:room-4821';
/** Channel names as applications use them, for hashing. */
const CHANNELS = ['news', 'chat:room-4821', 'personal:#4f1c2a9e-7b3d-4c55-9e1a-2d6f8b0c3e71', '$private:orders:eu-west-1:customer-00042'];

/** A JSON payload of `bytes` whose counter changes, as a delta-friendly publication stream would. */
function changing(bytes: number, counter: number): string {
  return makePayload(1_000_000 + counter, counter, bytes);
}

let sink = 0;

/** A task: `fn` does `perCall` operations (cheap ones are looped so the timer's own cost does not dominate). */
interface Task {
  readonly group: string;
  readonly name: string;
  readonly perCall: number;
  readonly fn: () => void;
}

const PUSH = 'JSON push encoding (once per publication, at the owner)';
const PROTOBUF_PUSH = 'Protobuf push encoding (once per publication with Protobuf subscribers, at the owner)';

/** The publications both push encodings are measured on: [label, JSON task, Protobuf task]. */
const PUSH_PAIRS: readonly (readonly [string, string, string])[] = [
  ['100-byte publication', 'push frame of a 100-byte publication, as a Buffer', 'Protobuf push Reply of a 100-byte publication'],
  [
    '100-byte client publication (with publisher info, offset)',
    'push frame of a 100-byte client publication (with publisher info, offset)',
    'Protobuf push Reply of a 100-byte client publication (with publisher info, offset)',
  ],
  ['1,000-byte publication', 'push frame of a 1,000-byte publication, as a Buffer', 'Protobuf push Reply of a 1,000-byte publication'],
];
const FOSSIL = 'fossil delta (once per publication, channels with delta subscribers)';
const HASH = 'ownerOf hashing (every publish and subscribe)';
const BODY = 'JSON depth check of a request body (every API request and JSON command before JSON.parse)';

/** A task whose function repeats `op` `times` times per call. */
function task(group: string, name: string, times: number, op: () => number): Task {
  return {
    group,
    name,
    perCall: times,
    fn: () => {
      for (let k = 0; k < times; k++) sink += op();
    },
  };
}

function tasks(): Task[] {
  const data100 = makePayload(123_456.789, 42, 100);
  const data1k = makePayload(123_456.789, 42, 1000);
  const info = { user: '42', client: '4f1c2a9e-7b3d-4c55-9e1a-2d6f8b0c3e71' };
  const [prev100, next100, prev1k, next1k] = [changing(100, 1), changing(100, 2), changing(1000, 1), changing(1000, 2)];
  const frame = (pub: PublicationFields): number => Buffer.from(encodePush(CHANNEL, 'pub', encodePublication(pub))).length;
  let i = 0;
  const channel = (): string => CHANNELS[i++ & 3]!;
  // What bench:fanout's batch and publish requests send (payloads from the load generator's maker).
  const batchBody = JSON.stringify({ commands: Array.from({ length: 50 }, (_, k) => ({ method: 'publish', params: { channel: `bench-${k}`, data: JSON.parse(makePayload(k, k, 100)) as unknown } })) });
  const publishBody = JSON.stringify({ channel: CHANNEL, data: JSON.parse(makePayload(1, 1, 3000)) as unknown });
  return [
    task(PUSH, 'push frame of a 100-byte publication, as a Buffer', 16, () => frame({ data: data100 })),
    task(PUSH, 'push frame of a 100-byte client publication (with publisher info, offset)', 16, () => frame({ data: data100, info, offset: 1234 })),
    task(PUSH, 'push frame of a 1,000-byte publication, as a Buffer', 16, () => frame({ data: data1k })),
    task(PROTOBUF_PUSH, PUSH_PAIRS[0]![2], 16, () => encodePublicationReply(CHANNEL, { data: data100 }).length),
    task(PROTOBUF_PUSH, PUSH_PAIRS[1]![2], 16, () => encodePublicationReply(CHANNEL, { data: data100, info, offset: 1234 }).length),
    task(PROTOBUF_PUSH, PUSH_PAIRS[2]![2], 16, () => encodePublicationReply(CHANNEL, { data: data1k }).length),
    task(FOSSIL, 'encodeFossilPatch, 100-byte payload, counter changed', 4, () => encodeFossilPatch(prev100, next100)?.length ?? 0),
    task(FOSSIL, 'encodeFossilPatch, 1,000-byte payload, counter changed', 1, () => encodeFossilPatch(prev1k, next1k)?.length ?? 0),
    task(FOSSIL, 'delta push frame (patch + encodeDeltaPublication), 1,000-byte payload', 1, () => {
      const patch = encodeFossilPatch(prev1k, next1k) ?? undefined;
      return Buffer.from(encodePush(CHANNEL, 'pub', encodeDeltaPublication({ data: next1k }, patch))).length;
    }),
    task(BODY, `jsonTooDeep, 50-publication /api/batch body (${thousands(batchBody.length)} chars)`, 1, () => (jsonTooDeep(batchBody) ? 1 : 0)),
    task(BODY, 'JSON.parse of that batch body (the parse the check guards, for scale)', 1, () => (JSON.parse(batchBody) as { commands: unknown[] }).commands.length),
    task(BODY, `jsonTooDeep, /api/publish body with a 3,000-byte payload (${thousands(publishBody.length)} chars)`, 4, () => (jsonTooDeep(publishBody) ? 1 : 0)),
    task(BODY, 'JSON.parse of that publish body (for scale)', 4, () => (JSON.parse(publishBody) as object) ? 1 : 0),
    task(HASH, 'channelHash (FNV-1a 32) of typical channel names (4 to 40 chars)', 256, () => channelHash(channel())),
    task(HASH, 'ownerOf(channel, 2)', 256, () => ownerOf(channel(), 2)),
    task(HASH, 'ownerOf(channel, 8)', 256, () => ownerOf(channel(), 8)),
  ];
}

const NOT_BUILT: readonly NotBuilt[] = [];

/** Protobuf / JSON push encoding time for each measured publication. */
interface PushRatio {
  readonly publication: string;
  readonly jsonNs: number;
  readonly protobufNs: number;
  /** protobufNs / jsonNs: above 1, the Protobuf push costs more. */
  readonly ratio: number;
}

function pushRatios(results: readonly MicroResult[]): PushRatio[] {
  const ns = (name: string): number => results.find((r) => r.name === name)!.nsPerOp;
  return PUSH_PAIRS.map(([publication, json, protobuf]) => ({
    publication,
    jsonNs: ns(json),
    protobufNs: ns(protobuf),
    ratio: round(ns(protobuf) / ns(json), 2),
  }));
}

/** The mailbox figures, quoted from bench/results/mailbox.json if present. */
function mailboxQuote(): string[] {
  const file = path.join(RESULTS_DIR, 'mailbox.json');
  if (!existsSync(file)) return ['Mailbox ring vs postMessage: run `npm run bench:mailbox` (bench/results/mailbox.md).'];
  const m = JSON.parse(readFileSync(file, 'utf8')) as {
    environment: Environment;
    throughput: { ring: { medianMsgsPerSecond: number }; postMessage: { medianMsgsPerSecond: number }; ratio: number };
    latency: { p50Ratio: number };
  };
  return [
    `Mailbox ring vs postMessage (quoted from bench/results/mailbox.md, \`npm run bench:mailbox\` at ${m.environment.commit}, not measured here): ` +
      `ring ${thousands(m.throughput.ring.medianMsgsPerSecond)} msgs/s vs postMessage ${thousands(m.throughput.postMessage.medianMsgsPerSecond)} msgs/s ` +
      `(${m.throughput.ratio}×), one-way p50 ratio ${m.latency.p50Ratio}.`,
  ];
}

function markdown(environment: Environment, results: readonly MicroResult[], timeMs: number): string {
  const lines = [
    '# Micro-benchmarks',
    '',
    `Commit ${environment.commit}, Node ${environment.node}, ${environment.cpu} × ${environment.cores}, ${environment.platform}, ${environment.date}.`,
    `tinybench, about ${timeMs} ms per task, one thread. Produced by \`npm run bench:micro\`.`,
    '',
    '| group | operation | ns per op | ± % | ops/s |',
    '|---|---|---:|---:|---:|',
    ...results.map((r) => `| ${r.group} | ${r.name} | ${r.nsPerOp.toFixed(1)} | ${r.rme.toFixed(1)} | ${thousands(r.opsPerSecond)} |`),
    ...NOT_BUILT.map((n) => `| ${n.group} | ${n.name} | ${n.note} | | |`),
    '',
    '## Protobuf vs JSON push encoding',
    '',
    '| publication | JSON ns | Protobuf ns | Protobuf / JSON |',
    '|---|---:|---:|---:|',
    ...pushRatios(results).map((r) => `| ${r.publication} | ${r.jsonNs.toFixed(1)} | ${r.protobufNs.toFixed(1)} | ${r.ratio.toFixed(2)} |`),
    '',
    ...mailboxQuote().map((l) => `- ${l}`),
    '- For scale: one loopback `send()` costs about 6–7 µs on this kind of VM, so a publication fanned out to S sockets costs S × that in syscalls (bench/fanout measures it).',
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { time: { type: 'string' } }, strict: true });
  const timeMs = Number(values.time ?? 500);
  const environment = describeEnvironment();
  say(`micro-benchmarks: ${environment.commit}, Node ${environment.node}, ${environment.cpu} × ${environment.cores}`);
  const list = tasks();
  const bench = new Bench({ time: timeMs, warmupTime: Math.min(200, timeMs / 4), subtractTimerOverhead: true });
  for (const task of list) bench.add(task.name, task.fn);
  await bench.run();
  if (sink === 0) throw new Error('micro-benchmarks did no work');
  const results: MicroResult[] = list.map(({ group, name, perCall }) => {
    const result = bench.getTask(name)!.result;
    if (result.state !== 'completed') throw new Error(`micro-benchmark "${name}" ended ${result.state}`);
    const ns = (result.latency.mean * 1e6) / perCall;
    return { group, name, nsPerOp: round(ns, 1), rme: round(result.latency.rme, 1), opsPerSecond: round(1e9 / ns), samples: result.latency.samplesCount };
  });
  for (const r of results) say(`  ${r.name.padEnd(72)} ${r.nsPerOp.toFixed(1).padStart(9)} ns ±${r.rme.toFixed(1)}%`);
  for (const n of NOT_BUILT) say(`  ${n.name.padEnd(72)} ${n.note}`);
  const ratios = pushRatios(results);
  for (const r of ratios) say(`  Protobuf / JSON push encoding, ${r.publication}: ${r.ratio.toFixed(2)}`);
  const written = writeResults({ 'micro.json': jsonText({ benchmark: 'micro', environment, timeMs, results, pushRatios: ratios, notBuilt: NOT_BUILT }), 'micro.md': markdown(environment, results, timeMs) });
  say(`written: ${written.join(', ')}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`micro-benchmarks failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
