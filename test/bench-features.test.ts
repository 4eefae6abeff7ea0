/**
 * The history and delta benchmark (`npm run bench:features`, issue 7): its
 * ticker payloads have the exact size and carry the stamp first; a delta
 * subscriber's reader rebuilds payloads from the server's own fossil patches
 * and push encoding, and refuses patches it cannot apply; and a short real
 * run against switchyard with delta subscribers reads every delivery and
 * receives fewer bytes per delivery than the baseline.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DeltaReader } from '../bench/loadgen/delta';
import { makeTickerPayload, MIN_TICKER_BYTES } from '../bench/loadgen/payload';
import type { VariantFigures } from '../bench/features/summary';
import { encodeDeltaPublication, encodePush } from '../src/protocol/json';
import { encodeFossilPatch } from '../src/shards/owner/delta';

const FEATURES = join(__dirname, '..', 'bench', 'features', 'index.js');
const RESULTS_TMP = join(__dirname, '..', '..', 'bench', 'results', 'tmp');

/** The push line a delta subscriber gets: the full payload, or a patch against `previous`. */
function deltaPush(previous: string | null, payload: string, offset: number): Buffer {
  const patch = previous === null ? null : encodeFossilPatch(previous, payload);
  const pub = { data: payload, offset };
  return Buffer.from(encodePush('bench-0', 'pub', patch === null ? encodeDeltaPublication(pub) : encodeDeltaPublication(pub, patch)));
}

describe('ticker payload', () => {
  test('is exactly the requested size, valid JSON, stamp first, and moves a little each time', () => {
    for (const bytes of [MIN_TICKER_BYTES, 200, 300, 500]) {
      for (const sequence of [0, 1, 7, 12_345, 9_999_999]) {
        const text = makeTickerPayload(123_456.789, sequence, bytes);
        assert.equal(text.length, bytes, `${bytes} bytes, sequence ${sequence}`);
        const quote = JSON.parse(text) as Record<string, unknown>;
        assert.equal(Object.keys(quote)[0], 't');
        assert.equal(quote['t'], 123_456.789);
        assert.equal(quote['n'], sequence);
        assert.ok(Math.abs((quote['ask'] as number) - (quote['bid'] as number) - 0.04) < 1e-9);
      }
    }
    const a = makeTickerPayload(1000, 41, 300);
    const b = makeTickerPayload(1001, 42, 300);
    assert.notEqual(a, b);
    const patch = encodeFossilPatch(a, b);
    assert.ok(patch !== null && patch.length < b.length / 2, `patch of ${patch?.length} bytes for a ${b.length}-byte payload`);
  });
});

describe('delta reader', () => {
  test('rebuilds every payload from the server encoding of full publications and patches', () => {
    const reader = new DeltaReader();
    let previous: string | null = null;
    let patches = 0;
    for (let i = 0; i < 50; i++) {
      const stamp = 5000 + i * 1.25;
      const payload = makeTickerPayload(stamp, i, 300);
      const line = deltaPush(previous, payload, i + 1);
      if (line.includes('"delta":true')) patches++;
      assert.equal(reader.stampOf(line, 0, line.length), stamp, `publication ${i}`);
      previous = payload;
    }
    assert.ok(patches >= 45, `${patches} of 50 publications went as patches`);
  });

  test('reads a line inside a frame of several', () => {
    const reader = new DeltaReader();
    const first = deltaPush(null, makeTickerPayload(10, 1, 300), 1);
    const second = deltaPush(makeTickerPayload(10, 1, 300), makeTickerPayload(11, 2, 300), 2);
    const frame = Buffer.concat([first, Buffer.from('\n'), second]);
    assert.equal(reader.stampOf(frame, 0, first.length), 10);
    assert.equal(reader.stampOf(frame, first.length + 1, frame.length), 11);
  });

  test('refuses a patch with no payload before it, and a patch against the wrong payload', () => {
    const patchLine = deltaPush(makeTickerPayload(10, 1, 300), makeTickerPayload(11, 2, 300), 2);
    assert.throws(() => new DeltaReader().stampOf(patchLine, 0, patchLine.length), /before any full one/);
    const reader = new DeltaReader();
    const other = deltaPush(null, makeTickerPayload(99, 500, 400), 1);
    reader.stampOf(other, 0, other.length);
    assert.throws(() => reader.stampOf(patchLine, 0, patchLine.length));
  });

  test('a push without string data has no stamp', () => {
    const line = Buffer.from(encodePush('bench-0', 'pub', '{"data":{"t":1}}'));
    assert.ok(Number.isNaN(new DeltaReader().stampOf(line, 0, line.length)));
  });
});

describe('bench:features, a short real run', () => {
  test('delta subscribers read every delivery and receive fewer bytes than the baseline', { timeout: 120_000 }, async () => {
    mkdirSync(RESULTS_TMP, { recursive: true });
    const args = ['--rounds', '1', '--variants', 'baseline,history,delta', '--subscribers', '40', '--channels', '4', '--rate', '2000'];
    const child = spawn(process.execPath, [FEATURES, ...args, '--window', '1', '--out', 'tmp/features-test'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, output);
    const result = JSON.parse(readFileSync(join(RESULTS_TMP, 'features-test.json'), 'utf8')) as { summary: VariantFigures[] };
    const [baseline, history, delta] = result.summary;
    assert.deepEqual(
      result.summary.map((f) => f.variant),
      ['baseline', 'history', 'delta'],
    );
    for (const f of result.summary) {
      assert.equal(f.unreadable, 0, `${f.variant}: unreadable pushes`);
      assert.ok(f.median.throughput > 0, `${f.variant}: nothing delivered`);
    }
    assert.ok(delta!.vsBaseline.bytes < 0.8, `delta bytes per delivery ${delta!.median.bytes} vs baseline ${baseline!.median.bytes}`);
    assert.ok(history!.vsBaseline.bytes > 1, `history adds the offset: ${history!.median.bytes} vs ${baseline!.median.bytes}`);
  });
});
