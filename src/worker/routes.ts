/**
 * A shard's uWS app: the WebSocket endpoint of the client protocol, the
 * HTTP-streaming and SSE endpoints with /emulation when enabled
 * (src/transports), the server API, and /health.
 */
import type { HttpRequest, HttpResponse, TemplatedApp, us_socket_context_t } from 'uWebSockets.js';
import { registerApi } from '../api/http';
import { registerUniHttp } from '../transports/uni-http-routes';
import { registerUniWebSocket } from '../transports/uni-websocket';
import type { NodeIdentity } from '../api/node';
import type { Config } from '../config/types';
import { NO_HEADERS, type SocketData } from '../shards/session/connection';
import { dispatchFrame } from '../shards/commands/dispatcher';
import { originChecker } from '../http/origin';
import type { Shard } from '../shards/shard';
import type { ProtocolType } from '../protocol/names';
import { Disconnects } from '../protocol/codes';
import { registerEmulatedTransports } from '../transports/emulated-routes';

/** The WebSocket endpoint path of the bidirectional client protocol. */
export const WEBSOCKET_PATH = '/connection/websocket';

/** Readiness as seen by /health. */
export interface Readiness {
  /** True once every shard of the process is ready. */
  allReady: boolean;
}

const textDecoder = new TextDecoder();

/**
 * The protocol a WebSocket client asks for: Protobuf with the subprotocol
 * `centrifuge-protobuf` or the query `cf_protocol=protobuf` (or
 * `format=protobuf`), JSON otherwise.
 */
export function websocketProtocol(offeredSubprotocols: readonly string[], query: string): ProtocolType {
  if (offeredSubprotocols.includes('centrifuge-protobuf')) return 'protobuf';
  const params = new URLSearchParams(query);
  return params.get('cf_protocol') === 'protobuf' || params.get('format') === 'protobuf' ? 'protobuf' : 'json';
}

/** The request headers a connection keeps (the ones proxies forward or that name the user), lower-case names. */
export function keptHeaders(req: HttpRequest, names: readonly string[]): Readonly<Record<string, string>> {
  let out: Record<string, string> | null = null;
  for (const name of names) {
    const value = req.getHeader(name);
    if (value !== '') (out ??= {})[name] = value;
  }
  return out ?? NO_HEADERS;
}

/** Registers every route on the app. */
export function registerRoutes(
  app: TemplatedApp,
  config: Config,
  shard: Shard,
  node: NodeIdentity,
  readiness: Readiness,
): void {
  const originAllowed = originChecker(config.client.allowed_origins);

  app.ws<SocketData>(WEBSOCKET_PATH, {
    maxPayloadLength: config.websocket.message_size_limit,
    // Liveness is the protocol's ping/pong (3012), not uWS's idle timer.
    idleTimeout: 0,
    // Above this uWS would skip publications silently; keepalive disconnects with 3008 well before,
    // and closing here is the last resort that keeps anything from being skipped unnoticed.
    maxBackpressure: config.client.queue_max_size * 2 + 64 * 1024,
    // The typings say number; the addon reads it as a flag.
    closeOnBackpressureLimit: 1,
    sendPingsAutomatically: false,
    upgrade: (res: HttpResponse, req: HttpRequest, context: us_socket_context_t) => {
      if (shard.draining) {
        res.writeStatus('503 Service Unavailable').end('shutting down');
        return;
      }
      if (!originAllowed(req.getHeader('origin'))) {
        // Close the connection too: a refused upgrade should not hold an idle socket open.
        res.writeStatus('403 Forbidden').end('request origin not allowed', true);
        return;
      }
      const offered = req
        .getHeader('sec-websocket-protocol')
        .split(',')
        .map((p) => p.trim());
      const protocol = websocketProtocol(offered, req.getQuery() ?? '');
      res.upgrade<SocketData>(
        { conn: null, headers: keptHeaders(req, shard.keptHeaders), protocol },
        req.getHeader('sec-websocket-key'),
        offered.includes(`centrifuge-${protocol}`) ? `centrifuge-${protocol}` : '',
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (ws) => {
      shard.onOpen(ws);
    },
    message: (ws, message, isBinary) => {
      const conn = ws.getUserData().conn;
      if (!conn) return;
      if (conn.transport.protocol === 'protobuf') {
        dispatchFrame(shard, conn, new Uint8Array(message));
        return;
      }
      if (isBinary) {
        // JSON protocol connections send text frames only.
        shard.disconnect(conn, Disconnects.badRequest.code, Disconnects.badRequest.reason);
        return;
      }
      dispatchFrame(shard, conn, textDecoder.decode(message));
    },
    close: (ws) => {
      const conn = ws.getUserData().conn;
      if (conn) shard.onClose(conn);
    },
  });

  registerEmulatedTransports(app, shard);

  registerApi(app, config, { shard, node }, () => shard.draining);

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
