/*
 * src/metrics/: Prometheus metrics: what each shard counts (this file), how
 * the acceptor gathers the shards' registries into one exposition or a JSON
 * snapshot (gather.ts), and the names (names.ts). May import: common, config.
 */
/**
 * One shard's metrics. Hot paths only bump plain numbers (a property
 * increment per event, or per fan-out frame); the prom-client registry reads
 * them in its `collect` hooks when the acceptor asks for a snapshot, so a
 * delivery costs no label hashing. Durations go to prom-client histograms
 * through children bound once per label set.
 *
 * Metrics named `centrifugo_*` keep Centrifugo's names and labels and are
 * summed over shards by the acceptor; `switchyard_shard_*` ones get a `shard`
 * label there instead.
 */
import { Counter, Gauge, Histogram, Registry, type LabelValues } from 'prom-client';
import { toJson, type MetricJson } from './json';
import { COMMAND_BUCKETS, LATENCY_BUCKETS, Names } from './names';

/** Numbers a shard reads at scrape time (gauges and counters kept elsewhere). */
export interface ShardGauges {
  connections(): number;
  users(): number;
  subscriptions(): number;
  ownedChannels(): number;
  /** The shard's mailbox: bytes waiting to be read, overflow queued to peers, full refusals and wake-ups received. */
  mailbox(): { readonly pendingBytes: number; readonly queuedBytes: number; readonly queuedRecords: number; readonly full: number; readonly wakeups: number };
  fanoutDropped(): number;
}

/** Counts by one label value (a transport, a message type, a method). */
export type CountMap = Map<string, number>;

/** Adds `n` to `key` of `map`. */
export function bump(map: CountMap, key: string, n = 1): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

/** What the Writer counts: messages written to clients, by transport and frame type (`reply`, `publication`). */
export interface WriteCounters {
  readonly replies: CountMap;
  readonly publications: CountMap;
}

/** A shard's metric state; every hot-path counter is a plain number or map. */
export class ShardMetrics {
  /** Messages this shard (as owner) sent to the broker, by type (publication, join, leave). */
  readonly nodeSent: CountMap = new Map();
  /** Messages this shard (as owner) received from the broker, by type. */
  readonly nodeReceived: CountMap = new Map();
  /** Commands received from clients, by `transport\0method`. */
  readonly received: CountMap = new Map();
  /** Error replies, by `method\0code`. */
  readonly replyErrors: CountMap = new Map();
  /** Server-side disconnects, by code. */
  readonly disconnects: CountMap = new Map();
  readonly writes: WriteCounters = { replies: new Map(), publications: new Map() };
  /** Publish times (ms, `performance.timeOrigin` based) of fan-out records not yet written; observed at the next write. */
  private readonly pendingStamps: number[] = [];
  private readonly registry: Registry | null;
  private readonly commandChildren = new Map<string, { observe(v: number): void }>();
  private readonly apiChildren = new Map<string, { observe(v: number): void }>();
  private readonly commandHistogram: Histogram | null = null;
  private readonly apiHistogram: Histogram | null = null;
  private readonly latency: Histogram | null = null;

  /** `enabled`: `prometheus.enabled`; when false nothing is registered and the observe methods do nothing. */
  constructor(
    readonly enabled: boolean,
    private readonly gauges: ShardGauges,
  ) {
    this.registry = enabled ? new Registry() : null;
    if (!this.registry) return;
    const registers = [this.registry];
    this.commandHistogram = new Histogram({ name: Names.commandDuration, help: 'Client command duration histogram.', labelNames: ['method', 'channel_namespace'], buckets: [...COMMAND_BUCKETS], registers });
    this.apiHistogram = new Histogram({ name: Names.apiDuration, help: 'Duration of API per command.', labelNames: ['protocol', 'method'], buckets: [...COMMAND_BUCKETS], registers });
    this.latency = new Histogram({ name: Names.publishToWrite, help: 'Seconds from a publication leaving its owner shard to its write to the subscribers of this shard.', buckets: [...LATENCY_BUCKETS], registers });
    this.registerCollected(registers);
  }

  /** A client command took `seconds`. */
  observeCommand(method: string, seconds: number): void {
    if (!this.commandHistogram) return;
    let child = this.commandChildren.get(method);
    if (!child) {
      child = this.commandHistogram.labels(method, '');
      this.commandChildren.set(method, child);
    }
    child.observe(seconds);
  }

  /** A server API call took `seconds`. */
  observeApi(method: string, seconds: number): void {
    if (!this.apiHistogram) return;
    let child = this.apiChildren.get(method);
    if (!child) {
      child = this.apiHistogram.labels('http', method);
      this.apiChildren.set(method, child);
    }
    child.observe(seconds);
  }

