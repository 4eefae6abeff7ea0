/**
 * A server under load, ready for steps: the server started, its subscribers
 * connected, the publisher's transport open, and a short unmeasured publish
 * so no measured step pays for JIT warm-up. The guard and bench:features keep
 * several side by side and alternate their steps.
 */
import { launchTarget, type LaunchOptions, type SystemSpec, type Target } from '../common/targets';
import type { LoadGenerator } from '../loadgen/pool';
import { openTransport } from '../loadgen/transport';
import { prime, type StepContext } from './step';
import { subscriberChannels, type Workload } from './workload';

/** What to start. */
export interface RunningSpec {
  readonly spec: SystemSpec;
  readonly workload: Workload;
  readonly launch?: LaunchOptions;
  /** Extra fields of every subscribe command (e.g. `{"delta":"fossil"}`). */
  readonly subscribe?: Readonly<Record<string, unknown>>;
  /** Subscribers offer permessage-deflate. */
  readonly deflate?: boolean;
  /** The unmeasured publish: offered deliveries/s and how long, ms. */
  readonly primeRate: number;
  readonly primeMs: number;
}

/** A started server with its subscribers and publisher. */
export interface Running {
  readonly target: Target;
  readonly context: StepContext;
  /** Closes the publisher and the subscribers, then stops the server. */
  close(): Promise<void>;
}

/** Starts a server, connects its subscribers and publisher, and primes it; stops the server if any of that fails. */
export async function startRunning(loadgen: LoadGenerator, what: RunningSpec): Promise<Running> {
  const target = await launchTarget(what.spec, what.launch);
  try {
    const session = await loadgen.open(target.wsUrl, subscriberChannels(what.workload), what.subscribe, undefined, what.deflate === true);
    const transport = await openTransport(what.workload.transport, target);
    const context: StepContext = { target, session, transport, workload: what.workload, workers: loadgen.workers };
    await prime(context, what.primeRate, what.primeMs);
    return {
      target,
      context,
      close: async () => {
        await transport.close();
        await session.close();
        await target.stop();
      },
    };
  } catch (err) {
    await target.stop();
    throw err;
  }
}
