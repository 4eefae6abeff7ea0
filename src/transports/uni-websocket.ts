/**
 * The unidirectional WebSocket transport, `/connection/uni_websocket`
 * (Centrifugo's uni_websocket): the client sends one ConnectRequest (in
 * `?cf_connect=` or as its first message) and then only receives bare pushes,
 * as text frames, JSON only. Messages after the connect request are ignored.
 *
 * Its sockets join uWS topics of their own (barePushTopic): the Writer
 * publishes each publication there once more without its Reply wrapper, so
 * fan-out to them stays in uWS's C++ publish as for bidirectional sockets. Liveness is uWS's WebSocket ping frames
 * (`sendPingsAutomatically`) plus `{}` ping pushes; no pong push is expected.
 */
import { largestPublicationFrame } from '../protocol/publication-size';
import type { HttpRequest, HttpResponse, TemplatedApp, WebSocket, us_socket_context_t } from 'uWebSockets.js';
import type { Config } from '../config/types';
import { Disconnects } from '../protocol/codes';
import { ConnState, type Connection } from '../shards/session/connection';
import { dispatchConnect } from '../shards/commands/dispatcher';
import { keptHeaders } from '../http/kept-headers';
import { CorsPolicy } from '../http/cors';
import { AbortWatch, answerError } from '../http/body';
import type { ShardContext } from '../shards/context';
import { barePushTopic, type WebSocketData } from '../shards/session/transport';
import { joinJson } from '../protocol/framing';
import type { EncodedReply } from '../protocol/names';
import { UnidirectionalTransport } from './uni-transport';
import { loadUws } from '../common/uws';
import { disconnectPush, parseConnectRequest, repliesToPushes } from '../protocol/uni-push';

/** The endpoint path of the unidirectional WebSocket transport. */
export const UNI_WEBSOCKET_PATH = '/connection/uni_websocket';

/** Seconds without traffic before uWS pings the socket (and closes it when the ping stays unanswered). */
const IDLE_TIMEOUT_S = 32;

/** The uWS user data of a unidirectional WebSocket. */
interface UniSocketData extends WebSocketData<Connection> {
  /** The ConnectRequest from `?cf_connect=`, or null when the first message carries it. */
  connect: Record<string, unknown> | null;
}

/** Bare pushes over a uWS WebSocket. */
export class UniWebSocketTransport extends UnidirectionalTransport {
  readonly name = 'uni_websocket';
  /** On uWS topics of their own, which carry bare pushes (barePushTopic): fan-out stays in C++. */
  override readonly nativeTopics = true;

  constructor(
    private readonly ws: WebSocket<UniSocketData>,
    private readonly joinPushes: boolean,
    private readonly disconnectPushes: boolean,
    /** Messages of at least this length go with uWS's compress flag (`uni_websocket.compression`); Infinity for none. */
    private readonly compressMin: number,
  ) {
    super();
  }

  override subscribe(topic: string): void {
    this.ws.subscribe(barePushTopic(topic, this.joinPushes));
  }

  override unsubscribe(topic: string): void {
    this.ws.unsubscribe(barePushTopic(topic, this.joinPushes));
  }

  send(replies: readonly EncodedReply[]): void {
    const pushes = repliesToPushes(replies);
    if (pushes.length === 0) return;
    this.ws.cork(() => {
      if (this.joinPushes) {
        const frame = joinJson(pushes);
        this.ws.send(frame, false, frame.length >= this.compressMin);
      } else {
        for (const push of pushes) this.ws.send(push, false, push.length >= this.compressMin);
      }
    });
  }

  override bufferedAmount(): number {
    return this.ws.getBufferedAmount();
  }

  end(code: number, reason: string): void {
    const push = this.disconnectPushes ? disconnectPush(code, reason) : null;
    this.ws.cork(() => {
      if (push !== null) this.ws.send(push, false, push.length >= this.compressMin);
      // As WebSocketTransport.end: nothing more is queued while the close handshake waits.
      for (const topic of this.ws.getTopics()) this.ws.unsubscribe(topic);
      this.ws.end(code, reason);
    });
  }

