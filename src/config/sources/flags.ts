/**
 * Command-line flags: `--<path> value` or `--<path>=value` for every key
 * (`--http_server.port 9000`), a boolean alone meaning true
 * (`--client.insecure`), plus `--port` for http_server.port and
 * `--strict` for config.strict, Centrifugo's `-a`/`-p` for
 * http_server.address/port, and `-c`/`--config FILE` for the config file.
 * A flag for a Centrifugo key switchyard does not implement is a warning
 * (ignored), not an error.
 */
import type { ConfigWarning } from '../centrifugo/classify';
import { centrifugoKey, isSecurityRelevant } from '../centrifugo/known-keys';
import { show } from '../check';
import { keyByPath, suggestPath } from '../keys';
import type { Override } from './overrides';
import { didYouMean, nearest } from '../suggest';

/** Flags that stand for a key path. */
const SHORTCUTS: Readonly<Record<string, string>> = Object.freeze({
  '--port': 'http_server.port',
  '-p': 'http_server.port',
  '-a': 'http_server.address',
  '--strict': 'config.strict',
});

/** Flags that name the config file. */
const CONFIG_FILE_FLAGS: readonly string[] = ['-c', '--config'];

/** What the flags set. */
export interface FlagReading {
  /** The last `-c`/`--config` value, if any. */
  readonly file: string | undefined;
  /** In command-line order (later wins). */
  readonly overrides: readonly Override[];
  /** Unknown flags, missing values, stray arguments. */
  readonly errors: readonly string[];
  /** Flags for Centrifugo keys switchyard does not implement. */
  readonly warnings: readonly ConfigWarning[];
}

const looksLikeFlag = (arg: string): boolean => /^--?[A-Za-z]/.test(arg);

function suggestFlag(flag: string): string | undefined {
  const name = flag.replace(/^-+/, '');
  const shortcut = nearest(name, [...Object.keys(SHORTCUTS), ...CONFIG_FILE_FLAGS].map((f) => f.replace(/^-+/, '')));
  if (shortcut !== undefined) return `--${shortcut}`;
  const path = suggestPath(name);
  return path === undefined ? undefined : `--${path}`;
}

/** Reads config flags from `argv` (the arguments after the command name). */
export function readFlags(argv: readonly string[]): FlagReading {
  let file: string | undefined;
  const overrides: Override[] = [];
  const errors: string[] = [];
  const warnings: ConfigWarning[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!looksLikeFlag(arg)) {
      errors.push(`unexpected argument ${show(arg)}`);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const next = argv[i + 1];
    /** The value after `=`, else the next argument when it is not a flag itself (`accept` narrows which). */
    const value = (accept = (candidate: string) => !looksLikeFlag(candidate)): string | undefined => {
      if (eq >= 0) return arg.slice(eq + 1);
      if (next === undefined || !accept(next)) return undefined;
      i++;
      return next;
    };

    if (CONFIG_FILE_FLAGS.includes(flag)) {
      file = value();
      if (file === undefined) errors.push(`flag ${flag} needs a file name`);
      continue;
    }
    const key = keyByPath(SHORTCUTS[flag] ?? (flag.startsWith('--') ? flag.slice(2) : ''));
    if (key === undefined) {
      const centrifugo = flag.startsWith('--') ? centrifugoKey(flag.slice(2)) : undefined;
      if (centrifugo === undefined || centrifugo.kind === 'section' || flag.includes('[')) {
        errors.push(`unknown flag ${flag}${didYouMean(suggestFlag(flag))}`);
        value(); // most likely its value: not a stray argument of its own
        continue;
      }
      const text = centrifugo.kind === 'bool' ? (value((c) => /^(true|false)$/i.test(c)) ?? 'true') : value();
      const security = isSecurityRelevant(centrifugo.path) && text !== undefined && text !== String(centrifugo.defaultValue);
      const what = `flag ${flag} sets ${centrifugo.path}, a Centrifugo setting switchyard does not implement`;
      const message = security ? `SECURITY: ${what}; it is IGNORED and this server does not provide what it asks for` : `${what}; ignored`;
      warnings.push({ kind: 'ignored', path: centrifugo.path, message, security, atDefault: false });
      continue;
    }
    // A boolean flag alone means true; only an explicit true/false after it is its value.
    const text = key.field.kind === 'boolean' ? (value((c) => /^(true|false)$/i.test(c)) ?? 'true') : value();
    if (text === undefined) errors.push(`flag ${flag} needs a value`);
    else overrides.push({ source: `flag ${flag}`, key, text });
  }
  return { file, overrides, errors, warnings };
}
