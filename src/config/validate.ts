/**
 * Validation of a whole config in file form: every key checked against the
 * schema, then the cross-key rules; every problem reported at once; the
 * result deep-frozen.
 */
import { rateLimitErrors } from './schema/limits';
import { redisAddressErrors } from '../common/redis-address';
import { authErrors } from './auth-rules';
import { checkNode, isPlainObject } from './check';
import { formatDuration } from './duration';
import { ConfigError } from './errors';
import { deepFreeze } from './freeze';
import { ORDERED_KEYS, SCHEMA } from './schema/schema';
import type { Config } from './types';

/** The outcome of checking a config: the frozen config, or every problem found. */
export type ValidationResult =
  | { readonly ok: true; readonly config: Config }
  | { readonly ok: false; readonly errors: readonly string[] };

function valueAt(root: unknown, path: string): unknown {
  let node = root;
  for (const name of path.split('.')) node = isPlainObject(node) ? node[name] : undefined;
  return node;
}

/** Errors from ORDERED_KEYS, for pairs whose two values are themselves valid. */
function orderErrors(config: unknown): string[] {
  const errors: string[] = [];
  for (const { smaller, larger, strict } of ORDERED_KEYS) {
    const a = valueAt(config, smaller);
    const b = valueAt(config, larger);
    if (typeof a !== 'number' || typeof b !== 'number') continue;
    if (strict ? a < b : a <= b) continue;
    const relation = strict ? 'less than' : 'at most';
    errors.push(`${smaller} (${formatDuration(a)}) must be ${relation} ${larger} (${formatDuration(b)})`);
  }
  return errors;
}

/** Channel options that only work on a channel with history. */
const NEEDS_HISTORY = ['force_positioning', 'allow_positioning', 'force_recovery', 'allow_recovery'] as const;

/** Errors of channel options that contradict each other, each naming its path. */
function channelOptionErrors(config: unknown): string[] {
  const errors: string[] = [];
  const check = (options: unknown, path: string): void => {
    if (!isPlainObject(options)) return;
    const size = options['history_size'];
    const ttl = options['history_ttl'];
    if (typeof size !== 'number' || typeof ttl !== 'number') return;
    if ((size > 0) !== (ttl > 0)) {
      errors.push(`${path}.history_size and ${path}.history_ttl must both be set (above zero) to keep history, or both be zero`);
    }
    const history = size > 0 && ttl > 0;
    for (const key of NEEDS_HISTORY) {
      if (options[key] === true && !history) errors.push(`${path}.${key} needs history: set ${path}.history_size and ${path}.history_ttl`);
    }
    const deltas = options['allowed_delta_types'];
    if (Array.isArray(deltas) && deltas.length > 0 && !history) {
      errors.push(`${path}.allowed_delta_types needs history: set ${path}.history_size and ${path}.history_ttl`);
    }
  };
  const channel = valueAt(config, 'channel');
  if (!isPlainObject(channel)) return errors;
  check(channel['without_namespace'], 'channel.without_namespace');
  const namespaces = channel['namespaces'];
  if (Array.isArray(namespaces)) namespaces.forEach((ns, i) => check(ns, `channel.namespaces[${i}]`));
  return errors;
}

/** Unidirectional disconnect transforms without their (required) codes. */
function uniTransformErrors(config: unknown): string[] {
  const path = 'client.connect_code_to_unidirectional_disconnect.transforms';
  const transforms = valueAt(config, path);
  if (!Array.isArray(transforms)) return [];
  const errors: string[] = [];
  transforms.forEach((t, i) => {
    if (!isPlainObject(t)) return;
    if (t['code'] === 0) errors.push(`${path}[${i}].code is required`);
    if (isPlainObject(t['to']) && t['to']['code'] === 0) errors.push(`${path}[${i}].to.code is required`);
  });
  return errors;
}

/**
 * Checks a config in file form (durations as strings; missing keys take their
 * defaults) and reports every problem, each naming its key path.
 */
export function checkConfig(raw: unknown): ValidationResult {
  const errors: string[] = [];
  const config = checkNode(SCHEMA, raw, '', errors);
  errors.push(...orderErrors(config));
  errors.push(...channelOptionErrors(config));
  errors.push(...authErrors(config));
  errors.push(...uniTransformErrors(config));
  errors.push(...rateLimitErrors(config));
  const addresses = valueAt(config, 'engine.redis.address');
  if (Array.isArray(addresses)) errors.push(...redisAddressErrors(addresses as string[], 'engine.redis.address'));
  return errors.length === 0 ? { ok: true, config: deepFreeze(config as Config) } : { ok: false, errors };
}

/**
 * Validates a config in file form and returns it deep-frozen, with durations
 * in milliseconds and every missing key at its default. Throws ConfigError
 * listing every problem.
 */
export function validateConfig(raw: unknown): Config {
  const result = checkConfig(raw);
  if (!result.ok) throw new ConfigError(result.errors);
  return result.config;
}
