/**
 * Cross-key checks of the authentication settings: token keys that must parse,
 * options that exclude each other, proxy endpoints, and `*_proxy_name` options
 * that must name a configured proxy. Each error names its key path. Values
 * that failed their own check are skipped (their error is already reported).
 */
import { parsePublicKey } from '../common/pem-keys';
import { compileConfigRegex } from '../common/config-regex';
import { isPlainObject } from './check';
import { HEADER_NAME_PATTERN } from './schema/schema';
import { METADATA_KEY_PATTERN } from './schema/proxies';
import { tlsErrors, type TlsSettings } from '../common/tls';

type Obj = Record<string, unknown>;

const TOKEN_SECTIONS = ['client.token', 'client.subscription_token'] as const;
const CHANNEL_PROXY_KINDS = ['subscribe', 'publish', 'sub_refresh'] as const;
const DEFAULT_PROXY = 'default';

function at(root: unknown, path: string): unknown {
  let node = root;
  for (const name of path.split('.')) node = isPlainObject(node) ? node[name] : undefined;
  return node;
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/** Errors of one token section. */
function tokenErrors(section: Obj, path: string): string[] {
  const errors: string[] = [];
  for (const pair of ['audience', 'issuer']) {
    if (str(section[pair]) !== '' && str(section[`${pair}_regex`]) !== '') {
      errors.push(`${path}.${pair} and ${path}.${pair}_regex cannot both be set: use one of them`);
    }
    const regex = str(section[`${pair}_regex`]);
    if (regex === '') continue;
    try {
      compileConfigRegex(regex);
    } catch (err) {
      errors.push(`${path}.${pair}_regex is not a valid regular expression: ${(err as Error).message}`);
    }
  }
  for (const [key, type] of [
    ['rsa_public_key', 'rsa'],
    ['ecdsa_public_key', 'ec'],
  ] as const) {
    const pem = str(section[key]);
    if (pem === '') continue;
    try {
      parsePublicKey(pem, type);
    } catch (err) {
      errors.push(`${path}.${key} ${(err as Error).message}`);
    }
  }
  const jwks = str(section['jwks_public_endpoint']);
  if (jwks !== '') {
    if (jwks.includes('{{')) errors.push(`${path}.jwks_public_endpoint: templated endpoints ({{name}}) are not supported`);
    else errors.push(...urlErrors(jwks, `${path}.jwks_public_endpoint`));
  }
  return errors;
}

/** An http(s) URL, or the errors saying why not. */
function urlErrors(url: string, path: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [`${path} must be an http:// or https:// URL, got ${JSON.stringify(url)}`];
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return [`${path} must be an http:// or https:// URL, got ${JSON.stringify(url)}`];
  }
  return [];
}

