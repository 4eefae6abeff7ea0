/**
 * `switchyard checkconfig [FILE] [-c FILE] [--strict|-s]`: validates a config
 * file alone (environment and flags are not applied; FILE defaults to
 * config.json, as Centrifugo's). Lists every key switchyard does not use:
 * Centrifugo settings it ignores and unknown keys; `--strict` (or
 * `config.strict` in the file) makes them errors.
 */
import { ConfigError } from '../config/errors';
import { loadConfig } from '../config/load';
import { parseCommandArgs } from './args';
import { Exit, complainAll, say, usageError } from './output';

/** The file checkconfig reads when none is named. */
export const DEFAULT_CHECK_FILE = 'config.json';

/** Checks the file; exit 0 when valid (listing ignored and unknown keys), 2 with every problem listed when not. */
export async function checkconfig(args: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs(args, { '-c': 'value', '--config': 'value', '-s': 'switch', '--strict': 'switch' });
  if (parsed.errors.length > 0) return usageError(parsed.errors.join('\n'));
  // `checkconfig FILE`, or `checkconfig -c FILE` as the server command line has it.
  const named = parsed.options.get('--config') ?? parsed.options.get('-c');
  const files = named === undefined ? parsed.positionals : [...parsed.positionals, named];
  if (files.length > 1) return usageError('checkconfig takes one FILE');
  const file = files[0] ?? DEFAULT_CHECK_FILE;
  const strict = parsed.options.has('--strict') || parsed.options.has('-s');
  let warnings;
  try {
    warnings = loadConfig({ file, env: {}, argv: strict ? ['--strict'] : [] }).warnings;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    complainAll(`${file} is not valid`, err.errors);
    return Exit.usage;
  }
  if (warnings.length === 0) {
    say(`${file}: config is valid`);
    return Exit.ok;
  }
  const ignored = warnings.filter((w) => w.kind === 'ignored').length;
  const unknown = warnings.length - ignored;
  say(`${file}: config is valid; ${ignored} ignored Centrifugo key${ignored === 1 ? '' : 's'}, ${unknown} unknown key${unknown === 1 ? '' : 's'} (--strict makes them errors):`);
  for (const w of warnings) say(`  - ${w.message}`);
  return Exit.ok;
}
