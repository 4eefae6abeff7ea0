/**
 * The chaos soak's pure parts (bench/soak): the per-subscriber stream record
 * and its check against acknowledged offsets, the fault plan, the options of
 * the short CI form, and the verdict's resource checks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planFaults, warmupFaults } from '../bench/soak/faults';
import { soakMarkdown } from '../bench/soak/markdown';
import { soakOptions } from '../bench/soak/options';
import { readServiceEnvironment, serviceEnvironment } from '../bench/soak/service-env';
import { ALLOCATOR_ENV } from '../src/acceptor/allocator';
import { buildResult, change, type ResultParts } from '../bench/soak/result';
import { StreamRecord, Via } from '../bench/soak/stream-record';
import { settledReading } from '../bench/soak/settle';

test('a stream record expects only acknowledged offsets after its first subscribe position', () => {
  const record = new StreamRecord();
  record.subscribedAt(10, 'e1');
  record.subscribedAt(20, 'e2'); // later subscribes do not move the start
  for (const offset of [11, 12, 14]) record.receive(offset, Via.Live);
  record.receive(15, Via.Recovery);
  assert.deepEqual(record.missing([9, 10, 11, 12, 13, 14, 15, 16]), { count: 2, first: [13, 16] });
  assert.equal(record.live, 3);
  assert.equal(record.recovered, 1);
  assert.equal(record.epoch, 'e1');
});

test('a stream record counts duplicates and out-of-order arrivals apart, with the first of them', () => {
  const record = new StreamRecord();
  record.subscribedAt(0, 'e');
  record.receive(1, Via.Live);
  record.receive(3, Via.Live);
  record.receive(2, Via.Recovery); // late, never seen: out of order
  record.receive(3, Via.Recovery); // seen: duplicate
  assert.equal(record.outOfOrder, 1);
  assert.equal(record.duplicates, 1);
  assert.deepEqual(record.anomalies, [
    { offset: 2, top: 3, via: Via.Recovery, duplicate: false },
    { offset: 3, top: 3, via: Via.Recovery, duplicate: true },
  ]);
  assert.equal(record.missing([1, 2, 3]).count, 0);
});

test('a stream record grows past its first kilobyte of offsets', () => {
  const record = new StreamRecord();
  record.subscribedAt(0, 'e');
  record.receive(5000, Via.Live);
  assert.ok(record.has(5000));
  assert.ok(!record.has(4999));
  assert.ok(!record.has(100_000));
});

test('a subscriber that never subscribed misses every acknowledged publication', () => {
  assert.equal(new StreamRecord().missing([1, 2, 3]).count, 3);
});

test('the fault plan kills a shard at the start of every period and rotates the other faults', () => {
  const plan = planFaults(180_000, 60_000, 2);
  assert.deepEqual(
    plan.map((f) => `${f.atMs / 1000} ${f.kind}`),
    ['0 shard-kill', '20 redis-restart', '40 reload', '60 shard-kill', '80 slow-consumers', '100 redis-restart', '120 shard-kill', '140 reload', '160 slow-consumers'],
  );
  assert.deepEqual(
    planFaults(60_000, 60_000, 3).map((f) => f.kind),
    ['shard-kill', 'redis-restart', 'reload', 'slow-consumers'],
  );
});

test('the warm-up kills every shard once, in turn, then stalls the slow consumers once', () => {
  assert.deepEqual(
    warmupFaults(2).map((f) => `${f.atMs / 1000} ${f.kind}`),
    ['0 shard-kill', '8 shard-kill', '16 slow-consumers'],
  );
  assert.equal(warmupFaults(4).filter((f) => f.kind === 'shard-kill').length, 4);
});

test('the fault plan of a subset of fault kinds leaves the others\' slots empty', () => {
  assert.deepEqual(
    planFaults(120_000, 60_000, 2, ['slow-consumers']).map((f) => `${f.atMs / 1000} ${f.kind}`),
    ['20 slow-consumers', '40 slow-consumers', '80 slow-consumers', '100 slow-consumers'],
  );
  assert.deepEqual(
    planFaults(60_000, 20_000, 2, ['shard-kill']).map((f) => `${f.atMs / 1000} ${f.kind}`),
    ['0 shard-kill', '20 shard-kill', '40 shard-kill'],
  );
});

test('--faults picks fault kinds; all by default; an unknown or empty kind is an error naming the option', () => {
  assert.deepEqual(soakOptions([], '/out').faults, ['shard-kill', 'redis-restart', 'reload', 'slow-consumers']);
  assert.deepEqual(soakOptions(['--faults', 'reload,shard-kill,reload'], '/out').faults, ['reload', 'shard-kill']);
  assert.throws(() => soakOptions(['--faults', 'shard-kill,meteor'], '/out'), /--faults must name some of shard-kill, redis-restart, reload, slow-consumers \(got meteor\)/);
  assert.throws(() => soakOptions(['--faults', ''], '/out'), /--faults must name some of .* \(got nothing\)/);
});

test('the soak runs the server with the Environment= lines of deploy/switchyard.service', () => {
  assert.deepEqual(readServiceEnvironment(), ALLOCATOR_ENV);
  assert.deepEqual(serviceEnvironment('[Service]\nEnvironment=A=1\n  Environment=B_2=x/y\nExecStart=node\n'), { A: '1', B_2: 'x/y' });
  assert.deepEqual(serviceEnvironment('[Service]\nExecStart=node\n'), {});
  assert.throws(() => serviceEnvironment('Environment="A=1 B=2"\n'), /reads only Environment=NAME=value lines \(got Environment="A=1 B=2"\)/);
  assert.equal(soakOptions([], '/out').unitEnvironment, true);
  assert.equal(soakOptions(['--without-unit-env'], '/out').unitEnvironment, false);
});

test('soak options: the full form has 10,000 connections for 10 minutes, the CI form one of each fault in a minute', () => {
  const full = soakOptions([], '/out');
  assert.equal(full.connections, 10_000);
  assert.equal(full.faultPhaseMs, 600_000);
  assert.equal(full.outDir, '/out');
  const ci = soakOptions(['--ci', '--out', '/tmp/x'], '/out');
  assert.equal(ci.connections, 1000);
  assert.equal(ci.faultPhaseMs, 60_000);
  assert.equal(ci.othersPerPeriod, 3);
  assert.equal(soakOptions(['--minutes', '2'], '/out').faultPhaseMs, 120_000);
  assert.throws(() => soakOptions(['--minutes', '0'], '/out'), /--minutes must be a positive number/);
  assert.equal(full.youngGenerationMb, null);
  assert.equal(soakOptions(['--young-mb', '0'], '/out').youngGenerationMb, 0);
  assert.throws(() => soakOptions(['--young-mb', '1.5'], '/out'), /--young-mb must be a whole number of MiB, 0 or more \(got 1\.5\)/);
});

test('the verdict fails on a loss and on resources that moved more than the tolerance', () => {
  const spaces = { new_space: { usedBytes: 0, physicalBytes: 1 }, old_space: { usedBytes: 1, physicalBytes: 1 } };
  const reading = (rss: number, fds: number) => ({ rssBytes: rss, openFds: fds, threads: 9, heapUsedBytes: 1, heapPhysicalBytes: 2, settledAfterMs: 0, perThread: [{ thread: 0, usedBytes: 1, physicalBytes: 2, externalBytes: 0, spaces }] });
  const tally = { closeCodes: {}, unsubscribeCodes: {}, subscribeErrors: {}, slowCloseCodes: { '1006': 1 }, failedRecoveries: [], reconnects: 1, resubscribes: 0, slowCut: 1, slowResumed: 1 };
  const report = { subscribers: 1, live: 9, recovered: 1, expected: 10, missing: 0, subscribersWithLoss: 0, duplicates: 0, outOfOrder: 0, samples: [], orderSamples: [], tally };
  const events = (['shard-kill', 'redis-restart', 'slow-consumers'] as const).map((kind) => ({ kind, atMs: 0, tookMs: 1, detail: '' }));
  const parts: ResultParts = {
    environment: { commit: 'x', node: 'v20', cpu: 'cpu', cores: 2, platform: 'linux', date: '' },
    serverEnvironment: { MALLOC_MMAP_THRESHOLD_: '131072' },
    options: soakOptions(['--ci'], '/out'),
    seconds: 90,
    publications: { attempted: 10, acknowledged: 10, failed: 0, failures: {}, skipped: 0 },
    reports: [report],
    events: [...events, { kind: 'reload', atMs: 0, tookMs: 1, detail: 'SIGHUP: applied' }],
    final: { total: 1, ready: 1, caughtUp: 1, serverRunning: true },
    warmupEvents: [],
    beforeFaults: reading(90, 1000),
    afterWarmup: reading(100, 1000),
    atEnd: reading(109, 1000),
    timeline: [],
  };
  assert.ok(buildResult(parts).pass);
  // The report puts the heaps on threads and spaces, and the rest of RSS outside V8.
  const markdown = soakMarkdown(buildResult(parts));
  assert.match(markdown, /\| after warm-up \| main \(acceptor\) \| 0\.0 \| 0\.0 \|/);
  assert.match(markdown, /\| at the end \| outside V8 \(RSS − resident\) \|/);
  // A run of one fault kind needs only that kind to have run.
  const killsOnly = { ...parts, options: soakOptions(['--ci', '--faults', 'shard-kill'], '/out'), events: [events[0]!] };
  assert.ok(buildResult(killsOnly).pass);
  assert.ok(!buildResult({ ...killsOnly, events: [] }).pass);
  const lost = buildResult({ ...parts, reports: [{ ...report, missing: 1, subscribersWithLoss: 1 }] });
  assert.deepEqual(lost.checks.filter((c) => !c.pass).map((c) => c.name), ['every acknowledged publication reached every subscriber (live or by recovery)']);
  const grown = buildResult({ ...parts, atEnd: reading(111, 1101) });
  assert.equal(grown.checks.filter((c) => !c.pass).length, 2);
  // Memory or descriptors given back are no leak.
  assert.ok(buildResult({ ...parts, atEnd: reading(80, 1000) }).pass);
  assert.ok(Math.abs(change(100, 111) - 0.11) < 1e-9);
});

test('the leak check reads RSS once it stopped falling, and at once when it holds or rises', async () => {
  const series = (values: number[]) => {
    let i = 0;
    return async () => ({ rssBytes: values[Math.min(i++, values.length - 1)]! });
  };
  // Falling by more than 0.5 % a step: waits until the fall is under 0.5 %.
  assert.equal((await settledReading(series([130, 124, 119, 118.5, 118]), 1, 10_000)).rssBytes, 118.5);
  // Rising (a leak): stops at the first step, reading the higher value.
  assert.equal((await settledReading(series([100, 108, 116]), 1, 10_000)).rssBytes, 108);
  // Still falling at the limit: the last reading.
  const capped = await settledReading(series([200, 150, 100, 50, 25]), 20, 30);
  assert.ok(capped.rssBytes < 200 && capped.settledAfterMs >= 20);
});
