/** The `connect` command: authenticate, then answer with the client id and ping settings. */
import { Disconnects } from '../../protocol/codes';
import { DisconnectError } from '../../protocol/errors';
import { ConnState, type Connection } from '../connection';
import type { Shard } from '../shard';
import type { CommandHandler } from './types';
import { VERSION } from '../../version';

/** Builds the ConnectResult JSON. */
function connectResult(shard: Shard, conn: Connection): string {
  const result: Record<string, unknown> = {
    client: conn.id,
    version: VERSION,
    ping: Math.round(shard.config.client.ping_interval / 1000),
    pong: true,
  };
  if (conn.expiresAt > 0) {
    result['expires'] = true;
    result['ttl'] = Math.max(0, Math.round((conn.expiresAt - Date.now()) / 1000));
  }
  return JSON.stringify(result);
}

export const handleConnect: CommandHandler = async (shard, conn, request) => {
  if (conn.state !== ConnState.Fresh) throw new DisconnectError(Disconnects.badRequest);
  conn.state = ConnState.Connecting;
  const credentials = await shard.authenticate(request);
  if (conn.state !== ConnState.Connecting) return null; // closed while authenticating
  conn.user = credentials.user;
  conn.connInfo = credentials.info;
  conn.expiresAt = credentials.expireAt;
  conn.state = ConnState.Connected;
  conn.staleDeadline = 0;
  shard.keepalive.start(conn);
  shard.indexUser(conn);
  return connectResult(shard, conn);
};
