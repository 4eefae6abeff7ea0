/**
 * Starts a real switchyard on an ephemeral port for a test, with a config
 * built from the defaults plus overrides (validated like a user's file).
 */
import { validateConfig } from '../../src/config/validate';
import type { Config } from '../../src/config/types';
import { startServer, type RunningServer } from '../../src/acceptor/run';

/** The API key every test server uses. */
export const API_KEY = 'test-key';

type DeepPartial<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

function merge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (typeof base !== 'object' || base === null || Array.isArray(base) || typeof over !== 'object' || over === null || Array.isArray(over)) {
    return over;
  }
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) out[k] = merge(out[k], v);
  return out;
}

/** Plain JSON copy of the defaults with durations back as strings is not needed: validateConfig takes the file form. */
export function testConfigInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base = {
    http_server: { address: '127.0.0.1', port: 0 },
    log: { level: 'warn' },
    client: { allow_anonymous_connect_without_token: true },
    channel: {
      without_namespace: {
        allow_subscribe_for_client: true,
        allow_subscribe_for_anonymous: true,
        allow_publish_for_client: true,
        allow_publish_for_anonymous: true,
      },
      namespaces: [
        { name: 'chat', allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true, allow_publish_for_subscriber: true, allow_publish_for_anonymous: true },
        { name: 'locked' },
      ],
    },
    http_api: { key: API_KEY },
    shutdown: { timeout: '5s' },
    shards: { count: 2 },
  };
  return merge(base, overrides) as Record<string, unknown>;
}

/** A validated test config. */
export function testConfig(overrides: Record<string, unknown> = {}): Config {
  return validateConfig(testConfigInput(overrides));
}

/** Starts a server; call `close()` in `after`. */
export async function startTestServer(overrides: Record<string, unknown> = {}): Promise<RunningServer> {
  return startServer(testConfig(overrides));
}

export type { DeepPartial };
