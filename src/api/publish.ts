/** Server API `publish` and `broadcast`. */
import { Errors } from '../protocol/codes';
import { ReplyError, toWireError } from '../protocol/errors';
import { checkPublicationSize } from '../protocol/publication-size';
import type { ShardContext } from '../shards/context';
import { optionalBoolean, optionalString, optionalTags, requiredData, requiredString, type Params } from './params';
import { integerField } from './request-fields';
import type { PublishParams } from '../shards/context';
import type { StreamPosition } from '../broker/broker';

/** The publish result: offset and epoch only for channels with history. */
function publishResult(position: StreamPosition): Record<string, unknown> {
  return position.offset > 0 ? { offset: position.offset, epoch: position.epoch } : {};
}

/** The options of a publish that sets none. */
const NO_OPTIONS: PublishParams = Object.freeze({});

/**
 * The publish options both methods share: tags, skip_history,
 * idempotency_key, delta, and version/version_epoch (on a channel with
 * history, a version not above the last one published is skipped and
 * answered with the current position, as Centrifugo does).
 */
function publishOptions(params: Params): PublishParams {
  const tags = optionalTags(params);
  const idempotencyKey = optionalString(params, 'idempotency_key');
  const version = integerField(params, 'version');
  const skipHistory = optionalBoolean(params, 'skip_history');
  const delta = optionalBoolean(params, 'delta');
  // Most publishes set none of these: one shared empty object, no allocation per call.
  if (!tags && !idempotencyKey && version <= 0 && !skipHistory && !delta) return NO_OPTIONS;
  return {
    ...(tags ? { tags } : {}),
    ...(skipHistory ? { skipHistory: true } : {}),
    ...(idempotencyKey ? { idempotencyKey } : {}),
    ...(delta ? { delta: true } : {}),
    ...(version > 0 ? { version, versionEpoch: optionalString(params, 'version_epoch') } : {}),
  };
}

/** `publish`: `{channel, data, tags?, skip_history?, idempotency_key?, delta?}` → `{}` or `{offset, epoch}`. */
export async function apiPublish(shard: ShardContext, params: Params): Promise<unknown> {
  const channel = requiredString(params, 'channel');
  shard.rules.resolve(channel);
  const data = requiredData(params);
  return publishResult(await shard.publish(channel, data, publishOptions(params)));
}

/** `broadcast`: `{channels, data, …publish options}` → `{responses: [{result}|{error}]}`, one per channel in order. */
export async function apiBroadcast(shard: ShardContext, params: Params): Promise<unknown> {
  const channels = params['channels'];
  if (!Array.isArray(channels) || channels.length === 0) throw new ReplyError(Errors.badRequest, 'channels required');
  const data = requiredData(params);
  // Refused as a whole (413 over HTTP), not once per channel.
  checkPublicationSize(data, shard.config.channel.publication_size_limit);
  const options = publishOptions(params);
  const responses = await Promise.all(
    channels.map(async (channel: unknown) => {
      try {
        if (typeof channel !== 'string' || channel === '') throw new ReplyError(Errors.badRequest, 'channel required');
        shard.rules.resolve(channel);
        return { result: publishResult(await shard.publish(channel, data, options)) };
      } catch (err) {
        return { error: toWireError(err) };
      }
    }),
  );
  return { responses };
}
