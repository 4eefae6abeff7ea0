/**
 * A shard's route table: the client transports (src/transports: the
 * WebSocket, HTTP-streaming and SSE with /emulation, the unidirectional
 * ones, each when enabled) on the client app; the server API (src/api),
 * /health, /metrics and the admin web UI (src/admin, when enabled) on the
 * internal app when `http_server.internal_port` is set, else on the client
 * app; 404 for the rest.
 */
import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { refuseAdmin, registerAdmin } from '../admin/routes';
import type { OpenExchanges } from '../api/exchange';
import { registerApi } from '../api/http';
import { registerUniHttp } from '../transports/uni-http-routes';
import { registerUniWebSocket } from '../transports/uni-websocket';
import type { ShardContext } from '../shards/context';
import { registerEmulatedTransports } from '../transports/emulated-routes';
import { registerWebSocket } from '../transports/websocket';
import { METRICS_CONTENT_TYPE } from '../metrics/gather';

/** Readiness as seen by /health. */
export interface Readiness {
  /** True once every shard of the process is ready. */
  allReady: boolean;
}

/** Asks the acceptor for the whole process's metrics exposition (it gathers every shard). */
export type MetricsSource = () => Promise<string>;

/** Registers every route: client transports on `app`, operator endpoints on `internal` (or `app` without one); `openRequests` counts the server API and admin requests in flight. */
export function registerRoutes(
  app: TemplatedApp,
  internal: TemplatedApp | null,
  shard: ShardContext,
  readiness: Readiness,
  metrics: MetricsSource,
  openRequests: OpenExchanges,
): void {
  const config = shard.config;
  registerWebSocket(app, config, shard);
  registerEmulatedTransports(app, shard);
  // The unidirectional transports (each registers only when enabled).
  registerUniWebSocket(app, config, shard);
  registerUniHttp(app, config, shard);

  const ops = internal ?? app;
  registerApi(ops, config, shard, () => shard.draining, openRequests);
  if (config.admin.enabled) {
    registerAdmin(ops, config, shard, openRequests);
    // With an internal port, the client port says where the admin UI is instead of serving it.
    if (internal) refuseAdmin(app, config, 'the internal port (http_server.internal_port)');
  }
  ops.get('/health', (res) => {
    if (!shard.config.health.enabled) {
      res.writeStatus('404 Not Found').end();
      return;
    }
    if (readiness.allReady && !shard.draining) res.writeStatus('200 OK').writeHeader('Content-Type', 'application/json').end('{}');
    else res.writeStatus('503 Service Unavailable').writeHeader('Content-Type', 'application/json').end('{}');
  });
  if (config.prometheus.enabled) ops.get('/metrics', (res) => serveMetrics(res, metrics));

  const notFound = (res: HttpResponse): void => {
    res.writeStatus('404 Not Found').writeHeader('Content-Type', 'application/json').end(JSON.stringify({ error: 'not found' }));
  };
  app.any('/*', notFound);
  if (internal) internal.any('/*', notFound);
}

/** Answers GET /metrics with the gathered exposition (500 with the reason when gathering fails). */
function serveMetrics(res: HttpResponse, metrics: MetricsSource): void {
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  metrics().then(
    (text) => {
      if (!aborted) res.cork(() => res.writeStatus('200 OK').writeHeader('Content-Type', METRICS_CONTENT_TYPE).end(text));
    },
    (err: unknown) => {
      if (!aborted) res.cork(() => res.writeStatus('500 Internal Server Error').writeHeader('Content-Type', 'text/plain').end(`metrics unavailable: ${(err as Error).message}\n`));
    },
  );
}
