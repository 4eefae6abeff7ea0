/**
 * The start-up check that a Redis user may do what the engine does there.
 * Redis 7 gives a new ACL user no PUB/SUB channels, and a user may be kept
 * to some keys or commands: such a server answers, yet refuses every
 * subscribe or publish, and nothing would reach the clients. So before the
 * shards start, each Redis the config names is asked, without changing
 * anything there, to subscribe to the prefix's anchor channel (broker
 * sections), to publish on it (nodes ignore it), and to run a script over a
 * key of the prefix. A refusal is reported with the config key and what the
 * ACL must allow.
 */
import type { RedisPartition } from './partitions';
import { isPassingState, isRedisRefusal } from './refusal';

/** What the section is used for: a broker needs PUB/SUB, presence needs keys and scripts only. */
export interface RedisUse {
  /** The section's config path, e.g. "engine.redis". */
  readonly path: string;
  /** engine.redis.prefix (or the section's own prefix). */
  readonly prefix: string;
  /** True when the section carries publications (PUB/SUB channels). */
  readonly pubsub: boolean;
  /** Where the Redis is, for the message (e.g. "127.0.0.1:6379"). */
  readonly label: string;
}

/** Runs one check; a refusal becomes a problem text, anything else (a timeout) is left to the reachability check. */
async function refusal(run: () => Promise<unknown>, what: string, need: string, use: RedisUse): Promise<string | null> {
  try {
    await run();
    return null;
  } catch (err) {
    if (!isRedisRefusal(err) || isPassingState(err)) return null;
    return `${use.path}: Redis at ${use.label} refused ${what}: ${(err as Error).message}; the user of ${use.path} needs ${need}`;
  }
}

/** The problems found on one ready partition, none when the user may do everything the engine does. */
export async function redisPermissionProblems(partition: RedisPartition, use: RedisUse): Promise<string[]> {
  const anchor = `${use.prefix}.anchor`;
  const channels = `the PUB/SUB channels "${use.prefix}.*" (ACL "&${use.prefix}.*")`;
  const key = `${use.prefix}.probe`;
  const checks: Promise<string | null>[] = [
    refusal(
      () => partition.command.eval('return 1', 1, key),
      `a script over the key "${key}"`,
      `the keys "${use.prefix}.*" (ACL "~${use.prefix}.*") and the scripting commands (EVAL, EVALSHA)`,
      use,
    ),
  ];
  if (use.pubsub) {
    checks.push(
      refusal(
        async () => {
          await partition.subscriber.subscribe(anchor);
          await partition.subscriber.unsubscribe(anchor);
        },
        `SUBSCRIBE to "${anchor}"`,
        channels,
        use,
      ),
      refusal(() => partition.command.publish(anchor, ''), `PUBLISH on "${anchor}"`, channels, use),
    );
    const sharded = partition.shardedSubscriber;
    if (sharded) {
      checks.push(
        refusal(
          async () => {
            await sharded.ssubscribe(anchor);
            await sharded.sunsubscribe(anchor);
          },
          `SSUBSCRIBE to "${anchor}"`,
          channels,
          use,
        ),
      );
    }
  }
  return (await Promise.all(checks)).filter((p): p is string => p !== null);
}
