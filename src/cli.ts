#!/usr/bin/env node
/**
 * The `switchyard` command. The first argument picks a subcommand; without
 * one (or when it is a flag) switchyard runs the server. See `--help`.
 */
import { Exit, complain, usageError } from './cli/output';
import { didYouMean, nearest } from './config/suggest';

/** A subcommand: takes the arguments after its name, resolves to an exit code (undefined: keep running). */
type Command = (args: readonly string[]) => Promise<number | undefined>;

// Each command's module is loaded only when it runs, so a short command (version, checkconfig)
// does not pay for the others' dependencies (JOSE, the YAML and TOML parsers, the server).
const COMMANDS: ReadonlyMap<string, () => Promise<Command>> = new Map<string, () => Promise<Command>>([
  ['checkconfig', async () => (await import('./cli/checkconfig')).checkconfig],
  ['reload', async () => (await import('./cli/reload')).reload],
  ['genconfig', async () => (await import('./cli/genconfig')).genconfig],
  ['defaultconfig', async () => (await import('./cli/defaultconfig')).defaultconfig],
  ['defaultenv', async () => (await import('./cli/defaultenv')).defaultenv],
  ['serve', async () => (await import('./cli/serve')).serve],
  ['configdoc', async () => (await import('./cli/info')).configdoc],
  ['gentoken', async () => (await import('./cli/gentoken')).gentoken],
  ['gensubtoken', async () => (await import('./cli/gentoken')).gensubtoken],
  ['checktoken', async () => (await import('./cli/checktoken')).checktoken],
  ['checksubtoken', async () => (await import('./cli/checktoken')).checksubtoken],
  ['version', async () => (await import('./cli/info')).version],
  ['help', async () => (await import('./cli/info')).help],
]);

const run: Command = async (args) => (await import('./cli/run')).run(args);

async function main(argv: readonly string[]): Promise<number | undefined> {
  if (argv.includes('--help') || argv.includes('-h')) return (await import('./cli/info')).help();
  if (argv.length === 1 && argv[0] === '--version') return (await import('./cli/info')).version([]);
  const [first, ...rest] = argv;
  if (first === undefined || first.startsWith('-')) return run(argv);
  const command = COMMANDS.get(first);
  if (command !== undefined) return (await command())(rest);
  const hint = /\.(json|ya?ml|toml)$/.test(first) ? ' (did you mean --config ' + first + '?)' : didYouMean(nearest(first, COMMANDS.keys()));
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
