/** The commands that only print: `version`, `configdoc` and `--help`. */
import { VERSION } from '../common/version';
import { parseCommandArgs } from './args';
import { Exit, say, usageError } from './output';

const HELP = `Usage:
  switchyard [-c FILE] [--<key> VALUE ...]   run the server (FILE defaults to ./config.json when it exists)
  switchyard checkconfig [FILE] [--strict]   validate a config file (environment and flags not applied), list the keys it ignores
  switchyard reload [-c FILE] [--pid_file P] make the running server reload its config (SIGHUP to the pid in pid_file)
  switchyard genconfig [FILE|-] [--force]    write a minimal config with fresh secrets (FILE defaults to config.json; - is stdout)
  switchyard defaultconfig [-c FILE] [-b BASE] [--dry-run]
                                             write a config with every key at its default (or BASE's value)
  switchyard defaultenv [-b BASE] [--base-non-zero-only]
                                             print every environment variable with its default (or BASE's value)
  switchyard configdoc [--ignored]           print the configuration reference (Markdown; --ignored: the Centrifugo keys ignored)
  switchyard gentoken -u USER [-t TTL]       sign an HS256 connection token with client.token.hmac_secret_key
  switchyard gensubtoken -u USER -s CHANNEL [-t TTL]
                                             sign an HS256 subscription token
  switchyard checktoken TOKEN                verify a connection token as the server would
  switchyard checksubtoken TOKEN             verify a subscription token as the server would
  switchyard serve [-d DIR] [-p PORT] [-a ADDRESS]
                                             serve a directory over HTTP for development (default ./ on port 3000)
  switchyard version                         print the switchyard and Node.js versions
  switchyard --help                          print this help

Config files are JSON, YAML (.yaml, .yml) or TOML (.toml), chosen by the extension.

Running the server (SIGHUP reloads the config, SIGTERM drains and exits):
  -c, --config FILE     config file
  --port PORT           same as --http_server.port
  --strict              same as --config.strict: keys switchyard does not use are errors, not warnings
  --<key> VALUE         any config key, e.g. --http_server.port 9000, --shards.count=4, --client.insecure

Environment variables SWITCHYARD_<KEY> or CENTRIFUGO_<KEY> (e.g. SWITCHYARD_HTTP_SERVER_PORT) set keys too.
Flags win over the environment, which wins over the file. Every key is in docs/configuration.md.

Token commands read -c FILE (default ./config.json when it exists) and SWITCHYARD_*/CENTRIFUGO_* variables;
-t is seconds (default 604800; 0 or -1: no expiry); -q prints only the token.

Exit status: 0 done, 1 could not start (or write, or a token is not valid), 2 invalid configuration or command line.`;

/** A command that takes no arguments and prints `text()`. */
function printer(name: string, text: () => string): (args: readonly string[]) => Promise<number> {
  return async (args) => {
    const parsed = parseCommandArgs(args, {});
    if (parsed.errors.length > 0) return usageError(parsed.errors.join('\n'));
    if (parsed.positionals.length > 0) return usageError(`${name} takes no arguments`);
    process.stdout.write(text());
    return Exit.ok;
  };
}

/** Prints the usage text. */
export async function help(): Promise<number> {
  say(HELP);
  return Exit.ok;
}

/** Prints `switchyard <version> node <version>`. */
export const version = printer('version', () => `switchyard ${VERSION} node ${process.versions.node}\n`);

/** Prints docs/configuration.md as generated from the schema; `--ignored`: the README's table of ignored Centrifugo keys. */
export async function configdoc(args: readonly string[]): Promise<number> {
  // `--markdown` is Centrifugo's switch for the format switchyard always prints.
  const parsed = parseCommandArgs(args, { '--ignored': 'switch', '--markdown': 'switch' });
  if (parsed.errors.length > 0) return usageError(parsed.errors.join('\n'));
  if (parsed.positionals.length > 0) return usageError('configdoc takes no arguments');
  if (parsed.options.has('--ignored')) {
    const { renderDefaultsTable, renderIgnoredTable } = await import('../config/centrifugo/ignored-table');
    process.stdout.write(`${renderIgnoredTable()}\n\n${renderDefaultsTable()}\n`);
  } else {
    process.stdout.write((await import('../config/docs')).renderConfigDocs());
  }
  return Exit.ok;
}