  /** Ends the socket with a close frame only: its connect request was malformed (no client yet to tell). */
  reject(code: number, reason: string): void {
    this.ws.end(code, reason);
  }

  close(): void {
    this.ws.close();
  }
}

const textDecoder = new TextDecoder();

/** Registers `/connection/uni_websocket` when `uni_websocket.enabled`. */
export function registerUniWebSocket(app: TemplatedApp, config: Config, shard: ShardContext): void {
  const options = config.uni_websocket;
  if (!options.enabled) return;
  const policy = new CorsPolicy(() => shard.config.client.allowed_origins);
  const uws = loadUws();
  const compressMin = options.compression ? options.compression_min_size : Infinity;
  app.ws<UniSocketData>(UNI_WEBSOCKET_PATH, {
    maxPayloadLength: options.message_size_limit,
    // permessage-deflate per connection, as on the bidirectional endpoint (uni_websocket.compression).
    compression: options.compression ? uws.SHARED_COMPRESSOR | uws.SHARED_DECOMPRESSOR : 0,
    idleTimeout: IDLE_TIMEOUT_S,
    sendPingsAutomatically: true,
    // As for bidirectional sockets: keepalive disconnects slow ones with 3008 well before uWS would.
    // Above the slow limit (queue + the largest frame written lately, session/writer.ts), so uWS never cuts a socket first.
    maxBackpressure: Math.min(2 ** 31 - 1, config.client.queue_max_size * 2 + 64 * 1024 + largestPublicationFrame(config.channel.publication_size_limit)),
    closeOnBackpressureLimit: 1,
    upgrade: (res: HttpResponse, req: HttpRequest, context: us_socket_context_t) => {
      const watch = new AbortWatch(res);
      if (shard.draining) {
        answerError(res, watch, '503 Service Unavailable', 'shutting down');
        return;
      }
      if (!policy.inspect(req).allowed) {
        // Closing too: a refused upgrade should not hold an idle socket open.
        answerError(res, watch, '403 Forbidden', 'request origin not allowed', [], true);
        return;
      }
      const param = req.getQuery('cf_connect') ?? '';
      let connect: Record<string, unknown> | null = null;
      if (param !== '') {
        connect = parseConnectRequest(param);
        if (connect === null) {
          answerError(res, watch, '400 Bad Request', 'invalid connect request', [], true);
          return;
        }
      }
      const refusal = shard.admission.admit();
      if (refusal !== null) {
        answerError(res, watch, '503 Service Unavailable', refusal, [], true);
        return;
      }
      res.upgrade<UniSocketData>(
        { conn: null, headers: keptHeaders(req, shard.keptHeaders), protocol: 'json', connect },
        req.getHeader('sec-websocket-key'),
        // No subprotocol is negotiated on the unidirectional transport.
        '',
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (ws) => {
      const data = ws.getUserData();
      const transport = new UniWebSocketTransport(ws, options.join_push_messages, !options.disable_disconnect_push, compressMin);
      const conn = shard.open(transport, data.headers);
      data.conn = conn;
      if (data.connect !== null) {
        dispatchConnect(shard, conn, data.connect);
        data.connect = null;
      }
    },
    message: (ws, message) => {
      const conn = ws.getUserData().conn;
      // Only the first message counts, and only when cf_connect did not carry the request.
      if (!conn || conn.state !== ConnState.Fresh) return;
      const request = parseConnectRequest(textDecoder.decode(message));
      if (request === null) {
        conn.state = ConnState.Closed;
        (conn.transport as UniWebSocketTransport).reject(Disconnects.badRequest.code, Disconnects.badRequest.reason);
        return;
      }
      dispatchConnect(shard, conn, request);
    },
    close: (ws) => {
      const conn = ws.getUserData().conn;
      if (conn) shard.onClose(conn);
    },
  });
}
