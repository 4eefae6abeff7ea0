/**
 * The schema keys of client limits, part of the `client` section (schema.ts):
 * connections per process, per user and per second, and the per-connection
 * command and error rate limits (Centrifugo PRO's `client.rate_limit`
 * layout: `client_command` with `total`, `default` and one bucket list per
 * command kind; `client_error` with `total`).
 */
import { boolean, duration, integer, NO_LIMIT, type FieldsFor, type NodeFor } from './nodes';
import { LIMITED_COMMANDS, type ClientLimitsConfig, type LimitedCommand, type RateLimitConfig } from '../limits-types';

/** Most new connections per second `client.connection_rate_limit` accepts. */
export const MAX_CONNECTION_RATE = 1_000_000;

/** A list of token buckets with an `enabled` switch; `what` says what takes the tokens. */
function limit(what: string): NodeFor<RateLimitConfig> {
  return {
    kind: 'group',
    fields: {
      enabled: boolean(false, `Apply these buckets to ${what}.`),
      buckets: {
        kind: 'object_list',
        itemName: 'bucket',
        item: {
          interval: duration('1s', '1ms', 'Length of the interval the rate counts over; 1s when left out.'),
          rate: integer(0, 1, NO_LIMIT, 'Tokens per interval, which is also the most the bucket holds (a burst); required.'),
        },
        doc: `Token buckets, each \`{"interval": "1s", "rate": 10}\`; ${what} needs a token from every one. Tokens come back evenly over the interval.`,
      },
    },
  };
}

const commandLimits = Object.fromEntries(
  LIMITED_COMMANDS.map((kind) => [kind, limit(kind === 'unsubscribe' ? '`unsubscribe` (counted, never refused: refusing it would make the SDK reconnect)' : `\`${kind}\` commands`)]),
) as { readonly [K in LimitedCommand]: NodeFor<RateLimitConfig> };

/** The limit keys of `client`. */
export const CLIENT_LIMIT_FIELDS = {
  connection_limit: integer(
    0,
    0,
    NO_LIMIT,
    'Most client connections this process holds at once, over all shards and transports; a new one is answered HTTP 503 (Centrifugo: per node). 0 means no limit.',
  ),
  user_connection_limit: integer(
    0,
    0,
    NO_LIMIT,
    'Most connections of one user (not anonymous) on this process; a further connect is closed with 3504 (connection limit). 0 means no limit.',
  ),
  connection_rate_limit: integer(
    0,
    0,
    MAX_CONNECTION_RATE,
    'Most new client connections this process accepts per second (counted in whole seconds); more are answered HTTP 503. 0 means no limit.',
  ),
  rate_limit: {
    kind: 'group',
    fields: {
      client_command: {
        kind: 'group',
        fields: {
          enabled: boolean(false, 'Limit the commands of each connection with token buckets; a command over its limit is answered error 111 (too many requests, temporary). `connect` is never limited.'),
          total: limit('every command (but connect) that its own limit let through'),
          default: limit('each command kind without an enabled limit of its own (one set of buckets per kind)'),
          ...commandLimits,
        },
      },
      client_error: {
        kind: 'group',
        fields: {
          enabled: boolean(false, 'Disconnect a connection that keeps getting error replies (111 included, 100 not) with 3509 (too many errors), which SDKs do not reconnect after.'),
          total: limit('every error reply but 100 (internal)'),
        },
      },
    },
  },
} satisfies FieldsFor<ClientLimitsConfig>;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Buckets without their (required) rate, and enabled limits without buckets, in `client.rate_limit`. */
export function rateLimitErrors(config: unknown): string[] {
  const errors: string[] = [];
  const client = isObject(config) ? config['client'] : undefined;
  const rateLimit = isObject(client) ? client['rate_limit'] : undefined;
  if (!isObject(rateLimit)) return errors;
  const check = (node: unknown, path: string): void => {
    if (!isObject(node) || !Array.isArray(node['buckets'])) return;
    const buckets = node['buckets'] as unknown[];
    buckets.forEach((b, i) => {
      if (isObject(b) && b['rate'] === 0) errors.push(`${path}.buckets[${i}].rate is required`);
    });
    if (node['enabled'] === true && buckets.length === 0) errors.push(`${path}.buckets must list at least one bucket when ${path}.enabled`);
  };
  const command = rateLimitErrorsSection(rateLimit, 'client_command');
  for (const name of ['total', 'default', ...LIMITED_COMMANDS]) check(command?.[name], `client.rate_limit.client_command.${name}`);
  check(rateLimitErrorsSection(rateLimit, 'client_error')?.['total'], 'client.rate_limit.client_error.total');
  return errors;
}

function rateLimitErrorsSection(rateLimit: Record<string, unknown>, name: string): Record<string, unknown> | undefined {
  const section = rateLimit[name];
  return isObject(section) ? section : undefined;
}
