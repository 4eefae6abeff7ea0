/**
 * The settings that open a server to anyone, found in a validated config so
 * the acceptor can log one WARN line for each at start (and on reload), each
 * naming its key, as Centrifugo logs its INSECURE warnings: the insecure
 * switches, anonymous access, and secrets that are placeholders or too short
 * to resist guessing.
 */
import type { ChannelOptions, Config, ProxyConfig } from './types';

/** One insecure setting: the key path and what it exposes. */
export interface InsecureSetting {
  readonly key: string;
  readonly message: string;
}

/** Secrets shorter than this are called out (16 characters of a random string is about 96 bits). */
export const MIN_SECRET_LENGTH = 16;

/** Values that are plainly placeholders (lower case; a secret containing one of them is one). */
const PLACEHOLDERS = ['change-me', 'changeme', 'secret', 'password', 'example', 'test'];

/** Why a secret is weak, or null when it is neither a placeholder nor short ("" is not checked: it means unset). */
export function weakSecret(value: string): string | null {
  if (value === '') return null;
  const lower = value.toLowerCase();
  if (PLACEHOLDERS.some((p) => lower.includes(p))) return 'is a placeholder value';
  if (value.length < MIN_SECRET_LENGTH) return `is shorter than ${MIN_SECRET_LENGTH} characters`;
  return null;
}

const ANONYMOUS_OPTIONS = [
  'allow_subscribe_for_anonymous',
  'allow_publish_for_anonymous',
  'allow_presence_for_anonymous',
  'allow_history_for_anonymous',
] as const satisfies readonly (keyof ChannelOptions)[];

/** The channel option sets of a config with their key paths. */
function optionSets(config: Config): [string, ChannelOptions][] {
  return [
    ['channel.without_namespace', config.channel.without_namespace],
    ...config.channel.namespaces.map((ns, i): [string, ChannelOptions] => [`channel.namespaces[${i}]`, ns]),
  ];
}

function switches(config: Config): InsecureSetting[] {
  const out: InsecureSetting[] = [];
  if (config.client.insecure) {
    out.push({ key: 'client.insecure', message: 'any client may connect without a token and subscribe or publish to any channel (development only)' });
  }
  if (config.http_api.insecure) out.push({ key: 'http_api.insecure', message: 'the server API needs no key: anyone who reaches it can publish, disconnect users and read history' });
  if (config.admin.enabled && config.admin.insecure) {
    out.push({ key: 'admin.insecure', message: 'the admin web UI needs no login: anyone who reaches it can run any server API command' });
  }
  if (config.client.insecure_skip_token_signature_verify) {
    out.push({ key: 'client.insecure_skip_token_signature_verify', message: 'token signatures are not checked: anyone can forge a token for any user' });
  }
  if (config.grpc_api.enabled && config.grpc_api.key === '') {
    out.push({ key: 'grpc_api.key', message: 'the gRPC server API is enabled without a key: anyone who reaches its port can run any command' });
  }
  return out;
}

function anonymous(config: Config): InsecureSetting[] {
  const out: InsecureSetting[] = [];
  if (config.client.allow_anonymous_connect_without_token) {
    out.push({ key: 'client.allow_anonymous_connect_without_token', message: 'clients may connect without a token, as anonymous users' });
  }
  for (const [path, options] of optionSets(config)) {
    for (const option of ANONYMOUS_OPTIONS) {
      if (options[option]) out.push({ key: `${path}.${option}`, message: 'anonymous clients get this permission' });
    }
  }
  return out;
}

function secrets(config: Config): InsecureSetting[] {
  const candidates: [string, string][] = [
    ['http_api.key', config.http_api.key],
    ['grpc_api.key', config.grpc_api.enabled ? config.grpc_api.key : ''],
    ['client.token.hmac_secret_key', config.client.token.hmac_secret_key],
    ['client.subscription_token.hmac_secret_key', config.client.subscription_token.hmac_secret_key],
    ['admin.password', config.admin.enabled ? config.admin.password : ''],
    ['admin.secret', config.admin.enabled ? config.admin.secret : ''],
  ];
  const out: InsecureSetting[] = [];
  for (const [key, value] of candidates) {
    const why = weakSecret(value);
    if (why !== null) out.push({ key, message: `${why}: anyone who guesses it gets what it protects; use a long random value` });
  }
  return out;
}

/** Every configured proxy with its key path. */
function proxies(config: Config): [string, ProxyConfig][] {
  return [
    ['client.proxy.connect', config.client.proxy.connect],
    ['client.proxy.refresh', config.client.proxy.refresh],
    ['channel.proxy.subscribe', config.channel.proxy.subscribe],
    ['channel.proxy.publish', config.channel.proxy.publish],
    ['channel.proxy.sub_refresh', config.channel.proxy.sub_refresh],
    ['rpc.proxy', config.rpc.proxy],
    ...config.proxies.map((p, i): [string, ProxyConfig] => [`proxies[${i}]`, p]),
  ];
}

/** Static headers sent to proxy backends whose name says secret (a shared secret the backend checks) with a weak value. */
function proxySecrets(config: Config): InsecureSetting[] {
  const out: InsecureSetting[] = [];
  for (const [path, proxy] of proxies(config)) {
    if (proxy.endpoint === '') continue;
    for (const [name, value] of Object.entries(proxy.http.static_headers)) {
      if (!/secret|token|key|auth/i.test(name)) continue;
      const why = weakSecret(value);
      if (why !== null) out.push({ key: `${path}.http.static_headers.${name}`, message: `${why}: the backend cannot tell switchyard from anyone who guesses it; use a long random value` });
    }
  }
  return out;
}

/** Every insecure setting of `config`, switches first, then anonymous access, then weak secrets. */
export function insecureSettings(config: Config): InsecureSetting[] {
  return [...switches(config), ...anonymous(config), ...secrets(config), ...proxySecrets(config)];
}
