/**
 * Inputs the fuzzer (test/fuzz, `npm run fuzz`) and the issue-17 probe found,
 * kept as regression tests: each goes through its fuzz target, which fails on
 * a crash, a wrong code or a case slower than 100 ms.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeAnswer } from '../src/auth/proxy/proxy-client';
import { ProxyError } from '../src/auth/errors';
import { fuzzTarget } from './fuzz/run';
import { TARGETS, type FuzzTarget } from './fuzz/targets';
import fc from 'fast-check';

function target(name: string): FuzzTarget {
  const found = TARGETS.find((t) => t.name === name);
  assert.ok(found, name);
  return found;
}

/** Runs the given inputs through a target as fuzz cases; fails with the target's report. */
function replay(name: string, inputs: readonly unknown[]): void {
  const report = fuzzTarget({ ...target(name), input: fc.constantFrom(...inputs) }, inputs.length * 3, 1);
  assert.equal(report.failure, null, report.failure ?? '');
}

const deep = (depth: number, open = '[', close = ']'): string => open.repeat(depth) + close.repeat(depth);

test('issue 17: 50,000 levels of nested data, unclosed and closed, in every JSON decoder', () => {
  const data = deep(50_000);
  replay('json-commands', [`{"id":2,"publish":{"channel":"a","data":${data}}}`, `{"id":2,"rpc":{"data":${'['.repeat(50_000)}}}`, `{"publish":{"data":${data}}}`]);
  replay('emulation-body', [JSON.stringify({ node: 'n', session: 's', data: `{"id":2,"publish":{"channel":"a","data":${data}}}` }), `{"node":${data}}`]);
  replay('uni-connect', [`{"data":${data}}`, data]);
  replay('api-body', [`{"channel":"a","data":${data}}`, '['.repeat(1_000_000)]);
  replay('proxy-answer', [`{"result":{"data":${data}}}`]);
});

test('issue 17: a numeric channel, an id of 1e300, empty frames, a lone surrogate', () => {
  replay('json-commands', ['{"id":2,"subscribe":{"channel":5}}', '{"id":1e300,"ping":{}}', '', '\n', '{"id":2,"subscribe":{"channel":"chat:sur\\ud800"}}']);
  replay('api-body', ['{"channel":"chat:sur\\ud800","data":{}}', '{"channel":"chat:sur\\ufffd","data":{}}']);
});

test('Protobuf: truncated, oversized and invalid-UTF-8 messages', () => {
  replay('protobuf-commands', [
    Uint8Array.from([0x05, 0xff, 0xff, 0xff, 0xff, 0xff]),
    Uint8Array.from([0x09, 0x08, 0x02, 0x2a, 0x05, 0x0a, 0x03, 0x61, 0x62, 0xff]),
    Uint8Array.from([0x02, 0x08]),
    new Uint8Array(0),
  ]);
  replay('uni-grpc-connect', [Uint8Array.from([0x0a, 0x02, 0xed, 0xa0]), Uint8Array.from([0x1a, 0x80])]);
});

test('a proxy error code outside uint32 is a proxy failure (100), not a code passed to the client', () => {
  for (const code of [1e300, 2 ** 32, -1, 1.5]) {
    assert.throws(() => decodeAnswer(JSON.stringify({ error: { code, message: 'x' } })), ProxyError, String(code));
  }
  // Found by `npm run fuzz` (seed 20261213): a 53-bit code went to the client as is.
  replay('proxy-answer', ['{"error":{"code":4423465682230335}}', JSON.stringify({ error: { code: 1e300, message: 'x' } }), JSON.stringify({ disconnect: { code: 4000, reason: 'é'.repeat(100_000) } })]);
});
