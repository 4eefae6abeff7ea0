/**
 * What a shard does with each shard message from the mailboxes: the owner
 * side (shard registrations, publishes, recovery reads, presence, owner
 * queries), the subscriber side (owner answers, dropped publications),
 * answers to this shard's requests, server API actions and emulation.
 */
import { ProtocolBit } from './messaging/fanout';
import { applyLocalAction } from './cluster/local-actions';
import { MessageType, type OwnerQueryMessage, type ShardMessage } from './messaging/messages';
import { runOwnerQuery, type OwnerState } from './owner/owner-queries';
import type { ShardContext } from './context';
import type { OwnedChannels } from './owner/owned-channels';
import type { Requests } from './messaging/requests';
import type { Postman } from './messaging/postman';
import { whenWritten } from './owner/direct-fanout';
import { answerEmulation } from './cluster/emulation-routing';

/**
 * What the handler reaches on its shard beyond ShardContext: the owner side
 * and the request bookkeeping, which only messages from other shards touch.
 */
export interface MessageTargets extends ShardContext {
  readonly owned: OwnedChannels;
  readonly requests: Requests;
  readonly postman: Postman;
  readonly ownerState: OwnerState;
  /** Answers a request of another shard (or this one) by its request id. */
  respond(to: number, rid: number, result: unknown, err?: unknown): void;
  /** A peer switched to reloaded config `version` (config-switch.ts). */
  configMarker(from: number, version: number): void;
}

/** Handles one shard message on `shard`. */
export function handleShardMessage(shard: MessageTargets, msg: ShardMessage): void {
  switch (msg.t) {
    case MessageType.SUBSCRIBE_SHARD:
      if (msg.c === 1) shard.owned.count(msg.ch, msg.from);
      else shard.owned.addShard(msg.ch, msg.from, msg.p ?? ProtocolBit.JSON);
      return;
    case MessageType.SUBSCRIBE_SHARD_OK:
      shard.local.onOwnerOk(msg.ch, msg.p ?? ProtocolBit.JSON);
      return;
    case MessageType.SUBSCRIBE_SHARD_FAILED:
      shard.local.onOwnerFailed(msg.ch, msg.error.message);
      return;
    case MessageType.UNSUBSCRIBE_SHARD:
      if (msg.c === 1) shard.owned.uncount(msg.ch, msg.from);
      else shard.owned.removeShard(msg.ch, msg.from);
      return;
    case MessageType.PUBLISH: {
      // The message carries the publish parameters as they are (info, tags, skipHistory, idempotencyKey, delta).
      shard.owned
        .publish(msg.ch, msg.data, msg)
        // Answered once its fan-out records are in rings, where the arrival order of their shards sees them.
        .then((position) => (shard.postman.allWritten() ? position : whenWritten(shard.postman, position)))
        .then(
          (position) => shard.respond(msg.from, msg.rid, position),
          (err: unknown) => shard.respond(msg.from, msg.rid, undefined, err),
        );
      return;
    }
    case MessageType.RESPONSE:
      shard.requests.complete(msg.rid, msg.result, msg.error);
      return;
    case MessageType.LOCAL_ACTION:
      try {
        const result = applyLocalAction(shard, msg.action);
        // Cluster actions (node list, surveys) answer later; the rest at once.
        if (result instanceof Promise) {
          result.then(
            (value: unknown) => shard.respond(msg.from, msg.rid, value),
            (err: unknown) => shard.respond(msg.from, msg.rid, undefined, err),
          );
        } else {
          shard.respond(msg.from, msg.rid, result);
        }
      } catch (err) {
        shard.respond(msg.from, msg.rid, undefined, err);
      }
      return;
    case MessageType.DROPPED:
      if (msg.positionedOnly) shard.log.debug('publications may be lost on the broker link; ending positioned subscriptions', { channel: msg.ch });
      else if (msg.unrecoverable) shard.log.info('publications lost by a broker without history; disconnecting the channel\'s local subscribers (3010)', { channel: msg.ch });
      else shard.log.warn('publications dropped on a full mailbox; ending the channel\'s local subscriptions', { channel: msg.ch });
      shard.local.onDropped(msg.ch, msg.positionedOnly, msg.unrecoverable);
      return;
    case MessageType.RECOVER:
      shard.owned.recover(msg);
      return;
    case MessageType.RECOVER_RESULT:
      shard.local.onRecoverResult(msg);
      return;
    case MessageType.PRESENCE_JOIN:
      shard.owned.join(msg);
      return;
    case MessageType.PRESENCE_LEAVE:
      shard.owned.leave(msg);
      return;
    case MessageType.PRESENCE_JOINED:
      shard.local.onPresenceJoined(msg);
      return;
    case MessageType.OWNER_QUERY:
      answerQuery(shard, msg);
      return;
    case MessageType.EMULATION:
      answerEmulation(shard, msg).then(
        (outcome) => shard.respond(msg.from, msg.rid, outcome),
        (err: unknown) => shard.respond(msg.from, msg.rid, undefined, err),
      );
      return;
    case MessageType.CONFIG_SWITCH:
      shard.configMarker(msg.from, msg.v);
      return;
    default: {
      const never: never = msg;
      shard.log.error('unknown shard message', { message: never });
    }
  }
}

/** Answers an owner query about a channel this shard owns. */
function answerQuery(shard: MessageTargets, msg: OwnerQueryMessage): void {
  runOwnerQuery(shard.ownerState, msg.query).then(
    (result) => shard.respond(msg.from, msg.rid, result),
    (err: unknown) => shard.respond(msg.from, msg.rid, undefined, err),
  );
}
