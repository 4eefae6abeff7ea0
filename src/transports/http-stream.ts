/**
 * HTTP-streaming, bidirectional emulation (`http_stream.enabled`):
 * `POST /connection/http_stream` with the connect command as the body opens
 * a session whose replies stream back in a chunked 200 response, each JSON
 * reply followed by `\n`. With `Content-Type: application/octet-stream` the
 * session speaks Protobuf: the body is varint-delimited Commands and the
 * replies are varint-delimited. Later commands come by `POST /emulation`.
 *
 * Answers before the stream: 405 for a method other than POST (OPTIONS is the
 * CORS preflight), 413 for a body over `http_stream.max_request_body_size`,
 * 400 for an empty body, 503 while draining, 403 for
 * a disallowed Origin; each with a JSON body `{"error":"…"}`.
 */
import type { TemplatedApp } from 'uWebSockets.js';
import { keptHeaders } from '../http/kept-headers';
import type { ShardContext } from '../shards/context';
import type { CorsPolicy } from '../http/cors';
import { frameDelimited, frameEach, sharedFramer } from './emulated';
import { admit, refuseOverLimit, refuseWhileDraining } from '../http/gate';
import { answerError, answerTooLarge, drainsOversizedBody, readBody } from '../http/body';
import { openSession, STREAM_HEADERS } from './session';

/** The HTTP-streaming endpoint path (Centrifugo's default `http_stream.handler_prefix`). */
export const HTTP_STREAM_PATH = '/connection/http_stream';

/** JSON replies, each followed by `\n`. */
const jsonLines = sharedFramer((replies) => frameEach(replies, '', '\n'));
/** Protobuf replies, varint-delimited. */
const delimited = sharedFramer(frameDelimited);

/** Registers the HTTP-streaming endpoint. */
export function registerHttpStream(app: TemplatedApp, shard: ShardContext, cors: CorsPolicy): void {
  const limit = shard.config.http_stream.max_request_body_size;
  app.any(HTTP_STREAM_PATH, (res, req) => {
    const admitted = admit(res, req, shard, cors, ['post']);
    if (!admitted) return;
    const { watch, origin } = admitted;
    const protobuf = req.getHeader('content-type') === 'application/octet-stream';
    const requestHeaders = keptHeaders(req, shard.keptHeaders);
    const closeOnTooLarge = !drainsOversizedBody(req);
    readBody(res, watch, limit, (body) => {
      if (body === 'too_large') {
        answerTooLarge(res, watch, limit, origin.headers, closeOnTooLarge);
        return;
      }
      const commands = protobuf ? body : body.toString('utf8');
      if (protobuf ? body.length === 0 : (commands as string).trim() === '') {
        answerError(res, watch, '400 Bad Request', 'no connect command: the body is empty', origin.headers);
        return;
      }
      if (refuseWhileDraining(res, watch, shard, origin) || refuseOverLimit(res, watch, shard, origin.headers)) return;
      openSession(shard, res, watch, {
        name: 'http_stream',
        protocol: protobuf ? 'protobuf' : 'json',
        headers: [...STREAM_HEADERS, ...origin.headers],
        frame: protobuf ? delimited : jsonLines,
        preamble: '',
        requestHeaders,
        commands,
      });
    });
  });
}
