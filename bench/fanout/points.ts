/**
 * The workload points of `npm run bench:fanout` (`--point`), each with its
 * own defaults (systems, ladder, load generator, result files); every option
 * given on the command line still overrides them.
 *
 * * `one-channel` (the default): S=1,000 subscribers on 1 channel, 100-byte
 *   messages, one `/api/publish` per publication: the fan-out of one
 *   publication to many subscribers. Ladder in deliveries/s.
 * * `many-channels`: C=1,000 channels with one subscriber each, 100-byte
 *   messages, one `/api/publish` per publication: many small fan-outs, where
 *   the server's work per publication (request, routing, hand-off between
 *   shards) is all there is. Deliveries = publications, so the ladder is in
 *   publications/s; run on the native load generator, since the Node one
 *   cannot publish fast enough without becoming the limit.
 */
import type { LoadgenKind } from './generator';
import type { FanoutDefaults } from './options';
import { DEFAULT_WORKLOAD, type Workload } from './workload';
import { OptionError } from '../common/args';

/** A point's name. */
export type FanoutPoint = 'one-channel' | 'many-channels';

/** Every point. */
export const FANOUT_POINTS: readonly FanoutPoint[] = Object.freeze(['one-channel', 'many-channels']);

/** The many-channel workload: 1,000 channels with one subscriber each, singly published. */
export const MANY_CHANNELS_WORKLOAD: Workload = Object.freeze({ ...DEFAULT_WORKLOAD, subscribers: 1000, channels: 1000 });

/**
 * The load generator of the one-channel point when `--loadgen` is not given:
 * the native one. With the Node generator every system's capacity on a
 * 2-core box is the generator's (about 40k deliveries/s, at twice the
 * server's CPU per delivery), so the ladder would compare load generators,
 * not servers. `--loadgen node` (and `--transport ws`, which only the Node
 * generator speaks) still runs it; bench/README.md compares the two.
 */
const ONE_CHANNEL_LOADGEN: LoadgenKind = 'native';

/** The one-channel point's load-generator niceness (`--loadgen-nice`; needs root or CAP_SYS_NICE, else reported and left). */
export const LOADGEN_NICE = -10;

/** The defaults of each point. */
export const POINT_DEFAULTS: Readonly<Record<FanoutPoint, FanoutDefaults>> = Object.freeze({
  'one-channel': {
    out: 'fanout',
    systems: ['uws', 'ws', 'switchyard-1', 'switchyard-2'],
    // Deliveries/s: where the servers top out with the native generator here (≥ 200k), and the Node generator's range (≈ 40k) below.
    rates: [10_000, 20_000, 40_000, 60_000, 80_000, 100_000, 150_000, 200_000, 300_000, 400_000, 500_000, 600_000, 800_000],
    windowSeconds: 2.5,
    workload: DEFAULT_WORKLOAD,
    loadgen: ONE_CHANNEL_LOADGEN,
    // Two shard threads fill both cores of a 2-core host during each fan-out; a load generator at their
    // priority waits for a core before it reads. ×2's p50 at 150k-300k deliveries/s was 1.27-1.29× uWS's
    // with the inherited niceness and 1.10-1.19× at -10, in one session (bench/README.md, "Its priority").
    loadgenNice: LOADGEN_NICE,
  },
  'many-channels': {
    out: 'fanout-channels',
    systems: ['uws', 'switchyard-1', 'switchyard-2', 'switchyard-redis-1', 'switchyard-redis-2'],
    // Publications/s (= deliveries/s: one subscriber per channel). Up to 150k: on a quiet Intel host
    // (2026-12-07) every system sustained 50k, and uWS and ×2 stopped at 100k, ×1 at 80k.
    rates: [1_000, 2_000, 3_000, 5_000, 7_500, 10_000, 15_000, 20_000, 25_000, 30_000, 40_000, 50_000, 60_000, 80_000, 100_000, 120_000, 150_000],
    windowSeconds: 2,
    // A server's CPU runs high for 10-20 s after 1,000 connections arrive (V8's background GC after the
    // handshakes: ×2 idle at 28 ms/s 5-15 s after connecting); the first steps, at 1k-3k publications/s,
    // would charge it to each publication (×2 4.22× uWS at 1k/s after 1 s of priming, 1.93× after 12 s).
    primeSeconds: 12,
    workload: MANY_CHANNELS_WORKLOAD,
    loadgen: 'native',
    // A due publication waits for an idle API connection, as the HTTP API clients' pools do. Pipelined
    // behind a Redis publish, whose answer is asynchronous, a request makes uWS close the connection
    // (bench/README.md, "Redis publish cost"), so the Redis ladders would measure lost connections.
    pipelining: false,
  },
});

/** The point named by `--point` in argv (default one-channel); throws on an unknown name. */
export function pointOf(argv: readonly string[]): FanoutPoint {
  let name: string | undefined;
  argv.forEach((arg, i) => {
    if (arg === '--point') name = argv[i + 1];
    else if (arg.startsWith('--point=')) name = arg.slice('--point='.length);
  });
  if (name === undefined) return 'one-channel';
  if (!FANOUT_POINTS.includes(name as FanoutPoint)) throw new OptionError(`--point must be ${FANOUT_POINTS.join(' or ')} (got "${name}")`);
  return name as FanoutPoint;
}
