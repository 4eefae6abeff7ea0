/** The `switchyard` command as a user runs it: a child process, checked by exit code and output. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { validateConfig } from '../src/config/validate';
import { VERSION } from '../src/common/version';
import { CLI, runCli } from './helpers/cli';
import { REPO_ROOT, tempDir } from './helpers/config';

const tmp = tempDir();
after(() => tmp.cleanup());

/** Runs the CLI in the temporary directory, with no SWITCHYARD_* variables but those in `env`. */
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, tmp.dir, env);

// Each test uses its own files, so the child processes run side by side.
describe('switchyard CLI', { concurrency: true }, () => {
  test('the entry starts with a shebang', async () => {
    assert.ok(readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n'));
  });

  test('checkconfig: a valid file exits 0', async () => {
    const r = await cli(['checkconfig', join(REPO_ROOT, 'config.example.json')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /config is valid/);
    assert.equal((await cli(['checkconfig', '-c', join(REPO_ROOT, 'config.example.json')])).code, 0);
  });

  test('checkconfig: an invalid file exits 2 listing every error', async () => {
    const file = tmp.write('bad.json', { http_server: { port: 'x' }, client: { ping_intervall: '1s' }, shards: { mailbox_size: 3 } });
    const r = await cli(['checkconfig', file]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /is not valid \(2 errors\)/);
    assert.match(r.stderr, /^ {2}- http_server\.port must be an integer, got "x"$/m);
    assert.match(r.stderr, /^ {2}- shards\.mailbox_size must be a power of two/m);
  });

  test('checkconfig: malformed JSON and a missing file exit 2; two FILEs are a usage error', async () => {
    const broken = tmp.write('broken.json', '{"log": }');
    const r1 = await cli(['checkconfig', broken]);
    assert.equal(r1.code, 2);
    assert.match(r1.stderr, /broken\.json: invalid JSON at line 1 column 9/);
    const r2 = await cli(['checkconfig', 'nowhere.json']);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /cannot read config file nowhere\.json: no such file/);
    const r3 = await cli(['checkconfig', 'a.json', 'b.json']);
    assert.equal(r3.code, 2);
    assert.match(r3.stderr, /checkconfig takes one FILE/);
  });

  test('genconfig: writes a minimal config with fresh secrets, refuses to overwrite without --force', async () => {
    const r1 = await cli(['genconfig', 'generated.json']);
    assert.equal(r1.code, 0, r1.stderr);
    const file = join(tmp.dir, 'generated.json');
    const written = JSON.parse(readFileSync(file, 'utf8')) as { client: { token: { hmac_secret_key: string } }; http_api: { key: string } };
    assert.match(written.client.token.hmac_secret_key, /^[\w-]{86}$/);
    assert.match(written.http_api.key, /^[\w-]{86}$/);
    assert.equal(validateConfig(written).client.allowed_origins.length, 0);

    tmp.write('generated.json', '{"keep": "me"}');
    const r2 = await cli(['genconfig', 'generated.json']);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /generated\.json already exists; use --force/);
    assert.equal(readFileSync(file, 'utf8'), '{"keep": "me"}');

    const r3 = await cli(['genconfig', '-c', 'generated.json', '--force']);
    assert.equal(r3.code, 0, r3.stderr);
    assert.equal((await cli(['checkconfig', 'generated.json'])).code, 0);
  });

  test('genconfig: - writes to stdout; no FILE writes config.json', async () => {
    const r = await cli(['genconfig', '-']);
    assert.equal(r.code, 0);
    assert.equal(validateConfig(JSON.parse(r.stdout)).http_server.port, 8000);
    assert.equal((await cli(['genconfig'])).code, 0);
    assert.ok(existsSync(join(tmp.dir, 'config.json')));
  });

  test('version prints switchyard and node versions', async () => {
    const r = await cli(['version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `switchyard ${VERSION} node ${process.versions.node}\n`);
  });

  test('--help prints usage and exits 0', async () => {
    const r = await cli(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage:/);
    assert.match(r.stdout, /checkconfig \[FILE\]/);
    assert.match(r.stdout, /defaultconfig/);
    assert.match(r.stdout, /serve \[-d DIR\]/);
  });

  test('an unknown command or option exits 2 with a clear message', async () => {
    const r1 = await cli(['checkconfg', 'x.json']);
    assert.equal(r1.code, 2);
    assert.match(r1.stderr, /unknown command "checkconfg" \(did you mean checkconfig\?\)/);
    const r2 = await cli(['genconfig', '--forse']);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /unknown option --forse \(did you mean --force\?\)/);
  });

  test('running the server with an invalid config exits 2 before starting anything', async () => {
    const r = await cli(['--http_server.port', 'abc', '--bogus'], { SWITCHYARD_SHARDS_COUNT: '999' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /invalid configuration \(3 errors\)/);
    assert.match(r.stderr, /env SWITCHYARD_SHARDS_COUNT: shards\.count must be an integer between 0 and 256, got 999/);
    assert.match(r.stderr, /unknown flag --bogus/);
    assert.match(r.stderr, /flag --http_server\.port: http_server\.port must be an integer, got "abc"/);
  });
});
