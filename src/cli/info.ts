/** The commands that only print: `version`, `configdoc` and `--help`. */
import { renderConfigDocs } from '../config/docs';
import { VERSION } from '../common/version';
import { parseCommandArgs } from './args';
import { Exit, say, usageError } from './output';

const HELP = `Usage:
  switchyard [-c FILE] [--<key> VALUE ...]   run the server
  switchyard checkconfig FILE                validate a config file (environment and flags not applied)
  switchyard reload [-c FILE] [--pid_file P] make the running server reload its config (SIGHUP to the pid in pid_file)
  switchyard genconfig [FILE|-] [--force]    write a config with every default (FILE defaults to config.json; - is stdout)
  switchyard configdoc                       print the configuration reference (Markdown)
  switchyard gentoken -u USER [-t TTL]       sign an HS256 connection token with client.token.hmac_secret_key
  switchyard gensubtoken -u USER -s CHANNEL [-t TTL]
                                             sign an HS256 subscription token
  switchyard checktoken TOKEN                verify a connection token as the server would
  switchyard checksubtoken TOKEN             verify a subscription token as the server would
  switchyard version                         print the switchyard and Node.js versions
  switchyard --help                          print this help

Running the server (SIGHUP reloads the config, SIGTERM drains and exits):
  -c, --config FILE     JSON config file
  --port PORT           same as --http_server.port
  --<key> VALUE         any config key, e.g. --http_server.port 9000, --shards.count=4, --client.insecure

Environment variables SWITCHYARD_<KEY> (e.g. SWITCHYARD_HTTP_SERVER_PORT) set keys too.
Flags win over the environment, which wins over the file. Every key is in docs/configuration.md.

Token commands read -c FILE (default ./config.json when it exists) and SWITCHYARD_* variables;
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

/** Prints docs/configuration.md as generated from the schema. */
export const configdoc = printer('configdoc', renderConfigDocs);
