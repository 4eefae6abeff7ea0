/**
 * Server API `history`, `history_remove`, `presence` and `presence_stats`,
 * answered by the channel's owner shard. The server API bypasses channel
 * permissions, but a feature that is off answers 108.
 */
import { isBinaryPayload } from '../protocol/payload';
import { Errors } from '../protocol/codes';
import { ReplyError } from '../protocol/errors';
import type { ClientInfo } from '../protocol/json';
import { readLimit, readSince } from '../protocol/history-request';
import type { HistoryAnswer } from '../shards/commands/history';
import type { ShardContext } from '../shards/context';
import { optionalBoolean, requiredString, type Params } from './params';

function historyChannel(shard: ShardContext, params: Params): string {
  const channel = requiredString(params, 'channel');
  if (!shard.rules.history(shard.rules.resolve(channel))) throw new ReplyError(Errors.notAvailable);
  return channel;
}

function presenceChannel(shard: ShardContext, params: Params): string {
  const channel = requiredString(params, 'channel');
  if (!shard.rules.resolve(channel).options.presence) throw new ReplyError(Errors.notAvailable);
  return channel;
}

/**
 * A payload carrier as an API answer field: `name` with the JSON value, or for
 * a binary payload (from a Protobuf client or `b64data`) `b64<name>` with its
 * bytes in base64, since a JSON answer cannot hold raw bytes.
 */
function payloadField(name: string, carrier: string): Record<string, unknown> {
  return isBinaryPayload(carrier) ? { [`b64${name}`]: carrier.slice(1) } : { [name]: JSON.parse(carrier) };
}

function clientInfoJson(info: ClientInfo): Record<string, unknown> {
  return {
    user: info.user,
    client: info.client,
    ...(info.conn_info !== undefined ? payloadField('conn_info', info.conn_info) : {}),
    ...(info.chan_info !== undefined ? payloadField('chan_info', info.chan_info) : {}),
  };
}

/** `history`: `{channel, limit?, since?: {offset, epoch}, reverse?}` → `{publications, offset, epoch}`. */
export async function apiHistory(shard: ShardContext, params: Params): Promise<unknown> {
  const channel = historyChannel(shard, params);
  const limit = readLimit(params['limit']);
  const since = readSince(params['since']);
  const reverse = optionalBoolean(params, 'reverse');
  if (reverse && since && since.offset === 0) throw new ReplyError(Errors.badRequest, 'reverse with since.offset 0');
  const answer = await shard.query<HistoryAnswer>({
    op: 'history',
    ch: channel,
    limit,
    ...(since ? { since } : {}),
    ...(reverse ? { reverse } : {}),
  });
  return {
    publications: answer.publications.map((p) => ({
      ...payloadField('data', p.data),
      offset: p.offset,
      ...(p.info ? { info: clientInfoJson(p.info) } : {}),
      ...(p.tags ? { tags: p.tags } : {}),
    })),
    offset: answer.offset,
    epoch: answer.epoch,
  };
}

/** `history_remove`: `{channel}` → `{}`; the stream position is kept. */
export async function apiHistoryRemove(shard: ShardContext, params: Params): Promise<unknown> {
  const channel = historyChannel(shard, params);
  await shard.query({ op: 'history_remove', ch: channel });
  return {};
}

/** `presence`: `{channel}` → `{presence: {clientId: ClientInfo}}`. */
export async function apiPresence(shard: ShardContext, params: Params): Promise<unknown> {
  const channel = presenceChannel(shard, params);
  const entries = await shard.query<ClientInfo[]>({ op: 'presence', ch: channel });
  const presence: Record<string, unknown> = {};
  for (const info of entries) presence[info.client] = clientInfoJson(info);
  return { presence };
}

/** `presence_stats`: `{channel}` → `{num_clients, num_users}`. */
export async function apiPresenceStats(shard: ShardContext, params: Params): Promise<unknown> {
  const channel = presenceChannel(shard, params);
  return shard.query({ op: 'presence_stats', ch: channel });
}
