/**
 * How busy the machine is with other work. On a shared VM other processes
 * (someone's test run) can take a core for seconds; a benchmark can check
 * first, say so, and wait a little for a quieter moment.
 */
import { availableParallelism } from 'node:os';
import { sleep } from './clock';
import { say } from './output';
import { machineBusy, machineTicks } from './proc';

/** Other processes using at least this many cores during a step make it disturbed. */
export const DISTURBED_CORES = 0.3;

/** Cores busy over the next `sampleMs` (the whole machine). */
export async function busyCores(sampleMs = 1000): Promise<number> {
  const before = machineTicks();
  await sleep(sampleMs);
  return machineBusy(before, machineTicks()) * availableParallelism();
}

/**
 * Waits until fewer than `maxCores` cores are busy (sampled each second), at
 * most `timeoutMs`; resolves with the last reading.
 */
export async function waitForQuiet(maxCores: number, timeoutMs: number): Promise<number> {
  const until = Date.now() + timeoutMs;
  let cores = await busyCores();
  while (cores >= maxCores && Date.now() < until) cores = await busyCores();
  return cores;
}

/** Says so when other work keeps the machine busy before a benchmark starts (sampled for a second). */
export async function noteIfBusy(): Promise<void> {
  const cores = await busyCores();
  if (cores >= DISTURBED_CORES) say(`note: the machine is busy with other work (${cores.toFixed(2)} cores); figures will be disturbed`);
}
