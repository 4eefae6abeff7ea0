/**
 * `npm run bench:uni`: how fast publications reach unidirectional clients
 * compared with bidirectional WebSocket ones. For each transport, a fresh
 * switchyard (1 shard) gets S subscribers of one channel, then P publications
 * through the API `batch` method; the time until every subscriber has every
 * publication gives deliveries per second. Bidirectional sockets are on a uWS
 * topic (C++ fan-out); unidirectional ones are written one by one by the
 * Writer, each push unwrapped on the way.
 *
 * The clients run in this process and count pushes without parsing them, so
 * the figures compare the server's paths; absolute numbers depend on the box.
 * Options: `--subscribers N` (500), `--publications N` (400), `--rounds N` (3).
 */
import * as grpc from '@grpc/grpc-js';
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../../src/acceptor/run';
import { validateConfig } from '../../src/config/validate';
import { ConnectRequestType } from '../../src/protocol/protobuf/schema';
import { UNI_GRPC_CONSUME_PATH } from '../../src/transports/uni-grpc';
import { describeEnvironment } from '../mailbox/environment';
import { jsonText, say, writeResults } from '../common/output';

const API_KEY = 'bench';
const CHANNEL = 'bench';
const BATCH = 50;

/** A subscriber: counts publication pushes; `ready` once subscribed; `close` ends it. */
interface Subscriber {
  readonly ready: Promise<void>;
  count(): number;
  close(): void;
}

type Opener = (server: RunningServer) => Subscriber;

/** Counts the lines of a frame that carry a publication. */
function pubsIn(text: string): number {
  let n = 0;
  let at = text.indexOf('"pub":');
  while (at >= 0) {
    n++;
    at = text.indexOf('"pub":', at + 6);
  }
  return n;
}

function ws(url: string, first: string | null, subscribedWhen: (text: string) => boolean): Subscriber {
  const socket = new WebSocket(url);
  let received = 0;
  let resolveReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (resolveReady = r));
  socket.on('open', () => first !== null && socket.send(first));
  socket.on('message', (data) => {
    const text = data.toString();
    if (subscribedWhen(text)) resolveReady();
    received += pubsIn(text);
  });
  socket.on('error', () => undefined);
  return { ready, count: () => received, close: () => socket.close() };
}

const SUBS = JSON.stringify({ subs: { [CHANNEL]: {} } });

const TRANSPORTS: Readonly<Record<string, Opener>> = {
  websocket: (s) =>
    ws(s.wsUrl, `{"id":1,"connect":{}}\n{"id":2,"subscribe":{"channel":"${CHANNEL}"}}`, (t) => t.includes('"id":2')),
  uni_websocket: (s) => ws(`ws://127.0.0.1:${s.port}/connection/uni_websocket`, SUBS, (t) => t.includes('"connect"')),
  // The same, with uni_websocket.join_push_messages: the pushes of one flush in one message.
  uni_websocket_joined: (s) => ws(`ws://127.0.0.1:${s.port}/connection/uni_websocket`, SUBS, (t) => t.includes('"connect"')),
  uni_http_stream: (s) => {
    const abort = new AbortController();
    let received = 0;
    let resolveReady: () => void = () => undefined;
    const ready = new Promise<void>((r) => (resolveReady = r));
    void fetch(`http://127.0.0.1:${s.port}/connection/uni_http_stream`, { method: 'POST', body: SUBS, signal: abort.signal })
      .then(async (res) => {
        const decoder = new TextDecoder();
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          const text = decoder.decode(chunk, { stream: true });
          if (text.includes('"connect"')) resolveReady();
          received += pubsIn(text);
        }
      })
      .catch(() => undefined);
    return { ready, count: () => received, close: () => abort.abort() };
  },
  uni_sse: (s) => {
    const es = new EventSource(`http://127.0.0.1:${s.port}/connection/uni_sse?cf_connect=${encodeURIComponent(SUBS)}`);
    let received = 0;
    let resolveReady: () => void = () => undefined;
    const ready = new Promise<void>((r) => (resolveReady = r));
    es.onmessage = (e) => {
      if (e.data.includes('"connect"')) resolveReady();
      received += pubsIn(e.data);
    };
    return { ready, count: () => received, close: () => es.close() };
  },
  uni_grpc: (s) => {
    const client = new grpc.Client(`127.0.0.1:${s.grpcPort}`, grpc.credentials.createInsecure());
    const request = { subs: { [CHANNEL]: {} } };
    const call = client.makeServerStreamRequest(UNI_GRPC_CONSUME_PATH, (r: typeof request) => Buffer.from(ConnectRequestType.encode(r).finish()), (b: Buffer) => b, request);
    let received = 0;
    let first = true;
    let resolveReady: () => void = () => undefined;
    const ready = new Promise<void>((r) => (resolveReady = r));
    call.on('data', () => {
      // The first push is the connect push; every later one a publication.
      if (first) resolveReady();
      else received++;
      first = false;
    });
    call.on('error', () => undefined);
    return { ready, count: () => received, close: () => (call.cancel(), client.close()) };
  },
};

