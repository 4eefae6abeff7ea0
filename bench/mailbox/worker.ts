/**
 * One side of a cross-thread mailbox benchmark run: a producer that sends
 * `count` messages of `messageBytes`, or a consumer that receives them, over
 * either the shared-memory ring (Outbox/Inbox) or per-message postMessage.
 *
 * Clock: bench/common/clock (CLOCK_MONOTONIC through process.hrtime), which
 * every thread of the process reads alike, so a stamp taken in one thread can
 * be subtracted from a reading taken in another.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { Inbox, Outbox, type MailboxWiring } from '../../src/mailbox/mailbox';
import { nowMs } from '../common/clock';
import { LINGER, type Mechanism } from './mechanisms';

export type { Mechanism } from './mechanisms';


/** workerData of a benchmark worker. */
export interface WorkerOptions {
  role: 'producer' | 'consumer';
  mechanism: Mechanism;
  count: number;
  messageBytes: number;
  /** Messages per second the producer offers; 0 sends as fast as it can. */
  rate: number;
  /** True to stamp each message with its scheduled send time and measure one-way latency from it. */
  stamp: boolean;
  /** The ring wiring (mechanism 'ring'), with this worker's shardId. */
  wiring?: MailboxWiring;
  /** The consumer's end (producer) or the producer's end (consumer) of a MessageChannel (mechanism 'postMessage'). */
  port?: MessagePort;
  ringBatch: number;
  overflowLimitBytes: number;
}

/** Posted by the producer when it has sent everything. */
export interface ProducerReport {
  /** Clock reading (µs) just before the first send. */
  startedAt: number;
  /** Times the ring answered 'full' and the producer yielded (ring only). */
  fullAnswers: number;
}

/** Posted by the consumer when it has received everything. */
export interface ConsumerReport {
  /** Clock reading (µs) when the last message was handled. */
  finishedAt: number;
  /** One-way latency of every message in µs (empty unless stamped). */
  latencies: Float64Array;
  /** Times a producer's notify woke the consumer, from sleep or from a nap (ring only). */
  wakeups: number;
}

/** Producer → consumer record kind used by the benchmark. */
const KIND = 1;
/** Messages sent between two yields to the producer's event loop. */
const SEND_BURST = 1024;
/** Most messages a paced producer sends in one turn when it has fallen behind. */
const PACED_BURST = 64;
/** Longest a paced producer blocks between sends, µs: it sleeps like a shard waiting for I/O, not spinning. */
const PACED_NAP_MICROS = 50;
/** The cell a paced producer naps on (nobody notifies it: every nap times out). */
const napCell = new Int32Array(new SharedArrayBuffer(4));

/** The shared monotonic clock in microseconds. */
function clockMicros(): number {
  return nowMs() * 1000;
}

/**
 * Sends `count` messages through `send` (which reports false when it must
 * yield and retry), at `rate` if set. A paced producer stamps message i with
 * its scheduled time (start + i / rate), so a late send counts as latency,
 * and between sends it blocks briefly instead of spinning, so it does not
 * take a core from the consumer on a small machine.
 */
async function produce(options: WorkerOptions, send: (message: Uint8Array) => boolean): Promise<ProducerReport> {
  const message = new Uint8Array(options.messageBytes).fill(0x61);
  const stamp = new DataView(message.buffer);
  const startedAt = clockMicros();
  const interval = options.rate > 0 ? 1e6 / options.rate : 0;
  let fullAnswers = 0;
  let sent = 0;
  while (sent < options.count) {
    const due = options.rate > 0 ? Math.floor((clockMicros() - startedAt) / interval) + 1 : options.count;
    const burstEnd = Math.min(options.count, due, sent + (options.rate > 0 ? PACED_BURST : SEND_BURST));
    while (sent < burstEnd) {
      if (options.stamp) stamp.setFloat64(0, startedAt + sent * interval, true);
      if (!send(message)) {
        fullAnswers++;
        break;
      }
      sent++;
    }
    if (options.rate > 0 && sent < options.count) {
      const wait = startedAt + sent * interval - clockMicros();
      if (wait > 0) Atomics.wait(napCell, 0, 0, Math.min(wait, PACED_NAP_MICROS) / 1000);
    }
    await nextTurn();
  }
  return { startedAt, fullAnswers };
}

function startProducer(options: WorkerOptions): Promise<ProducerReport> {
  if (options.mechanism !== 'postMessage') {
    const outbox = new Outbox(options.wiring!, options.overflowLimitBytes);
    const to = 1 - options.wiring!.shardId;
    return produce(options, (message) => outbox.post(to, KIND, [message]) === 'ok').then(async (report) => {
      while (outbox.stats().queuedRecords > 0) await nextTurn();
      outbox.close();
      return report;
    });
  }
  const port = options.port!;
  return produce(options, (message) => {
    const buffer = message.slice().buffer; // a fresh ArrayBuffer per message, transferred
    port.postMessage(buffer, [buffer]);
    return true;
  });
}

function startConsumer(options: WorkerOptions): Promise<ConsumerReport> {
  return new Promise((resolve) => {
    const latencies = new Float64Array(options.stamp ? options.count : 0);
    let received = 0;
    let finish = (): void => {};
    const onMessage = (body: Uint8Array): void => {
      if (options.stamp) {
        const sentAt = new DataView(body.buffer, body.byteOffset, body.byteLength).getFloat64(0, true);
        latencies[received] = clockMicros() - sentAt;
      }
      if (++received === options.count) finish();
    };
    if (options.mechanism !== 'postMessage') {
      const inbox = new Inbox(options.wiring!, options.ringBatch, (_from, _kind, body) => onMessage(body), LINGER[options.mechanism]);
      const keepAlive = setInterval(() => {}, 1000); // a pending Atomics.waitAsync does not keep the loop alive
      finish = () => {
        const finishedAt = clockMicros();
        inbox.stop();
        clearInterval(keepAlive);
        const stats = inbox.stats();
        resolve({ finishedAt, latencies, wakeups: stats.wakeups + stats.napWakeups });
      };
      inbox.start();
    } else {
      const port = options.port!;
      finish = () => {
        const finishedAt = clockMicros();
        port.close();
        resolve({ finishedAt, latencies, wakeups: 0 });
      };
      port.on('message', (buffer: ArrayBuffer) => onMessage(new Uint8Array(buffer)));
    }
    parentPort!.postMessage('ready');
  });
}

const options = workerData as WorkerOptions;
const parent = parentPort!;
if (options.role === 'consumer') {
  void startConsumer(options).then((report) => parent.postMessage(report, [report.latencies.buffer as ArrayBuffer]));
} else {
  parent.once('message', () => {
    void startProducer(options).then((report) => parent.postMessage(report));
  });
}
