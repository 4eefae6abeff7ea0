/*
 * src/shards/cluster/: a shard's links beyond itself: its engine (broker,
 * presence, bus to other nodes), node control on shard 0, server API actions
 * applied to local connections, emulation routing. May import (in shards): the
 * parts above, commands, context.ts.
 */
/**
 * The engine of one shard: the broker and presence manager its owned
 * channels use (chosen by `engine`, `broker` and `presence_manager`, see
 * src/broker/engines.ts) and, when the broker links processes (Redis, NATS),
 * the bus to other nodes: every shard publishes on it; shard 0's node control
 * also listens, announces and answers.
 */
import type { Broker } from '../../broker/broker';
import { createEngineParts } from '../../broker/engines';
import type { NodeBus } from '../../broker/node-bus';
import type { PresenceManager } from '../../broker/presence';
import type { Logger } from '../../common/log';
import type { Config } from '../../config/types';

/** A shard's engine. */
export interface Engine {
  readonly broker: Broker;
  readonly presence: PresenceManager;
  /** The bus to other nodes (Redis or NATS broker): user actions, node list, surveys; null on a single node. */
  readonly bus: NodeBus | null;
  /** How long a request to other nodes (a survey) may wait for answers, ms. */
  readonly busTimeout: number;
  /** Resolves once the engine's connections are up, or after their connect timeout (never rejects). */
  ready(): Promise<void>;
  /** Resolves once the bus can take subscriptions (node control starts listening then). */
  busReady(): Promise<void>;
  /** Stops timers and closes connections, so the thread's loop can empty. */
  close(): void;
}

/** Builds the engine the config names for shard `shardId` of the node `nodeUid`. */
export function createEngine(config: Config, shardId: number, nodeUid: string, log: Logger): Engine {
  const parts = createEngineParts(config, shardId, log);
  return {
    broker: parts.broker,
    presence: parts.presence,
    bus: parts.controlBus(nodeUid),
    busTimeout: parts.controlTimeout,
    ready: () => parts.ready(),
    busReady: () => parts.controlReady(),
    close: () => parts.close(),
  };
}
