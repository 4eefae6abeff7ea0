/**
 * The config types of client limits (`client.connection_limit`,
 * `client.user_connection_limit`, `client.connection_rate_limit` and
 * `client.rate_limit`), apart from types.ts to keep each file small. Names
 * and layout are Centrifugo's (the command rate limits are Centrifugo PRO's
 * `client.rate_limit`).
 */

/** A token bucket: at most `rate` commands per `interval`, refilled evenly. */
export interface RateBucketConfig {
  /** Length of the interval, ms. */
  readonly interval: number;
  /** Tokens per interval, and the most the bucket holds. */
  readonly rate: number;
}

/** A limit made of buckets; a command needs a token from each. */
export interface RateLimitConfig {
  readonly enabled: boolean;
  readonly buckets: readonly RateBucketConfig[];
}

/** The command kinds with buckets of their own in `client.rate_limit.client_command`. */
export const LIMITED_COMMANDS = Object.freeze([
  'subscribe',
  'unsubscribe',
  'publish',
  'history',
  'presence',
  'presence_stats',
  'refresh',
  'sub_refresh',
  'rpc',
] as const);

/** One of LIMITED_COMMANDS. */
export type LimitedCommand = (typeof LIMITED_COMMANDS)[number];

/** `client.rate_limit.client_command`: per-connection token buckets per command kind. */
export type ClientCommandRateLimitConfig = {
  readonly enabled: boolean;
  /** Every command but connect takes a token here too, once its own limit let it through. */
  readonly total: RateLimitConfig;
  /** Buckets for each kind without an enabled limit of its own (one set per kind). */
  readonly default: RateLimitConfig;
} & { readonly [K in LimitedCommand]: RateLimitConfig };

/** `client.rate_limit.client_error`: errors answered to one connection before it is disconnected (3509). */
export interface ClientErrorRateLimitConfig {
  readonly enabled: boolean;
  readonly total: RateLimitConfig;
}

/** The limit keys of the `client` section. */
export interface ClientLimitsConfig {
  /** Most connections this process holds at once (new ones are answered 503); 0 means no limit. */
  readonly connection_limit: number;
  /** Most connections of one user on this process (a further connect is closed with 3504); 0 means no limit. */
  readonly user_connection_limit: number;
  /** Most new connections this process accepts per second (more are answered 503); 0 means no limit. */
  readonly connection_rate_limit: number;
  readonly rate_limit: {
    readonly client_command: ClientCommandRateLimitConfig;
    readonly client_error: ClientErrorRateLimitConfig;
  };
}
