/**
 * `POST /emulation`: the commands of an HTTP-streaming or SSE session, as
 * Centrifugo's EmulationRequest in JSON: `{"node","session","data"}` where
 * `data` is a JSON string holding the newline-joined commands; or, with
 * `Content-Type: application/octet-stream`, the Protobuf EmulationRequest
 * whose `data` is varint-delimited Commands. Any shard of any node may take
 * it; emulation-routing.ts brings it to the session.
 *
 * Statuses (Centrifugo's): 204 once the session's shard took the commands,
 * and also when the node has no such session (Centrifugo ignores those
 * silently: the session may just have ended); 404 for a node that is not
 * live; 400 for a body that is not such an object; 413 for a body over
 * `emulation.max_request_body_size`; 405 for a method other than POST
 * (OPTIONS is the CORS preflight); 500 when the node did not answer. Also
 * 503 while draining and 403 for a disallowed Origin. Error answers carry a
 * JSON body `{"error":"…"}`.
 */
import type { TemplatedApp } from 'uWebSockets.js';
import type { ShardContext } from '../shards/context';
import type { CorsPolicy } from '../http/cors';
import { decodeEmulationRequest } from '../protocol/protobuf/codec';
import { jsonTooDeep, TOO_DEEP_MESSAGE } from '../protocol/input-guards';
import type { EmulatedCommands } from '../shards/messaging/messages';
import { admit } from '../http/gate';
import { answer, answerError, answerTooLarge, drainsOversizedBody, readBody } from '../http/body';

/** The emulation endpoint path (Centrifugo's default `emulation.handler_prefix`). */
export const EMULATION_PATH = '/emulation';

/** A decoded emulation request. */
export interface EmulationRequest {
  /** Uid of the node holding the session (the connect result's `node`). */
  readonly node: string;
  /** The session id (the connect result's `session`). */
  readonly session: string;
  /** The commands: newline-joined JSON (JSON request), or varint-delimited Protobuf Commands (Protobuf request). */
  readonly data: EmulatedCommands;
}

/** Decodes a JSON EmulationRequest; returns an error message for a bad one. */
export function parseEmulationRequest(body: Buffer): EmulationRequest | string {
  const text = body.toString('utf8');
  if (jsonTooDeep(text)) return TOO_DEEP_MESSAGE;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'bad request: body is not valid JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'bad request: body must be a JSON object';
  const fields = parsed as Record<string, unknown>;
  for (const key of ['node', 'session', 'data'] as const) {
    if (typeof fields[key] !== 'string') return `bad request: "${key}" must be a string`;
  }
  return { node: fields['node'] as string, session: fields['session'] as string, data: fields['data'] as string };
}

/** Decodes a Protobuf EmulationRequest; returns an error message for a bad one. */
export function parseProtobufEmulationRequest(body: Buffer): EmulationRequest | string {
  try {
    return decodeEmulationRequest(body);
  } catch {
    return 'bad request: body is not a Protobuf EmulationRequest';
  }
}

/** Registers the emulation endpoint. */
export function registerEmulation(app: TemplatedApp, shard: ShardContext, cors: CorsPolicy): void {
  const limit = shard.config.emulation.max_request_body_size;
  app.any(EMULATION_PATH, (res, req) => {
    const admitted = admit(res, req, shard, cors, ['post']);
    if (!admitted) return;
    const { watch, origin } = admitted;
    const protobuf = req.getHeader('content-type') === 'application/octet-stream';
    const closeOnTooLarge = !drainsOversizedBody(req);
    readBody(res, watch, limit, (body) => {
      if (body === 'too_large') {
        answerTooLarge(res, watch, limit, origin.headers, closeOnTooLarge);
        return;
      }
      const request = protobuf ? parseProtobufEmulationRequest(body) : parseEmulationRequest(body);
      if (typeof request === 'string') {
        answerError(res, watch, '400 Bad Request', request, origin.headers);
        return;
      }
      shard.routeEmulation(request.node, request.session, request.data).then(
        (outcome) => {
          // While draining, close the connection so no idle keep-alive socket holds the shard up.
          if (outcome === 'no_node') answerError(res, watch, '404 Not Found', 'node not found', origin.headers, shard.draining);
          else answer(res, watch, '204 No Content', origin.headers, '', shard.draining);
        },
        (err: unknown) => {
          shard.log.warn('emulation request failed', { error: (err as Error).message });
          answerError(res, watch, '500 Internal Server Error', 'emulation request failed', origin.headers, shard.draining);
        },
      );
    });
  });
}
