/**
 * The load generators a fan-out ladder can run on, behind one interface:
 *
 * * `node`: piscina worker threads holding `ws` client connections, and a
 *   publisher on the benchmark's main thread (bench/loadgen/). It speaks every
 *   protocol the benchmarks need (JSON and Protobuf, delta subscriptions,
 *   client-side publish) but costs more CPU per delivery than a server.
 * * `native`: a C epoll program in its own process (bench/native/): JSON
 *   over bidirectional WebSocket and the HTTP API only, at a small fraction
 *   of that CPU, so the server rather than the load generator is the limit.
 *
 * Either one opens a *driver* per started server: its subscribers connected
 * and its publisher ready, running steps that return the same StepResult.
 */
import type { Target } from '../common/targets';
import { LoadGenerator } from '../loadgen/pool';
import { openTransport } from '../loadgen/transport';
import { NativeGenerator } from '../native/driver';
import { DEFAULT_BOUNDS, prime, runStep, type StepContext, type StepResult, type StepTiming, type SustainBounds } from './step';
import { subscriberChannels, type Workload } from './workload';

/** Which load generator. */
export type LoadgenKind = 'node' | 'native';

/** Every kind, for option checks. */
export const LOADGEN_KINDS: readonly LoadgenKind[] = Object.freeze(['node', 'native']);

/** One server under a workload: subscribers connected, publisher ready. */
export interface StepDriver {
  /** Subscriber connections opened, and how long opening them took, s. */
  readonly connections: number;
  readonly connectSeconds: number;
  /** Publishes at `offeredRate` deliveries/s for `durationMs` without measuring, then waits for quiet (JIT warm-up). */
  prime(offeredRate: number, durationMs: number): Promise<void>;
  /** One measured step at `offeredRate` deliveries/s. */
  step(offeredRate: number, timing: StepTiming, bounds?: SustainBounds): Promise<StepResult>;
  /** Closes the publisher and the subscribers (the server keeps running). */
  close(): Promise<void>;
}

/** A load generator that can put servers under load, one driver per server. */
export interface Generator {
  readonly kind: LoadgenKind;
  /** Threads that hold subscriber connections (Node: piscina workers; native: receiver threads). */
  readonly workers: number;
  /** Connects a workload's subscribers and publisher to a started server. */
  open(target: Target, workload: Workload): Promise<StepDriver>;
  /** Ends the generator (its threads). */
  close(): Promise<void>;
  /** Native only: why the niceness asked for could not be set, once a driver found out; null otherwise. */
  readonly niceRefused?: string | null;
}

/** The Node load generator behind the Generator interface. */
export class NodeGenerator implements Generator {
  readonly kind = 'node' as const;

  constructor(
    /** The pool the drivers' sessions live in. */
    readonly pool: LoadGenerator,
  ) {}

  get workers(): number {
    return this.pool.workers;
  }

  async open(target: Target, workload: Workload): Promise<StepDriver> {
    const channels = subscriberChannels(workload);
    const session = await this.pool.open(target.wsUrl, channels);
    let transport;
    try {
      transport = await openTransport(workload.transport, target);
    } catch (err) {
      await session.close();
      throw err;
    }
    const context: StepContext = { target, session, transport, workload, workers: this.pool.workers };
    return {
      connections: channels.length,
      connectSeconds: (session.opened.readyAt - session.opened.startedAt) / 1000,
      prime: (rate, ms) => prime(context, rate, ms),
      step: (rate, timing, bounds = DEFAULT_BOUNDS) => runStep(context, rate, timing, bounds),
      close: async () => {
        await transport.close();
        await session.close();
      },
    };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** The load generator a run asked for: FanoutOptions's fields of the same names (options.ts). */
export interface LoadgenChoice {
  readonly loadgen: LoadgenKind;
  /** Threads holding subscribers. */
  readonly workers: number;
  /** Native only: due publications wait for an idle API connection. */
  readonly noPipelining: boolean;
  /** Native only: the niceness of its threads (undefined: inherited). */
  readonly loadgenNice?: number;
}

/** Starts the load generator `choice` names (the native one builds its binary first if needed). */
export function startGenerator(choice: LoadgenChoice): Generator {
  return choice.loadgen === 'native'
    ? new NativeGenerator(choice.workers, choice.noPipelining, choice.loadgenNice)
    : new NodeGenerator(LoadGenerator.start(choice.workers));
}

/** `options` as the run went: with the reason `generator` refused the niceness asked for, when it did (for the report). */
export function asRun<T extends LoadgenChoice>(options: T, generator: Generator): T & { readonly loadgenNiceRefused?: string } {
  const refused = generator.niceRefused ?? null;
  return refused === null ? options : { ...options, loadgenNiceRefused: refused };
}
