/**
 * The native load generator (bench/native, issue 12): its own self-test (SHA-1,
 * histogram, lines, frames cut at every byte), then the real binary against a
 * fake server that does what a server may do to a client (the server's `{}`
 * ping between pushes, WebSocket pings, fragmented messages, several lines in
 * one frame, chunked API replies, a close with a code, an error reply to
 * subscribe), and against switchyard itself through the fan-out driver.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { failureText, OptionError } from '../bench/common/args';
import { nowMs } from '../bench/common/clock';
import { launchTarget, parseSystem, switchyard, systemId, systemLabel, type Target } from '../bench/common/targets';
import { parseFanoutOptions } from '../bench/fanout/options';
import { LOADGEN_NICE, MANY_CHANNELS_WORKLOAD, pointOf, POINT_DEFAULTS } from '../bench/fanout/points';
import { describeLoadgen } from '../bench/fanout/report/notes';
import { windowEdge } from '../bench/loadgen/pacer';
import { ensureNativeLoadgen } from '../bench/native/build';
import { NativeGenerator } from '../bench/native/driver';
import { NativeProcess, type NativeOptions } from '../bench/native/process';

const KEY = 'native-test-key';

describe('bench:fanout options for the load generator and the point', () => {
  test('--point picks the many-channel defaults: native generator, 1,000 channels, publications/s ladder, its own files', () => {
    assert.equal(pointOf([]), 'one-channel');
    assert.equal(pointOf(['--point', 'many-channels']), 'many-channels');
    assert.equal(pointOf(['--point=many-channels']), 'many-channels');
    assert.throws(() => pointOf(['--point', 'few']), /--point must be one-channel or many-channels/);
    const options = parseFanoutOptions(['--point', 'many-channels'], POINT_DEFAULTS['many-channels']);
    assert.equal(options.loadgen, 'native');
    assert.equal(options.workers, 1);
    assert.deepEqual(options.workload, MANY_CHANNELS_WORKLOAD);
    assert.equal(options.workload.channels, 1000);
    assert.equal(options.workload.subscribers, 1000);
    assert.equal(options.out, 'fanout-channels');
    assert.deepEqual(options.systems, ['uws', 'switchyard-1', 'switchyard-2', 'switchyard-redis-1', 'switchyard-redis-2']);
    // The many-channel ladder starts after the servers' post-connect transient; --prime overrides it.
    assert.equal(options.primeMs, 12_000);
    assert.equal(parseFanoutOptions([], POINT_DEFAULTS['one-channel']).primeMs, 1000);
    assert.equal(parseFanoutOptions(['--point', 'many-channels', '--prime', '2.5'], POINT_DEFAULTS['many-channels']).primeMs, 2500);
    assert.throws(() => parseFanoutOptions(['--prime', '-1'], POINT_DEFAULTS['one-channel']), /prime/);
    assert.throws(() => parseFanoutOptions(['--prime', 'soon'], POINT_DEFAULTS['one-channel']), /prime/);
  });

  test('systems: the Redis engine and another build by name', () => {
    assert.deepEqual(parseSystem('switchyard-redis-2'), { kind: 'switchyard', shards: 2, engine: 'redis' });
    assert.deepEqual(parseSystem('sy-redis1'), { kind: 'switchyard', shards: 1, engine: 'redis' });
    const before = parseSystem('switchyard-redis-2@/tmp/before/dist/');
    assert.deepEqual(before, { kind: 'switchyard', shards: 2, engine: 'redis', variant: 'before', entry: '/tmp/before/dist/bench/common/switchyard-server.js' });
    assert.equal(systemId(before), 'switchyard-redis-2-before');
    assert.equal(systemLabel(before), 'switchyard ×2 Redis (before)');
    assert.equal(systemId(parseSystem('switchyard-2')), 'switchyard-2');
    assert.throws(() => parseSystem('switchyard-redis'), /unknown system "switchyard-redis"/);
  });

  test('pipelining: off by default on the many-channel point, on for one channel, each flag only for the native generator', () => {
    const many = POINT_DEFAULTS['many-channels'];
    const one = POINT_DEFAULTS['one-channel'];
    assert.equal(parseFanoutOptions(['--point', 'many-channels'], many).noPipelining, true);
    assert.equal(parseFanoutOptions(['--point', 'many-channels', '--no-pipelining'], many).noPipelining, true);
    assert.equal(parseFanoutOptions(['--point', 'many-channels', '--pipelining'], many).noPipelining, false);
    assert.equal(parseFanoutOptions([], one).noPipelining, false);
    assert.equal(parseFanoutOptions(['--no-pipelining'], one).noPipelining, true);
    // The Node generator has no such choice: the point's default does not apply to it.
    assert.equal(parseFanoutOptions(['--point', 'many-channels', '--loadgen', 'node'], many).noPipelining, false);
    assert.throws(() => parseFanoutOptions(['--no-pipelining', '--loadgen', 'node'], many), /--no-pipelining is an option of the native load generator/);
    assert.throws(() => parseFanoutOptions(['--pipelining', '--loadgen', 'node'], many), /--pipelining is an option of the native load generator/);
    assert.throws(() => parseFanoutOptions(['--pipelining', '--no-pipelining'], many), /--pipelining and --no-pipelining contradict each other/);
  });

  test('load-generator niceness: -10 by default for one channel, not set for many channels, only for the native generator', () => {
    const many = POINT_DEFAULTS['many-channels'];
    const one = POINT_DEFAULTS['one-channel'];
    assert.equal(parseFanoutOptions([], one).loadgenNice, LOADGEN_NICE);
    assert.equal(parseFanoutOptions(['--point', 'many-channels'], many).loadgenNice, undefined);
    assert.equal(parseFanoutOptions(['--point', 'many-channels', '--loadgen-nice=-5'], many).loadgenNice, -5);
    assert.equal(parseFanoutOptions(['--loadgen-nice', '19'], one).loadgenNice, 19);
    assert.equal(parseFanoutOptions(['--loadgen-nice', 'inherit'], one).loadgenNice, undefined);
    // The Node generator runs in the benchmark's own process: the point's default does not apply to it, and the flag is refused.
    assert.equal(parseFanoutOptions(['--loadgen', 'node'], one).loadgenNice, undefined);
    assert.throws(() => parseFanoutOptions(['--loadgen', 'node', '--loadgen-nice=-5'], one), /--loadgen-nice is an option of the native load generator/);
    for (const bad of ['-21', '20', '1.5', 'high', '']) {
      assert.throws(() => parseFanoutOptions([`--loadgen-nice=${bad}`], one), /--loadgen-nice must be an integer -20\.\.19 or "inherit"/, bad);
    }
    // The report says what the generator ran at, and when its niceness was refused, why.
    assert.doesNotMatch(describeLoadgen('native', 1, false), /nice/);
    assert.match(describeLoadgen('native', 1, false, { asked: -10 }), /its threads at niceness -10, ahead of the servers'/);
    assert.match(describeLoadgen('native', 1, false, { asked: -10, refused: 'could not set niceness -10: Permission denied' }), /niceness -10, which was refused \(could not set niceness -10: Permission denied\)/);
  });

  test('a bad option is reported as its message alone; any other failure with its stack', () => {
    const many = POINT_DEFAULTS['many-channels'];
    const bad = (argv: string[]): unknown => {
      try {
        parseFanoutOptions(argv, many);
      } catch (err) {
        return err;
      }
      return assert.fail(`${argv.join(' ')} was accepted`);
    };
    const contradiction = bad(['--pipelining', '--no-pipelining']);
    assert.ok(contradiction instanceof OptionError);
    assert.equal(failureText(contradiction), '--pipelining and --no-pipelining contradict each other: give one');
    assert.equal(failureText(bad(['--rates', 'fast'])), '--rates must be a number ≥ 1 (got "fast")');
    // node:util parseArgs's own errors (unknown option) carry ERR_PARSE_ARGS_* codes.
    assert.match(failureText(bad(['--bogus'])), /^Unknown option '--bogus'/);
    assert.throws(() => parseSystem('nothing'), OptionError);
    const crash = new Error('server child exited');
    assert.equal(failureText(crash), crash.stack);
    assert.equal(failureText('plain'), 'plain');
  });

  test('--loadgen is checked, and the native generator refuses client-side publish', () => {
    const defaults = POINT_DEFAULTS['one-channel'];
    assert.equal(parseFanoutOptions(['--loadgen', 'native'], defaults).loadgen, 'native');
    assert.equal(parseFanoutOptions([], defaults).loadgen, 'native');
    assert.equal(parseFanoutOptions(['--transport', 'ws'], defaults).loadgen, 'node'); // only the Node generator publishes over WebSocket
    assert.throws(() => parseFanoutOptions(['--loadgen', 'java'], defaults), /--loadgen must be node or native/);
    assert.throws(() => parseFanoutOptions(['--loadgen', 'native', '--transport', 'ws'], defaults), /publishes through the HTTP API only/);
    // Options given still override the point's defaults.
    const many = parseFanoutOptions(['--point', 'many-channels', '--channels', '500', '--loadgen', 'node'], POINT_DEFAULTS['many-channels']);
    assert.equal(many.workload.channels, 500);
    assert.equal(many.loadgen, 'node');
  });
});

test('the C parts pass their self-test', () => {
  const output = execFileSync(ensureNativeLoadgen(), ['--self-test'], { encoding: 'utf8' });
  assert.match(output, /self-test: \d+ checks, 0 failed/);
});

/** A fake Centrifugo-protocol server that exercises every path of the client. */
class FakeServer {
  readonly http: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  /** Subscribed sockets by channel. */
  readonly channels = new Map<string, WebSocket[]>();
  /** `{}` lines the server sent as pings, and `{}` frames it got back. */
  jsonPings = 0;
  jsonPongs = 0;
  /** WebSocket pings sent, pongs received. */
  wsPings = 0;
  wsPongs = 0;
  requests = 0;
  deliveries = 0;
  /** How long the API waits before answering, ms (an asynchronous answer, as a Redis publish's). */
  answerDelayMs = 0;
  /** API requests received and not yet answered, and the most there were at once. */
  apiInFlight = 0;
  apiMaxInFlight = 0;

