/**
 * A shard's route table: the client transports (src/transports: the
 * WebSocket, HTTP-streaming and SSE with /emulation, the unidirectional
 * ones, each when enabled), the server API (src/api), the admin web UI
 * (src/admin, when enabled), /health, and 404 for the rest.
 */
import type { TemplatedApp } from 'uWebSockets.js';
import { registerAdmin } from '../admin/routes';
import { registerApi } from '../api/http';
import { registerUniHttp } from '../transports/uni-http-routes';
import { registerUniWebSocket } from '../transports/uni-websocket';
import type { Config } from '../config/types';
import type { ShardContext } from '../shards/context';
import { registerEmulatedTransports } from '../transports/emulated-routes';
import { registerWebSocket } from '../transports/websocket';

/** Readiness as seen by /health. */
export interface Readiness {
  /** True once every shard of the process is ready. */
  allReady: boolean;
}

/** Registers every route on the app. */
export function registerRoutes(
  app: TemplatedApp,
  config: Config,
  shard: ShardContext,
  readiness: Readiness,
): void {
  registerWebSocket(app, config, shard);
  registerEmulatedTransports(app, shard);

  registerApi(app, config, shard, () => shard.draining);
  // On the client app until http_server.internal_port exists; then the internal app, with refuseAdmin() here.
  if (config.admin.enabled) registerAdmin(app, config, shard);

  app.get('/health', (res) => {
    if (!config.health.enabled) {
      res.writeStatus('404 Not Found').end();
      return;
    }
    if (readiness.allReady && !shard.draining) res.writeStatus('200 OK').writeHeader('Content-Type', 'application/json').end('{}');
    else res.writeStatus('503 Service Unavailable').writeHeader('Content-Type', 'application/json').end('{}');
  });

  // The unidirectional transports (each registers only when enabled).
  registerUniWebSocket(app, config, shard);
  registerUniHttp(app, config, shard);

  app.any('/*', (res) => {
    res.writeStatus('404 Not Found').writeHeader('Content-Type', 'application/json').end(JSON.stringify({ error: 'not found' }));
  });
}
