/**
 * The direct publish path with the Redis broker (direct-fanout.ts): the
 * shard that received a publication of a channel without history publishes
 * it through its own broker instance (its own Redis command connection), not
 * through the channel's owner. A publish without history, idempotency key,
 * version or delta touches no per-channel state in the broker (RedisBroker:
 * one PUBLISH of `__p1:0:__…`, no Lua), so any shard may make it.
 *
 * The answer carries what a channel without history always answers: offset 0,
 * epoch "" (Centrifugo's empty publish result). A broker error is answered as
 * the owner path answers it: 100 internal, temporary.
 */
import type { Broker, PublishOptions, StreamPosition } from '../../broker/broker';
import { replyErrorFromWire, toWireError } from '../../protocol/errors';
import type { PublishParams } from '../context';

/** The options of every direct broker publish: no history, no idempotency key, no delta, no version. */
const NO_OPTIONS: PublishOptions = Object.freeze({});

/** Publishes `data` into `channel` through `broker` from this shard; resolves with the position Redis answered (0, ""). */
export function publishToBroker(broker: Broker, channel: string, data: string, params: PublishParams): Promise<StreamPosition> {
  const pub = params.info || params.tags ? { data, ...(params.info ? { info: params.info } : {}), ...(params.tags ? { tags: params.tags } : {}) } : { data };
  return broker.publish(channel, pub, NO_OPTIONS).then(
    (result) => result.position,
    (err: unknown) => {
      throw replyErrorFromWire(toWireError(err));
    },
  );
}
