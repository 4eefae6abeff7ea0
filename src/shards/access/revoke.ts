/**
 * After a reload: the subscriptions the new channel rules no longer permit.
 * A subscription admitted by the rules themselves (the namespace's
 * `allow_subscribe_for_client`, `client.insecure`, a user-limited channel, a
 * channel the client asked for at connect) is checked again as a new
 * subscribe would be; one admitted by a token, a proxy or the server API
 * stays until it expires, unless its namespace is gone. Each revoked one
 * gets Centrifugo's server-side unsubscribe (2000), as the server API's
 * `unsubscribe` sends.
 */
import type { ChannelGrant } from '../../auth/grant';
import type { ChannelRules } from './channel-rules';
import { ConnState, joinedOrPendingChannels, type Connection } from '../session/connection';

/** Whether the rules still admit one subscription of a connection of `user`. */
export function stillPermitted(rules: ChannelRules, channel: string, user: string, grant: ChannelGrant | undefined): boolean {
  let resolved;
  try {
    resolved = rules.resolve(channel);
  } catch {
    return false; // namespace removed (102) or name now too long (107)
  }
  switch (grant?.source) {
    case 'client_allowed':
    case 'insecure':
    case 'user_limited':
      try {
        rules.checkName(channel, resolved);
        return rules.subscribePermission(channel, resolved, user) !== 'subscribe_proxy';
      } catch {
        return false;
      }
    case 'connect_request':
      return rules.mayAutoSubscribe(channel, resolved, user);
    default:
      return true;
  }
}

/** The channels of `conn` (subscribed or being confirmed) that `rules` no longer permit. */
export function revokedChannels(rules: ChannelRules, conn: Connection): string[] {
  const out: string[] = [];
  for (const channel of joinedOrPendingChannels(conn)) {
    if (!stillPermitted(rules, channel, conn.user, conn.grants.get(channel))) out.push(channel);
  }
  return out;
}

/** What revocation needs of a shard. */
export interface RevokeHost {
  readonly connections: ReadonlyMap<string, Connection>;
  /** Sends the server-side unsubscribe (2000) and takes the connection off the channel. */
  unsubscribeServer(conn: Connection, channel: string): void;
}

/** Ends every connected client's subscription that `rules` no longer permit; returns how many. */
export function revokeNotPermitted(host: RevokeHost, rules: ChannelRules): number {
  let revoked = 0;
  for (const conn of [...host.connections.values()]) {
    if (conn.state !== ConnState.Connected) continue;
    for (const channel of revokedChannels(rules, conn)) {
      host.unsubscribeServer(conn, channel);
      conn.grants.delete(channel);
      revoked++;
    }
  }
  return revoked;
}
