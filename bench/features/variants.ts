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
}

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
]);

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
  };
}
