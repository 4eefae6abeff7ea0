/**
 * The bus between switchyard processes (nodes): PUB/SUB of node control
 * messages to every node or to one node by uid. Implemented over Redis
 * (redis/node-bus.ts); node control (src/shards/cluster) speaks over it.
 */

/** PUB/SUB between nodes; implemented over Redis (redis/node-bus.ts). */
export interface NodeBus {
  /** Publishes to every node (`to` null) or to one node by uid. */
  publish(to: string | null, message: string): Promise<void>;
  /** Starts receiving messages for every node and for this one. */
  listen(onMessage: (message: string) => void): Promise<void>;
}