/** A gRPC proxy address, `grpc://host:port` or `host:port`. */
const GRPC_ADDRESS = /^(?:grpc:\/\/)?(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;

/** A proxy endpoint: an http(s) URL, or a gRPC address. */
function endpointErrors(endpoint: string, path: string): string[] {
  if (/^https?:\/\//i.test(endpoint)) return urlErrors(endpoint, path);
  if (GRPC_ADDRESS.test(endpoint)) return [];
  return [`${path} must be an http:// or https:// URL, or a gRPC address grpc://host:port (or host:port), got ${JSON.stringify(endpoint)}`];
}

/** Errors of one TLS section that passed its own field checks. */
function tlsSectionErrors(section: unknown, path: string, role: 'server' | 'client'): string[] {
  return isPlainObject(section) ? tlsErrors(section as unknown as TlsSettings, path, role) : [];
}

/** Errors of `http.status_to_code_transforms`: each item maps to an error or to a disconnect. */
function transformErrors(list: unknown, path: string): string[] {
  if (!Array.isArray(list)) return [];
  const errors: string[] = [];
  list.forEach((item, i) => {
    if (!isPlainObject(item)) return;
    const errorCode = isPlainObject(item['to_error']) ? item['to_error']['code'] : 0;
    const disconnectCode = isPlainObject(item['to_disconnect']) ? item['to_disconnect']['code'] : 0;
    const where = `${path}[${i}]`;
    if (!errorCode && !disconnectCode) errors.push(`${where} needs to_error.code or to_disconnect.code`);
    if (errorCode && disconnectCode) errors.push(`${where} sets both to_error and to_disconnect: choose one`);
    if (typeof disconnectCode === 'number' && disconnectCode !== 0 && disconnectCode < 3000) errors.push(`${where}.to_disconnect.code must be in 3000..4999`);
  });
  return errors;
}

/** Errors of one proxy's own fields; `required` when it must have an endpoint. */
function proxyErrors(proxy: Obj, path: string, required: boolean): string[] {
  const errors: string[] = [];
  const endpoint = str(proxy['endpoint']);
  if (endpoint === '' && required) errors.push(`${path}.endpoint is required`);
  if (endpoint !== '') errors.push(...endpointErrors(endpoint, `${path}.endpoint`));
  const header = new RegExp(HEADER_NAME_PATTERN);
  for (const list of ['http_headers', 'emulated_headers']) {
    const names = proxy[list];
    if (!Array.isArray(names)) continue;
    names.forEach((name, i) => {
      if (typeof name === 'string' && !header.test(name)) errors.push(`${path}.${list}[${i}] is not a header name: ${JSON.stringify(name)}`);
    });
  }
  const keys = proxy['grpc_metadata'];
  if (Array.isArray(keys)) {
    const key = new RegExp(METADATA_KEY_PATTERN);
    keys.forEach((name, i) => {
      if (typeof name === 'string' && !key.test(name)) errors.push(`${path}.grpc_metadata[${i}] is not a gRPC metadata key (lower case): ${JSON.stringify(name)}`);
    });
  }
  const http = proxy['http'];
  const grpc = proxy['grpc'];
  if (isPlainObject(http)) {
    errors.push(...tlsSectionErrors(http['tls'], `${path}.http.tls`, 'client'));
    errors.push(...transformErrors(http['status_to_code_transforms'], `${path}.http.status_to_code_transforms`));
  }
  if (isPlainObject(grpc)) errors.push(...tlsSectionErrors(grpc['tls'], `${path}.grpc.tls`, 'client'));
  return errors;
}

/** Errors of `*_proxy_enabled` options whose `*_proxy_name` names no configured proxy. */
function proxyNameErrors(options: Obj, path: string, kind: string, prefix: string, defaultPath: string, config: unknown, named: Set<string>): string[] {
  if (options[`${prefix}proxy_enabled`] !== true) return [];
  const name = str(options[`${prefix}proxy_name`]);
  if (name === DEFAULT_PROXY) {
    return str(at(config, `${defaultPath}.endpoint`)) === '' ? [`${path}.${prefix}proxy_enabled needs ${defaultPath}.endpoint (the "default" ${kind} proxy)`] : [];
  }
  return named.has(name) ? [] : [`${path}.${prefix}proxy_name ${JSON.stringify(name)} is not the name of an entry of proxies`];
}

/** Every namespace-like options object of a list section, with its path. */
function optionSets(config: unknown, section: 'channel' | 'rpc'): [Obj, string][] {
  const out: [Obj, string][] = [];
  const without = at(config, `${section}.without_namespace`);
  if (isPlainObject(without)) out.push([without, `${section}.without_namespace`]);
  const list = at(config, `${section}.namespaces`);
  if (Array.isArray(list)) list.forEach((ns, i) => isPlainObject(ns) && out.push([ns, `${section}.namespaces[${i}]`]));
  return out;
}

/** Every error of the authentication settings of a checked config. */
export function authErrors(config: unknown): string[] {
  const errors: string[] = [];
  for (const path of TOKEN_SECTIONS) {
    const section = at(config, path);
    if (isPlainObject(section)) errors.push(...tokenErrors(section, path));
  }
  for (const kind of ['connect', 'refresh']) {
    const proxy = at(config, `client.proxy.${kind}`);
    if (isPlainObject(proxy)) errors.push(...proxyErrors(proxy, `client.proxy.${kind}`, proxy['enabled'] === true));
  }
  for (const path of [...CHANNEL_PROXY_KINDS.map((k) => `channel.proxy.${k}`), 'rpc.proxy']) {
    const proxy = at(config, path);
    if (isPlainObject(proxy)) errors.push(...proxyErrors(proxy, path, false));
  }
  const named = new Set<string>();
  const proxies = at(config, 'proxies');
  if (Array.isArray(proxies)) {
    proxies.forEach((proxy, i) => {
      if (!isPlainObject(proxy)) return;
      const name = str(proxy['name']);
      if (name === DEFAULT_PROXY) errors.push(`proxies[${i}].name cannot be "default": that name means channel.proxy.* and rpc.proxy`);
      named.add(name);
      errors.push(...proxyErrors(proxy, `proxies[${i}]`, true));
    });
  }
  for (const [options, path] of optionSets(config, 'channel')) {
    for (const kind of CHANNEL_PROXY_KINDS) errors.push(...proxyNameErrors(options, path, kind, `${kind}_`, `channel.proxy.${kind}`, config, named));
  }
  for (const [options, path] of optionSets(config, 'rpc')) errors.push(...proxyNameErrors(options, path, 'rpc', '', 'rpc.proxy', config, named));
  errors.push(...personalChannelErrors(config));
  errors.push(...adminErrors(config));
  errors.push(...tlsSectionErrors(at(config, 'grpc_api.tls'), 'grpc_api.tls', 'server'));
  errors.push(...tlsSectionErrors(at(config, 'uni_grpc.tls'), 'uni_grpc.tls', 'server'));
  return errors;
}

/** Paths the client protocol and the server API own; the admin UI may not be served under them. */
const RESERVED_PREFIXES = ['/api', '/connection', '/emulation', '/health'];

/** `admin.enabled` needs a password and a secret unless `admin.insecure`; the prefix must not shadow other endpoints. */
function adminErrors(config: unknown): string[] {
  const admin = at(config, 'admin');
  if (!isPlainObject(admin) || admin['enabled'] !== true) return [];
  const errors: string[] = [];
  if (admin['insecure'] !== true) {
    for (const key of ['password', 'secret']) {
      if (str(admin[key]) === '') errors.push(`admin.${key} is required when admin.enabled is true (or set admin.insecure to open the UI without a login, development only)`);
    }
  }
  const prefix = str(admin['handler_prefix']).replace(/\/+$/, '');
  const clash = RESERVED_PREFIXES.find((p) => prefix === p || prefix.startsWith(`${p}/`));
  if (clash !== undefined) errors.push(`admin.handler_prefix ${JSON.stringify(prefix)} is under ${clash}, which other endpoints use: choose another prefix`);
  return errors;
}

function personalChannelErrors(config: unknown): string[] {
  const personal = at(config, 'client.subscribe_to_user_personal_channel');
  if (!isPlainObject(personal) || personal['enabled'] !== true) return [];
  const ns = str(personal['personal_channel_namespace']);
  const namespaces = at(config, 'channel.namespaces');
  if (ns === '' || !Array.isArray(namespaces) || namespaces.some((n) => isPlainObject(n) && n['name'] === ns)) return [];
  return [`client.subscribe_to_user_personal_channel.personal_channel_namespace ${JSON.stringify(ns)} is not in channel.namespaces`];
}
