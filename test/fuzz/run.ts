/**
 * The fuzz runner: `npm run fuzz` (1,000,000 cases over every target) or
 * `node dist/fuzz/main.js --cases N --seed S [--target NAME]`. Each case
 * must end in one of its target's documented outcomes (targets.ts) within
 * 100 ms; a slower case is run again, and fails only when it is slow
 * every time (a GC pause on a busy machine is not a hang). A failure is shrunk by
 * fast-check to a small input, printed with the seed to replay it, and the
 * process exits 1; add the input to test/fuzz-regressions.test.ts.
 */
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { FuzzFailure, TARGETS, type FuzzTarget } from './targets';

/** Longest a case may take, ms. */
export const CASE_LIMIT_MS = 100;

/** How often a slow case is run again before it counts as a hang. */
const RERUNS = 3;

/** What one target's run did. */
export interface TargetReport {
  readonly name: string;
  readonly cases: number;
  readonly ms: number;
  /** The slowest case, ms. */
  readonly slowestMs: number;
  /** The failure, shrunk, or null. */
  readonly failure: string | null;
}

/** Runs `cases` inputs through one target with a seed; never throws. */
export function fuzzTarget(target: FuzzTarget, cases: number, seed: number): TargetReport {
  let slowestMs = 0;
  const started = performance.now();
  const timed = (input: unknown): void => {
    const t0 = performance.now();
    target.run(input);
    let took = performance.now() - t0;
    // A slow case runs again (up to RERUNS times): only one slow every time is a hang, not a pause of a busy machine.
    for (let i = 0; i < RERUNS && took > CASE_LIMIT_MS; i++) {
      const t1 = performance.now();
      target.run(input);
      took = Math.min(took, performance.now() - t1);
    }
    if (took > CASE_LIMIT_MS) throw new FuzzFailure(`${target.name}: a case took ${took.toFixed(1)} ms (limit ${CASE_LIMIT_MS} ms)`);
    slowestMs = Math.max(slowestMs, took);
  };
  const details = fc.check(fc.property(target.input, timed), { numRuns: cases, seed, endOnFailure: false });
  const failure = details.failed
    ? `${String(details.errorInstance instanceof Error ? details.errorInstance.message : details.errorInstance)}\n  input: ${JSON.stringify(details.counterexample?.[0], (_k, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : v))?.slice(0, 2000)}\n  replay: --target ${target.name} --seed ${seed} (path ${details.counterexamplePath})`
    : null;
  return { name: target.name, cases: details.numRuns, ms: performance.now() - started, slowestMs, failure };
}

/** Runs every target (or the named one) with `total` cases split evenly; the reports. */
export function fuzzAll(total: number, seed: number, only?: string): TargetReport[] {
  const targets = only ? TARGETS.filter((t) => t.name === only) : TARGETS;
  if (targets.length === 0) throw new Error(`no fuzz target named ${only}; targets: ${TARGETS.map((t) => t.name).join(', ')}`);
  const each = Math.ceil(total / targets.length);
  return targets.map((t, i) => fuzzTarget(t, each, seed + i));
}

function argument(argv: readonly string[], name: string, fallback: string): string {
  // The last one wins: `npm run fuzz -- --cases 5000` overrides the script's own --cases.
  const at = argv.lastIndexOf(`--${name}`);
  return at >= 0 && argv[at + 1] !== undefined ? argv[at + 1]! : fallback;
}

/**
 * The command line (fuzz/main.ts): runs, prints a line per target and a
 * closing `N passed, N failed`, and returns the exit code.
 */
export function fuzzMain(argv: readonly string[], write: (line: string) => void): number {
  const cases = Number(argument(argv, 'cases', '1000000'));
  const seed = Number(argument(argv, 'seed', String(Date.now() % 2 ** 31)));
  const only = argument(argv, 'target', '');
  write(`fuzz: ${cases} cases, seed ${seed}, node ${process.version}`);
  const reports = fuzzAll(cases, seed, only || undefined);
  let failed = 0;
  let total = 0;
  let ms = 0;
  for (const r of reports) {
    total += r.cases;
    ms += r.ms;
    write(`${r.failure ? 'FAIL' : 'ok  '} ${r.name.padEnd(24)} ${String(r.cases).padStart(8)} cases ${(r.ms / 1000).toFixed(1).padStart(6)} s  slowest ${r.slowestMs.toFixed(1)} ms`);
    if (r.failure) {
      failed++;
      write(`  ${r.failure}`);
    }
  }
  write(`fuzz: ${total} cases in ${(ms / 1000).toFixed(1)} s, ${failed} target(s) failed`);
  write(`${reports.length - failed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}
