/**
 * The admin web UI's routes under `admin.handler_prefix` (P, "" by default):
 *
 * | route | auth | what |
 * |---|---|---|
 * | `GET P/` | none | the page (web/index.html); `GET P` redirects there |
 * | `GET P/static/<file>` | none | the page's scripts and styles, and `vendor/centrifuge.mjs` |
 * | `GET P/admin/init` | none | `{insecure, authenticated, version}`: whether the page must log in |
 * | `POST P/admin/auth` | password | `{token}` (login.ts) |
 * | `POST P/admin/api` | token | `{"method","params"}` run through the server API's method table: `{result}` or `{error}` |
 * | `POST P/admin/channel` | token | one channel's view (channel.ts) |
 * | `POST P/admin/tail` | token | a live-tail token (tail.ts) |
 * | `WS P/admin/connection/websocket` | tail token | the live tail (tail.ts) |
 *
 * `registerAdmin` takes the uWS app to serve on: the client app for now,
 * the internal one once `http_server.internal_port` exists, when the client
 * app gets `refuseAdmin` instead.
 */
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { callMethod, isApiMethod } from '../api/methods';
import type { Config } from '../config/types';
import { VERSION } from '../common/version';
import { settle, type OpenExchanges } from '../api/exchange';
import { AbortWatch, answer, readBody } from '../http/body';
import { Errors } from '../protocol/codes';
import { ReplyError, toWireError } from '../protocol/errors';
import type { ShardContext } from '../shards/context';
import { registerWebSocket } from '../transports/websocket';
import { loadAssets, type Asset } from './assets';
import { channelView } from './channel';
import { answerLogin, LoginGuard, loginPassword } from './login';
import { answerAdminError, answerJson, answerUnauthorized, parseObject, requestToken, SECURITY_HEADERS, tokenRefusal } from './respond';
import { issueTail, tailEndpoint } from './tail';

/** Largest admin request body, bytes. */
export const ADMIN_BODY_LIMIT = 1024 * 1024;

/** Server API methods that change nothing; the others are logged at info when an admin runs them. */
const READ_ONLY_METHODS: ReadonlySet<string> = new Set(['info', 'channels', 'presence', 'presence_stats', 'history']);

/** Who and what an admin action targeted, for the log (never the payload). */
function summary(params: Record<string, unknown>): string {
  return ['channel', 'channels', 'user', 'client', 'session']
    .filter((k) => params[k] !== undefined)
    .map((k) => `${k}=${JSON.stringify(params[k])}`)
    .join(' ');
}

/** The admin prefix without trailing slashes ("" serves the page at `/`). */
export function adminPrefix(config: Config): string {
  return config.admin.handler_prefix.replace(/\/+$/, '');
}

/** What an authenticated admin POST does with its JSON object body: the JSON text of a 200 answer. */
type AdminAction = (params: Record<string, unknown>) => Promise<string>;

/** Serves the admin UI on `app` (config.admin.enabled is checked by the caller); `open` counts its POSTs until answered (the drain waits for them). */
export function registerAdmin(app: TemplatedApp, config: Config, shard: ShardContext, open: OpenExchanges): void {
  const prefix = adminPrefix(config);
  const assets = loadAssets(shard.log);
  const guard = new LoginGuard();

  app.get(`${prefix}/`, (res) => serveAsset(res, assets.get('index.html')));
  if (prefix !== '') {
    app.get(prefix, (res) => {
      answer(res, new AbortWatch(res), '308 Permanent Redirect', [...SECURITY_HEADERS, ['Location', `${prefix}/`]]);
    });
  }
  app.get(`${prefix}/static/*`, (res, req) => serveAsset(res, assets.get(req.getUrl().slice(prefix.length + '/static/'.length))));

  app.get(`${prefix}/admin/init`, (res, req) => {
    const authenticated = tokenRefusal(config, requestToken(req)) === null;
    answerJson(res, new AbortWatch(res), '200 OK', JSON.stringify({ insecure: config.admin.insecure, authenticated, version: VERSION, edition: 'switchyard' }));
  });

  app.post(`${prefix}/admin/auth`, (res, req) => {
    const watch = new AbortWatch(res);
    const contentType = req.getHeader('content-type');
    const address = Buffer.from(res.getRemoteAddressAsText()).toString();
    if (refuseDraining(res, watch, shard)) return;
    readBody(res, watch, 4096, (body) => {
      const password = body === 'too_large' ? null : loginPassword(body, contentType);
      answerLogin(res, watch, config, guard, shard.log, { address, password });
    });
  });

  const post = (path: string, action: AdminAction): void => {
    app.post(`${prefix}${path}`, (res, req) => handlePost(res, req, config, shard, open, action));
  };
  post('/admin/api', async (params) => {
    const method = params['method'];
    if (typeof method !== 'string' || !isApiMethod(method)) throw new ReplyError(Errors.methodNotFound, `method not found: ${JSON.stringify(method)}`);
    const inner = params['params'] ?? {};
    if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) throw new ReplyError(Errors.badRequest, 'params must be an object');
    // Changes are logged for the record; the page's polling reads (info, channels, …) only at debug.
    if (READ_ONLY_METHODS.has(method as string)) shard.log.debug('admin api call', { method });
    else shard.log.info('admin api call', { method, params: summary(inner as Record<string, unknown>) });
    return JSON.stringify(await callMethod(shard, method, inner as Record<string, unknown>));
  });
  post('/admin/channel', async (params) => {
    const channel = params['channel'];
    if (typeof channel !== 'string' || channel === '') throw new ReplyError(Errors.badRequest, 'channel required');
    return JSON.stringify({ result: await channelView(shard, channel) });
  });
  post('/admin/tail', async (params) => JSON.stringify({ result: issueTail(config, prefix, params) }));

  registerWebSocket(app, config, shard, tailEndpoint(prefix));
  app.any(`${prefix}/admin/*`, (res, req) => {
    const known = ['/admin/init', '/admin/auth', '/admin/api', '/admin/channel', '/admin/tail'].some((p) => req.getUrl() === prefix + p);
    if (known) answerAdminError(res, new AbortWatch(res), '405 Method Not Allowed', Errors.badRequest.code, req.getUrl().endsWith('/init') ? 'use GET' : 'use POST');
    else answerAdminError(res, new AbortWatch(res), '404 Not Found', Errors.methodNotFound.code, `no admin endpoint ${req.getUrl()}`);
  });
}