  constructor() {
    this.http = http.createServer((req, res) => this.api(req, res));
    this.http.on('upgrade', (req, socket, head) => this.wss.handleUpgrade(req, socket, head, (ws) => this.connection(ws)));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.http.listen(0, '127.0.0.1', resolve));
    return (this.http.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private connection(ws: WebSocket): void {
    ws.on('pong', () => this.wsPongs++);
    ws.on('message', (data: Buffer) => {
      const replies: string[] = [];
      for (const line of data.toString('utf8').split('\n')) {
        if (line === '{}') {
          this.jsonPongs++;
          continue;
        }
        const command = JSON.parse(line) as { id: number; connect?: object; subscribe?: { channel: string } };
        if (command.connect) replies.push(`{"id":${command.id},"connect":{"client":"c","version":"fake"}}`);
        if (command.subscribe) {
          const channel = command.subscribe.channel;
          if (channel.startsWith('deny-')) {
            replies.push(`{"id":${command.id},"error":{"code":103,"message":"permission denied"}}`);
            continue;
          }
          replies.push(`{"id":${command.id},"subscribe":{}}`);
          const list = this.channels.get(channel) ?? [];
          list.push(ws);
          this.channels.set(channel, list);
        }
      }
      ws.send(replies.join('\n')); // connect and subscribe replies joined in one frame
      if (replies.some((r) => r.includes('"subscribe":{}'))) {
        this.jsonPings++;
        ws.send('{}');
        this.wsPings++;
        ws.ping('p');
      }
    });
  }

  private api(req: http.IncomingMessage, res: http.ServerResponse): void {
    // Node emits pipelined requests at once, so requests sent behind one in flight show here.
    this.apiMaxInFlight = Math.max(this.apiMaxInFlight, ++this.apiInFlight);
    res.on('finish', () => this.apiInFlight--);
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      if (req.headers['x-api-key'] !== KEY) {
        res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error":{"code":101,"message":"unauthorized"}}');
        return;
      }
      const params = JSON.parse(body) as { channel: string; data: unknown } & { commands?: { publish: { channel: string; data: unknown } }[] };
      const publications = req.url === '/api/batch' ? params.commands!.map((c) => c.publish) : [params];
      for (const p of publications) this.deliver(p.channel, JSON.stringify(p.data));
      if (this.answerDelayMs > 0) {
        setTimeout(() => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"result":{}}'), this.answerDelayMs);
        return;
      }
      this.requests++;
      if (this.requests % 2 === 1) {
        // No Content-Length: Node sends the reply chunked.
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('{"result":');
        res.end('{}}');
      } else {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '13' }).end('{"result":{}}');
      }
    });
  }

  /** Sends a push to each subscriber, in turn whole, fragmented in three, or after a `{}` ping line in the same frame. */
  private deliver(channel: string, data: string): void {
    const push = `{"push":{"channel":"${channel}","pub":{"data":${data}}}}`;
    for (const ws of this.channels.get(channel) ?? []) {
      const way = this.deliveries++ % 3;
      if (way === 0) {
        ws.send(push);
      } else if (way === 1) {
        const a = Math.floor(push.length / 3);
        ws.send(push.slice(0, a), { fin: false });
        ws.send(push.slice(a, 2 * a), { fin: false });
        ws.send(push.slice(2 * a), { fin: true });
      } else {
        this.jsonPings++;
        ws.send(`{}\n${push}`);
      }
    }
  }
}

