/**
 * Which connection carries a direct publish (PublishOptions.direct: no
 * history, no idempotency key, made by whichever shard took it) to a Redis
 * shard: the shard's PUB/SUB connection when it can, else its command one.
 *
 * Why the PUB/SUB connection: on RESP3 a subscribed connection may run any
 * command, and Redis puts the message for each subscriber into its output
 * before the PUBLISH reply. When the publishing shard is also the channel's
 * owner (always with one shard per process, half the time with two) its own
 * copy of the publication and the reply then come back in one read on one
 * socket, not in two reads on two (profiled: each read is an event-loop
 * wake, a `read` and a decode). The owner fans the publication out before
 * the publish is answered.
 *
 * Order: every direct publish of a shard to one Redis shard goes on one
 * connection at a time, so they keep call order among themselves, as on the
 * command connection before: the route moves to the other connection only
 * when none is in flight on the current one, or when the current one is no
 * longer ready (then what is in flight on it fails, error 100). Owner-path
 * publishes (publish.lua, or a plain PUBLISH by the owner) stay on the
 * command connection, ordered among themselves; a direct and an owner-path
 * publish in flight at the same time have no order, as before
 * (docs/architecture.md, Publication order with Redis).
 *
 * The command connection instead: on a Redis Cluster (sharded PUB/SUB needs
 * the slot's node, and a classic PUBLISH would cross the cluster bus), on
 * RESP2 (a subscribed RESP2 connection refuses other commands; ioredis falls
 * back to RESP2 on a server without HELLO 3), and while the PUB/SUB
 * connection is not ready (so an outage of it alone does not fail publishes
 * other nodes would still receive).
 */
import type { Redis } from 'ioredis';
import type { RedisClient, RedisPartition } from './redis-partitions';

/** What ioredis keeps of a connection's handshake: the RESP version it speaks (2 after a fallback). */
interface NegotiatedProtocol {
  readonly condition?: { readonly protocol?: number } | null;
}

/** Whether `client` (a standalone or Sentinel connection) is ready and its socket writable. */
function writable(client: RedisClient): boolean {
  // A connection being closed (disconnect()) is still "ready" until its socket closed, but no longer writable.
  return client.status === 'ready' && (client as Redis).stream?.writable === true;
}

/** Whether `client` is a writable connection speaking RESP3 (on which a subscribed connection may PUBLISH). */
function readyOnResp3(client: RedisClient): boolean {
  return writable(client) && (client as Redis & NegotiatedProtocol).condition?.protocol === 3;
}

/** The connection direct publishes to one Redis shard take, and how many are in flight on each (see the file comment). */
export class DirectRoute {
  /** The connection the last direct publish went on. */
  private current: RedisClient;
  /** Direct publishes sent and not yet answered, on the command and on the PUB/SUB connection. */
  private onCommand = 0;
  private onSubscriber = 0;

  constructor(private readonly shard: RedisPartition) {
    this.current = shard.command;
  }

  /** The connection for the next direct publish; call `settled` with it once it is answered or failed. */
  take(): RedisClient {
    const shard = this.shard;
    const wanted = !shard.cluster && !shard.shardedSubscriber && readyOnResp3(shard.subscriber) ? shard.subscriber : shard.command;
    if (wanted !== this.current && (this.inFlight(this.current) === 0 || !writable(this.current))) this.current = wanted;
    if (this.current === shard.subscriber) this.onSubscriber++;
    else this.onCommand++;
    return this.current;
  }

  /** A direct publish sent on `client` (from take) was answered or failed. */
  settled(client: RedisClient): void {
    if (client === this.shard.subscriber) this.onSubscriber--;
    else this.onCommand--;
  }

  private inFlight(client: RedisClient): number {
    return client === this.shard.subscriber ? this.onSubscriber : this.onCommand;
  }
}
