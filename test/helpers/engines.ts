/**
 * Runs the switchyard CLI once with the test config plus overrides, for start
 * failures: resolves with its exit code and output (it is killed after
 * `timeoutMs`, which the caller's assertion then reports).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '../../src/acceptor/port';
import { testConfigInput } from './server';

const CLI = join(__dirname, '..', '..', 'src', 'cli.js');

/** The outcome of one CLI run. */
export interface CliRun {
  readonly code: number | null;
  readonly output: string;
}

/** Starts `switchyard --config FILE` and waits for it to exit (SIGKILL after `timeoutMs`). */
export async function runCli(overrides: Record<string, unknown>, timeoutMs = 10_000): Promise<CliRun> {
  const port = await findFreePort('127.0.0.1');
  const file = join(mkdtempSync(join(tmpdir(), 'switchyard-cli-')), 'config.json');
  writeFileSync(file, JSON.stringify(testConfigInput({ ...overrides, http_server: { address: '127.0.0.1', port } })));
  const child = spawn(process.execPath, [CLI, '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, output };
}
