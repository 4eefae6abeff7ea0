/**
 * Owner queries: what a channel's owner shard answers about the channel's
 * stream and presence (history, history_remove, presence, presence_stats),
 * for a client command or a server API call on any shard.
 */
import { UnrecoverablePositionError, type Broker } from '../../broker/broker';
import type { PresenceManager } from '../../broker/presence';
import { Errors } from '../../protocol/codes';
import { ReplyError } from '../../protocol/errors';
import type { ChannelRules } from '../access/channel-rules';
import type { OwnerQuery } from '../messaging/messages';

/** What an owner query reads. */
export interface OwnerState {
  readonly broker: Broker;
  readonly presence: PresenceManager;
  readonly rules: ChannelRules;
}

/** Runs one owner query on this (the owner) shard; rejects with a ReplyError (108, 112) or the broker's error. */
export async function runOwnerQuery(owner: OwnerState, query: OwnerQuery): Promise<unknown> {
  switch (query.op) {
    case 'history': {
      const resolved = owner.rules.resolve(query.ch);
      const history = owner.rules.history(resolved);
      if (!history) throw new ReplyError(Errors.notAvailable);
      try {
        const result = await owner.broker.history(query.ch, {
          limit: query.limit,
          ...(query.since ? { since: query.since } : {}),
          ...(query.reverse ? { reverse: true } : {}),
          metaTtl: history.metaTtl,
        });
        return { publications: result.publications, offset: result.position.offset, epoch: result.position.epoch };
      } catch (err) {
        if (err instanceof UnrecoverablePositionError) throw new ReplyError(Errors.unrecoverablePosition);
        throw err;
      }
    }
    case 'history_remove':
      await owner.broker.removeHistory(query.ch);
      return {};
    case 'presence': {
      const entries = await owner.presence.presence(query.ch);
      return [...entries.values()];
    }
    case 'presence_stats': {
      const stats = await owner.presence.stats(query.ch);
      return { num_clients: stats.numClients, num_users: stats.numUsers };
    }
    default: {
      const never: never = query;
      throw new Error(`unknown owner query ${JSON.stringify(never)}`);
    }
  }
}
