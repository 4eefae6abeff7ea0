/**
 * One proxy request, Centrifugo's way, over HTTP or gRPC by the endpoint:
 * the fields `client`, `transport`, `protocol` and `encoding`, then the
 * hook's own, then `meta` (when included) and `data` or `b64data`; the
 * answer holds one of `result`, `error` or `disconnect`.
 *
 * - HTTP: a JSON POST (http-post.ts: fetch, or node:https with `http.tls`);
 *   gRPC: the CentrifugoProxy method of the hook (grpc/grpc-caller.ts), its
 *   response read in the same JSON shape;
 * - `disconnect` → DisconnectError with the backend's code and reason;
 * - `error` → ReplyError with the backend's code, message and temporary flag;
 * - `result` (or nothing) → returned to the hook that asked;
 * - no answer in time, an HTTP status other than 200 (unless a
 *   status_to_code_transform names it), a gRPC status other than OK, or an
 *   answer that is not such an object → ProxyError (the hooks answer 100,
 *   temporary).
 *
 * Both kinds forward the same headers (HTTP headers, or gRPC metadata) with
 * the same timeout; neither blocks the shard's event loop.
 */
import { isBinaryPayload, payloadToBytes } from '../../protocol/payload';
import { jsonTooDeep, MAX_JSON_DEPTH } from '../../protocol/input-guards';
import { shouldReconnect } from '../../protocol/codes';
import { DisconnectError, ReplyError } from '../../protocol/errors';
import { ProxyError } from '../errors';
import type { ProxyEndpoint } from './proxy-endpoint';
import type { TransportName } from '../../protocol/names';
import { postProxy } from './http-post';
import { callGrpcProxy } from './grpc/grpc-caller';
import type { ProxyMethod } from './grpc/proxy-proto';

/** The connection a proxy request is about. */
export interface ProxyCaller {
  /** Client id. */
  readonly client: string;
  /** The connection's meta, JSON text (sent when the proxy includes it). */
  readonly meta: string | undefined;
  /** Headers of the upgrade request the shard kept (lower-case names). */
  readonly headers: Readonly<Record<string, string>>;
  /** Headers from the connect command. */
  readonly emulatedHeaders: Readonly<Record<string, string>>;
  /** The connection's protocol; JSON when absent. */
  readonly protocol?: 'json' | 'protobuf';
  /** The connection's transport, as Centrifugo names it; `websocket` when absent. */
  readonly transport?: TransportName;
}

/** Longest disconnect reason a WebSocket close frame carries, bytes. */
const MAX_REASON_BYTES = 123;

/**
 * Sends the `method` request of `proxy`: `fields` plus the base fields,
 * `meta` when included, and `data` (JSON text, or a binary carrier) as
 * `data` or `b64data`. Resolves with the answer's `result`, or undefined
 * when it has none.
 */
export async function callProxy(
  proxy: ProxyEndpoint,
  caller: ProxyCaller,
  method: ProxyMethod,
  fields: Readonly<Record<string, unknown>>,
  data?: string,
): Promise<Readonly<Record<string, unknown>> | undefined> {
  const base = {
    client: caller.client,
    transport: caller.transport ?? 'websocket',
    protocol: caller.protocol ?? 'json',
    encoding: proxy.binary ? 'binary' : 'json',
    ...fields,
  };
  // A binary payload (from a Protobuf client) can only travel as b64data.
  const asBase64 = data !== undefined && (proxy.binary || isBinaryPayload(data));
  const meta = proxy.includeMeta ? caller.meta : undefined;
  if (proxy.kind === 'grpc') {
    const request: Record<string, unknown> = { ...base };
    if (meta !== undefined) request['meta'] = Buffer.from(meta);
    if (data !== undefined) request[asBase64 ? 'b64data' : 'data'] = asBase64 ? Buffer.from(payloadToBytes(data)).toString('base64') : payloadToBytes(data);
    return resultOf(await callGrpcProxy(proxy, method, request, forwarded(proxy, caller)));
  }
  const body: Record<string, unknown> = { ...base };
  if (meta !== undefined) body['meta'] = JSON.parse(meta);
  if (data !== undefined && asBase64) body['b64data'] = Buffer.from(payloadToBytes(data)).toString('base64');
  let text = JSON.stringify(body);
  if (data !== undefined && !asBase64) text = `${text.slice(0, -1)},"data":${data}}`;
  return decodeAnswer(await postProxy(proxy, requestHeaders(proxy, caller), text));
}

