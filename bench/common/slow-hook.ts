/**
 * The "deliberately slowed build" for the guard's self-test, kept entirely on
 * the bench side: when SWITCHYARD_BENCH_DELAY_MS is set, the launcher starts
 * the switchyard server process with `--require` of this file. Preloads run in
 * every thread, shards included, so in each shard this wraps the owner's
 * fan-out step (`OwnedChannels.prototype.deliver`, called once per
 * publication) with a busy wait of that many milliseconds: slower code, not
 * just added latency. Nothing in src/ reads the variable.
 *
 * If the method is renamed, this throws at start-up, so the self-test fails
 * loudly instead of silently testing nothing.
 */
import { OwnedChannels } from '../../src/shards/owner/owned-channels';
import { DELAY_ENV } from './child';

const delayMs = Number(process.env[DELAY_ENV] ?? 0);
const prototype = OwnedChannels.prototype as unknown as Record<string, unknown>;
const deliver = prototype['deliver'];
if (typeof deliver !== 'function') throw new Error(`${DELAY_ENV}: OwnedChannels.prototype.deliver is gone; update bench/common/slow-hook.ts`);
if (delayMs > 0) {
  prototype['deliver'] = function slowedDeliver(this: unknown, ...args: unknown[]): unknown {
    const until = performance.now() + delayMs;
    while (performance.now() < until) {
      // Busy wait: the shard's thread is held, as a slower fan-out would hold it.
    }
    return (deliver as (...a: unknown[]) => unknown).apply(this, args);
  };
}
