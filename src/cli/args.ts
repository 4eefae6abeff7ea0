/** Arguments of the small subcommands (checkconfig, genconfig, …): positionals plus a few known options. */
import { didYouMean, nearest } from '../config/suggest';

/** What each option a command accepts takes: nothing (a switch) or a value. */
export type OptionSpec = Readonly<Record<string, 'switch' | 'value'>>;

/** Parsed arguments of one subcommand. */
export interface CommandArgs {
  readonly positionals: readonly string[];
  /** Options given, by name as written in the spec (`--force`); a switch's value is "". */
  readonly options: ReadonlyMap<string, string>;
  /** Unknown options and options missing their value. */
  readonly errors: readonly string[];
}

/** Splits `args` by `spec`; `-` alone is a positional (stdout, for genconfig). */
export function parseCommandArgs(args: readonly string[], spec: OptionSpec): CommandArgs {
  const positionals: string[] = [];
  const options = new Map<string, string>();
  const errors: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '-' || !arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const kind = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (kind === undefined) {
      errors.push(`unknown option ${name}${didYouMean(nearest(name, Object.keys(spec)))}`);
    } else if (kind === 'switch') {
      options.set(name, '');
    } else if (eq >= 0) {
      options.set(name, arg.slice(eq + 1));
    } else if (i + 1 < args.length) {
      options.set(name, args[++i] as string);
    } else {
      errors.push(`option ${name} needs a value`);
    }
  }
  return { positionals, options, errors };
}
