/** `switchyard genconfig [FILE|-] [--force]`: writes a config file with every key at its default. */
import { writeFileSync } from 'node:fs';
import { defaultFileConfig } from '../config/defaults';
import { parseCommandArgs } from './args';
import { Exit, complain, say, usageError } from './output';

/** Where genconfig writes when no FILE is given. */
export const DEFAULT_GENCONFIG_FILE = 'config.json';

/** Writes the defaults as JSON to FILE (never over an existing file without --force) or to stdout for `-`. */
export async function genconfig(args: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs(args, { '--force': 'switch' });
  if (parsed.errors.length > 0) return usageError(parsed.errors.join('\n'));
  if (parsed.positionals.length > 1) return usageError('genconfig takes at most one FILE');
  const file = parsed.positionals[0] ?? DEFAULT_GENCONFIG_FILE;
  const text = `${JSON.stringify(defaultFileConfig(), null, 2)}\n`;
  if (file === '-') {
    process.stdout.write(text);
    return Exit.ok;
  }
  try {
    writeFileSync(file, text, { flag: parsed.options.has('--force') ? 'w' : 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return usageError(`${file} already exists; use --force to overwrite it`);
    complain(`cannot write ${file}: ${(err as Error).message}`);
    return Exit.failure;
  }
  say(`wrote ${file}`);
  return Exit.ok;
}
