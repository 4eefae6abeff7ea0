/**
 * The engine of one shard: the broker and presence manager its owned channels
 * use (chosen by `engine`, `broker` and `presence_manager`, see
 * broker/engines.ts), and, when the broker links processes, the node control
 * bus (every shard publishes on it; shard 0 also listens, announces and answers).
 */
import { consumedCommands } from '../api/consumed';
import { createEngineParts } from '../broker/engines';
import type { Broker } from '../broker/broker';
import type { PresenceManager } from '../broker/presence';
import type { Config } from '../config/types';
import { startConsumers, type Consumer } from '../consumers';
import type { Logger } from '../log';
import { NodeControl, type NodeIdentity } from './node-control';
import type { Shard } from './shard';

/** A shard's engine. */
export interface Engine {
  readonly broker: Broker;
  readonly presence: PresenceManager;
  /** Resolves once the engine's connections are up, or after their connect timeout (never rejects). */
  ready(): Promise<void>;
  /** Connects the shard to other nodes (Redis or NATS broker): user actions, node list, surveys; shard 0 also runs the consumers. */
  attach(shard: Shard, identity: NodeIdentity): void;
  /** Stops timers and closes connections, so the thread's loop can empty. */
  close(): void;
}

/** Builds the engine the config names for shard `shardId`. */
export function createEngine(config: Config, shardId: number, log: Logger): Engine {
  const parts = createEngineParts(config, shardId, log);
  let control: NodeControl | null = null;
  let consumers: Consumer | null = null;
  return {
    broker: parts.broker,
    presence: parts.presence,
    ready: () => parts.ready(),
    attach(shard, identity) {
      if (shardId === 0) consumers = startConsumers(config.consumers, consumedCommands({ shard, node: identity }, log), log);
      const bus = parts.controlBus(identity.uid);
      if (!bus) return;
      shard.bus = bus;
      shard.nodeUid = identity.uid;
      if (shardId !== 0) return;
      control = new NodeControl(bus, identity, shard, parts.controlTimeout, log);
      shard.nodeControl = control;
      const started = control;
      void parts.controlReady().then(() => started.start());
    },
    close() {
      control?.stop();
      void consumers?.close();
      parts.close();
    },
  };
}
