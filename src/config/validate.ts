/**
 * Validation of a whole config in file form: every key checked against the
 * schema, then the cross-key rules; every problem reported at once; the
 * result deep-frozen.
 */
import { rateLimitErrors } from './schema/limits';
import { httpServerErrors } from './tls';
import { authErrors } from './auth-rules';
import type { ConfigWarning } from './centrifugo/classify';
import { checkNode, isPlainObject } from './check';
import { formatDuration } from './duration';
import { ConfigError } from './errors';
import { engineErrors } from './engine-rules';
import { deepFreeze } from './freeze';
import { ORDERED_KEYS, SCHEMA } from './schema/schema';
import type { Config } from './types';
import { largestPublicationFrame } from '../protocol/publication-size';

/**
 * The outcome of checking a config: the frozen config, or every problem
 * found; either way the keys switchyard does not use (`warnings`), which are
 * errors too with `config.strict`.
 */
export type ValidationResult =
  | { readonly ok: true; readonly config: Config; readonly warnings: readonly ConfigWarning[] }
  | { readonly ok: false; readonly errors: readonly string[]; readonly warnings: readonly ConfigWarning[] };

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
 * With more than one shard, a publication of `channel.publication_size_limit`
 * crosses the mailbox (as fragments, into the ring and the sender's
 * overflow): ring and overflow together must hold one such fan-out record
 * (largestPublicationFrame), or every large enough cross-shard publication
 * would be refused `full`.
 */
function publicationRoomErrors(config: unknown): string[] {
  const [count, ring, overflow, limit] = ['shards.count', 'shards.mailbox_size', 'shards.mailbox_overflow_limit', 'channel.publication_size_limit'].map((path) =>
    valueAt(config, path),
  );
  if (typeof count !== 'number' || typeof ring !== 'number' || typeof overflow !== 'number' || typeof limit !== 'number') return [];
  if (count === 1) return [];
  const need = largestPublicationFrame(limit);
  if (ring + overflow >= need) return [];
  return [
    `shards.mailbox_size + shards.mailbox_overflow_limit (${ring + overflow} bytes) must hold one publication of channel.publication_size_limit between shards (${need} bytes: twice the limit plus 64 KiB); raise shards.mailbox_overflow_limit or lower channel.publication_size_limit`,
  ];
}

/**
 * Checks a config in file form (durations as strings; missing keys take their
 * defaults) and reports every problem, each naming its key path.
 */
export function checkConfig(raw: unknown, strict = false): ValidationResult {
  const errors: string[] = [];
  const warnings: ConfigWarning[] = [];
  const config = checkNode(SCHEMA, raw, '', errors, warnings);
  if (strict || valueAt(config, 'config.strict') === true) errors.push(...warnings.map((w) => `${w.message} (strict mode)`));
  errors.push(...orderErrors(config));
  errors.push(...channelOptionErrors(config));
  errors.push(...authErrors(config));
  errors.push(...uniTransformErrors(config));
  errors.push(...httpServerErrors(valueAt(config, 'http_server')));
  errors.push(...rateLimitErrors(config));
  errors.push(...publicationRoomErrors(config));
  // The engine rules read whole sections, so they run only on a config whose keys are each valid.
  if (errors.length === 0) errors.push(...engineErrors(config as Config));
  return errors.length === 0 ? { ok: true, config: deepFreeze(config as Config), warnings } : { ok: false, errors, warnings };
}

/**
 * Validates a config in file form and returns it deep-frozen, with durations
 * in milliseconds and every missing key at its default. Throws ConfigError
 * listing every problem; keys it does not use are left out silently (use
 * checkConfig or loadConfig to see them).
 */
export function validateConfig(raw: unknown): Config {
  const result = checkConfig(raw);
  if (!result.ok) throw new ConfigError(result.errors);
  return result.config;
}
