/**
 * The HTTP server API at `http_api.handler_prefix` (default `/api`): POST
 * `<prefix>/<method>` with a JSON object body, and POST `<prefix>` with the
 * legacy newline-delimited `{"method","params"}` commands (legacy.ts).
 * Authenticated by `X-API-Key: <key>`, `Authorization: apikey <key>` or the
 * query parameter `api_key` (compared in constant time), unless
 * `http_api.insecure`; not served at all with `http_api.disabled`.
 *
 * Statuses (Centrifugo's): 401 for a bad or missing key, 404 for an unknown
 * method, 400 for a body that is not a JSON object, 413 for a body over the
 * limit (apiBodyLimit of `channel.publication_size_limit`) and for a
 * publication over that limit (`{"error":{"code":107,…}}`), 405 for a method other than POST, 503 while draining; each with a
 * JSON body `{"error":{"code","message"}}`. Method outcomes are 200 with
 * `{"result":…}` or `{"error":…}`, or in the transport error mode
 * (`http_api.error_mode: "transport"`, or the request header
 * `X-Centrifugo-Error-Mode: transport`) an error is the HTTP status
 * Centrifugo maps its code to, with `{"code","message"}` as the body.
 */
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Config } from '../config/types';
import { apiErrorHttpStatus, Errors } from '../protocol/codes';
import { apiBodyLimit, isPublicationTooLarge } from '../protocol/publication-size';
import type { ShardContext } from '../shards/context';
import { answer, errorBody, readBody, type ApiExchange, type OpenExchanges } from './exchange';
import { handleLegacy } from './legacy';
import { API_METHODS, callMethod } from './methods';
import { parseApiBody } from './params';

/**
 * Constant-time equality of two strings: every UTF-16 unit is compared, with
 * no early exit, when their lengths match; only the length can be learnt from
 * timing, as with Go's subtle.ConstantTimeCompare that Centrifugo uses. No
 * digest and no buffer per request: a digest cost several µs of every API
 * call, and `Buffer.from` plus `timingSafeEqual` about 0.5 µs.
 */
export function sameKey(given: string, key: string): boolean {
  if (given.length !== key.length) return false;
  let diff = 0;
  for (let i = 0; i < key.length; i++) diff |= given.charCodeAt(i) ^ key.charCodeAt(i);
  return diff === 0;
}

/** Where a request's API key may be. Each read is a call into uWS, so `authorized` reads only what it needs. */
export interface KeySource {
  /** A header's value, "" when absent (uWS `getHeader`, lower-case name). */
  getHeader(name: string): string;
  /** A query parameter's value, undefined when absent (uWS `getQuery`). */
  getQuery(name: string): string | undefined;
}

/** Checks the API key: `X-API-Key`, else `Authorization: apikey <key>`, else the `api_key` query parameter. */
export function authorized(config: Config, req: KeySource): boolean {
  if (config.http_api.insecure) return true;
  const key = config.http_api.key;
  if (key === '') return false;
  const apiKeyHeader = req.getHeader('x-api-key');
  if (apiKeyHeader !== '' && sameKey(apiKeyHeader, key)) return true;
  if (apiKeyHeader === '') {
    const match = /^apikey\s+(\S+)$/i.exec(req.getHeader('authorization').trim());
    if (match !== null && sameKey(match[1] as string, key)) return true;
  }
  const queryKey = req.getQuery('api_key') ?? '';
  return queryKey !== '' && sameKey(queryKey, key);
}

/** What every API route checks first: draining, the key, POST. Answers and returns null when the request goes no further. */
function admit(config: Config, draining: () => boolean, open: OpenExchanges, res: HttpResponse, req: HttpRequest): ApiExchange | null {
  const ex = open.open(res);
  if (draining()) {
    answer(ex, 503, errorBody(Errors.internal.code, 'shutting down'), true);
    return null;
  }
  if (!authorized(config, req)) {
    answer(ex, 401, errorBody(Errors.unauthorized.code, 'unauthorized'));
    return null;
  }
  return ex;
}

