/**
 * Server API actions a shard applies to its own connections: subscribe,
 * unsubscribe, disconnect and refresh a user's connections, and report its
 * channels and counts. The API gathers the answers of every shard.
 */
import { ConnState, holdsChannel, type Connection } from '../session/connection';
import type { LocalAction } from '../messaging/messages';
import type { ShardContext } from '../context';
import { createGrant, ttlSeconds } from '../../auth/grant';
import { Disconnects } from '../../protocol/codes';
import { encodeConnectionPush, encodePush } from '../../protocol/json';
import { joinServerSide } from '../access/server-subs';
import { globToRegExp } from '../../common/glob';

/** The connections of `user` on this shard, narrowed by client id or session when given. */
function targets(shard: ShardContext, user: string, client?: string, session?: string): Connection[] {
  const conns = shard.byUser.get(user);
  if (!conns) return [];
  return [...conns].filter(
    (c) => c.state === ConnState.Connected && (!client || c.id === client) && (!session || c.transport.session === session),
  );
}

/** Applies one action and returns this shard's part of the answer. */
export function applyLocalAction(shard: ShardContext, action: LocalAction): unknown {
  switch (action.op) {
    case 'subscribe': {
      const { channel } = action;
      const refreshByProxy = shard.rules.resolve(channel).options.sub_refresh_proxy_enabled;
      for (const conn of targets(shard, action.user, action.client, action.session)) {
        if (holdsChannel(conn, channel)) continue;
        const options = { info: action.info, data: action.data, override: action.override };
        const access = createGrant('server_api', options, (action.expire_at ?? 0) * 1000, !refreshByProxy);
        // A recovery position is honoured where the channel (or the override) makes it recoverable, as Centrifugo.
        const ask = action.recover_since ? { recover: true, ...action.recover_since } : {};
        joinServerSide(shard, conn, channel, access, ask).then(
          (result) => shard.writer.send(conn, encodePush(channel, 'subscribe', result)),
          () => undefined,
        );
      }
      return {};
    }
    case 'unsubscribe':
      for (const conn of targets(shard, action.user, action.client, action.session)) {
        shard.unsubscribeServer(conn, action.channel);
      }
      return {};
    case 'disconnect': {
      const keep = new Set(action.whitelist ?? []);
      for (const conn of targets(shard, action.user, action.client, action.session)) {
        if (!keep.has(conn.id)) shard.disconnect(conn, action.code, action.reason);
      }
      return {};
    }
    case 'refresh':
      for (const conn of targets(shard, action.user, action.client, action.session)) {
        if (action.expired || (action.expire_at !== undefined && action.expire_at * 1000 <= Date.now())) {
          shard.disconnect(conn, Disconnects.expired.code, Disconnects.expired.reason);
          continue;
        }
        if (action.expire_at !== undefined) {
          conn.expiresAt = action.expire_at * 1000;
          shard.keepalive.recheckSoon(conn);
        }
        if (action.info !== undefined) conn.connInfo = action.info;
        // Centrifugo tells the client its new expiry (unidirectional clients learn it only this way).
        const ttl = ttlSeconds(conn.expiresAt, Date.now());
        shard.writer.send(conn, encodeConnectionPush('refresh', action.expire_at !== undefined ? `{"expires":true,"ttl":${ttl}}` : '{}'));
      }
      return {};
    case 'channels': {
      const match = action.pattern ? globToRegExp(action.pattern) : null;
      const out: Record<string, number> = {};
      for (const [channel, count] of shard.local.counts()) {
        if (!match || match.test(channel)) out[channel] = count;
      }
      return out;
    }
    case 'stats':
      return shard.stats();
    case 'user_connections':
      return shard.byUser.get(action.user)?.size ?? 0;
    case 'nodes':
      return shard.node.control?.liveNodes() ?? [];
    case 'survey':
      return shard.node.control ? shard.node.control.survey(action.request) : Promise.resolve([]);
    default: {
      const never: never = action;
      throw new Error(`unknown local action ${JSON.stringify(never)}`);
    }
  }
}