async function publishAll(server: RunningServer, publications: number): Promise<void> {
  const data = { payload: 'x'.repeat(80) };
  for (let sent = 0; sent < publications; sent += BATCH) {
    const commands = Array.from({ length: Math.min(BATCH, publications - sent) }, () => ({ publish: { channel: CHANNEL, data } }));
    const res = await fetch(`${server.apiUrl}/batch`, { method: 'POST', headers: { 'X-API-Key': API_KEY }, body: JSON.stringify({ commands }) });
    if (res.status !== 200) throw new Error(`batch publish: ${res.status}`);
    await res.arrayBuffer();
  }
}

async function measure(name: string, subscribers: number, publications: number): Promise<number> {
  const server = await startServer(
    validateConfig({
      http_server: { address: '127.0.0.1', port: 0 },
      log: { level: 'error' },
      client: { allow_anonymous_connect_without_token: true, ping_interval: '600s', queue_max_size: 64 * 1024 * 1024 },
      channel: { without_namespace: { allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true } },
      http_api: { key: API_KEY },
      shards: { count: 1 },
      uni_websocket: { enabled: true, join_push_messages: name === 'uni_websocket_joined' },
      uni_http_stream: { enabled: true },
      uni_sse: { enabled: true },
      uni_grpc: { enabled: true, address: '127.0.0.1', port: 0 },
    }),
  );
  const subs: Subscriber[] = [];
  try {
    for (let i = 0; i < subscribers; i++) subs.push(TRANSPORTS[name]!(server));
    await Promise.all(subs.map((s) => s.ready));
    const expected = subscribers * publications;
    const started = performance.now();
    await publishAll(server, publications);
    const deadline = started + 120_000;
    let total = 0;
    while ((total = subs.reduce((n, s) => n + s.count(), 0)) < expected) {
      if (performance.now() > deadline) throw new Error(`${name}: ${total} of ${expected} deliveries in 120 s`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return expected / ((performance.now() - started) / 1000);
  } finally {
    for (const s of subs) s.close();
    await server.close();
  }
}

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

async function main(): Promise<void> {
  const subscribers = option('subscribers', 500);
  const publications = option('publications', 400);
  const rounds = option('rounds', 3);
  const environment = describeEnvironment();
  say(`uni transports: ${subscribers} subscribers × ${publications} publications, 1 shard; ${environment.commit}, Node ${environment.node}`);
  // Rounds interleave the transports, so a busy spell of the box hits them alike; the median round counts.
  const runs: Record<string, number[]> = {};
  for (let round = 0; round < rounds; round++) {
    for (const name of Object.keys(TRANSPORTS)) {
      const rate = await measure(name, subscribers, publications);
      (runs[name] ??= []).push(rate);
      say(`round ${round + 1}, ${name}: ${Math.round(rate)} deliveries/s`);
    }
  }
  const results: Record<string, number> = {};
  for (const [name, rates] of Object.entries(runs)) results[name] = [...rates].sort((a, b) => a - b)[Math.floor(rates.length / 2)]!;
  const base = results['websocket']!;
  const rows = Object.entries(results).map(([name, rate]) => `| ${name} | ${Math.round(rate).toLocaleString('en')} | ${(rate / base).toFixed(2)} |`);
  const md = [
    '# Unidirectional transports: deliveries per second',
    '',
    `${subscribers} subscribers of one channel, ${publications} publications (80-byte payload) in API batches of ${BATCH}, 1 shard; clients in the benchmark process; median of ${rounds} interleaved rounds.`,
    `${environment.commit}, Node ${environment.node}, ${environment.cpu} × ${environment.cores}, ${environment.date}.`,
    '',
    '| transport | deliveries/s | ratio to websocket |',
    '|---|---|---|',
    ...rows,
    '',
  ].join('\n');
  const written = writeResults({ 'uni.json': jsonText({ environment, subscribers, publications, rounds, runs, results }), 'uni.md': md });
  say(`written: ${written.join(', ')}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`uni benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
