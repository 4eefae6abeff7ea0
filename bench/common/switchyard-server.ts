/**
 * switchyard as the benchmarks run it: a child process started with the real
 * `startServer` and a bench config (below), so its CPU and memory (all shard
 * threads) can be read from /proc/<pid> apart from the load generator's.
 *
 * Run as `node switchyard-server.js '{"shards":2,"apiKey":"…"}'`.
 */
import { startServer } from '../../src/acceptor/run';
import { validateConfig } from '../../src/config/validate';
import { reportFailure, serveUntilStopped, serverOptions, type ServerOptions } from './child';

/**
 * The config (file form) every benchmark uses: anonymous clients may subscribe
 * and publish anywhere; `options.channelOptions` (history, delta…) apply to
 * every channel on top of that.
 */
export function benchConfigInput(options: ServerOptions): Record<string, unknown> {
  const anyone = {
    allow_subscribe_for_client: true,
    allow_subscribe_for_anonymous: true,
    allow_publish_for_client: true,
    allow_publish_for_anonymous: true,
  };
  const base: Record<string, Record<string, unknown>> = {
    http_server: { address: '127.0.0.1', port: 0 },
    log: { level: 'warn' },
    // Pings every 10 minutes: a saturated load generator must not be disconnected for a late pong mid-run.
    client: { allow_anonymous_connect_without_token: true, ping_interval: '600s' },
    channel: { without_namespace: { ...anyone, ...options.channelOptions } },
    http_api: { key: options.apiKey },
    shards: { count: options.shards },
    prometheus: { enabled: (options.metricsScrapeMs ?? 0) > 0 },
  };
  for (const [section, keys] of Object.entries(options.serverConfig ?? {})) base[section] = { ...base[section], ...keys };
  return base;
}

/** Scrapes the server's own /metrics every `everyMs` while it runs (as Prometheus would, but more often). */
function scrapeEvery(url: string, everyMs: number): NodeJS.Timeout {
  const timer = setInterval(() => {
    void fetch(url).then((res) => res.text()).catch(() => undefined);
  }, everyMs);
  timer.unref();
  return timer;
}

if (require.main === module) {
  const options = serverOptions();
  startServer(validateConfig(benchConfigInput(options))).then(
    (server) => {
      const scraper = options.metricsScrapeMs ? scrapeEvery(`${server.opsUrl}/metrics`, options.metricsScrapeMs) : null;
      serveUntilStopped(server.port, async () => {
        if (scraper) clearInterval(scraper);
        await server.close();
      });
    },
    reportFailure,
  );
}
