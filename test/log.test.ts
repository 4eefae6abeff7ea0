/**
 * The logger's formats and destinations (`log.format`, `log.file`): JSON
 * lines with time, level, scope, message and fields; readable text; a file
 * appended to and reopened; a file that cannot be opened is an error naming
 * the reason, and lines keep going where they went.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { configureLog, createLogger, logFile } from '../src/common/log';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-log-'));
after(() => {
  configureLog({ level: 'warn', format: 'auto', file: '' });
  rmSync(dir, { recursive: true, force: true });
});

/** What `fn` writes to stderr. */
function captured(fn: () => void): string {
  const original = process.stderr.write.bind(process.stderr);
  let out = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    fn();
  } finally {
    process.stderr.write = original;
  }
  return out;
}

test('json: one object per line with time, level, scope, message and the fields', () => {
  configureLog({ level: 'info', format: 'json', file: '' });
  const out = captured(() => createLogger('shard 1').info('shard crashed', { reason: 'boom', error: new Error('bad'), n: 3 }));
  const line = JSON.parse(out);
  assert.equal(line.level, 'info');
  assert.equal(line.scope, 'shard 1');
  assert.equal(line.message, 'shard crashed');
  assert.deepEqual([line.reason, line.error, line.n], ['boom', 'bad', 3]);
  assert.ok(!Number.isNaN(Date.parse(line.time)));
  assert.ok(out.endsWith('\n'));
});

test('text: readable line; levels below the threshold are dropped', () => {
  configureLog({ level: 'warn', format: 'text', file: '' });
  const out = captured(() => {
    createLogger('acceptor').info('not shown');
    createLogger('acceptor').warn('reload: keys need a restart', { keys: ['shards.count'] });
  });
  assert.match(out, /^\S+Z WARN \[acceptor\] reload: keys need a restart keys=\["shards.count"\]\n$/);
});

test('log.file: lines are appended there, and the file is reopened on each configure', () => {
  const file = join(dir, 'switchyard.log');
  configureLog({ level: 'info', format: 'json', file });
  assert.equal(logFile(), file);
  const out = captured(() => createLogger('acceptor').info('to the file'));
  assert.equal(out, '');
  configureLog({ file });
  createLogger('acceptor').info('after reopening');
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l).message);
  assert.deepEqual(lines, ['to the file', 'after reopening']);
  configureLog({ file: '' });
});

test('a log.file that cannot be opened throws with the reason; lines keep going to stderr', () => {
  configureLog({ level: 'info', format: 'json', file: '' });
  assert.throws(() => configureLog({ file: join(dir, 'missing', 'x.log') }), /ENOENT/);
  assert.equal(logFile(), '');
  const out = captured(() => createLogger('acceptor').info('still here'));
  assert.equal(JSON.parse(out).message, 'still here');
});
