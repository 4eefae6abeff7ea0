/** One-line summaries of steps for the terminal and CI logs. */
import { ms, rate } from '../common/stats';
import type { StepResult } from './step';

/** Flags of a step: who limited it. */
export function limitFlags(step: StepResult): string[] {
  const flags: string[] = [];
  if (step.loadGenerator.bound) flags.push('LOAD-GENERATOR-BOUND');
  if (step.machine.saturated) flags.push('MACHINE-SATURATED');
  return flags;
}

/** "switchyard ×2  200k/s: p50 3.21 p99 12.3 max 20.1 ms, 100.00% delivered, …". */
export function stepLine(label: string, step: StepResult): string {
  const l = step.latencyMs;
  const delivered = Number.isFinite(step.deliveredRatio) ? `${(step.deliveredRatio * 100).toFixed(2)}%` : 'n/a';
  return (
    `  ${label.padEnd(20)} ${rate(step.offeredRate).padStart(8)}: ` +
    `p50 ${ms(l.p50)} p90 ${ms(l.p90)} p99 ${ms(l.p99)} max ${ms(l.max)} ms, ${delivered} delivered, ${rate(step.throughput)} received, ` +
    `server ${step.server.cpuCores.toFixed(2)} cores (${step.server.cpuMicrosPerDelivery.toFixed(2)} µs/delivery` +
    (step.server.wakesPerDelivery !== undefined && Number.isFinite(step.server.wakesPerDelivery) ? `, ${step.server.wakesPerDelivery.toFixed(3)} wakes/delivery` : '') +
    '), ' +
    `load gen ${step.loadGenerator.cpuCores.toFixed(2)} cores (${(step.loadGenerator.utilization * 100).toFixed(0)}% of its share, event loop ${(step.loadGenerator.maxEventLoopUtilization * 100).toFixed(0)}%), ` +
    `machine ${(step.machine.busy * 100).toFixed(0)}% (others ${step.machine.otherCores.toFixed(2)} cores)` +
    (step.sustained ? '' : ' ✗') +
    (step.attempts > 1 ? ` (median of ${step.attempts})` : '') +
    limitFlags(step).map((f) => ` ${f}`).join('')
  );
}
