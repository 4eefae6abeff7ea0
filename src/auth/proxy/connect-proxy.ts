/**
 * The connect proxy: a connection without a token asks the backend who it is.
 * Request `{client, transport, protocol, encoding, data|b64data, name, version,
 * channels}`; result `{user, expire_at, info|b64info, data|b64data, channels,
 * subs, meta}`. No result means no credentials (anonymous if allowed).
 */
import type { SubscribeOptions } from '../claims';
import { ProxyError } from '../errors';
import { callProxy, type ProxyCaller } from './proxy-client';
import type { ProxyEndpoint } from './proxy-endpoint';
import { resultExpireAt, resultJson, resultRawJson, resultString, resultStringList, resultSubscribeOptions, type ProxyResult } from './proxy-result';

/** What the client sent that the backend sees. */
export interface ConnectProxyRequest {
  /** The connect command's `data`, JSON text. */
  readonly data?: string;
  /** SDK name and app version from the connect command. */
  readonly name: string;
  readonly version: string;
  /** Channels the client asked to be subscribed to (keys of its connect `subs`). */
  readonly channels: readonly string[];
}

/** What the backend answered. */
export interface ConnectProxyReply {
  readonly user: string;
  /** Connection expiry, ms since epoch; 0 = never. */
  readonly expireAt: number;
  /** Connection info, JSON text. */
  readonly info?: string;
  /** Data for the connect result, JSON text. */
  readonly data?: string;
  /** Server-side subscriptions (`channels` plus `subs`). */
  readonly subs: ReadonlyMap<string, SubscribeOptions>;
  /** Connection meta for later proxy requests, JSON text. */
  readonly meta?: string;
}

/** Asks the connect proxy; resolves null when the answer has no result. */
export async function proxyConnect(proxy: ProxyEndpoint, caller: ProxyCaller, request: ConnectProxyRequest): Promise<ConnectProxyReply | null> {
  const fields = { name: request.name, version: request.version, ...(request.channels.length > 0 ? { channels: request.channels } : {}) };
  const result = await callProxy(proxy, caller, 'connect', fields, request.data);
  if (!result) return null;
  const info = resultJson(result, 'info', 'b64info');
  const data = resultJson(result, 'data', 'b64data');
  const meta = resultRawJson(result, 'meta');
  return {
    user: resultString(result, 'user'),
    expireAt: resultExpireAt(result),
    ...(info !== undefined ? { info } : {}),
    ...(data !== undefined ? { data } : {}),
    subs: subscriptions(result),
    ...(meta !== undefined ? { meta } : {}),
  };
}

function subscriptions(result: ProxyResult): Map<string, SubscribeOptions> {
  const subs = new Map<string, SubscribeOptions>();
  for (const channel of resultStringList(result, 'channels')) subs.set(channel, {});
  const map = result['subs'];
  if (map !== undefined && map !== null) {
    if (typeof map !== 'object' || Array.isArray(map)) throw new ProxyError('proxy result: subs must be an object');
    for (const [channel, options] of Object.entries(map)) subs.set(channel, resultSubscribeOptions(options, `subs.${channel}`));
  }
  return subs;
}
