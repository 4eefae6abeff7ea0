/**
 * Centrifugo's commands as a Centrifugo user types them: genconfig in each
 * format, defaultconfig and defaultenv (with a base), checkconfig listing
 * ignored and unknown keys (and --strict), serve as a static file server, and
 * the server started on Centrifugo's genconfig output logging one line per
 * ignored key.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { startStaticServer } from '../src/cli/serve';
import { validateConfig } from '../src/config/validate';
import { CLI, cleanEnv, runCli } from './helpers/cli';
import { REPO_ROOT, tempDir } from './helpers/config';

const tmp = tempDir();
after(() => tmp.cleanup());
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, tmp.dir, env);

describe('config commands', () => {
  test('genconfig writes YAML and TOML by extension; another extension is refused', async () => {
    assert.equal((await cli(['genconfig', '-c', 'gen.yaml'])).code, 0);
    assert.equal((await cli(['genconfig', 'gen.toml'])).code, 0);
    for (const config of [parseYaml(readFileSync(join(tmp.dir, 'gen.yaml'), 'utf8')), parseToml(readFileSync(join(tmp.dir, 'gen.toml'), 'utf8'))]) {
      assert.match(validateConfig(config).http_api.key, /^[\w-]{86}$/);
    }
    const bad = await cli(['genconfig', 'gen.ini']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /gen\.ini: a config file must end in one of \.json, \.yaml, \.yml, \.toml/);
  });

  test('defaultconfig: every key at its default, or the base value; --dry-run prints; an existing file is refused', async () => {
    const base = tmp.write('base.json', { http_server: { port: 9100 }, admin: { enabled: true, password: 'q3Vd8Lr0ZpA7mXn2Wb5T', secret: 'Zk4w9Rt2Lm8Qx1Vc7Bn3' } });
    const r = await cli(['defaultconfig', '-c', 'full.yaml', '-b', base]);
    assert.equal(r.code, 0, r.stderr);
    const full = parseYaml(readFileSync(join(tmp.dir, 'full.yaml'), 'utf8')) as Record<string, any>;
    assert.equal(full['http_server'].port, 9100);
    assert.equal(full['client'].ping_interval, '25s');
    assert.equal(full['admin'].enabled, true);
    assert.equal(validateConfig(full).http_server.port, 9100);
    const dry = await cli(['defaultconfig', '--dry-run', '-c', 'x.toml']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal((parseToml(dry.stdout) as Record<string, any>)['http_server'].port, 8000);
    const again = await cli(['defaultconfig', '-c', 'full.yaml']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /full\.yaml already exists/);
    const invalid = await cli(['defaultconfig', '-d', '-b', tmp.write('invalid.json', { http_server: { port: 'x' } })]);
    assert.equal(invalid.code, 2);
    assert.match(invalid.stderr, /http_server\.port must be an integer/);
  });

  test('defaultenv: every variable, sorted; with a base; --base-non-zero-only only what the base sets', async () => {
    const r = await cli(['defaultenv']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.deepEqual(lines, [...lines].sort());
    for (const line of ['SWITCHYARD_HTTP_SERVER_PORT=8000', 'SWITCHYARD_CLIENT_PING_INTERVAL="25s"', 'SWITCHYARD_CLIENT_ALLOWED_ORIGINS=""', 'SWITCHYARD_CHANNEL_NAMESPACES="[]"']) {
      assert.ok(lines.includes(line), line);
    }
    const base = tmp.write('env-base.json', { client: { allowed_origins: ['https://a.example', 'https://b.example'] }, channel: { namespaces: [{ name: 'chat', presence: true }] } });
    const nonZero = await cli(['defaultenv', '-b', base, '--base-non-zero-only']);
    assert.equal(nonZero.code, 0, nonZero.stderr);
    assert.deepEqual(nonZero.stdout.trim().split('\n'), [
      'SWITCHYARD_CHANNEL_NAMESPACES="[{\\"name\\":\\"chat\\"}]"',
      'SWITCHYARD_CHANNEL_NAMESPACES_CHAT_PRESENCE=true',
      'SWITCHYARD_CLIENT_ALLOWED_ORIGINS="https://a.example https://b.example"',
    ]);
    const lonely = await cli(['defaultenv', '--base-non-zero-only']);
    assert.equal(lonely.code, 2);
    assert.match(lonely.stderr, /--base-non-zero-only needs a base config/);
  });

  test('checkconfig lists ignored Centrifugo keys and unknown keys; --strict (-s) makes them errors; FILE defaults to config.json', async () => {
    const dir = join(tmp.dir, 'check');
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ webtransport: { enabled: true }, client: { colour: 'red' } }));
    const r = await runCli(['checkconfig'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^config\.json: config is valid; 1 ignored Centrifugo key, 1 unknown key \(--strict makes them errors\):$/m);
    assert.match(r.stdout, /^ {2}- config key webtransport\.enabled is a Centrifugo setting switchyard does not implement; ignored$/m);
    assert.match(r.stdout, /^ {2}- unknown config key client\.colour ignored$/m);
    for (const flag of ['--strict', '-s']) {
      const strict = await runCli(['checkconfig', flag], dir);
      assert.equal(strict.code, 2);
      assert.match(strict.stderr, /config\.json is not valid \(2 errors\)/);
    }
    const empty = join(tmp.dir, 'empty');
    mkdirSync(empty);
    const missing = await runCli(['checkconfig'], empty);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read config file config\.json: no such file/);
  });

  test("the server started on Centrifugo genconfig's YAML serves without any ignored-key warning", async () => {
    const fixture = join(REPO_ROOT, 'test/fixtures/centrifugo/genconfig.yaml');
    const child = spawn(process.execPath, [CLI, '-c', fixture, '--port', '0', '--http_server.address', '127.0.0.1', '--shards.count', '1'], {
      cwd: tmp.dir,
      env: cleanEnv(),
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready: ${stderr}`)), 15_000);
      child.stderr.on('data', (chunk: string) => {
        stderr += chunk;
        if (stderr.includes('switchyard ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    try {
      await ready;
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('close', resolve));
    }
    assert.match(stderr, /switchyard ready/);
    assert.doesNotMatch(stderr, /does not implement|ignored/);
  });
});

/** GET (or another method) on the static server; status, headers and body. */
function fetchStatic(port: number, path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('serve: files with their type, index.html, listings, redirects; never outside DIR; bad input answered', async () => {
  const root = join(tmp.dir, 'site');
  mkdirSync(join(root, 'app'), { recursive: true });
  mkdirSync(join(root, 'empty dir'));
  writeFileSync(join(root, 'index.html'), '<h1>hi</h1>');
  writeFileSync(join(root, 'app', 'main.js'), 'console.log(1)');
  writeFileSync(join(tmp.dir, 'secret.txt'), 'do not serve');
  const server = await startStaticServer(root, 0, '127.0.0.1');
  const { port } = server.address() as { port: number };
  try {
    const index = await fetchStatic(port, '/');
    assert.deepEqual([index.status, index.headers['content-type'], index.body], [200, 'text/html; charset=utf-8', '<h1>hi</h1>']);
    const js = await fetchStatic(port, '/app/main.js?v=1');
    assert.deepEqual([js.status, js.headers['content-type'], js.body], [200, 'text/javascript; charset=utf-8', 'console.log(1)']);
    assert.deepEqual([(await fetchStatic(port, '/app')).status, (await fetchStatic(port, '/app')).headers['location']], [301, '/app/']);
    const listing = await fetchStatic(port, '/app/');
    assert.match(listing.body, /<a href="main\.js">main\.js<\/a>/);
    assert.equal((await fetchStatic(port, '/empty%20dir/')).status, 200);
    assert.equal((await fetchStatic(port, '/../secret.txt')).status, 404);
    assert.equal((await fetchStatic(port, '/%2e%2e/secret.txt')).status, 404);
    assert.equal((await fetchStatic(port, '/nothing.txt')).status, 404);
    assert.equal((await fetchStatic(port, '/%E0%A4%A')).status, 400);
    assert.equal((await fetchStatic(port, '/', 'POST')).status, 405);
    assert.deepEqual([(await fetchStatic(port, '/app/main.js', 'HEAD')).status, (await fetchStatic(port, '/app/main.js', 'HEAD')).body], [200, '']);
  } finally {
    server.close();
  }
  const badPort = await cli(['serve', '-p', 'http']);
  assert.equal(badPort.code, 2);
  assert.match(badPort.stderr, /-p must be a port number/);
  const badDir = await cli(['serve', '--dir', 'no-such-dir']);
  assert.equal(badDir.code, 2);
  assert.match(badDir.stderr, /-d no-such-dir: no such directory/);
});
