/**
 * Command-line options shared by bench:fanout and bench:sweep: the workload,
 * the ladder and the load generator. Every option has a default sized for a
 * 2-core VM; durations are in seconds.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { numberOption, OptionError } from '../common/args';
import { MIN_PAYLOAD_BYTES } from '../loadgen/payload';
import type { TransportKind } from '../loadgen/transport';
import { LOADGEN_KINDS, type LoadgenKind } from './generator';
import type { StepTiming, SustainBounds } from './step';
import { DEFAULT_WORKLOAD, type Workload } from './workload';

/** Options as parsed. */
export interface FanoutOptions {
  readonly workload: Workload;
  readonly rates: readonly number[];
  readonly timing: StepTiming;
  readonly bounds: SustainBounds;
  /** Unmeasured publishing at the first rate after the subscribers connected, before the first step, ms (`--prime` seconds). */
  readonly primeMs: number;
  /** Which load generator runs the ladders (`--loadgen node|native`). */
  readonly loadgen: LoadgenKind;
  /** Load-generator threads holding the subscribers: piscina workers (node) or receiver threads (native). */
  readonly workers: number;
  /** Systems, as parseSystem names. */
  readonly systems: readonly string[];
  /** Base name of the result files in bench/results. */
  readonly out: string;
  /** bench:sweep only: the dimensions to run (comma-separated), if given. */
  readonly only?: string;
  /** bench:fanout only: the workload point (`--point`), if given. */
  readonly point?: string;
  /** bench:fanout only: another build's dist/ (`--before DIR`); each switchyard system is then also measured on it. */
  readonly before?: string;
  /**
   * Native load generator only: a due publication waits for an idle API connection, as an HTTP client
   * pool does (the wait counts as latency), instead of being pipelined behind a request in flight, which
   * uWS answers by closing the connection when that request's answer is asynchronous. `--no-pipelining`
   * and `--pipelining` choose; otherwise the point's default (FanoutDefaults.pipelining).
   */
  readonly noPipelining: boolean;
  /**
   * Native load generator only: the niceness its threads run at (`--loadgen-nice=N`, an integer
   * -20..19, written with `=` since it may start with a dash; below 0 needs root or CAP_SYS_NICE),
   * else the point's default; undefined leaves the one it inherits. On a host whose cores the server
   * can fill, a load generator at the servers' priority waits for a core before it reads, and that
   * wait is measured as the server's latency.
   */
  readonly loadgenNice?: number;
  /** Set after a run whose load generator could not take `loadgenNice`: the reason it gave. */
  readonly loadgenNiceRefused?: string;
}

/** What a benchmark uses when an option is not given. */
export interface FanoutDefaults {
  readonly out: string;
  readonly systems: readonly string[];
  readonly rates: readonly number[];
  /** Measurement window of each step, s. */
  readonly windowSeconds: number;
  /** Unmeasured publishing before the first step, s (default 1). */
  readonly primeSeconds?: number;
  /** The workload options not given start from (default DEFAULT_WORKLOAD). */
  readonly workload?: Workload;
  /** The load generator when `--loadgen` is not given (default node; always node with `--transport ws`). */
  readonly loadgen?: LoadgenKind;
  /**
   * Whether the native generator pipelines a due publication behind a request in flight when every API
   * connection is busy, unless `--pipelining` or `--no-pipelining` says (default true). Ignored for the Node one.
   */
  readonly pipelining?: boolean;
  /** The native generator's niceness unless `--loadgen-nice` says (default: not set). Ignored for the Node one. */
  readonly loadgenNice?: number;
}

/** Default load-generator threads: two piscina workers (one per core here) or one native receiver thread. */
function defaultWorkers(loadgen: LoadgenKind): number {
  return loadgen === 'native' ? 1 : Math.min(2, availableParallelism());
}