/**
 * The headers a proxy forwards for this connection: the allowed
 * connect-command headers, then the allowed headers of its request (HTTP
 * headers, or gRPC metadata of a unidirectional gRPC stream), which win.
 */
function forwarded(proxy: ProxyEndpoint, caller: ProxyCaller): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(caller.emulatedHeaders)) {
    if (proxy.emulatedHeaders.includes(name.toLowerCase())) out[name] = value;
  }
  for (const name of caller.transport === 'uni_grpc' ? proxy.grpcMetadata : proxy.httpHeaders) {
    const value = caller.headers[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** Static headers, then the forwarded ones. */
function requestHeaders(proxy: ProxyEndpoint, caller: ProxyCaller): Headers {
  const headers = new Headers(proxy.staticHeaders);
  for (const [name, value] of Object.entries(forwarded(proxy, caller))) headers.set(name, value);
  headers.set('Content-Type', 'application/json');
  return headers;
}

/** Turns the answer body into a result, or throws the backend's error or disconnect. */
export function decodeAnswer(text: string): Readonly<Record<string, unknown>> | undefined {
  if (jsonTooDeep(text)) throw new ProxyError(`proxy answer nests JSON deeper than ${MAX_JSON_DEPTH} levels`);
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    throw new ProxyError('proxy answer is not JSON');
  }
  if (!isObject(answer)) throw new ProxyError('proxy answer is not a JSON object');
  return resultOf(answer);
}

/** The `result` of an answer object, or the backend's error or disconnect thrown. */
function resultOf(answer: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> | undefined {
  const disconnect = answer['disconnect'];
  if (disconnect !== undefined && disconnect !== null) throw disconnectFrom(disconnect);
  const error = answer['error'];
  if (error !== undefined && error !== null) throw errorFrom(error);
  const result = answer['result'];
  if (result === undefined || result === null) return undefined;
  if (!isObject(result)) throw new ProxyError('proxy result is not an object');
  return result;
}

function disconnectFrom(value: unknown): DisconnectError {
  if (!isObject(value)) throw new ProxyError('proxy disconnect is not an object');
  const code = value['code'];
  const reason = value['reason'] ?? '';
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 3000 || code > 4999) {
    throw new ProxyError(`proxy disconnect code must be an integer in 3000..4999, got ${JSON.stringify(code)}`);
  }
  if (typeof reason !== 'string') throw new ProxyError('proxy disconnect reason is not a string');
  return new DisconnectError({ code, reason: truncateBytes(reason, MAX_REASON_BYTES), reconnect: shouldReconnect(code) });
}

/** Largest proxy error code (uint32). */
const MAX_UINT32 = 2 ** 32 - 1;

function errorFrom(value: unknown): ReplyError {
  if (!isObject(value)) throw new ProxyError('proxy error is not an object');
  const code = value['code'];
  const message = value['message'] ?? '';
  const temporary = value['temporary'] ?? false;
  // A uint32, as in Centrifugo's proxy protocol: a code like 1e300 would reach the client as a number no decoder takes.
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 0 || code > MAX_UINT32) throw new ProxyError('proxy error code is not a uint32');
  if (typeof message !== 'string' || typeof temporary !== 'boolean') throw new ProxyError('proxy error message or temporary has the wrong type');
  return new ReplyError({ code, message, temporary });
}

/** `text` cut to at most `max` UTF-8 bytes, on a character boundary. */
function truncateBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  let out = '';
  for (const ch of text) {
    if (Buffer.byteLength(out + ch) > max) break;
    out += ch;
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
