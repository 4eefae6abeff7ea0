/** Runs the built `switchyard` command as a child process, the way a user runs it. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './config';

/** The built CLI entry. */
export const CLI = join(REPO_ROOT, 'dist/src/cli.js');

/** What a CLI run printed and how it exited. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The test process's environment without SWITCHYARD_* and CENTRIFUGO_* variables. */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SWITCHYARD_') && !k.startsWith('CENTRIFUGO_')));
}

/** Runs the CLI in `cwd` with no SWITCHYARD_* or CENTRIFUGO_* variables but those in `env`. */
export function runCli(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const base = cleanEnv();
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...base, ...env }, timeout: 10_000 });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
