/**
 * `npm run bench:metrics`: what one /metrics scrape costs. A switchyard ×2
 * server (`prometheus.enabled`) with `--clients` idle WebSocket connections
 * is scraped `--scrapes` times back to back after a warm-up; the server's
 * CPU (all threads, /proc) per scrape is reported, with the exposition's
 * size, and what it adds per delivery at a given delivery rate and scrape
 * interval. Complements bench:features' `metrics` variant, whose rare
 * scrapes seldom fall in a measured window (results/metrics-scrape.{json,md}).
 *
 *   --clients 1000  --scrapes 50  --interval 15  --rate 10000
 */
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { numberOption } from '../common/args';
import { jsonText, say, writeResults } from '../common/output';
import { processCpuSeconds } from '../common/proc';
import { launchTarget } from '../common/targets';
import { describeEnvironment } from '../mailbox/environment';

async function connectIdle(wsUrl: string, count: number): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: Math.min(100, count - i) }, () => {
      const ws = new WebSocket(wsUrl);
      sockets.push(ws);
      return new Promise<void>((resolve, reject) => {
        ws.once('open', () => {
          ws.send(JSON.stringify({ id: 1, connect: {} }));
          ws.send(JSON.stringify({ id: 2, subscribe: { channel: `idle${i % 10}` } }));
          resolve();
        });
        ws.once('error', reject);
      });
    });
    await Promise.all(batch);
  }
  return sockets;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { clients: { type: 'string' }, scrapes: { type: 'string' }, interval: { type: 'string' }, rate: { type: 'string' } } });
  const clients = Math.round(numberOption('clients', values.clients, 1000, 0));
  const scrapes = Math.round(numberOption('scrapes', values.scrapes, 50, 1));
  const interval = numberOption('interval', values.interval, 15, 1);
  const rate = numberOption('rate', values.rate, 10_000, 1);
  const environment = describeEnvironment();
  const target = await launchTarget({ kind: 'switchyard', shards: 2, metricsScrapeMs: 3_600_000 });
  try {
    const sockets = await connectIdle(target.wsUrl, clients);
    const url = target.apiUrl.replace(/\/api$/, '/metrics');
    let bytes = 0;
    for (let i = 0; i < 10; i++) bytes = (await (await fetch(url)).text()).length;
    const before = processCpuSeconds(target.pid);
    const started = performance.now();
    for (let i = 0; i < scrapes; i++) await (await fetch(url)).text();
    const cpuMs = ((processCpuSeconds(target.pid) - before) * 1000) / scrapes;
    const wallMs = (performance.now() - started) / scrapes;
    const perDeliveryUs = (cpuMs * 1000) / (interval * rate);
    for (const ws of sockets) ws.terminate();
    const result = { environment, clients, scrapes, bytes, cpuMsPerScrape: cpuMs, wallMsPerScrape: wallMs, interval, rate, perDeliveryUs };
    const md = [
      '# Metrics scrape cost',
      '',
      `Commit ${environment.commit}, Node ${environment.node}, ${environment.cpu} × ${environment.cores}. Produced by \`npm run bench:metrics\`.`,
      '',
      `switchyard ×2 with \`prometheus.enabled\` and ${clients} connected clients; ${scrapes} scrapes of /metrics back to back after 10 unmeasured ones.`,
      '',
      '| server CPU per scrape | wall time per scrape | exposition size | added per delivery at ' + `${rate}/s, one scrape per ${interval} s |`,
      '|---:|---:|---:|---:|',
      `| ${cpuMs.toFixed(2)} ms | ${wallMs.toFixed(2)} ms | ${(bytes / 1024).toFixed(1)} KB | ${perDeliveryUs.toFixed(3)} µs |`,
      '',
    ].join('\n');
    say(md);
    say(`written: ${writeResults({ 'metrics-scrape.json': jsonText(result), 'metrics-scrape.md': md }).join(', ')}`);
  } finally {
    await target.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`metrics benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
