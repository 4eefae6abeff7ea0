/**
 * What to say about a config key switchyard's schema does not have: a
 * Centrifugo key switchyard does not implement is *ignored* (one warning per
 * key set, louder for security-relevant keys), any other key is *unknown*
 * (a warning with the nearest known key). Both are fatal in strict mode
 * (`config.strict`, `--strict`).
 */
import { parseDuration } from '../duration';
import { didYouMean, nearest } from '../suggest';
import { centrifugoChildren, centrifugoKey, isSecurityRelevant, type CentrifugoKey } from './known-keys';

/** One key of a config that switchyard does not use. */
export interface ConfigWarning {
  /** `ignored`: a Centrifugo key switchyard does not implement; `unknown`: a key neither knows. */
  readonly kind: 'ignored' | 'unknown';
  /** The key's path as written, list items with their index: `channel.namespaces[1].shared_poll.enabled`. */
  readonly path: string;
  /** The line to show, naming the key and what happens to it. */
  readonly message: string;
  /** An ignored key that may leave the server less protected than asked: logged at error level. */
  readonly security: boolean;
  /** An ignored key left at Centrifugo's own default: nothing the operator chose is lost by name. */
  readonly atDefault: boolean;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Milliseconds of a duration in file form: a Go string, or a number of nanoseconds (Centrifugo's rule). */
function durationMs(value: unknown): number | null {
  if (typeof value === 'number') return value / 1e6;
  return typeof value === 'string' ? parseDuration(value) : null;
}

/** Whether `value` is what Centrifugo would use anyway for this key. */
export function isCentrifugoDefault(key: CentrifugoKey, value: unknown): boolean {
  switch (key.kind) {
    case 'duration':
      return durationMs(value) !== null && durationMs(value) === durationMs(key.defaultValue);
    case 'strings': {
      const list = typeof value === 'string' ? [value] : value;
      return Array.isArray(list) && JSON.stringify(list) === JSON.stringify(key.defaultValue);
    }
    case 'map':
    case 'section':
      return isPlainObject(value) && Object.keys(value).length === 0;
    case 'list':
      return Array.isArray(value) && value.length === 0;
    default:
      return value === key.defaultValue;
  }
}

function ignored(path: string, key: CentrifugoKey, value: unknown, featureOff: boolean): ConfigWarning {
  const atDefault = isCentrifugoDefault(key, value);
  const security = !atDefault && !featureOff && isSecurityRelevant(path);
  const message = security
    ? `SECURITY: config key ${path} is a Centrifugo setting switchyard does not implement; it is IGNORED and this server does not provide what it asks for`
    : `config key ${path} is a Centrifugo setting switchyard does not implement; ignored`;
  return { kind: 'ignored', path, message, security, atDefault };
}

/**
 * The warnings for key `name` of the object at `parent`, which the schema does
 * not have. A Centrifugo section or list is walked to the keys actually set,
 * so each gets its own line; an unknown key is reported once, with the
 * nearest key among `schemaSiblings` (the schema's own, preferred) and
 * Centrifugo's, or else what `suggestPath` finds. `featureOff`: the key is
 * inside a section whose `enabled` is off, so ignoring it weakens nothing.
 */
export function classifyUnknownKey(
  parent: string,
  name: string,
  value: unknown,
  schemaSiblings: readonly string[],
  suggestPath: (path: string) => string | undefined,
  featureOff = false,
): ConfigWarning[] {
  const path = parent === '' ? name : `${parent}.${name}`;
  const key = centrifugoKey(path);
  if (key === undefined) {
    const sibling = nearest(name, schemaSiblings) ?? nearest(name, centrifugoChildren(parent));
    const suggestion = sibling !== undefined ? (parent === '' ? sibling : `${parent}.${sibling}`) : parent.includes('[') ? undefined : suggestPath(path);
    const message = `unknown config key ${path} ignored${didYouMean(suggestion)}`;
    return [{ kind: 'unknown', path, message, security: false, atDefault: false }];
  }
  if (key.kind === 'section' && isPlainObject(value) && Object.keys(value).length > 0) {
    // A section whose feature is off (`enabled` not true, Centrifugo's default false) loses nothing by its other keys.
    const off = featureOff || (value['enabled'] !== true && centrifugoKey(`${path}.enabled`)?.defaultValue === false);
    return Object.entries(value).flatMap(([child, v]) => classifyUnknownKey(path, child, v, [], suggestPath, off && child !== 'enabled'));
  }
  if (key.kind === 'list' && Array.isArray(value) && value.length > 0 && value.every(isPlainObject)) {
    return value.flatMap((item, i) =>
      Object.entries(item as Record<string, unknown>).flatMap(([child, v]) => classifyUnknownKey(`${path}[${i}]`, child, v, [], suggestPath)),
    );
  }
  return [ignored(path, key, value, featureOff)];
}

/** A line to log at start. */
export interface WarningLine {
  readonly level: 'warn' | 'error';
  readonly message: string;
}

/** How many at-default keys the summary line names before "…". */
const SUMMARY_NAMES = 8;

/**
 * The lines the server logs at start: one per key or variable, at error
 * level (and first) for security-relevant ones, except ignored keys left at
 * Centrifugo's default (a generated full config has hundreds), which share
 * one summary line; `switchyard checkconfig` lists each.
 */
export function warningLines(warnings: readonly ConfigWarning[]): WarningLine[] {
  const lines: WarningLine[] = [];
  const quiet = warnings.filter((w) => w.kind === 'ignored' && w.atDefault);
  // Security-relevant lines first, so they lead the log whatever else there is.
  for (const w of [...warnings.filter((x) => x.security), ...warnings.filter((x) => !x.security)]) {
    if (w.kind === 'ignored' && w.atDefault) continue;
    lines.push({ level: w.security ? 'error' : 'warn', message: w.message });
  }
  if (quiet.length > 0) {
    const names = quiet.slice(0, SUMMARY_NAMES).map((w) => w.path).join(', ');
    const more = quiet.length > SUMMARY_NAMES ? `, … (${quiet.length - SUMMARY_NAMES} more)` : '';
    lines.push({
      level: 'warn',
      message: `${quiet.length} Centrifugo config key${quiet.length === 1 ? '' : 's'} at Centrifugo's default value ignored (switchyard does not implement them; "switchyard checkconfig" lists each): ${names}${more}`,
    });
  }
  return lines;
}
