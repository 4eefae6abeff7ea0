/** Helpers for the config tests: catching ConfigError, temporary files, the repo root. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from '../../src/config/errors';

/** The repository root (tests run from dist/test/). */
export const REPO_ROOT = resolve(__dirname, '../../..');

/** The `errors` of the ConfigError that `fn` throws; fails the test when it throws nothing or something else. */
export function configErrors(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'SY_CONFIG_INVALID');
    return err.errors;
  }
  return assert.fail('expected a ConfigError, but nothing was thrown');
}

/** A temporary directory for one test file; `write` puts a file in it, `cleanup` removes it all. */
export function tempDir(): { dir: string; write(name: string, content: unknown): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-config-'));
  return {
    dir,
    write(name, content) {
      const file = join(dir, name);
      writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
      return file;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
