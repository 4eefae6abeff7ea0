/*
 * src/transports/: the client transports' endpoints: WebSocket, HTTP-streaming
 * and SSE with /emulation, and the unidirectional WebSocket, HTTP-stream, SSE
 * and gRPC; each hands frames to the dispatcher through ShardContext. May
 * import: everything below (shards, http, …), not api/ or worker/.
 */
/**
 * The bidirectional WebSocket transport's endpoint (`/connection/websocket`):
 * the upgrade (drain 503, Origin 403, protocol by subprotocol or query), and
 * each frame handed to the connection's dispatcher. Publications reach these
 * sockets through uWS's native topics (WebSocketTransport).
 */
import type { HttpRequest, HttpResponse, TemplatedApp, us_socket_context_t } from 'uWebSockets.js';
import type { Config } from '../config/types';
import { keptHeaders } from '../http/kept-headers';
import { originChecker } from '../http/origin';
import { Disconnects } from '../protocol/codes';
import type { ProtocolType } from '../protocol/names';
import { dispatchFrame } from '../shards/commands/dispatcher';
import type { ShardContext } from '../shards/context';
import type { Connection, SocketData } from '../shards/session/connection';
import { compressingWebSocketTransport, WebSocketTransport } from '../shards/session/transport';
import { loadUws } from '../common/uws';

/** The WebSocket endpoint path of the bidirectional client protocol. */
export const WEBSOCKET_PATH = '/connection/websocket';

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

/** uWS's compression setting for `websocket.compression`: the shared compressor and decompressor. */
function compressionOptions(): number {
  const uws = loadUws();
  return uws.SHARED_COMPRESSOR | uws.SHARED_DECOMPRESSOR;
}

/** Registers the WebSocket endpoint of the client protocol. */
export function registerWebSocket(app: TemplatedApp, config: Config, shard: ShardContext): void {
  const originAllowed = originChecker(config.client.allowed_origins);
  const { compression, compression_min_size: minSize } = config.websocket;
  const Transport = compression ? compressingWebSocketTransport<Connection>(minSize) : WebSocketTransport<Connection>;
  if (compression && config.websocket.compression_level !== 1 && shard.id === 0) {
    shard.log.info('websocket.compression_level is not applied: uWebSockets.js deflates at zlib\'s default level', { compression_level: config.websocket.compression_level });
  }

  app.ws<SocketData>(WEBSOCKET_PATH, {
    maxPayloadLength: config.websocket.message_size_limit,
    // permessage-deflate is negotiated per connection at the upgrade (uWS reads the client's
    // Sec-WebSocket-Extensions): shared compressor and decompressor, no context takeover, as
    // Centrifugo's; nothing is kept per socket.
    compression: compression ? compressionOptions() : 0,
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
      ws.getUserData().conn = shard.open(new Transport(ws), ws.getUserData().headers);
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
}
