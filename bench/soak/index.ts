/**
 * `npm run soak -- --minutes N` (default 10): the chaos soak. A switchyard
 * process on the Redis engine (a private redis-server), 10,000 subscribers
 * on recoverable channels in a few worker threads, a steady publisher on the
 * server API, and faults on a schedule (a shard kill every minute, Redis
 * restarts, config reloads, slow consumers). At the end every subscriber's
 * receipts are checked against the acknowledged publications, and the
 * server's RSS and open descriptors against their level after warm-up; the
 * report goes to bench/results/soak.{json,md} (`--out DIR` elsewhere). Exit
 * code 1 when a check failed. `npm run soak:ci` is the short form (`--ci`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEnvironment } from '../mailbox/environment';
import { jsonText, RESULTS_DIR, say, writeResults } from '../common/output';
import { ClientPool } from './client-pool';
import { planFaults, runFaults, warmupFaults } from './faults';
import { soakMarkdown } from './markdown';
import { soakOptions } from './options';
import { Publisher } from './publisher';
import { PrivateRedis, freePort } from './redis-server';
import { buildResult, type TimelinePoint } from './result';
import { SoakServer } from './server-process';
import { environmentText, readServiceEnvironment } from './service-env';

/** Longest wait for every subscriber to be subscribed and caught up at the end, ms. */
const CATCH_UP_MS = 60_000;

const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<number> {
  const options = soakOptions(process.argv.slice(2), RESULTS_DIR);
  const environment = describeEnvironment();
  const began = Date.now();
  const log = (line: string): void => say(`[${((Date.now() - began) / 1000).toFixed(0).padStart(4)} s] ${line}`);
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-soak-'));
  const redis = await PrivateRedis.start();
  let server: SoakServer | null = null;
  let clients: ClientPool | null = null;
  let publisher: Publisher | null = null;
  try {
    const serverEnvironment = options.unitEnvironment ? readServiceEnvironment() : {};
    server = await SoakServer.start(dir, options.shards, redis.url, await freePort(), serverEnvironment, options.youngGenerationMb);
    log(`server pid ${server.pid} on port ${server.port}, ${options.shards} shards (shards.max_young_generation_mb ${options.youngGenerationMb ?? 'at its default'}; environment ${environmentText(serverEnvironment)}); redis-server pid ${redis.pid} on port ${redis.port}`);
    clients = await ClientPool.start(server.wsUrl, options.connections, options.channels, options.slowConsumers, options.clientThreads, began, 120_000 + options.connections * 20);
    log(`${options.connections} subscribers on ${options.channels} channels`);
    publisher = new Publisher(server.apiUrl, options.channels, options.ratePerSecond);
    publisher.start();
    const running = server;
    const timeline: TimelinePoint[] = [];
    const sampler = setInterval(() => timeline.push({ atS: Math.round((Date.now() - began) / 1000), ...running.resources() }), 10_000);
    await sleep(options.warmupMs);
    const beforeFaults = await server.collectedResources();
    log(`publishing: RSS ${mib(beforeFaults.rssBytes)} (V8 heaps ${mib(beforeFaults.heapUsedBytes)}), ${beforeFaults.openFds} fds, ${publisher.counts().acknowledged} publications acknowledged`);
    const slowMs = Math.max(3_000, Math.min(12_000, options.faultEveryMs / (options.othersPerPeriod + 1) - 3_000));
    const targets = { server, redis, clients, publisher, shards: options.shards, slowMs };
    // Every shard's first restart pays a one-time cost (its replacement's V8 heap grows in the reconnect wave);
    // the leak check compares the end with the level after the warm-up's faults.
    const warmupEvents = await runFaults(warmupFaults(options.shards).filter((f) => options.faults.includes(f.kind)), targets, log);
    await sleep(options.settleMs);
    const afterWarmup = await server.settledResources();
    log(`warm-up done: RSS ${mib(afterWarmup.rssBytes)} (V8 heaps ${mib(afterWarmup.heapUsedBytes)}; settled after ${(afterWarmup.settledAfterMs / 1000).toFixed(0)} s), ${afterWarmup.openFds} fds`);

    const phaseStart = Date.now();
    const plan = planFaults(options.faultPhaseMs, options.faultEveryMs, options.othersPerPeriod, options.faults);
    const events = await runFaults(plan, targets, log);
    const faultEnd = phaseStart + options.faultPhaseMs;
    if (Date.now() < faultEnd) await sleep(faultEnd - Date.now());
    log('faults over; settling');
    await sleep(options.settleMs);
    const atEnd = await server.settledResources();
    clearInterval(sampler);
    await publisher.stop();
    const deadline = Date.now() + CATCH_UP_MS;
    let progress = await clients.progress(publisher.lastAcknowledged());
    while ((progress.ready < progress.total || progress.caughtUp < progress.total) && Date.now() < deadline) {
      await sleep(500);
      progress = await clients.progress(publisher.lastAcknowledged());
    }
    log(`end: ${progress.ready}/${progress.total} subscribed, ${progress.caughtUp} caught up; RSS ${mib(atEnd.rssBytes)} (V8 heaps ${mib(atEnd.heapUsedBytes)}; settled after ${(atEnd.settledAfterMs / 1000).toFixed(0)} s), ${atEnd.openFds} fds`);
    const reports = await clients.check(publisher.acknowledgedOffsets());
    const result = buildResult({
      environment,
      serverEnvironment,
      options,
      seconds: (Date.now() - began) / 1000,
      publications: publisher.counts(),
      reports,
      events,
      warmupEvents,
      final: { ...progress, serverRunning: server.running },
      beforeFaults,
      afterWarmup,
      atEnd,
      timeline,
    });
    for (const check of result.checks) log(`${check.pass ? 'pass' : 'FAIL'}: ${check.name}: ${check.figures}`);
    const files = writeResults({ 'soak.json': jsonText(result), 'soak.md': soakMarkdown(result) }, options.outDir);
    log(`${result.pass ? 'PASS' : 'FAIL'}; wrote ${files.join(', ')}`);
    if (!result.pass && !server.running) say(server.log);
    return result.pass ? 0 : 1;
  } finally {
    publisher?.close();
    await clients?.stop();
    await server?.stop();
    await redis.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    say(`soak failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
