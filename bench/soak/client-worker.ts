/**
 * A worker thread holding a share of the soak's subscribers: it opens them
 * (a few at a time), pauses and resumes its slow consumers on request,
 * reports how many are subscribed and caught up, and at the end checks each
 * subscriber's record against the acknowledged publications.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckReport, ClientWorkerData, FromClientWorker, LossSample, OrderSample, ProgressReport, ToClientWorker } from './client-messages';
import { Subscriber, type SubscriberTally } from './subscriber';

/** Loss samples a worker reports at most. */
const MAX_SAMPLES = 20;

const data = workerData as ClientWorkerData;
const tally: SubscriberTally = { closeCodes: {}, unsubscribeCodes: {}, subscribeErrors: {}, slowCloseCodes: {}, failedRecoveries: [], reconnects: 0, resubscribes: 0, slowCut: 0, slowResumed: 0 };
const subscribers = data.assignments.map((a) => new Subscriber(data.url, a.channel, a.slow, tally, data.startedAt));

function tell(message: FromClientWorker): void {
  parentPort!.postMessage(message);
}

async function startAll(): Promise<void> {
  let next = 0;
  let failed = 0;
  const errors: string[] = [];
  const lane = async (): Promise<void> => {
    while (next < subscribers.length) {
      const subscriber = subscribers[next++]!;
      try {
        await subscriber.start();
      } catch (err) {
        failed++;
        if (errors.length < 5) errors.push((err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: data.concurrency }, lane));
  tell({ type: 'started', connected: subscribers.length - failed, failed, errors });
}

function progress(lastAcked: Readonly<Record<string, number>>): ProgressReport {
  let ready = 0;
  let caughtUp = 0;
  for (const s of subscribers) {
    if (s.ready) ready++;
    const last = lastAcked[s.channel] ?? 0;
    if (last <= s.record.startOffset || s.record.has(last)) caughtUp++;
  }
  return { total: subscribers.length, ready, caughtUp };
}

function check(acked: Readonly<Record<string, readonly number[]>>): CheckReport {
  let live = 0;
  let recovered = 0;
  let expected = 0;
  let missing = 0;
  let withLoss = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  const samples: LossSample[] = [];
  const orderSamples: OrderSample[] = [];
  for (const s of subscribers) {
    const r = s.record;
    if (s.historyAtAnomaly && orderSamples.length < MAX_SAMPLES) orderSamples.push({ channel: s.channel, anomalies: r.anomalies, history: s.historyAtAnomaly });
    const offsets = acked[s.channel] ?? [];
    live += r.live;
    recovered += r.recovered;
    duplicates += r.duplicates;
    outOfOrder += r.outOfOrder;
    expected += offsets.filter((o) => o > r.startOffset).length;
    const gap = r.missing(offsets);
    if (gap.count === 0) continue;
    missing += gap.count;
    withLoss++;
    if (samples.length < MAX_SAMPLES) samples.push({ channel: s.channel, startOffset: r.startOffset, missing: gap.count, firstMissing: gap.first, live: r.live, recovered: r.recovered });
  }
  return { subscribers: subscribers.length, live, recovered, expected, missing, subscribersWithLoss: withLoss, duplicates, outOfOrder, samples, orderSamples, tally };
}

parentPort!.on('message', (message: ToClientWorker) => {
  switch (message.type) {
    case 'progress':
      tell({ type: 'progress', id: message.id, report: progress(message.lastAcked) });
      return;
    case 'pause':
      for (const s of subscribers) s.pause();
      return;
    case 'resume':
      for (const s of subscribers) s.resume();
      return;
    case 'check':
      tell({ type: 'check', id: message.id, report: check(message.acked) });
      return;
    case 'stop':
      for (const s of subscribers) s.stop();
      tell({ type: 'stopped', id: message.id });
      return;
    default: {
      const never: never = message;
      throw new Error(`unknown message ${JSON.stringify(never)}`);
    }
  }
});

void startAll();
