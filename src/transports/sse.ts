/**
 * SSE (EventSource), bidirectional emulation (`sse.enabled`):
 * `GET /connection/sse?cf_connect=<connect command JSON>` (or `POST` with it
 * as the body) opens a session whose replies stream back as
 * `text/event-stream`: first `\r\n`, then each reply as `data: <json>\n\n`.
 * Later commands come by `POST /emulation`. JSON protocol only.
 *
 * Answers before the stream: 400 without `cf_connect` (or with an empty
 * body), 405 for other methods (OPTIONS is the CORS preflight), 413 for a
 * POST body over `sse.max_request_body_size`, 503 while draining, 403 for a
 * disallowed Origin; each with a JSON body `{"error":"…"}`.
 */
import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { keptHeaders } from '../http/kept-headers';
import type { ShardContext } from '../shards/context';
import type { CorsPolicy } from '../http/cors';
import { frameEach, sharedFramer } from './emulated';
import { admit, refuseOverLimit, refuseWhileDraining } from '../http/gate';
import { answerError, answerTooLarge, drainsOversizedBody, readBody, type AbortWatch, type HeaderList } from '../http/body';
import { openSession, STREAM_HEADERS } from './session';

/** The SSE endpoint path (Centrifugo's default `sse.handler_prefix`). */
export const SSE_PATH = '/connection/sse';

/** The query parameter holding the connect command of a GET. */
export const CONNECT_PARAM = 'cf_connect';

/** Each reply as an event: `data: <json>\n\n`. */
const events = sharedFramer((replies) => frameEach(replies, 'data: ', '\n\n'));

/** Registers the SSE endpoint. */
export function registerSse(app: TemplatedApp, shard: ShardContext, cors: CorsPolicy): void {
  const limit = shard.config.sse.max_request_body_size;
  app.any(SSE_PATH, (res, req) => {
    const admitted = admit(res, req, shard, cors, ['get', 'post']);
    if (!admitted) return;
    const { watch, method, origin } = admitted;
    const requestHeaders = keptHeaders(req, shard.keptHeaders);
    const start = (commands: string): void => {
      if (commands.trim() === '') {
        answerError(res, watch, '400 Bad Request', `no connect command: ${CONNECT_PARAM} is missing or empty`, origin.headers);
        return;
      }
      if (refuseWhileDraining(res, watch, shard, origin) || refuseOverLimit(res, watch, shard, origin.headers)) return;
      openSse(shard, res, watch, origin.headers, requestHeaders, commands);
    };
    if (method === 'get') {
      start(new URLSearchParams(req.getQuery() ?? '').get(CONNECT_PARAM) ?? '');
      return;
    }
    const closeOnTooLarge = !drainsOversizedBody(req);
    readBody(res, watch, limit, (body) => {
      if (body === 'too_large') answerTooLarge(res, watch, limit, origin.headers, closeOnTooLarge);
      else start(body.toString('utf8'));
    });
  });
}

function openSse(
  shard: ShardContext,
  res: HttpResponse,
  watch: AbortWatch,
  corsHeaders: HeaderList,
  requestHeaders: Readonly<Record<string, string>>,
  commands: string,
): void {
  openSession(shard, res, watch, {
    name: 'sse',
    protocol: 'json',
    headers: [['Content-Type', 'text/event-stream; charset=utf-8'], ...STREAM_HEADERS, ...corsHeaders],
    frame: events,
    preamble: '\r\n',
    requestHeaders,
    commands,
  });
}
