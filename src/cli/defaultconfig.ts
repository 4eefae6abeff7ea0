/**
 * `switchyard defaultconfig [-c FILE] [-b BASE] [-d]`: as Centrifugo's, a
 * config file with every key at its default, or at its value in the BASE
 * config (file and environment, as the server reads them). The format follows
 * FILE's extension (default config.json); `--dry-run` prints it instead.
 */
import { fullFileConfig } from '../config/defaults';
import { mergeSources } from '../config/load';
import { checkConfig } from '../config/validate';
import { parseCommandArgs } from './args';
import { serializeConfig, writeConfigFile } from './config-files';
import { Exit, complainAll, say, usageError } from './output';

const OPTIONS = { '-c': 'value', '--config': 'value', '-b': 'value', '--base': 'value', '-d': 'switch', '--dry-run': 'switch' } as const;

/**
 * The base config merged from BASE (when given) and the environment, in file
 * form and valid; null (errors printed) when it is not valid.
 */
export function baseConfig(base: string | undefined): Record<string, unknown> | null {
  const errors: string[] = [];
  const { raw } = mergeSources({ ...(base !== undefined ? { file: base } : {}), env: process.env }, errors);
  const result = checkConfig(raw);
  if (!result.ok) errors.push(...result.errors);
  if (errors.length === 0) return raw;
  complainAll(`${base ?? 'the configuration'} is not valid`, errors);
  return null;
}

/** Writes (or with --dry-run prints) every key at its default or base value. */
export async function defaultconfig(args: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs(args, OPTIONS);
  if (parsed.errors.length > 0) return usageError(parsed.errors.join('\n'));
  if (parsed.positionals.length > 0) return usageError('defaultconfig takes no arguments besides its options (the file is -c FILE)');
  const opt = (short: string, long: string): string | undefined => parsed.options.get(long) ?? parsed.options.get(short);
  const file = opt('-c', '--config') ?? 'config.json';
  const raw = baseConfig(opt('-b', '--base'));
  if (raw === null) return Exit.usage;
  const full = fullFileConfig(raw);
  if (parsed.options.has('-d') || parsed.options.has('--dry-run')) {
    const text = serializeConfig(full, file);
    if (text === null) return writeConfigFile(full, file, false); // answers the extension error
    process.stdout.write(text);
    return Exit.ok;
  }
  const code = writeConfigFile(full, file, false);
  if (code === Exit.ok) say(`wrote ${file}`);
  return code;
}