  /** A fan-out record stamped `at` (ms) arrived; its latency is observed when the Writer writes it. */
  noteFanout(at: number): void {
    if (this.latency && at > 0) this.pendingStamps.push(at);
  }

  /** The Writer wrote what was queued: observe the pending fan-out latencies. */
  written(): void {
    if (!this.latency || this.pendingStamps.length === 0) return;
    const now = performance.timeOrigin + performance.now();
    for (const at of this.pendingStamps) this.latency.observe(Math.max(0, now - at) / 1000);
    this.pendingStamps.length = 0;
  }

  /** The registry's metrics as JSON (prom-client's format); [] when disabled. */
  async snapshot(): Promise<MetricJson[]> {
    return this.registry ? toJson(await this.registry.getMetricsAsJSON()) : [];
  }

  private registerCollected(registers: Registry[]): void {
    const g = this.gauges;
    const gauge = (name: string, help: string, read: () => number): void => {
      new Gauge({ name, help, registers, collect() { this.set(read()); } });
    };
    gauge(Names.numClients, 'Number of clients connected.', () => g.connections());
    gauge(Names.numUsers, 'Number of unique users connected (summed over shards: a user on two shards counts twice).', () => g.users());
    gauge(Names.numSubscriptions, 'Number of subscriptions.', () => g.subscriptions());
    gauge(Names.numChannels, 'Number of channels with one or more subscribers.', () => g.ownedChannels());
    gauge(Names.shardConnections, 'Client connections of this shard.', () => g.connections());
    gauge(Names.shardOwnedChannels, 'Channels this shard owns.', () => g.ownedChannels());
    gauge(Names.shardMailboxPendingBytes, "Bytes other shards wrote to this shard's mailbox rings and it has not read yet (mailbox depth).", () => g.mailbox().pendingBytes);
    gauge(Names.shardMailboxQueuedBytes, "Bytes waiting in this shard's outgoing mailbox overflow queues (rings full).", () => g.mailbox().queuedBytes);
    gauge(Names.shardMailboxQueuedRecords, "Records waiting in this shard's outgoing mailbox overflow queues.", () => g.mailbox().queuedRecords);
    const counter = (name: string, help: string, labelNames: string[], read: () => [LabelValues<string>, number][]): void => {
      new Counter({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          for (const [labels, value] of read()) this.inc(labels, value);
        },
      });
    };
    const byKey = (map: CountMap, split: (key: string) => LabelValues<string>): [LabelValues<string>, number][] =>
      [...map].map(([key, value]) => [split(key), value]);
    counter(Names.messagesSent, 'Number of messages sent by node to broker.', ['type', 'channel_namespace'], () =>
      byKey(this.nodeSent, (type) => ({ type, channel_namespace: '' })));
    counter(Names.messagesReceived, 'Number of messages received from broker.', ['type', 'channel_namespace'], () =>
      byKey(this.nodeReceived, (type) => ({ type, channel_namespace: '' })));
    counter(Names.replyErrors, 'Number of errors in replies sent to clients.', ['method', 'code', 'channel_namespace'], () =>
      byKey(this.replyErrors, (key) => { const [method = '', code = ''] = key.split('\0'); return { method, code, channel_namespace: '' }; }));
    counter(Names.serverDisconnects, 'Number of server initiated disconnects.', ['code'], () => byKey(this.disconnects, (code) => ({ code })));
    counter(Names.transportSent, 'Number of messages sent to client connections over specific transport.', ['transport', 'frame_type', 'channel_namespace'], () => [
      ...byKey(this.writes.replies, (transport) => ({ transport, frame_type: 'reply', channel_namespace: '' })),
      ...byKey(this.writes.publications, (transport) => ({ transport, frame_type: 'publication', channel_namespace: '' })),
    ]);
    counter(Names.transportReceived, 'Number of messages received from client connections over specific transport.', ['transport', 'frame_type', 'channel_namespace'], () =>
      byKey(this.received, (key) => { const [transport = '', frame_type = ''] = key.split('\0'); return { transport, frame_type, channel_namespace: '' }; }));
    counter(Names.shardMailboxFull, 'Mailbox posts of this shard refused because the ring and its overflow were full.', [], () => [[{}, g.mailbox().full]]);
    counter(Names.shardWakeups, 'Times this shard was woken from sleep on its mailbox by a sender.', [], () => [[{}, g.mailbox().wakeups]]);
    counter(Names.shardFanoutDropped, 'Fan-outs this shard (as owner) could not post to a full mailbox (subscribers there were disconnected with 3008).', [], () => [[{}, g.fanoutDropped()]]);
  }
}
