/**
 * The `process` and `metrics` fields of a node in the `info` API, as
 * Centrifugo's api.proto names them: the process's CPU use and resident
 * memory, and a few node metrics under Centrifugo's metric names.
 */
import type { ShardStats } from '../stats';

/** `process` of a node: CPU use, percent of one core, and resident set size, bytes. */
export interface ProcessStats {
  readonly cpu: number;
  readonly rss: number;
}

/** `metrics` of a node: values by name, and the seconds the counters among them cover. */
export interface NodeMetrics {
  /** Seconds: the counters are totals since the node started. */
  readonly interval: number;
  readonly items: Readonly<Record<string, number>>;
}

let last = { at: performance.now(), usage: process.cpuUsage() };

/**
 * The whole process's CPU use (every thread) since the previous call on this
 * thread, or since the thread started, in percent of one core; and its RSS.
 */
export function processStats(): ProcessStats {
  const now = performance.now();
  const usage = process.cpuUsage();
  const busyMs = (usage.user - last.usage.user + usage.system - last.usage.system) / 1000;
  const wallMs = now - last.at;
  last = { at: now, usage };
  return { cpu: wallMs > 0 ? Math.round((busyMs / wallMs) * 1000) / 10 : 0, rss: process.memoryUsage.rss() };
}

/** The node's metrics from its shards' counts: gauges as they are now, counters since start. */
export function nodeMetrics(shards: readonly ShardStats[], uptime: number): NodeMetrics {
  const sum = (pick: (s: ShardStats) => number): number => shards.reduce((n, s) => n + pick(s), 0);
  return {
    interval: uptime,
    items: {
      'centrifugo.node.num_clients': sum((s) => s.num_clients),
      'centrifugo.node.num_users': sum((s) => s.num_users),
      'centrifugo.node.num_channels': sum((s) => s.owned_channels),
      'centrifugo.node.num_subscriptions': sum((s) => s.num_subs),
      // With the shards' own Redis subscriptions (direct.subscribed_publications) a publication counts once per subscribing shard.
      'switchyard.node.publications_fanned_out': sum((s) => s.publications_fanned_out + s.direct.subscribed_publications),
      'switchyard.node.frames_published': sum((s) => s.frames_published),
      'switchyard.node.delta_publications': sum((s) => s.delta_publications),
      'switchyard.node.fanout_dropped': sum((s) => s.fanout_dropped),
    },
  };
}
