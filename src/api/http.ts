/*
 * src/api/: the server HTTP API (/api/<method>): auth, body limits, the method
 * table, and each method run on the shard that took the request through
 * ShardContext. May import: everything below (shards, http, …), not
 * transports/ or worker/.
 */
/**
 * The HTTP server API on `/api/<method>`: POST with a JSON object body,
 * authenticated by `X-API-Key: <key>` or `Authorization: apikey <key>`.
 *
 * Statuses (Centrifugo's): 401 for a bad or missing key, 404 for an unknown
 * method, 400 for a body that is not a JSON object, 413 for a body over the
 * limit, 405 for a method other than POST, 503 while draining. Every error
 * answer has a JSON body `{"error":{"code","message"}}`. Method outcomes are
 * 200 with `{"result":…}` or `{"error":…}`.
 */
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Config } from '../config/types';
import { Errors } from '../protocol/codes';
import { API_METHODS, runMethod } from './methods';
import type { ShardContext } from '../shards/context';
import { parseApiBody } from './params';

/** Largest accepted request body, bytes. */
export const API_BODY_LIMIT = 16 * 1024 * 1024;

const JSON_HEADERS = Object.freeze([['Content-Type', 'application/json']] as const);

/** Writes a JSON answer unless the request was aborted. */
function answer(res: HttpResponse, aborted: { value: boolean }, status: string, body: string, close = false): void {
  if (aborted.value) return;
  res.cork(() => {
    res.writeStatus(status);
    for (const [k, v] of JSON_HEADERS) res.writeHeader(k, v);
    res.end(body, close);
  });
}

function errorBody(code: number, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

/** Checks the API key headers. */
export function authorized(config: Config, apiKeyHeader: string, authorization: string): boolean {
  if (config.http_api.insecure) return true;
  const key = config.http_api.key;
  if (key === '') return false;
  if (apiKeyHeader === key) return true;
  const match = /^apikey\s+(.+)$/i.exec(authorization.trim());
  return match !== null && match[1] === key;
}

/** Registers the API routes. `draining()` tells whether the shard is shutting down. */
export function registerApi(app: TemplatedApp, config: Config, shard: ShardContext, draining: () => boolean): void {
  app.any('/api/*', (res: HttpResponse, req: HttpRequest) => {
    const aborted = { value: false };
    res.onAborted(() => {
      aborted.value = true;
    });
    const method = req.getMethod().toLowerCase();
    const name = req.getUrl().slice('/api/'.length);
    const apiKey = req.getHeader('x-api-key');
    const authorization = req.getHeader('authorization');

    if (draining()) {
      answer(res, aborted, '503 Service Unavailable', errorBody(Errors.internal.code, 'shutting down'), true);
      return;
    }
    if (!authorized(config, apiKey, authorization)) {
      answer(res, aborted, '401 Unauthorized', errorBody(Errors.unauthorized.code, 'unauthorized'));
      return;
    }
    const apiMethod = Object.hasOwn(API_METHODS, name) ? API_METHODS[name] : undefined;
    if (!apiMethod) {
      answer(res, aborted, '404 Not Found', errorBody(Errors.methodNotFound.code, 'method not found'));
      return;
    }
    if (method !== 'post') {
      answer(res, aborted, '405 Method Not Allowed', errorBody(Errors.badRequest.code, 'use POST'));
      return;
    }
    readBody(res, aborted, (body) => {
      if (body === null) {
        answer(res, aborted, '413 Payload Too Large', errorBody(Errors.badRequest.code, 'request body too large'), true);
        return;
      }
      const params = parseApiBody(body);
      if (typeof params === 'string') {
        answer(res, aborted, '400 Bad Request', errorBody(Errors.badRequest.code, params));
        return;
      }
      void runMethod(shard, apiMethod, params).then((out) =>
        answer(res, aborted, '200 OK', out, draining()),
      );
    });
  });
}

/** Collects the body; calls back with null once it passes the limit. */
function readBody(res: HttpResponse, aborted: { value: boolean }, done: (body: Buffer | null) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  res.onData((chunk, isLast) => {
    if (aborted.value || over) return;
    size += chunk.byteLength;
    if (size > API_BODY_LIMIT) {
      over = true;
      done(null);
      return;
    }
    // uWS reuses the chunk's memory after this call returns: copy it.
    chunks.push(Buffer.from(new Uint8Array(chunk).slice()));
    if (isLast) done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
  });
}