/** Parses a method body: a JSON object, or answers 413/400 and returns null. */
function parseParams(ex: ApiExchange, body: Buffer | null): Record<string, unknown> | null {
  if (body === null) {
    answer(ex, 413, errorBody(Errors.badRequest.code, 'request body too large'), true);
    return null;
  }
  // Not UTF-8, nested too deep (refused before parsing), not JSON, or not an object: 400 with the reason.
  const params = parseApiBody(body);
  if (typeof params === 'string') {
    answer(ex, 400, errorBody(Errors.badRequest.code, params));
    return null;
  }
  return params;
}

/** `/api`, or "" for a root prefix ("" or "/"). */
export function apiPrefix(config: Config): string {
  return config.http_api.handler_prefix.replace(/\/+$/, '');
}

/**
 * Registers the API routes (none with `http_api.disabled`). `draining()` tells
 * whether the shard is shutting down; `open` counts the requests admitted and
 * not yet answered (the drain waits for them).
 */
export function registerApi(app: TemplatedApp, config: Config, shard: ShardContext, draining: () => boolean, open: OpenExchanges): void {
  if (config.http_api.disabled) return;
  // The paths are fixed at start (http_api.handler_prefix needs a restart); the key and the error mode
  // are read from the shard's current config on every request, so a reload applies to the next one.
  const prefix = apiPrefix(config);
  // Each path has a POST route and an any-method route: uWS picks the POST one for a POST, so a
  // request's method is never read (a call into uWS per request); the other answers 405 after the
  // checks every request gets.
  const method = (name: string, post: boolean) => (res: HttpResponse, req: HttpRequest) => {
    const transportMode = shard.config.http_api.error_mode === 'transport' || req.getHeader('x-centrifugo-error-mode').toLowerCase() === 'transport';
    const ex = admit(shard.config, draining, open, res, req);
    if (ex === null) return;
    if (!Object.hasOwn(API_METHODS, name)) {
      answer(ex, 404, errorBody(Errors.methodNotFound.code, 'method not found'));
      return;
    }
    if (!post) {
      answer(ex, 405, errorBody(Errors.badRequest.code, 'use POST'));
      return;
    }
    readBody(ex, apiBodyLimit(shard.config.channel.publication_size_limit), (body) => {
      const params = parseParams(ex, body);
      if (params === null) return;
      void callMethod(shard, name, params).then((outcome) => {
        if ('result' in outcome) answer(ex, 200, JSON.stringify({ result: outcome.result }), draining());
        // A publication over channel.publication_size_limit: 413 in either error mode, with the error as JSON.
        else if (isPublicationTooLarge(outcome.error)) answer(ex, 413, JSON.stringify({ error: outcome.error }), draining());
        else if (transportMode) answer(ex, apiErrorHttpStatus(outcome.error.code), JSON.stringify(outcome.error), draining());
        else answer(ex, 200, JSON.stringify({ error: outcome.error }), draining());
      });
    });
  };
  for (const name of Object.keys(API_METHODS)) {
    app.post(`${prefix}/${name}`, method(name, true));
    app.any(`${prefix}/${name}`, method(name, false));
  }
  // Under a prefix, any other name is an unknown method (104); at the root it is just a path nobody serves.
  if (prefix !== '') app.any(`${prefix}/*`, (res, req) => method(req.getUrl().slice(prefix.length + 1), false)(res, req));
  const legacy = (post: boolean) => (res: HttpResponse, req: HttpRequest) => {
    const ex = admit(shard.config, draining, open, res, req);
    if (ex === null) return;
    if (!post) {
      answer(ex, 405, errorBody(Errors.badRequest.code, 'use POST'));
      return;
    }
    readBody(ex, apiBodyLimit(shard.config.channel.publication_size_limit), (body) => {
      if (body === null) answer(ex, 413, errorBody(Errors.badRequest.code, 'request body too large'), true);
      else void handleLegacy(shard, ex, body, draining);
    });
  };
  const root = prefix === '' ? '/' : prefix;
  app.post(root, legacy(true));
  app.any(root, legacy(false));
}
