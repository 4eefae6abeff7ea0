/**
 * Running as a systemd service: the unit file passes `systemd-analyze
 * verify` (where the tool exists) and has what the issue asks; the CLI sends
 * READY=1 once listening, RELOADING=1 then READY=1 around a reload asked by
 * `switchyard reload` (SIGHUP through the pid file), and STOPPING=1 when
 * draining, checked against a local datagram socket standing in for systemd's.
 * Logs are JSON lines when stderr is not a terminal, and go to `log.file`.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { findFreePort } from '../src/acceptor/port';
import { waitFor } from './helpers/clients';
import { CLI, runCli } from './helpers/cli';
import { REPO_ROOT } from './helpers/config';
import { testConfigInput } from './helpers/server';

const UNIT = join(REPO_ROOT, 'deploy', 'switchyard.service');
const dir = mkdtempSync(join(tmpdir(), 'switchyard-systemd-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Where a binary is on PATH, or null. */
function which(name: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

test('the unit file passes systemd-analyze verify', (t) => {
  const tool = which('systemd-analyze');
  if (!tool) return t.skip('systemd-analyze is not installed on this machine');
  execFileSync(tool, ['verify', UNIT], { stdio: 'pipe' });
});

test('the unit file has readiness, reload, restart, limits, a user and a sandbox', () => {
  const unit = readFileSync(UNIT, 'utf8');
  const value = (key: string): string | undefined => new RegExp(`^${key}=(.*)$`, 'm').exec(unit)?.[1];
  assert.equal(value('Type'), 'notify');
  assert.equal(value('NotifyAccess'), 'all');
  assert.match(value('ExecStart') ?? '', /cli\.js --config /);
  assert.equal(value('ExecReload'), '/bin/kill -HUP $MAINPID');
  assert.equal(value('Restart'), 'on-failure');
  assert.ok(Number(value('LimitNOFILE')) >= 1_000_000);
  assert.ok(value('User'));
  assert.equal(value('NoNewPrivileges'), 'yes');
  assert.equal(value('ProtectSystem'), 'strict');
  assert.ok(Number(value('TimeoutStopSec')) > 30, 'above shutdown.timeout (30s)');
});

/** Starts the notification socket stand-in; resolves once it is bound. */
async function notifySocket(path: string): Promise<{ child: ChildProcess; messages: string[] }> {
  const child = spawn('python3', [join(REPO_ROOT, 'test', 'fixtures', 'notify-receiver.py'), path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const messages: string[] = [];
  let buffer = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      messages.push(JSON.parse(buffer.slice(0, nl)) as string);
      buffer = buffer.slice(nl + 1);
    }
  });
  await waitFor(() => messages.includes('bound'), 'the notification socket', 10_000);
  return { child, messages };
}

test('READY=1 when listening, RELOADING=1/READY=1 around `switchyard reload`, STOPPING=1 on drain; JSON logs', async (t) => {
  if (!which('systemd-notify')) return t.skip('systemd-notify is not installed on this machine');
  if (!which('python3')) return t.skip('python3 is not installed: no way to bind a test datagram socket');
  const socketPath = join(dir, 'notify.sock');
  const notify = await notifySocket(socketPath);
  const port = await findFreePort('127.0.0.1');
  const config = join(dir, 'config.json');
  const pidFile = join(dir, 'switchyard.pid');
  const logFile = join(dir, 'switchyard.log');
  const input = testConfigInput({ http_server: { port }, shards: { count: 2 }, pid_file: pidFile, log: { level: 'info' } });
  writeFileSync(config, JSON.stringify(input));
  const env = { ...process.env, NOTIFY_SOCKET: socketPath };
  const server = spawn(process.execPath, [CLI, '--config', config], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  server.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => server.on('exit', resolve));
  const states = () => notify.messages.filter((m) => m !== 'bound' && m !== 'BARRIER=1').map((m) => m.split('\n')[0]);
  try {
    await waitFor(() => states().includes('READY=1'), 'READY=1', 20_000);
    assert.ok(existsSync(pidFile));
    assert.equal((await fetch(`http://127.0.0.1:${port}/health`)).status, 200, 'ready means listening');
    // Reload through the pid file, with a log.file added: lines move there.
    writeFileSync(config, JSON.stringify({ ...input, log: { level: 'info', file: logFile } }));
    const reload = await runCli(['reload', '--config', config], dir);
    assert.equal(reload.code, 0, reload.stderr);
    assert.match(reload.stdout, /sent SIGHUP to switchyard \(pid \d+\)/);
    await waitFor(() => states().filter((s) => s === 'READY=1').length === 2, 'READY=1 after the reload', 20_000);
    const reloading = notify.messages.find((m) => m.startsWith('RELOADING=1'));
    assert.match(reloading ?? '', /MONOTONIC_USEC=\d+/);
    await waitFor(() => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('configuration reloaded'), 'the reload logged to log.file', 10_000);
    server.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.deepEqual(states(), ['READY=1', 'RELOADING=1', 'READY=1', 'STOPPING=1']);
    assert.ok(!existsSync(pidFile), 'pid file removed at exit');
    // stderr is a pipe: JSON lines.
    const first = JSON.parse(stderr.split('\n').find((l) => l.includes('switchyard ready'))!);
    assert.equal(first.level, 'info');
    assert.equal(first.scope, 'acceptor');
    assert.equal(first.port, port);
    const fileLines = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(fileLines.some((l) => l.message === 'draining' && l.reason === 'SIGTERM received'));
  } finally {
    server.kill('SIGKILL');
    notify.child.kill();
  }
});

test('`switchyard reload` without a pid file, or with a stale one, says so', async () => {
  const none = await runCli(['reload', '--http_server.port', '0'], dir);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no pid file: set pid_file/);
  const stale = join(dir, 'stale.pid');
  writeFileSync(stale, '999999\n');
  const gone = await runCli(['reload', '--pid_file', stale], dir);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /no process 999999 \(stale pid_file/);
  writeFileSync(stale, 'garbage\n');
  const garbage = await runCli(['reload', '--pid_file', stale], dir);
  assert.equal(garbage.code, 1);
  assert.match(garbage.stderr, /does not hold a process id/);
});
