/**
 * The "deliberately slowed build" for the guard's self-test, kept entirely on
 * the bench side: when SWITCHYARD_BENCH_DELAY_MS is set, the launcher starts
 * the switchyard server process with `--require` of this file. Preloads run in
 * every thread, shards included, so in each shard this wraps the two fan-out
 * steps a publication takes one of, each called once per publication: the
 * owner's (`OwnedChannels.prototype.deliver`) and the direct one of channels
 * that need no owner (`DirectFanout.prototype.publish`), with a busy wait of
 * that many milliseconds: slower code, not just added latency. Nothing in
 * src/ reads the variable.
 *
 * If a method is renamed, this throws at start-up, so the self-test fails
 * loudly instead of silently testing nothing.
 */
import { OwnedChannels } from '../../src/shards/owner/owned-channels';
import { DirectFanout } from '../../src/shards/owner/direct-fanout';
import { DELAY_ENV } from './child';

const delayMs = Number(process.env[DELAY_ENV] ?? 0);

/** Wraps `name` of a prototype with the busy wait; throws when the method is gone. */
function slowDown(owner: string, proto: object, name: string): void {
  const prototype = proto as Record<string, unknown>;
  const original = prototype[name];
  if (typeof original !== 'function') throw new Error(`${DELAY_ENV}: ${owner}.prototype.${name} is gone; update bench/common/slow-hook.ts`);
  if (delayMs <= 0) return;
  prototype[name] = function slowed(this: unknown, ...args: unknown[]): unknown {
    const until = performance.now() + delayMs;
    while (performance.now() < until) {
      // Busy wait: the shard's thread is held, as a slower fan-out would hold it.
    }
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
}

slowDown('OwnedChannels', OwnedChannels.prototype, 'deliver');
slowDown('DirectFanout', DirectFanout.prototype, 'publish');