/** Parses argv; `defaults` fills what is not given. */
export function parseFanoutOptions(argv: readonly string[], defaults: FanoutDefaults): FanoutOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      subscribers: { type: 'string' },
      channels: { type: 'string' },
      payload: { type: 'string' },
      transport: { type: 'string' },
      burst: { type: 'string' },
      rates: { type: 'string' },
      warmup: { type: 'string' },
      prime: { type: 'string' },
      window: { type: 'string' },
      drain: { type: 'string' },
      p99: { type: 'string' },
      workers: { type: 'string' },
      systems: { type: 'string' },
      out: { type: 'string' },
      only: { type: 'string' },
      point: { type: 'string' },
      loadgen: { type: 'string' },
      before: { type: 'string' },
      'no-pipelining': { type: 'boolean' },
      pipelining: { type: 'boolean' },
      'loadgen-nice': { type: 'string' },
    },
    strict: true,
  });
  const number = numberOption;
  const base = defaults.workload ?? DEFAULT_WORKLOAD;
  const transport = (values.transport ?? base.transport) as TransportKind;
  if (transport !== 'http' && transport !== 'ws') throw new OptionError(`--transport must be http or ws (got "${values.transport}")`);
  // Client-side publish needs the Node generator, which is then the default.
  const loadgen = (values.loadgen ?? (transport === 'ws' ? 'node' : (defaults.loadgen ?? 'node'))) as LoadgenKind;
  if (!LOADGEN_KINDS.includes(loadgen)) throw new OptionError(`--loadgen must be ${LOADGEN_KINDS.join(' or ')} (got "${values.loadgen}")`);
  if (loadgen === 'native' && transport !== 'http') throw new OptionError('--loadgen native publishes through the HTTP API only (use --transport http)');
  if (values['no-pipelining'] === true && values.pipelining === true) throw new OptionError('--pipelining and --no-pipelining contradict each other: give one');
  for (const flag of ['pipelining', 'no-pipelining'] as const) {
    if (values[flag] === true && loadgen !== 'native') throw new OptionError(`--${flag} is an option of the native load generator (--loadgen native)`);
  }
  const pipelining = values.pipelining === true || (values['no-pipelining'] !== true && (defaults.pipelining ?? true));
  const noPipelining = loadgen === 'native' && !pipelining;
  if (values['loadgen-nice'] !== undefined && loadgen !== 'native') throw new OptionError('--loadgen-nice is an option of the native load generator (--loadgen native)');
  const loadgenNice = loadgen === 'native' ? niceOption(values['loadgen-nice'], defaults.loadgenNice) : undefined;
  const workload: Workload = {
    subscribers: Math.round(number('subscribers', values.subscribers, base.subscribers, 1)),
    channels: Math.round(number('channels', values.channels, base.channels, 1)),
    payloadBytes: Math.round(number('payload', values.payload, base.payloadBytes, MIN_PAYLOAD_BYTES)),
    transport,
    burst: Math.round(number('burst', values.burst, base.burst, 1)),
  };
  if (workload.channels > workload.subscribers) throw new OptionError('--channels must not exceed --subscribers (every channel needs a subscriber)');
  const rates = values.rates === undefined ? defaults.rates : values.rates.split(',').map((r) => number('rates', r.trim().replace(/k$/i, '000'), 0, 1));
  return {
    workload,
    rates: [...rates].sort((a, b) => a - b),
    timing: {
      warmupMs: number('warmup', values.warmup, 0.5, 0) * 1000,
      windowMs: number('window', values.window, defaults.windowSeconds, 0.2) * 1000,
      drainMs: number('drain', values.drain, 3, 0.1) * 1000,
    },
    bounds: { p99Ms: number('p99', values.p99, 50, 0.1), deliveredRatio: 0.999 },
    primeMs: number('prime', values.prime, defaults.primeSeconds ?? 1, 0) * 1000,
    loadgen,
    workers: Math.round(number('workers', values.workers, defaultWorkers(loadgen), 1)),
    systems: values.systems === undefined ? defaults.systems : values.systems.split(',').map((s) => s.trim()),
    out: values.out ?? defaults.out,
    ...(values.only === undefined ? {} : { only: values.only }),
    ...(values.point === undefined ? {} : { point: values.point }),
    ...(values.before === undefined ? {} : { before: values.before }),
    noPipelining,
    ...(loadgenNice === undefined ? {} : { loadgenNice }),
  };
}

/** `--loadgen-nice`: an integer -20..19, or `inherit` for none; `fallback` when not given. */
function niceOption(text: string | undefined, fallback: number | undefined): number | undefined {
  if (text === undefined) return fallback;
  const trimmed = text.trim();
  if (trimmed === 'inherit') return undefined;
  const value = trimmed === '' ? Number.NaN : Number(trimmed);
  if (!Number.isInteger(value) || value < -20 || value > 19) throw new OptionError(`--loadgen-nice must be an integer -20..19 or "inherit" (got "${text}")`);
  return value;
}
