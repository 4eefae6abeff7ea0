/**
 * Which keys a reload (SIGHUP, `switchyard reload`) cannot change: what
 * listens (ports, addresses, TLS, transports' routes and uWS options), how
 * many shards run and their mailboxes, the engine, and the metrics switch.
 * A reload that changes one reports it as "needs a restart" and keeps the
 * running value; every other key takes effect on every shard at once.
 */
import { deepFreeze } from './freeze';
import { isPlainObject } from './check';
import type { Config } from './types';

/** Key paths (a section means every key in it) that only a restart changes. */
export const RESTART_KEYS: readonly string[] = Object.freeze([
  'http_server',
  'shards',
  'engine',
  'pid_file',
  'prometheus',
  'websocket',
  'http_stream.enabled',
  'sse.enabled',
  'uni_websocket',
  'uni_sse',
  'uni_http_stream',
  'uni_grpc',
  'client.queue_max_size',
  'channel.publication_size_limit',
  'client.presence_update_interval',
]);

function valueAt(root: unknown, path: string): unknown {
  let node = root;
  for (const name of path.split('.')) node = isPlainObject(node) ? node[name] : undefined;
  return node;
}

/** Leaf paths under `path` whose values differ between `a` and `b`. */
function differences(a: unknown, b: unknown, path: string, out: string[]): void {
  if (isPlainObject(a) && isPlainObject(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) differences(a[key], b[key], `${path}.${key}`, out);
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push(path);
}

/** The restart-only keys whose value differs between the running config and a reloaded one. */
export function restartChanges(running: Config, next: Config): string[] {
  const out: string[] = [];
  for (const path of RESTART_KEYS) differences(valueAt(running, path), valueAt(next, path), path, out);
  return out;
}

/** Every key path whose value differs between two configs (for the reload log line). */
export function changedKeys(running: Config, next: Config): string[] {
  const out: string[] = [];
  for (const key of new Set([...Object.keys(running), ...Object.keys(next)])) {
    differences((running as unknown as Record<string, unknown>)[key], (next as unknown as Record<string, unknown>)[key], key, out);
  }
  return out;
}

/** `next` with every restart-only key set back to its running value; deep-frozen. */
export function keepRestartKeys(running: Config, next: Config): Config {
  const out = structuredClone(next) as unknown as Record<string, unknown>;
  for (const path of RESTART_KEYS) {
    const names = path.split('.');
    let target = out;
    for (const name of names.slice(0, -1)) target = target[name] as Record<string, unknown>;
    target[names.at(-1)!] = structuredClone(valueAt(running, path));
  }
  return deepFreeze(out as unknown as Config);
}