/**
 * On an app that does not serve the admin UI although it is enabled (the
 * client port, once the internal port serves it): every admin path answers
 * 404 saying where the UI is.
 */
export function refuseAdmin(app: TemplatedApp, config: Config, where: string): void {
  const prefix = adminPrefix(config);
  const refuse = (res: HttpResponse): void =>
    answerAdminError(res, new AbortWatch(res), '404 Not Found', Errors.methodNotFound.code, `the admin web UI is not served on this port: it is on ${where}`);
  app.any(`${prefix}/admin/*`, refuse);
  app.get(`${prefix}/`, refuse);
  app.get(`${prefix}/static/*`, refuse);
}

/** Answers 503 while the shard drains; true when it answered. */
function refuseDraining(res: HttpResponse, watch: AbortWatch, shard: ShardContext): boolean {
  if (!shard.draining) return false;
  answerAdminError(res, watch, '503 Service Unavailable', Errors.internal.code, 'shutting down');
  return true;
}

/** An authenticated admin POST: token, body (a JSON object), then the action; its ReplyError is answered 200 `{error}` (404 for an unknown method). */
function handlePost(res: HttpResponse, req: HttpRequest, config: Config, shard: ShardContext, open: OpenExchanges, action: AdminAction): void {
  const watch = new AbortWatch(res);
  const url = req.getUrl();
  const refusal = tokenRefusal(config, requestToken(req));
  if (refuseDraining(res, watch, shard)) return;
  if (refusal !== null) {
    shard.log.info('admin request refused', { url, reason: refusal });
    answerUnauthorized(res, watch, refusal);
    return;
  }
  // Admitted: counted until answered or aborted, so a drain answers it before it closes the sockets.
  const held = open.hold();
  watch.onAbort(() => settle(held));
  readBody(res, watch, ADMIN_BODY_LIMIT, (body) => {
    if (body === 'too_large') {
      settle(held);
      answerAdminError(res, watch, '413 Payload Too Large', Errors.badRequest.code, `request body is larger than ${ADMIN_BODY_LIMIT} bytes`);
      return;
    }
    const params = body.length === 0 ? {} : parseObject(body);
    if (params === null) {
      settle(held);
      answerAdminError(res, watch, '400 Bad Request', Errors.badRequest.code, 'bad request: body must be a JSON object');
      return;
    }
    action(params).then(
      (out) => {
        settle(held);
        answerJson(res, watch, '200 OK', out);
      },
      (err: unknown) => {
        settle(held);
        const notFound = err instanceof ReplyError && err.code === Errors.methodNotFound.code;
        if (!(err instanceof ReplyError)) shard.log.error('admin request failed', { url, error: err });
        answerJson(res, watch, notFound ? '404 Not Found' : '200 OK', JSON.stringify({ error: toWireError(err) }));
      },
    );
  });
}

/** Serves one of the page's files, or 404. */
function serveAsset(res: HttpResponse, asset: Asset | undefined): void {
  const watch = new AbortWatch(res);
  if (!asset) {
    answerAdminError(res, watch, '404 Not Found', Errors.methodNotFound.code, 'no such file');
    return;
  }
  answer(res, watch, '200 OK', [...SECURITY_HEADERS, ['Content-Type', asset.type]], asset.body);
}
