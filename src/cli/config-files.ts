/** Writing config files for genconfig and defaultconfig: JSON, YAML or TOML by the file's extension, never over an existing file. */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { stringify as toToml } from 'smol-toml';
import { stringify as toYaml } from 'yaml';
import { Exit, complain, usageError } from './output';

/** The extensions a written config file may have, as Centrifugo's commands accept them. */
export const CONFIG_EXTENSIONS: readonly string[] = ['json', 'yaml', 'yml', 'toml'];

/** The config as text in the format of `file`'s extension; null for another extension. */
export function serializeConfig(value: Record<string, unknown>, file: string): string | null {
  switch (extname(file).slice(1).toLowerCase()) {
    case 'json':
      return `${JSON.stringify(value, null, 2)}\n`;
    case 'yaml':
    case 'yml':
      return toYaml(value);
    case 'toml':
      return toToml(value);
    default:
      return null;
  }
}

/** A random secret of `bytes` bytes, base64url without padding (Centrifugo's genconfig form). */
export function randomSecret(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Writes `value` to `file` in its extension's format (mode 0600: it holds
 * secrets), or to stdout as JSON for `-`; refuses an existing file unless
 * `force`. Returns the exit code.
 */
export function writeConfigFile(value: Record<string, unknown>, file: string, force: boolean): number {
  if (file === '-') {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    return Exit.ok;
  }
  const text = serializeConfig(value, file);
  if (text === null) return usageError(`${file}: a config file must end in one of .${CONFIG_EXTENSIONS.join(', .')}`);
  try {
    writeFileSync(file, text, { flag: force ? 'w' : 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return usageError(`${file} already exists; use --force to overwrite it`);
    complain(`cannot write ${file}: ${(err as Error).message}`);
    return Exit.failure;
  }
  return Exit.ok;
}
