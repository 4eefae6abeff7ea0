/**
 * The schema as a flat list of addressable keys: every key that holds a value
 * gets a dotted path (`client.ping_interval`), an environment variable
 * (`SWITCHYARD_CLIENT_PING_INTERVAL`) and a flag (`--client.ping_interval`).
 * Fields inside an object key are addressable too
 * (`channel.without_namespace.allow_subscribe_for_client`); fields of list
 * items (namespaces) are not, since items have no stable address.
 */
import { SCHEMA, type Field, type Fields } from './schema/schema';
import { nearest } from './suggest';

/** Prefix of every environment variable switchyard reads. */
export const ENV_PREFIX = 'SWITCHYARD_';

/** One addressable key. */
export interface ConfigKey {
  /** Dotted path, e.g. `http_server.port`. */
  readonly path: string;
  readonly field: Field;
  /** Environment variable, e.g. `SWITCHYARD_HTTP_SERVER_PORT`. */
  readonly env: string;
  /** Command-line flag, e.g. `--http_server.port`. */
  readonly flag: string;
}

/** The environment variable for a dotted path. */
export function envName(path: string): string {
  return ENV_PREFIX + path.toUpperCase().replace(/\./g, '_');
}

/** `a.b` from a parent path and a name (the root's path is ""). */
export function joinPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}.${name}`;
}

function collectKeys(fields: Fields, parent: string, out: ConfigKey[]): void {
  for (const [name, node] of Object.entries(fields)) {
    const path = joinPath(parent, name);
    if (node.kind === 'group') {
      collectKeys(node.fields, path, out);
      continue;
    }
    out.push(Object.freeze({ path, field: node, env: envName(path), flag: `--${path}` }));
    if (node.kind === 'object') collectKeys(node.fields, path, out);
  }
}

/** Every addressable key in schema order; an object key comes before its fields. */
export const CONFIG_KEYS: readonly ConfigKey[] = (() => {
  const out: ConfigKey[] = [];
  collectKeys(SCHEMA.fields, '', out);
  return Object.freeze(out);
})();

const BY_PATH: ReadonlyMap<string, ConfigKey> = new Map(CONFIG_KEYS.map((k) => [k.path, k]));
const BY_ENV: ReadonlyMap<string, ConfigKey> = new Map(CONFIG_KEYS.map((k) => [k.env, k]));

/** The key at a dotted path, if there is one. */
export function keyByPath(path: string): ConfigKey | undefined {
  return BY_PATH.get(path);
}

/** The key an environment variable sets, if any. */
export function keyByEnv(name: string): ConfigKey | undefined {
  return BY_ENV.get(name);
}

const lastSegment = (path: string): string => path.slice(path.lastIndexOf('.') + 1);

/**
 * The known path nearest to an unknown one: by whole path first
 * (`client.ping_intervall`), then by last segment, which finds keys written in
 * the wrong section (`port` → `http_server.port`).
 */
export function suggestPath(path: string): string | undefined {
  return nearest(path, BY_PATH.keys()) ?? nearest(lastSegment(path), BY_PATH.keys(), lastSegment);
}

/**
 * Every value-holding path in file form, with `[]` for list items:
 * `channel.without_namespace.channel_regex`, `channel.namespaces[].name`.
 * A config file that sets every key has exactly these paths.
 */
export function leafPaths(fields: Fields = SCHEMA.fields, parent = ''): string[] {
  const out: string[] = [];
  for (const [name, node] of Object.entries(fields)) {
    const path = joinPath(parent, name);
    if (node.kind === 'group' || node.kind === 'object') out.push(...leafPaths(node.fields, path));
    else if (node.kind === 'object_list') out.push(...leafPaths(node.item, `${path}[]`));
    else out.push(path);
  }
  return out;
}
