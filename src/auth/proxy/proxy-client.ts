/**
 * One HTTP proxy request, Centrifugo's way: POST a JSON body that starts with
 * `client`, `transport`, `protocol` and `encoding`, and read a JSON answer
 * that holds one of `result`, `error` or `disconnect`.
 *
 * - `disconnect` → DisconnectError with the backend's code and reason;
 * - `error` → ReplyError with the backend's code, message and temporary flag;
 * - `result` (or nothing) → returned to the hook that asked;
 * - no answer in time, a status other than 200, or a body that is not such an
 *   object → ProxyError (the hooks answer 100, temporary).
 *
 * The request goes through `fetch` (undici, keep-alive), so it never blocks
 * the shard's event loop.
 */
import { isBinaryPayload, payloadToBytes } from '../../protocol/payload';
import { jsonTooDeep, MAX_JSON_DEPTH } from '../../protocol/input-guards';
import { shouldReconnect } from '../../protocol/codes';
import { DisconnectError, ReplyError } from '../../protocol/errors';
import { ProxyError } from '../errors';
import type { ProxyEndpoint } from './proxy-registry';
import type { TransportName } from '../../protocol/names';

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
 * POSTs `fields` (plus the base fields, `meta` when included, and `data` —
 * JSON text — as `data` or `b64data`) and resolves with the answer's `result`,
 * or undefined when it has none.
 */
export async function callProxy(
  proxy: ProxyEndpoint,
  caller: ProxyCaller,
  fields: Readonly<Record<string, unknown>>,
  data?: string,
): Promise<Readonly<Record<string, unknown>> | undefined> {
  const body: Record<string, unknown> = {
    client: caller.client,
    transport: caller.transport ?? 'websocket',
    protocol: caller.protocol ?? 'json',
    encoding: proxy.binary ? 'binary' : 'json',
    ...fields,
  };
  if (proxy.includeMeta && caller.meta !== undefined) body['meta'] = JSON.parse(caller.meta);
  // A binary payload (from a Protobuf client) can only travel as b64data.
  const asBase64 = data !== undefined && (proxy.binary || isBinaryPayload(data));
  if (data !== undefined && asBase64) body['b64data'] = Buffer.from(payloadToBytes(data)).toString('base64');
  let text = JSON.stringify(body);
  if (data !== undefined && !asBase64) text = `${text.slice(0, -1)},"data":${data}}`;
  return decodeAnswer(await post(proxy, requestHeaders(proxy, caller), text));
}

/** Static headers, then the allowed connect-command headers, then the allowed upgrade-request headers. */
function requestHeaders(proxy: ProxyEndpoint, caller: ProxyCaller): Headers {
  const headers = new Headers(proxy.staticHeaders);
  for (const [name, value] of Object.entries(caller.emulatedHeaders)) {
    if (proxy.emulatedHeaders.includes(name.toLowerCase())) headers.set(name, value);
  }
  for (const name of proxy.httpHeaders) {
    const value = caller.headers[name];
    if (value !== undefined) headers.set(name, value);
  }
  headers.set('Content-Type', 'application/json');
  return headers;
}

async function post(proxy: ProxyEndpoint, headers: Headers, body: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(proxy.endpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(proxy.timeoutMs) });
  } catch (err) {
    const cause = (err as Error).name === 'TimeoutError' ? `no answer within ${proxy.timeoutMs} ms` : (err as Error).message;
    throw new ProxyError(`proxy ${proxy.endpoint}: ${cause}`);
  }
  let text: string;
  try {
    text = await response.text();
  } catch (err) {
    throw new ProxyError(`proxy ${proxy.endpoint}: reading the answer failed: ${(err as Error).message}`);
  }
  if (response.status !== 200) throw new ProxyError(`proxy ${proxy.endpoint} answered HTTP ${response.status}`);
  return text;
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
