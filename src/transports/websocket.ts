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
import { largestPublicationFrame } from '../protocol/publication-size';
import type { HttpRequest, HttpResponse, TemplatedApp, WebSocket, us_socket_context_t } from 'uWebSockets.js';
import type { Config } from '../config/types';
import { keptHeaders } from '../http/kept-headers';
import { liveOriginChecker } from '../http/origin';
import { Disconnects } from '../protocol/codes';
import type { ProtocolType } from '../protocol/names';
import { dispatchFrame } from '../shards/commands/dispatcher';
import type { ShardContext } from '../shards/context';
import type { Connection, SocketData } from '../shards/session/connection';
import { compressingWebSocketTransport, WebSocketTransport, type ClientTransport } from '../shards/session/transport';
import { loadUws } from '../common/uws';

/** The WebSocket endpoint path of the bidirectional client protocol. */
export const WEBSOCKET_PATH = '/connection/websocket';

const textDecoder = new TextDecoder();

/** uWS's longest idle timeout, s. */
const LONGEST_IDLE_TIMEOUT_S = 960;
/** Quiet time a client may show before uWS's idle timer could cut it, ms: the longest idle timeout less its 4 s granularity and a minute of slack. */
const LONGEST_QUIET_MS = (LONGEST_IDLE_TIMEOUT_S - 64) * 1000;

/**
 * uWS `idleTimeout` of the bidirectional endpoint, s. It is not for
 * liveness (that is the protocol's ping and pong, 3012): uWS gives a socket
 * closed with `end()` a margin that follows from it to take its backlog and
 * the close frame, after which it cuts the socket without them (the client
 * sees 1006): 0–4 s at idleTimeout 0, 12–16 s from 32 s on. A slow consumer
 * cut with 3008 sits behind the megabytes it did not read, so with the
 * longer margin one that reads again within 12 s still gets its 3008. The
 * longest idle timeout (960 s) never closes a live client first: a connected
 * one answers every ping (at most `ping_interval` + `pong_timeout` apart;
 * one that does not is closed with 3012), and one that never connects is
 * closed as stale after `stale_close_delay`. When either is longer than
 * LONGEST_QUIET_MS, 0: no idle timer, and the 4 s margin. Fixed when the
 * endpoint is registered (a shard's start), like compression.
 */
export function clientIdleTimeoutSeconds(client: Pick<Config['client'], 'ping_interval' | 'pong_timeout' | 'stale_close_delay'>): number {
  const quiet = Math.max(client.ping_interval + client.pong_timeout, client.stale_close_delay);
  return quiet <= LONGEST_QUIET_MS ? LONGEST_IDLE_TIMEOUT_S : 0;
}

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

/**
 * Where a bidirectional WebSocket endpoint is served and whom it admits: the
 * client endpoint, or the admin web UI's live tail (src/admin), which serves
 * the same protocol on its own path and origin rule with AdminTailTransport.
 */
export interface WebSocketEndpoint {
  readonly path: string;
  /** Whether an upgrade with this Origin header ("" when absent) and Host header is admitted; 403 otherwise. */
  readonly originAllowed: (origin: string, host: string) => boolean;
  /** The transport of an opened socket. */
  readonly transport: (ws: WebSocket<SocketData>) => ClientTransport;
}

/** uWS's compression setting for `websocket.compression`: the shared compressor and decompressor. */
function compressionOptions(): number {
  const uws = loadUws();
  return uws.SHARED_COMPRESSOR | uws.SHARED_DECOMPRESSOR;
}

/**
 * The client endpoint: `/connection/websocket`, origins by the shard's current
 * `client.allowed_origins` (a reload applies), frames deflated with
 * `websocket.compression` from `compression_min_size` on.
 */
export function clientWebSocketEndpoint(shard: ShardContext): WebSocketEndpoint {
  const allowed = liveOriginChecker(() => shard.config.client.allowed_origins);
  const { compression, compression_min_size: minSize } = shard.config.websocket;
  const Transport = compression ? compressingWebSocketTransport<Connection>(minSize) : WebSocketTransport<Connection>;
  if (compression && shard.config.websocket.compression_level !== 1 && shard.id === 0) {
    shard.log.info('websocket.compression_level is not applied: uWebSockets.js deflates at zlib\'s default level', { compression_level: shard.config.websocket.compression_level });
  }
  return { path: WEBSOCKET_PATH, originAllowed: (origin) => allowed(origin), transport: (ws) => new Transport(ws) };
}

/** Registers a WebSocket endpoint of the client protocol (by default the client one). */
export function registerWebSocket(app: TemplatedApp, config: Config, shard: ShardContext, endpoint = clientWebSocketEndpoint(shard)): void {
  app.ws<SocketData>(endpoint.path, {
    maxPayloadLength: config.websocket.message_size_limit,
    // permessage-deflate is negotiated per connection at the upgrade (uWS reads the client's
    // Sec-WebSocket-Extensions): shared compressor and decompressor, no context takeover, as
    // Centrifugo's; nothing is kept per socket.
    compression: config.websocket.compression ? compressionOptions() : 0,
    // Liveness is the protocol's ping/pong (3012); this only sets how long a closed socket may take its close frame.
    idleTimeout: clientIdleTimeoutSeconds(config.client),
    // Above this uWS would skip publications silently; keepalive disconnects with 3008 well before,
    // and closing here is the last resort that keeps anything from being skipped unnoticed.
    // Above the slow limit (queue + the largest frame written lately, session/writer.ts), so uWS never cuts a socket first.
    maxBackpressure: Math.min(2 ** 31 - 1, config.client.queue_max_size * 2 + 64 * 1024 + largestPublicationFrame(config.channel.publication_size_limit)),
    // The typings say number; the addon reads it as a flag.
    closeOnBackpressureLimit: 1,
    sendPingsAutomatically: false,
    upgrade: (res: HttpResponse, req: HttpRequest, context: us_socket_context_t) => {
      if (shard.draining) {
        res.writeStatus('503 Service Unavailable').end('shutting down');
        return;
      }
      if (!endpoint.originAllowed(req.getHeader('origin'), req.getHeader('host'))) {
        // Close the connection too: a refused upgrade should not hold an idle socket open.
        res.writeStatus('403 Forbidden').end('request origin not allowed', true);
        return;
      }
      const refusal = shard.admission.admit();
      if (refusal !== null) {
        // Centrifugo answers 503 (connection_limit, connection_rate_limit); closing keeps no idle socket.
        res.writeStatus('503 Service Unavailable').end(refusal, true);
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
      ws.getUserData().conn = shard.open(endpoint.transport(ws), ws.getUserData().headers);
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
    close: (ws, code, message) => {
      const conn = ws.getUserData().conn;
      // uWS cuts the TCP connection itself (no close frame, so the client sees 1006) on a message over
      // maxPayloadLength or a text message that is not UTF-8; it says so in the reason.
      if (code === 1006 && message.byteLength > 0) shard.log.debug('websocket cut by uWS', { client: conn?.id, reason: textDecoder.decode(message) });
      if (conn) shard.onClose(conn);
    },
  });
}
