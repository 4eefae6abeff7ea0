/**
 * The memory broker: one instance per shard, holding the channels that shard
 * owns. Publications are delivered back to the same shard synchronously,
 * history streams live in process memory and are lost on restart (a new
 * epoch tells clients so).
 */
import { randomBytes } from 'node:crypto';
import type { ClientInfo } from '../protocol/json';
import type {
  Broker,
  BrokerEvents,
  HistoryQuery,
  HistoryResult,
  Publication,
  PublishOptions,
  PublishResult,
  StreamPosition,
} from './broker';
import { UnrecoverablePositionError } from './broker';

interface Stream {
  epoch: string;
  offset: number;
  /** Retained publications with their expiry time (ms since epoch). */
  items: { pub: Publication; expiresAt: number }[];
  /** When the stream meta expires, ms since epoch; 0 = never. */
  metaExpiresAt: number;
  /** The last version published with one (PublishOptions.version), and its epoch; 0 for none. */
  version: number;
  versionEpoch: string;
}

const EPOCH_LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** A random 8-letter epoch, as Centrifugo's memory engine makes. */
export function newEpoch(): string {
  const bytes = randomBytes(8);
  let out = '';
  for (const b of bytes) out += EPOCH_LETTERS[b % EPOCH_LETTERS.length];
  return out;
}

/** In-memory Broker. */
export class MemoryBroker implements Broker {
  private events: BrokerEvents | null = null;
  private readonly subscribed = new Set<string>();
  private readonly streams = new Map<string, Stream>();
  /** Idempotency keys per channel: key → position and expiry (ms since epoch). */
  private readonly idempotent = new Map<string, Map<string, { position: StreamPosition; expiresAt: number }>>();
  private lastIdempotencySweep = 0;
  private readonly now: () => number;

  /** `now` is injectable for tests (ms since epoch). */
  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  async start(events: BrokerEvents): Promise<void> {
    this.events = events;
  }

  async publish(channel: string, pub: Omit<Publication, 'offset'>, opts: PublishOptions): Promise<PublishResult> {
    const now = this.now();
    if (opts.idempotencyKey) {
      const seen = this.idempotencyLookup(channel, opts.idempotencyKey, now);
      if (seen) return { position: seen, duplicate: true };
    }
    let position: StreamPosition = { offset: 0, epoch: '' };
    let stored: Publication = { ...pub, offset: 0 };
    let prev: Publication | undefined;
    const history = opts.history;
    if (history && history.size > 0 && history.ttl > 0) {
      const stream = this.stream(channel, history.metaTtl);
      if (opts.version) {
        if (stream.version >= opts.version && (!opts.versionEpoch || opts.versionEpoch === stream.versionEpoch)) {
          return { position: { offset: stream.offset, epoch: stream.epoch }, duplicate: true };
        }
        stream.version = opts.version;
        stream.versionEpoch = opts.versionEpoch ?? '';
      }
      this.trim(stream, history.size, now);
      const last = stream.items[stream.items.length - 1];
      if (opts.delta && last && last.pub.offset === stream.offset) prev = last.pub;
      stream.offset += 1;
      stored = { ...pub, offset: stream.offset };
      stream.items.push({ pub: stored, expiresAt: now + history.ttl });
      this.trim(stream, history.size, now);
      position = { offset: stream.offset, epoch: stream.epoch };
    }
    if (opts.idempotencyKey) this.idempotencyRemember(channel, opts.idempotencyKey, position, now + (opts.idempotentResultTtl ?? 300_000));
    if (this.subscribed.has(channel)) this.events?.onPublication(channel, stored, position, prev);
    return { position, duplicate: false };
  }

  private idempotencyLookup(channel: string, key: string, now: number): StreamPosition | undefined {
    const entry = this.idempotent.get(channel)?.get(key);
    return entry && entry.expiresAt > now ? entry.position : undefined;
  }

