/**
 * The `connect` command: authenticate (auth.ts), gather the server-side
 * subscriptions, put the socket on them, then answer with the client id, ping
 * settings, expiry and the server-side subscriptions' results (`subs`).
 *
 * The reply is written here rather than returned: it must be queued in the
 * step that makes the connection usable, before the socket joins its
 * server-side channels (or, for positioned ones, right after it joined them).
 */
import { ttlSeconds } from '../../auth/grant';
import { Disconnects, Errors } from '../../protocol/codes';
import { DisconnectError, ReplyError } from '../../protocol/errors';
import { encodeResult } from '../../protocol/json';
import { VERSION } from '../../common/version';
import type { Credentials } from '../access/authenticator';
import { ConnState, NO_HEADERS, type Connection } from '../session/connection';
import { connectSubscriptions, serverSubscriptions, type ConnectSubscriptions } from '../access/server-subs';
import type { ShardContext } from '../context';
import { isEmulated } from '../session/transport';
import type { CommandHandler } from './types';

/** Builds the ConnectResult JSON; `subs` is the JSON object of server-side subscription results. */
function connectResult(shard: ShardContext, conn: Connection, credentials: Credentials, subs: string, now: number): string {
  let out = `{"client":${JSON.stringify(conn.id)},"version":${JSON.stringify(VERSION)}`;
  if (conn.expiresAt > 0 && conn.clientSideRefresh) out += `,"expires":true,"ttl":${ttlSeconds(conn.expiresAt, now)}`;
  // Unidirectional clients get pings but cannot answer them; gRPC streams get none (HTTP/2 keepalive instead), as in Centrifugo.
  const ping = conn.transport.name === 'uni_grpc' ? 0 : Math.round(shard.config.client.ping_interval / 1000);
  if (ping > 0) out += `,"ping":${ping}`;
  out += `,"pong":${!conn.transport.unidirectional}`;
  if (credentials.data !== undefined) out += `,"data":${credentials.data}`;
  if (subs !== '{}') out += `,"subs":${subs}`;
  const session = conn.transport.session;
  if (session !== undefined) out += `,"session":${JSON.stringify(session)}`;
  // Emulated transports send their commands to POST /emulation naming this node.
  if (isEmulated(conn.transport)) out += `,"node":${JSON.stringify(shard.node.identity.uid)}`;
  if (shard.config.client.connect_include_server_time) out += `,"time":${now}`;
  return out + '}';
}

/** The connect command's `headers` (strings only), kept when some proxy forwards them. */
function emulatedHeaders(shard: ShardContext, request: Readonly<Record<string, unknown>>): Readonly<Record<string, string>> {
  const headers = request['headers'];
  if (!shard.auth.proxies.usesEmulatedHeaders || typeof headers !== 'object' || headers === null || Array.isArray(headers)) return NO_HEADERS;
  return Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** Handles `connect`; writes its reply itself and resolves null. */
export const handleConnect: CommandHandler = async (shard, conn, request, id) => {
  if (conn.state !== ConnState.Fresh) throw new DisconnectError(Disconnects.badRequest);
  conn.state = ConnState.Connecting;
  conn.emulatedHeaders = emulatedHeaders(shard, request);
  const credentials = await shard.authenticate(request, conn);
  if (conn.state !== ConnState.Connecting) return null; // closed while authenticating
  // Whole seconds, as Centrifugo compares them: an expiry in the current second is not yet past.
  if (credentials.expireAt > 0 && ttlSeconds(credentials.expireAt, Date.now()) < 0) throw new ReplyError(Errors.expired);
  const subs = serverSubscriptions(shard, credentials, request);
  const user = credentials.user;
  if (user !== '' && shard.config.client.subscribe_to_user_personal_channel.single_connection) {
    const { code, reason } = Disconnects.connectionLimit;
    // Every node's connections of the user, not only this process's (Redis: through the node bus).
    await shard.everywhere({ op: 'disconnect', user, whitelist: [conn.id], code, reason });
    if (conn.state !== ConnState.Connecting) return null;
  }
  const userLimit = shard.config.client.user_connection_limit;
  if (userLimit > 0 && user !== '') {
    // Centrifugo's check: the user's connections on this node (all shards) before this one.
    const counts = await shard.gather<number>({ op: 'user_connections', user });
    if (conn.state !== ConnState.Connecting) return null;
    if (counts.reduce((a, b) => a + b, 0) >= userLimit) throw new DisconnectError(Disconnects.connectionLimit);
  }
  conn.user = user;
  conn.connInfo = credentials.info;
  conn.meta = credentials.meta;
  conn.expiresAt = credentials.expireAt;
  conn.clientSideRefresh = shard.auth.proxies.refresh === null;
  let prepared: ConnectSubscriptions = { json: '{}', attach: null };
  if (subs.size > 0) {
    try {
      prepared = await connectSubscriptions(shard, conn, subs, request);
    } catch (err) {
      shard.log.warn('server-side subscription failed at connect', { client: conn.id, error: err });
      throw new DisconnectError(Disconnects.serverError);
    }
    if (conn.state !== ConnState.Connecting) return null;
  }
  conn.state = ConnState.Connected;
  conn.staleDeadline = 0;
  shard.keepalive.start(conn);
  shard.indexUser(conn);
  shard.writer.send(conn, encodeResult(id, 'connect', connectResult(shard, conn, credentials, prepared.json, Date.now())));
  prepared.attach?.();
  return null;
};
