/** The client `presence` and `presence_stats` commands: permission, then the owner's answer. */
import { encodeClientInfo, type ClientInfo } from '../../protocol/json';
import type { CommandHandler } from './types';

/** `{"presence":{clientId: ClientInfo, …}}` from the owner's entries. */
export function presenceResultJson(entries: readonly ClientInfo[]): string {
  return `{"presence":{${entries.map((info) => `${JSON.stringify(info.client)}:${encodeClientInfo(info)}`).join(',')}}}`;
}

export const handlePresence: CommandHandler = (shard, conn, request) => {
  const channel = request['channel'];
  const resolved = shard.rules.resolve(channel);
  const name = channel as string;
  shard.rules.checkPresence(resolved, conn.user, conn.channels.has(name));
  return shard.query<ClientInfo[]>({ op: 'presence', ch: name }).then(presenceResultJson);
};

export const handlePresenceStats: CommandHandler = (shard, conn, request) => {
  const channel = request['channel'];
  const resolved = shard.rules.resolve(channel);
  const name = channel as string;
  shard.rules.checkPresence(resolved, conn.user, conn.channels.has(name));
  return shard.query<{ num_clients: number; num_users: number }>({ op: 'presence_stats', ch: name }).then((s) => JSON.stringify(s));
};
