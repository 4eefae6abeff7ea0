/**
 * The routes of the unidirectional HTTP transports (Centrifugo's
 * uni_http_stream and uni_sse):
 * - `POST /connection/uni_http_stream`, body = ConnectRequest JSON; answered
 *   with a chunked stream of pushes, one per line. OPTIONS is the CORS
 *   preflight (204); other methods get 405.
 * - `GET /connection/uni_sse?cf_connect=<ConnectRequest JSON>` (no parameter:
 *   an empty request) or `POST /connection/uni_sse` with the JSON body;
 *   answered with `text/event-stream`, `\r\n` first, then one `data:` event
 *   per push. OPTIONS is the CORS preflight; other methods get 405.
 *
 * A body over `max_request_body_size` is answered 413, a malformed connect
 * request 400 (with a JSON `{"error":…}` body; Centrifugo sends none). CORS
 * is cors.ts's: an allowed Origin gets the CORS headers, another one 403.
 */
import { refuseOverLimit } from '../http/gate';
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Config } from '../config/types';
import type { Connection } from '../shards/session/connection';
import { dispatchConnect } from '../shards/commands/dispatcher';
import { keptHeaders } from '../http/kept-headers';
import type { ShardContext } from '../shards/context';
import { CorsPolicy, type CorsRequest } from '../http/cors';
import { AbortWatch, answerError, answerTooLarge, readBody } from '../http/body';
import { ResponseStream } from './response-stream';
import { LINE_FRAMING, SSE_FRAMING, UniHttpTransport } from './uni-http';
import { parseConnectRequest } from '../protocol/uni-push';

/** Endpoint of the unidirectional HTTP-streaming transport. */
export const UNI_HTTP_STREAM_PATH = '/connection/uni_http_stream';
/** Endpoint of the unidirectional SSE transport. */
export const UNI_SSE_PATH = '/connection/uni_sse';

/**
 * A too-large connect body is read to its end (and dropped), up to this many
 * bytes, before the 413 goes out: a client still sending would otherwise see
 * a reset rather than the status.
 */
const TOO_LARGE_DRAIN_BYTES = 64 * 1024 * 1024;

type UniHttpName = 'uni_http_stream' | 'uni_sse';

/** One admitted request: what its answers need, read while the uWS request is still valid. */
interface StreamRequest {
  readonly res: HttpResponse;
  readonly watch: AbortWatch;
  readonly cors: CorsRequest;
  readonly headers: Readonly<Record<string, string>>;
}

/** Headers every stream response carries (Centrifugo's). */
const NO_CACHE: readonly [string, string][] = [
  ['X-Accel-Buffering', 'no'],
  ['Cache-Control', 'private, no-cache, no-store, must-revalidate, max-age=0'],
  ['Pragma', 'no-cache'],
  ['Expire', '0'],
];

/** Opens the stream and starts the connect. */
function startStream(shard: ShardContext, request: StreamRequest, name: UniHttpName, connect: Record<string, unknown>): void {
  if (!request.watch.writable) return;
  const headers: (readonly [string, string])[] = [...request.cors.headers, ...NO_CACHE];
  if (name === 'uni_sse') headers.push(['Content-Type', 'text/event-stream; charset=utf-8']);
  const stream = new ResponseStream(request.res, request.watch, headers);
  // SSE opens with a line break (Centrifugo's): the headers go out at once.
  if (name === 'uni_sse') stream.write('\r\n');
  let conn: Connection | null = null;
  const framing = name === 'uni_sse' ? SSE_FRAMING : LINE_FRAMING;
  const transport = new UniHttpTransport(name, stream, framing, () => shard.draining, () => {
    if (conn) shard.onClose(conn);
  });
  conn = shard.open(transport, request.headers);
  dispatchConnect(shard, conn, connect);
}

/** Starts the stream for a connect request given as JSON text, or answers 400 when it is malformed. */
function connectWith(shard: ShardContext, request: StreamRequest, name: UniHttpName, text: string): void {
  if (shard.draining) {
    // The drain began while the body was on its way.
    answerError(request.res, request.watch, '503 Service Unavailable', 'shutting down', request.cors.headers);
    return;
  }
  const connect = parseConnectRequest(text);
  if (connect === null) {
    answerError(request.res, request.watch, '400 Bad Request', 'invalid connect request', request.cors.headers);
    return;
  }
  if (refuseOverLimit(request.res, request.watch, shard, request.cors.headers)) return;
  startStream(shard, request, name, connect);
}

/** Registers the enabled unidirectional HTTP transports. */
export function registerUniHttp(app: TemplatedApp, config: Config, shard: ShardContext): void {
  const policy = new CorsPolicy(() => shard.config.client.allowed_origins);

  /** Screens a request (draining, origin, preflight); returns it when the transport should serve it. */
  const admit = (res: HttpResponse, req: HttpRequest): StreamRequest | null => {
    const watch = new AbortWatch(res);
    if (shard.draining) {
      answerError(res, watch, '503 Service Unavailable', 'shutting down');
      return null;
    }
    const cors = policy.inspect(req);
    if (policy.screen(res, watch, req.getMethod(), cors)) return null;
    return { res, watch, cors, headers: keptHeaders(req, shard.keptHeaders) };
  };

  /** The POST form: the body is the connect request. */
  const fromBody = (name: UniHttpName, limit: number) => (res: HttpResponse, req: HttpRequest) => {
    const request = admit(res, req);
    if (!request) return;
    readBody(
      res,
      request.watch,
      limit,
      (body) => {
        if (body === 'too_large') answerTooLarge(res, request.watch, limit, request.cors.headers);
        else connectWith(shard, request, name, body.toString('utf8'));
      },
      TOO_LARGE_DRAIN_BYTES,
    );
  };

  const notAllowed = (res: HttpResponse): void => {
    answerError(res, new AbortWatch(res), '405 Method Not Allowed', 'method not allowed');
  };

  if (config.uni_http_stream.enabled) {
    app.post(UNI_HTTP_STREAM_PATH, fromBody('uni_http_stream', config.uni_http_stream.max_request_body_size));
    app.options(UNI_HTTP_STREAM_PATH, (res, req) => void admit(res, req));
    app.any(UNI_HTTP_STREAM_PATH, notAllowed);
  }
  if (config.uni_sse.enabled) {
    app.get(UNI_SSE_PATH, (res, req) => {
      const request = admit(res, req);
      if (!request) return;
      const param = req.getQuery('cf_connect') ?? '';
      // No parameter: an empty connect request (anonymous, or a user from a header or proxy).
      connectWith(shard, request, 'uni_sse', param === '' ? '{}' : param);
    });
    app.post(UNI_SSE_PATH, fromBody('uni_sse', config.uni_sse.max_request_body_size));
    app.options(UNI_SSE_PATH, (res, req) => void admit(res, req));
    app.any(UNI_SSE_PATH, notAllowed);
  }
}