  private idempotencyRemember(channel: string, key: string, position: StreamPosition, expiresAt: number): void {
    let keys = this.idempotent.get(channel);
    if (!keys) {
      keys = new Map();
      this.idempotent.set(channel, keys);
    }
    keys.set(key, { position, expiresAt });
    // Expired keys are swept at most once a second, so memory stays bounded by the key rate × TTL.
    const clock = this.now();
    if (clock - this.lastIdempotencySweep < 1000) return;
    this.lastIdempotencySweep = clock;
    for (const [ch, entries] of this.idempotent) {
      for (const [k, e] of entries) if (e.expiresAt <= clock) entries.delete(k);
      if (entries.size === 0) this.idempotent.delete(ch);
    }
  }

  async publishJoin(channel: string, info: ClientInfo): Promise<void> {
    if (this.subscribed.has(channel)) this.events?.onJoin?.(channel, info);
  }

  async publishLeave(channel: string, info: ClientInfo): Promise<void> {
    if (this.subscribed.has(channel)) this.events?.onLeave?.(channel, info);
  }

  async subscribe(channel: string): Promise<void> {
    this.subscribed.add(channel);
  }

  async unsubscribe(channel: string): Promise<void> {
    this.subscribed.delete(channel);
  }

  async history(channel: string, query: HistoryQuery): Promise<HistoryResult> {
    const stream = this.stream(channel, query.metaTtl);
    const now = this.now();
    this.trim(stream, Number.MAX_SAFE_INTEGER, now);
    const position = { offset: stream.offset, epoch: stream.epoch };
    if (query.since && query.since.epoch !== '' && query.since.epoch !== stream.epoch) {
      throw new UnrecoverablePositionError();
    }
    let pubs = stream.items.map((i) => i.pub);
    if (query.since) {
      const at = query.since.offset;
      pubs = query.reverse ? pubs.filter((p) => p.offset < at) : pubs.filter((p) => p.offset > at);
    }
    if (query.reverse) pubs = pubs.reverse();
    if (query.limit === 0) pubs = [];
    else if (query.limit > 0) pubs = pubs.slice(0, query.limit);
    return { publications: pubs, position };
  }

  async removeHistory(channel: string): Promise<void> {
    const stream = this.streams.get(channel);
    if (stream) stream.items = [];
  }

  /**
   * Drops expired publications and streams whose meta expired, so memory is
   * bounded by live channels × history_size, not by every channel ever used.
   * The owner shard calls it periodically.
   */
  sweep(): void {
    const now = this.now();
    for (const [channel, stream] of this.streams) {
      if (stream.metaExpiresAt !== 0 && stream.metaExpiresAt <= now) {
        this.streams.delete(channel);
        continue;
      }
      this.trim(stream, Number.MAX_SAFE_INTEGER, now);
    }
  }

  /** Streams held (for stats and memory measurements). */
  get streamCount(): number {
    return this.streams.size;
  }

  async close(): Promise<void> {
    this.events = null;
    this.subscribed.clear();
    this.streams.clear();
    this.idempotent.clear();
  }

  /** The channel's stream, created (with a new epoch) when absent or its meta expired. */
  private stream(channel: string, metaTtl: number): Stream {
    const now = this.now();
    let stream = this.streams.get(channel);
    if (!stream || (stream.metaExpiresAt !== 0 && stream.metaExpiresAt <= now)) {
      stream = { epoch: newEpoch(), offset: 0, items: [], metaExpiresAt: 0, version: 0, versionEpoch: '' };
      this.streams.set(channel, stream);
    }
    stream.metaExpiresAt = metaTtl > 0 ? now + metaTtl : 0;
    return stream;
  }

  private trim(stream: Stream, size: number, now: number): void {
    let drop = 0;
    while (drop < stream.items.length && (stream.items[drop]!.expiresAt <= now || stream.items.length - drop > size)) drop++;
    if (drop > 0) stream.items.splice(0, drop);
  }
}
