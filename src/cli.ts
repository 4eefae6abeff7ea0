#!/usr/bin/env node
/**
 * The `switchyard` command. The first argument picks a subcommand; without
 * one (or when it is a flag) switchyard runs the server. See `--help`.
 */
import { checkconfig } from './cli/checkconfig';
import { checksubtoken, checktoken } from './cli/checktoken';
import { gensubtoken, gentoken } from './cli/gentoken';
import { genconfig } from './cli/genconfig';
import { configdoc, help, version } from './cli/info';
import { Exit, complain, usageError } from './cli/output';
import { run } from './cli/run';
import { reload } from './cli/reload';
import { didYouMean, nearest } from './config/suggest';

/** A subcommand: takes the arguments after its name, resolves to an exit code (undefined: keep running). */
type Command = (args: readonly string[]) => Promise<number | undefined>;

const COMMANDS: ReadonlyMap<string, Command> = new Map<string, Command>([
  ['checkconfig', checkconfig],
  ['reload', reload],
  ['genconfig', genconfig],
  ['configdoc', configdoc],
  ['gentoken', gentoken],
  ['gensubtoken', gensubtoken],
  ['checktoken', checktoken],
  ['checksubtoken', checksubtoken],
  ['version', version],
  ['help', help],
]);

async function main(argv: readonly string[]): Promise<number | undefined> {
  if (argv.includes('--help') || argv.includes('-h')) return help();
  if (argv.length === 1 && argv[0] === '--version') return version([]);
  const [first, ...rest] = argv;
  if (first === undefined || first.startsWith('-')) return run(argv);
  const command = COMMANDS.get(first);
  if (command !== undefined) return command(rest);
  const hint = first.endsWith('.json') ? ' (did you mean --config ' + first + '?)' : didYouMean(nearest(first, COMMANDS.keys()));
  return usageError(`unknown command "${first}"${hint}`);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err: unknown) => {
    complain(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = Exit.failure;
  },
);
