/**
 * The fan-out guard (`npm run bench:guard`, issues 6 and 12): its decision
 * passes measured-like ratios near the calibrated medians and fails a 1.5×
 * regression, and a deliberately slowed switchyard (SWITCHYARD_BENCH_DELAY_MS,
 * a busy wait per publication injected by the bench-side preload) makes a
 * quick real run of the guard exit 1 with FAIL lines, the many-channel
 * check's among them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { decide, limitOf, outcomeLine } from '../bench/guard/decide';
import { CHECKS } from '../bench/guard/thresholds';

const GUARD = join(__dirname, '..', 'bench', 'guard', 'index.js');

/** Measured-like values: a base scaled by small deviations, as three runs of one system give. */
function samples(base: number, deviations: readonly number[]): number[] {
  return deviations.map((d) => base * d);
}

/** The subject's values at a given ratio to the yardstick. */
function subjectAt(yardstick: readonly number[], ratio: number): number[] {
  return yardstick.map((v) => v * ratio);
}

/** Yardstick values like those measured for each check (p50 ms, deliveries/s, µs per delivery, µs per publication). */
const YARDSTICK: Record<string, number[]> = {
  p50: samples(3.8, [0.95, 1, 1.07]),
  throughput: samples(118_000, [0.97, 1, 1.01]),
  cpu: samples(15.5, [0.96, 1, 1.05]),
  channelsCpu: samples(40, [0.95, 1, 1.04]),
};

describe('guard decision', () => {
  for (const spec of Object.values(CHECKS)) {
    const yardstick = YARDSTICK[spec.id]!;
    const worse = spec.better === 'lower' ? 1.5 : 1 / 1.5;

    test(`${spec.id}: passes at the calibrated ratio and within ±10% of it`, () => {
      for (const drift of [1, 0.9, 1.1]) {
        const outcome = decide(spec, subjectAt(yardstick, spec.calibratedRatio * drift), yardstick);
        assert.equal(outcome.passed, true, outcomeLine(outcome, 'switchyard', 'uWS'));
      }
    });

    test(`${spec.id}: fails a 1.5× regression from the calibrated ratio`, () => {
      const outcome = decide(spec, subjectAt(yardstick, spec.calibratedRatio * worse), yardstick);
      assert.equal(outcome.passed, false, outcomeLine(outcome, 'switchyard', 'uWS'));
      assert.match(outcomeLine(outcome, 'switchyard', 'uWS'), /^FAIL {2}.*must be [≤≥] \d/);
    });

    test(`${spec.id}: the margin sits between the noise and a 1.5× regression`, () => {
      assert.ok(spec.margin > 1.1 && spec.margin < 1.5, `margin ${spec.margin}`);
      const limit = limitOf(spec);
      assert.ok(spec.better === 'lower' ? limit > spec.calibratedRatio : limit < spec.calibratedRatio);
    });
  }

  test('uses medians, so one wild sample does not decide', () => {
    const spec = CHECKS.p50;
    const yardstick = YARDSTICK['p50']!;
    const subject = subjectAt(yardstick, spec.calibratedRatio);
    subject[1] = subject[1]! * 10; // one disturbed run
    assert.equal(decide(spec, subject, yardstick).passed, true);
  });

  test('a missing measurement fails rather than passes', () => {
    assert.equal(decide(CHECKS.throughput, [Number.NaN], [100_000]).passed, false);
  });
});

test('a deliberately slowed switchyard fails the guard (quick real run)', { timeout: 150_000 }, async () => {
  const child = spawn(process.execPath, [GUARD, '--quick'], {
    env: { ...process.env, SWITCHYARD_BENCH_DELAY_MS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 1, output);
  assert.match(output, /deliberately slowed/);
  assert.match(output, /^guard: FAIL {2}/m);
  assert.match(output, /^guard: FAILED \d of 4 checks/m);
  assert.match(output, /^guard: FAIL {2}server CPU per publication, 1,000 channels/m);
});