function options(port: number, overrides: Partial<NativeOptions> = {}): NativeOptions {
  return {
    binary: ensureNativeLoadgen(),
    wsUrl: `ws://127.0.0.1:${port}/connection/websocket`,
    apiUrl: `http://127.0.0.1:${port}/api`,
    apiKey: KEY,
    subscribers: 40,
    channels: 4,
    channelPrefix: 'bench-',
    payloadBytes: 100,
    receivers: 2,
    httpConnections: 4,
    maxInFlight: 512,
    ...overrides,
  };
}

/** A step command starting 100 ms from now with a `windowMs` window. */
function stepAt(rate: number, burst: number, windowMs: number): { rate: number; burst: number; start: number; from: number; to: number; drain: number } {
  const start = nowMs() + 100;
  const from = windowEdge(start + 100);
  return { rate, burst, start, from, to: windowEdge(from + windowMs), drain: 2000 };
}

async function eventually(check: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!check() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('the native load generator against a fake server', () => {
  const server = new FakeServer();
  let port = 0;

  before(async () => {
    port = await server.listen();
  });

  after(() => server.close());

  test('connects, answers pings, reassembles fragments and counts every delivery', async () => {
    const native = await NativeProcess.start(options(port));
    try {
      assert.equal(native.ready.connected, 40);
      assert.equal(native.ready.failed, 0);
      const single = await native.step(stepAt(200, 1, 500), 5000);
      assert.equal(single.publisher.errors, 0);
      assert.equal(single.publisher.skipped, 0);
      assert.equal(single.publisher.dueInWindow, 100);
      assert.equal(single.expected, 100 * 10); // 10 subscribers per channel
      assert.equal(single.recorded, single.expected);
      assert.equal(single.latencyMs.count, single.expected);
      // Latency is only checked for sense: a busy shared machine can make any figure slow.
      const { p50, p99, max } = single.latencyMs;
      assert.ok(p50 !== null && p99 !== null && max !== null && p50 > 0 && p50 <= p99 && p99 <= max, `p50 ${p50} p99 ${p99} max ${max}`);
      assert.equal(single.disconnected, 0);
      assert.equal(single.threads.length, 3);
      assert.ok(single.cpu.seconds > 0);
      // Bursts of 5 go through /api/batch.
      const burst = await native.step(stepAt(500, 5, 400), 5000);
      assert.equal(burst.publisher.errors, 0);
      assert.equal(burst.recorded, burst.expected);
      assert.ok(burst.expected > 0);
      await eventually(() => server.jsonPongs === server.jsonPings && server.wsPongs === server.wsPings);
      assert.equal(server.jsonPongs, server.jsonPings, 'every {} ping line got a {} pong');
      assert.equal(server.wsPongs, server.wsPings, 'every WebSocket ping got a pong');
      assert.ok(server.jsonPings > 40);

      // The server closes one subscriber with a code during a step: counted as a closed connection of that step.
      const running = native.step(stepAt(100, 1, 300), 5000);
      setTimeout(() => server.channels.get('bench-1')![0]!.close(3008, 'slow'), 250);
      const closing = await running;
      assert.equal(closing.disconnected, 1);
      assert.equal(closing.closeCodes['3008'], 1);
      assert.ok(closing.recorded < closing.expected);
    } finally {
      await native.stop();
    }
  });

  test('pipelines behind a slow answer, and with --no-pipelining waits for an idle connection instead', async () => {
    server.answerDelayMs = 15;
    try {
      for (const noPipelining of [false, true]) {
        server.apiMaxInFlight = 0;
        // One API connection, a publication every 10 ms, answers after 15 ms: the second is due while the first is unanswered.
        const native = await NativeProcess.start(options(port, { subscribers: 2, channels: 1, httpConnections: 1, noPipelining }));
        try {
          const step = await native.step(stepAt(100, 1, 300), 8000);
          assert.equal(step.publisher.errors, 0);
          assert.equal(step.publisher.skipped, 0);
          assert.equal(step.recorded, step.expected);
          if (noPipelining) {
            assert.equal(server.apiMaxInFlight, 1, 'never a request behind one in flight');
            // The waits are latency: 40 publications at one per 15 ms fall behind a 10 ms schedule.
            assert.ok((step.publisher.lagMs.max ?? 0) >= 50, `publisher lag max ${step.publisher.lagMs.max} ms`);
          } else {
            assert.ok(server.apiMaxInFlight > 1, `at most ${server.apiMaxInFlight} requests in flight`);
          }
        } finally {
          await native.stop();
        }
      }
    } finally {
      server.answerDelayMs = 0;
    }
  });

  test('runs every thread at the niceness asked for, and reports it', async () => {
    const plain = await NativeProcess.start(options(port, { subscribers: 2, channels: 1 }));
    const inherited = plain.ready.nice;
    await plain.stop();
    // Raising niceness needs no privilege, so this holds for any user; the threads started after it take it too.
    const nice = Math.min(19, inherited + 5);
    const native = await NativeProcess.start(options(port, { subscribers: 2, channels: 1, nice }));
    try {
      assert.equal(native.ready.nice, nice);
      assert.equal(native.ready.niceError, undefined);
      const step = await native.step(stepAt(100, 1, 200), 5000);
      assert.equal(step.recorded, step.expected);
    } finally {
      await native.stop();
    }
    // Out of range: refused before anything starts, with the reason.
    await assert.rejects(NativeProcess.start(options(port, { subscribers: 2, channels: 1, nice: 25 })), /--nice must be -20\.\.19/);
    const binary = ensureNativeLoadgen();
    for (const bad of ['abc', '5x', '']) {
      const out = (() => {
        try {
          return execFileSync(binary, ['--url', 'ws://127.0.0.1:1/connection/websocket', '--api', 'http://127.0.0.1:1/api', '--serve', `--nice=${bad}`], { encoding: 'utf8' });
        } catch (err) {
          return String((err as { stdout?: string }).stdout);
        }
      })();
      assert.match(out, /--nice must be -20\.\.19/, bad);
    }
  });

  test('fails to start when a subscribe is refused, with the reason', async () => {
    await assert.rejects(NativeProcess.start(options(port, { subscribers: 3, channels: 1, channelPrefix: 'deny-' })), /3 of 3 connections failed: error reply: .*permission denied/);
  });

  test('counts rejected API requests as errors', async () => {
    const native = await NativeProcess.start(options(port, { apiKey: 'wrong', subscribers: 2, channels: 1 }));
    try {
      const step = await native.step(stepAt(100, 1, 200), 5000);
      assert.ok(step.publisher.errors > 0 && step.publisher.errors === step.publisher.sent, `${step.publisher.errors} errors of ${step.publisher.sent}`);
      assert.equal(step.recorded, 0);
    } finally {
      await native.stop();
    }
  });
});

describe('the native load generator against switchyard', () => {
  let target: Target;

  before(async () => {
    target = await launchTarget(switchyard(1));
  });

  after(() => target.stop());

  test('a fan-out step delivers everything and reads like the Node generator’s', async () => {
    const driver = await new NativeGenerator(1).open(target, { subscribers: 50, channels: 5, payloadBytes: 100, transport: 'http', burst: 1 });
    try {
      assert.equal(driver.connections, 50);
      await driver.prime(2000, 300);
      const step = await driver.step(5000, { warmupMs: 200, windowMs: 500, drainMs: 2000 }); // 500 publications/s
      assert.equal(step.publicationsPerSecond, 500);
      assert.equal(step.publisher.errors, 0);
      assert.equal(step.deliveredRatio, 1);
      assert.equal(step.expected, 250 * 10);
      assert.equal(step.disconnected, 0);
      assert.ok(step.latencyMs.p50 > 0 && step.latencyMs.p99 >= step.latencyMs.p50);
      assert.ok(step.server.cpuMicrosPerDelivery > 0);
      // 500 publications/s to 10 subscribers each: the server's threads slept and were woken between them.
      const wakes = step.server.wakesPerDelivery ?? Number.NaN;
      assert.ok(wakes > 0 && wakes < 5, `wakes per delivery ${wakes}`);
      assert.ok(step.loadGenerator.cpuCores > 0 && step.loadGenerator.workers === 2);
      assert.ok(Math.abs(step.bytesPerDelivery - 100) < 80, `bytes per delivery ${step.bytesPerDelivery}`);
    } finally {
      await driver.close();
    }
  });
});
