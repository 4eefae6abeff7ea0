/**
 * The allocator setting (src/acceptor/allocator.ts): the start warning on
 * glibc without a fixed mmap threshold, and the CLI as a user starts it,
 * with and without the environment deploy/switchyard.service sets.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ALLOCATOR_ENV, allocatorAdvice, fixesMmapThreshold, glibcVersion } from '../src/acceptor/allocator';
import { findFreePort } from '../src/acceptor/port';
import { readServiceEnvironment } from '../bench/soak/service-env';
import { waitFor } from './helpers/clients';
import { testConfigInput } from './helpers/server';

const CLI = join(__dirname, '..', 'src', 'cli.js');

/** The test's environment without any variable that sets glibc's malloc. */
function bareEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('MALLOC_') || name === 'GLIBC_TUNABLES') delete env[name];
  return env;
}

test('deploy/switchyard.service sets the allocator environment', () => {
  assert.deepEqual(readServiceEnvironment(), ALLOCATOR_ENV);
  assert.ok(fixesMmapThreshold(ALLOCATOR_ENV));
});

test('any of glibc\'s mmap and trim settings fixes the threshold, by variable or tunable; empty ones do not', () => {
  for (const name of ['MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_', 'MALLOC_TOP_PAD_', 'MALLOC_MMAP_MAX_']) {
    assert.ok(fixesMmapThreshold({ [name]: '131072' }), name);
    assert.ok(!fixesMmapThreshold({ [name]: '' }), `${name} empty`);
  }
  assert.ok(fixesMmapThreshold({ GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=131072' }));
  assert.ok(fixesMmapThreshold({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2:glibc.malloc.trim_threshold=1' }));
  assert.ok(!fixesMmapThreshold({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }));
  assert.ok(!fixesMmapThreshold({ MALLOC_ARENA_MAX: '2' }), 'fewer arenas leave the threshold rising');
  assert.ok(!fixesMmapThreshold({}));
});

test('the advice names the setting on glibc without it, and says nothing with it', () => {
  assert.match(allocatorAdvice({}, '2.36') ?? '', /^glibc 2\.36 without MALLOC_MMAP_THRESHOLD_=131072: .* start node with it/);
  assert.match(allocatorAdvice({ MALLOC_ARENA_MAX: '2' }, '2.36') ?? '', /^glibc 2\.36 without MALLOC_MMAP_THRESHOLD_=131072/);
  assert.equal(allocatorAdvice({ MALLOC_TRIM_THRESHOLD_: '131072' }, '2.36'), null);
  assert.equal(allocatorAdvice(ALLOCATOR_ENV, '2.36'), null);
  assert.equal(allocatorAdvice({}, null), null, 'musl and other platforms');
});

test('the CLI warns at start on glibc without the setting, and not with the service\'s environment', async (t) => {
  const glibc = glibcVersion();
  if (glibc === null) {
    t.skip('not on glibc');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-allocator-'));
  const startAndRead = async (env: NodeJS.ProcessEnv): Promise<string> => {
    const port = await findFreePort('127.0.0.1');
    const file = join(dir, `config-${port}.json`);
    writeFileSync(file, JSON.stringify(testConfigInput({ http_server: { port }, shards: { count: 1 }, log: { level: 'info' } })));
    const child = spawn(process.execPath, [CLI, '--config', file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      await waitFor(() => output.includes('switchyard ready'), 'ready log line', 15_000);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    return output;
  };
  assert.match(await startAndRead(bareEnvironment()), new RegExp(`glibc ${glibc.replace('.', '\\.')} without MALLOC_MMAP_THRESHOLD_=131072`));
  assert.doesNotMatch(await startAndRead({ ...bareEnvironment(), ...ALLOCATOR_ENV }), /MALLOC_/);
});
