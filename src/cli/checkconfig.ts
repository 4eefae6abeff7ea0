/** `switchyard checkconfig FILE`: validates a config file alone (environment and flags are not applied). */
import { ConfigError } from '../config/errors';
import { loadConfig } from '../config/load';
import { parseCommandArgs } from './args';
import { Exit, complainAll, say, usageError } from './output';

/** Checks the file; exit 0 when valid, 2 with every problem listed when not. */
export async function checkconfig(args: readonly string[]): Promise<number> {
  const parsed = parseCommandArgs(args, { '-c': 'value', '--config': 'value' });
  if (parsed.errors.length > 0) return usageError(parsed.errors.join('\n'));
  // `checkconfig FILE`, or `checkconfig -c FILE` as the server command line has it.
  const named = parsed.options.get('--config') ?? parsed.options.get('-c');
  const files = named === undefined ? parsed.positionals : [...parsed.positionals, named];
  const file = files[0];
  if (file === undefined || files.length > 1) return usageError('checkconfig needs exactly one FILE');
  try {
    loadConfig({ file, env: {}, argv: [] });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    complainAll(`${file} is not valid`, err.errors);
    return Exit.usage;
  }
  say(`${file}: config is valid`);
  return Exit.ok;
}
