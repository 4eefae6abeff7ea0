/**
 * The channel setups bench:features compares, each a switchyard server whose
 * every channel has the setup's options (Centrifugo namespace options) and
 * subscribers that subscribe with the setup's extra fields. The load and the
 * payloads are the same for all; `baseline` is what every ratio is taken
 * against.
 */
import type { SystemSpec } from '../common/targets';

/** One channel setup. */
export interface FeatureVariant {
  /** Short name: ids, labels, `--variants`. */
  readonly name: string;
  /** What it is, in words (reports). */
  readonly description: string;
  /** Options of every channel; none for the baseline. */
  readonly channelOptions: Readonly<Record<string, unknown>>;
  /** Extra fields of every subscribe command; none for plain subscribers. */
  readonly subscribe: Readonly<Record<string, unknown>>;
  /** Prometheus metrics on, the server scraping its /metrics every this many ms; absent: off. */
  readonly metricsScrapeMs?: number;
  /** Tags of every publication; none by default. */
  readonly tags?: Readonly<Record<string, string>>;
  /** Config sections merged over the bench server's (e.g. WebSocket compression). */
  readonly server?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Subscribers offer permessage-deflate. */
  readonly deflate?: boolean;
  /** Another build's bench server entry (the `--before` build). */
  readonly entry?: string;
}

/** The tags of the tags-filter variants' publications, and a filter every one of them passes. */
const TICK_TAGS = Object.freeze({ kind: 'tick' });
const TICK_FILTER = Object.freeze({ key: 'kind', cmp: 'eq', val: 'tick' });

/** History retention of the history and delta variants (delta needs history in Centrifugo). */
const HISTORY = Object.freeze({ history_size: 100, history_ttl: '300s' });

/** Every known variant, in report order. */
export const VARIANTS: readonly FeatureVariant[] = Object.freeze([
  { name: 'baseline', description: 'no history, no delta; plain subscribers', channelOptions: {}, subscribe: {} },
  {
    name: 'history',
    description: 'history on (`history_size: 100`, `history_ttl: "300s"`, memory broker); plain subscribers (neither positioned nor recoverable)',
    channelOptions: HISTORY,
    subscribe: {},
  },
  {
    name: 'recovery',
    description: 'history on as above, and `force_recovery: true`: every subscription recoverable (and positioned)',
    channelOptions: { ...HISTORY, force_recovery: true },
    subscribe: {},
  },
  {
    name: 'delta',
    description:
      'history on as above, `allowed_delta_types: ["fossil"]`, `delta_publish: true`; subscribers ask `delta: "fossil"` and rebuild every payload from its patch (fossil-delta, checksum checked)',
    channelOptions: { ...HISTORY, allowed_delta_types: ['fossil'], delta_publish: true },
    subscribe: { delta: 'fossil' },
  },
  {
    name: 'metrics',
    description: 'the baseline with `prometheus.enabled: true`, /metrics scraped every 15 s (a common Prometheus scrape interval); a scrape\'s own CPU is measured apart (bench/README.md, "Metrics cost")',
    channelOptions: {},
    subscribe: {},
    metricsScrapeMs: 15_000,
  },
  {
    name: 'tagged',
    description: 'publications carry `tags: {"kind":"tick"}`; `allow_tags_filter: true`, but no subscriber sends a filter (the channel keeps its uWS topic)',
    channelOptions: { allow_tags_filter: true },
    subscribe: {},
    tags: TICK_TAGS,
  },
  {
    name: 'tags-filter',
    description:
      'as tagged, and every subscriber subscribes with `tf: {"key":"kind","cmp":"eq","val":"tick"}`, which every publication passes: the same deliveries, each written to its subscriber one by one instead of through the topic',
    channelOptions: { allow_tags_filter: true },
    subscribe: { tf: TICK_FILTER },
    tags: TICK_TAGS,
  },
  {
    name: 'compression',
    description: '`websocket.compression: true` (every message compressed), subscribers offer permessage-deflate (ws, which inflates each message)',
    channelOptions: {},
    subscribe: {},
    server: { websocket: { compression: true } },
    deflate: true,
  },
]);

/** The baseline on another build (`--before DIR`, DIR the other build's dist/): what this build's changes cost a channel without the new features. */
export function beforeVariant(dist: string): FeatureVariant {
  return {
    name: 'before',
    description: `no history, no delta; plain subscribers, on the build in ${dist} (the baseline's setup on the code before this build's change)`,
    channelOptions: {},
    subscribe: {},
    entry: `${dist.replace(/\/$/, '')}/bench/common/switchyard-server.js`,
  };
}

/** The variants a default run measures. */
export const DEFAULT_VARIANTS: readonly string[] = Object.freeze(['baseline', 'history', 'recovery', 'delta']);

/** The variant named `name`; throws naming the known ones. */
export function variantNamed(name: string): FeatureVariant {
  const found = VARIANTS.find((v) => v.name === name);
  if (!found) throw new Error(`unknown variant "${name}" (use ${VARIANTS.map((v) => v.name).join(', ')})`);
  return found;
}

/** switchyard with `shards` shard threads and the variant's channel options. */
export function variantSystem(variant: FeatureVariant, shards: number): SystemSpec {
  return {
    kind: 'switchyard',
    shards,
    channelOptions: variant.channelOptions,
    variant: variant.name,
    ...(variant.metricsScrapeMs ? { metricsScrapeMs: variant.metricsScrapeMs } : {}),
    ...(variant.server ? { serverConfig: variant.server } : {}),
    ...(variant.entry ? { entry: variant.entry } : {}),
  };
}
