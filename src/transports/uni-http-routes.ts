/**
 * The routes of the unidirectional HTTP transports (Centrifugo's
 * uni_http_stream and uni_sse):
 * - `POST /connection/uni_http_stream`, body = ConnectRequest JSON; answered
 *   with a chunked stream of pushes, one per line. OPTIONS is the CORS
 *   preflight (204); other methods get 405.
 * - `GET /connection/uni_sse?cf_connect=<ConnectRequest JSON>` (no parameter:
 *   an empty request) or `POST /connection/uni_sse` with the JSON body;
 *   answered with `text/event-stream`, `\r\n` first, then one `data:` event
 *   per push. Other methods get 405.
 *
 * A body over `max_request_body_size` is answered 413, a malformed connect
 * request 400 (nothing else is said, as Centrifugo). A request from an origin
 * `client.allowed_origins` allows gets the CORS headers; one from another
 * origin is answered 403.
 */
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Config } from '../config/types';
import type { Connection } from '../shards/connection';
import { dispatchConnect } from '../shards/dispatcher';
import { keptHeaders } from '../shards/headers';
import type { Shard } from '../shards/shard';
import { readBody } from './uni-body';
import { LINE_FRAMING, SSE_FRAMING, UniHttpTransport, type PushFraming } from './uni-http';
import { parseConnectRequest } from './uni-push';

/** Endpoint of the unidirectional HTTP-streaming transport. */
export const UNI_HTTP_STREAM_PATH = '/connection/uni_http_stream';
/** Endpoint of the unidirectional SSE transport. */
export const UNI_SSE_PATH = '/connection/uni_sse';

/** What a stream needs to know about its request, read while the request is still valid. */
interface StreamRequest {
  readonly headers: Readonly<Record<string, string>>;
  readonly origin: string;
  readonly requestHeaders: string;
  /** The declared Content-Length, or -1. */
  readonly contentLength: number;
}

/** Headers every stream response carries (Centrifugo's). */
const NO_CACHE: readonly [string, string][] = [
  ['X-Accel-Buffering', 'no'],
  ['Cache-Control', 'private, no-cache, no-store, must-revalidate, max-age=0'],
  ['Pragma', 'no-cache'],
  ['Expire', '0'],
];

/** Reads the request; answers 503 (draining) or 403 (origin) itself and returns null then. */
function admit(shard: Shard, res: HttpResponse, req: HttpRequest, originAllowed: (origin: string) => boolean): StreamRequest | null {
  if (shard.draining) {
    res.writeStatus('503 Service Unavailable').end('shutting down', true);
    return null;
  }
  const origin = req.getHeader('origin');
  if (!originAllowed(origin)) {
    res.writeStatus('403 Forbidden').end('request origin not allowed', true);
    return null;
  }
  const length = req.getHeader('content-length');
  return {
    headers: keptHeaders(req, shard.keptHeaders),
    origin,
    requestHeaders: req.getHeader('access-control-request-headers'),
    contentLength: /^\d+$/.test(length) ? Number(length) : -1,
  };
}

/** Centrifugo's CORS answer for an allowed origin (only when the request has one). */
function writeCors(res: HttpResponse, request: StreamRequest): void {
  if (request.origin === '') return;
  res.writeHeader('Access-Control-Allow-Origin', request.origin);
  if (request.requestHeaders !== '' && request.requestHeaders !== 'null') res.writeHeader('Access-Control-Allow-Headers', request.requestHeaders);
  res.writeHeader('Access-Control-Allow-Credentials', 'true');
}

/** Refuses the request with a status and no stream (must run corked, or inside the handler). */
function answer(res: HttpResponse, request: StreamRequest, status: string): void {
  res.writeStatus(status);
  writeCors(res, request);
  res.end();
}

/** Opens the stream and starts the connect; runs corked. */
function startStream(
  shard: Shard,
  res: HttpResponse,
  request: StreamRequest,
  name: 'uni_http_stream' | 'uni_sse',
  framing: PushFraming,
  connect: Record<string, unknown>,
): UniHttpTransport {
  res.writeStatus('200 OK');
  writeCors(res, request);
  for (const [k, v] of NO_CACHE) res.writeHeader(k, v);
  if (name === 'uni_sse') {
    res.writeHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.write('\r\n');
  }
  let conn: Connection | null = null;
  const transport = new UniHttpTransport(name, res, framing, () => {
    if (conn) shard.onClose(conn);
  });
  conn = shard.open(transport, request.headers);
  dispatchConnect(shard, conn, connect);
  return transport;
}

/**
 * Reads the POST body as the connect request, then streams. `onAborted` is
 * attached here: before the stream it stops the read, after it ends the connection.
 */
function streamFromBody(shard: Shard, res: HttpResponse, request: StreamRequest, name: 'uni_http_stream' | 'uni_sse', limit: number): void {
  let transport: UniHttpTransport | null = null;
  const body = readBody(res, limit, () => transport?.aborted(), request.contentLength);
  body.then((outcome) => {
    if (outcome.kind === 'aborted') return;
    res.cork(() => {
      if (outcome.kind === 'too_large') {
        answer(res, request, '413 Payload Too Large');
        return;
      }
      const connect = parseConnectRequest(outcome.text);
      if (connect === null) {
        answer(res, request, '400 Bad Request');
        return;
      }
      transport = startStream(shard, res, request, name, name === 'uni_sse' ? SSE_FRAMING : LINE_FRAMING, connect);
    });
  });
}

/** Registers the enabled unidirectional HTTP transports. */
export function registerUniHttp(app: TemplatedApp, config: Config, shard: Shard, originAllowed: (origin: string) => boolean): void {
  if (config.uni_http_stream.enabled) {
    const limit = config.uni_http_stream.max_request_body_size;
    app.post(UNI_HTTP_STREAM_PATH, (res, req) => {
      const request = admit(shard, res, req, originAllowed);
      if (request) streamFromBody(shard, res, request, 'uni_http_stream', limit);
    });
    app.options(UNI_HTTP_STREAM_PATH, (res, req) => {
      const request = admit(shard, res, req, originAllowed);
      if (!request) return;
      res.writeStatus('204 No Content');
      writeCors(res, request);
      res.writeHeader('Access-Control-Max-Age', '300').writeHeader('Access-Control-Allow-Methods', 'POST, OPTIONS').end();
    });
    app.any(UNI_HTTP_STREAM_PATH, (res) => {
      res.writeStatus('405 Method Not Allowed').end();
    });
  }
  if (config.uni_sse.enabled) {
    const limit = config.uni_sse.max_request_body_size;
    app.get(UNI_SSE_PATH, (res, req) => {
      const request = admit(shard, res, req, originAllowed);
      if (!request) return;
      const param = req.getQuery('cf_connect') ?? '';
      const connect = param === '' ? {} : parseConnectRequest(param);
      if (connect === null) {
        answer(res, request, '400 Bad Request');
        return;
      }
      let transport: UniHttpTransport | null = null;
      res.onAborted(() => transport?.aborted());
      transport = startStream(shard, res, request, 'uni_sse', SSE_FRAMING, connect);
    });
    app.post(UNI_SSE_PATH, (res, req) => {
      const request = admit(shard, res, req, originAllowed);
      if (request) streamFromBody(shard, res, request, 'uni_sse', limit);
    });
    app.any(UNI_SSE_PATH, (res) => {
      res.writeStatus('405 Method Not Allowed').end();
    });
  }
}
