/**
 * The one configuration schema. Every key's type, default, limits and doc live
 * here; defaults, validation, environment variables, command-line flags,
 * `switchyard genconfig` and docs/configuration.md are all derived from it.
 *
 * Defaults are written in file form (durations as Go-style strings such as
 * "25s"), so they go through the same parsing as a user's file. The
 * `satisfies FieldsFor<Config>` below makes the compiler keep this schema and
 * src/config/types.ts in step: a key missing here, an extra key, or a key of
 * the wrong kind is a type error.
 */
import { deepFreeze } from '../freeze';
import type { Config, NamedProxyConfig, RpcNamespaceConfig, RpcOptions, TokenConfig } from '../types';
import type { UniDisconnectTransform } from '../../protocol/uni-push';

import {
  boolean,
  clockDuration,
  duration,
  integer,
  NO_LIMIT,
  string,
  type FieldsFor,
  type Group,
} from './nodes';
import { CHANNEL_OPTIONS, NAMESPACE_FIELDS, NAMESPACE_NAME_PATTERN, PROXY_NAME_PATTERN, proxyName } from './channels';
import { CONSUMER_FIELDS } from './consumers';
import { API_FIELDS, CONFIG_OPTION_FIELDS } from './api';
import { ENGINE_FIELDS } from './engine';
import { clientProxy, PROXY_FIELDS } from './proxies';
import { GRPC_API_FIELDS } from './grpc-api';
import { TRANSPORT_FIELDS } from './transports';
import { OPERATIONS_FIELDS } from './operations';
import { CLIENT_LIMIT_FIELDS } from './limits';

export { NAMESPACE_NAME_PATTERN, PROXY_NAME_PATTERN } from './channels';

export type {
  BooleanField,
  DurationField,
  EnumField,
  Field,
  Fields,
  Group,
  IntegerField,
  ObjectField,
  ObjectListField,
  SchemaNode,
  StringField,
  StringListField,
  StringMapField,
} from './nodes';



export { HEADER_NAME_PATTERN } from './proxies';



/** Fields of `client.token` and `client.subscription_token`. */
const TOKEN_FIELDS = {
  hmac_secret_key: string('', 'Secret of HS256/HS384/HS512 tokens; "" refuses HMAC tokens.'),
  hmac_previous_secret_key: string('', 'The secret before a rotation, still accepted for HMAC tokens; "" for none.'),
  hmac_previous_secret_key_valid_until: integer(
    0,
    0,
    NO_LIMIT,
    'Unix time, seconds, after which `hmac_previous_secret_key` is refused; 0 means no limit.',
  ),
  rsa_public_key: string('', 'PEM public key (SPKI or PKCS#1) of RS256/RS384/RS512 tokens; "" refuses RSA tokens.'),
  ecdsa_public_key: string('', 'PEM public key of ES256/ES384/ES512 tokens (curve P-256, P-384 or P-521 decides the algorithm); "" refuses ECDSA tokens.'),
  jwks_public_endpoint: string(
    '',
    'URL of a JSON Web Key Set (RSA, EC and Ed25519 keys); when set, tokens are verified with its keys only, found by `kid`. Keys are cached for an hour and the set is fetched again for an unknown `kid`.',
  ),
  audience: string('', 'Tokens must carry this `aud`; "" does not check `aud`.'),
  audience_regex: {
    kind: 'string',
    default: '',
    doc: 'Regular expression one `aud` of a token must match (Go `(?P<name>…)` groups are accepted); "" does not check it. Not together with `audience`.',
  },
  issuer: string('', 'Tokens must carry this `iss`; "" does not check `iss`.'),
  issuer_regex: {
    kind: 'string',
    default: '',
    doc: 'Regular expression the `iss` of a token must match; "" does not check it. Not together with `issuer`.',
  },
  user_id_claim: string('', 'Claim holding the user id instead of `sub` (a dotted path reaches into objects); "" uses `sub`.'),
} satisfies FieldsFor<TokenConfig>;

/** Options of `rpc.without_namespace` and each RPC namespace. */
const RPC_OPTIONS = {
  proxy_enabled: boolean(false, 'RPC calls are sent to the RPC proxy `proxy_name`.'),
  proxy_name: proxyName('RPC calls', 'rpc.proxy'),
} satisfies FieldsFor<RpcOptions>;


const CONFIG_FIELDS = {
  ...OPERATIONS_FIELDS,
  client: {
    kind: 'group',
    fields: {
      insecure: boolean(false, 'Development only: clients connect without a token and may subscribe and publish anywhere.'),
      allow_anonymous_connect_without_token: boolean(false, 'Accept connections without a token, as anonymous users (empty user).'),
      allowed_origins: {
        kind: 'string_list',
        default: [],
        doc: 'Browser origins allowed to open a WebSocket, e.g. `https://example.com`; [] rejects every request that has an `Origin` header; `*` allows all.',
      },
      ping_interval: duration('25s', '1s', 'How often the server pings each client; also sent to clients in the connect reply (whole seconds).'),
      pong_timeout: duration('8s', '1ms', 'How long a client has to answer a ping before it is disconnected with 3012; must be less than `client.ping_interval`.'),
      stale_close_delay: duration('10s', '1ms', 'A connection that has not sent `connect` within this time is closed with 3502.'),
      channel_limit: integer(128, 0, NO_LIMIT, 'Most channels one connection may subscribe to (error 106 beyond); 0 means no limit.'),
      ...CLIENT_LIMIT_FIELDS,
      queue_max_size: integer(1_048_576, 1, NO_LIMIT, 'Outgoing bytes buffered for one connection before it is disconnected with 3008 (slow), bytes.'),
      recovery_max_publication_limit: integer(300, 1, NO_LIMIT, 'Most publications one recovery returns; a client that missed more is told `recovered: false`.'),
      history_max_publication_limit: integer(300, 1, NO_LIMIT, 'Most publications one client `history` command returns.'),
      presence_update_interval: duration(
        '27s',
        '100ms',
        'How often each process refreshes its presence entries in Redis (`engine.type` "redis"); must be less than `engine.redis.presence_ttl`.',
      ),
      concurrency: integer(
        0,
        0,
        1_000_000,
        'Most commands of one connection processed at once. 0 or 1: one at a time, each answered before the next starts (replies in command order); N > 1 lets up to N waiting commands (subscribe, publish, history, RPC…) overlap, their replies in completion order.',
      ),
      connect_include_server_time: boolean(false, 'Put the server time (Unix milliseconds) in the connect result as `time`.'),
      token: { kind: 'group', fields: TOKEN_FIELDS },
      subscription_token: {
        kind: 'group',
        fields: {
          enabled: boolean(false, 'Verify subscription tokens with the keys of this section instead of `client.token`.'),
          ...TOKEN_FIELDS,
        },
      },
      disallow_anonymous_connection_tokens: boolean(false, 'Refuse connection tokens with an empty user (disconnect 3507).'),
      insecure_skip_token_signature_verify: boolean(false, 'Development only: accept tokens without checking their signature (claims are still checked).'),
      user_id_http_header: string(
        '',
        'Header of the upgrade request that names the user of a connection without a token (set by a trusted reverse proxy); "" for none.',
      ),
      expired_close_delay: duration('25s', '0s', 'How long an expired connection may stay without a `refresh` before it is closed with 3005.'),
      expired_sub_close_delay: duration(
        '25s',
        '0s',
        'How long an expired subscription may stay without a `sub_refresh` before it ends: unsubscribe 2501, or disconnect 3006 for a server-side one.',
      ),
      subscribe_to_user_personal_channel: {
        kind: 'group',
        fields: {
          enabled: boolean(false, 'Subscribe each connection of a known user, server-side, to its personal channel `ns:#user`.'),
          personal_channel_namespace: string('', 'Namespace of personal channels (must be in `channel.namespaces`); "" makes them `#user`.'),
          single_connection: boolean(false, 'Keep one connection per user: a new connection disconnects the user\'s others with 3504.'),
        },
      },
      connect_code_to_unidirectional_disconnect: {
        kind: 'group',
        fields: {
          enabled: boolean(false, 'Use `transforms` when a connect on a unidirectional transport fails with an error code (other codes keep the default: 109/110 → 3005, 111 → 3013, 103 → 3507, else 3004).'),
          transforms: {
            kind: 'object_list',
            itemName: 'transform',
            item: {
              code: integer(0, 1, 2 ** 32 - 1, 'The connect error code to match (required).'),
              to: {
                kind: 'group',
                fields: {
                  code: integer(0, 1, 2 ** 32 - 1, 'Disconnect code that ends the connection instead (required).'),
                  reason: { kind: 'string', default: '', pattern: '^[\\x00-\\x7f]*$', doc: 'Disconnect reason (ASCII).' },
                },
              },
            } satisfies FieldsFor<UniDisconnectTransform>,
            unique: 'code',
            doc: 'Connect error code → disconnect for unidirectional clients, each `{"code":N,"to":{"code":M,"reason":"…"}}`.',
          },
        },
      },
      proxy: {
        kind: 'group',
        fields: {
          connect: clientProxy('Connections without a token are decided by this proxy (a token is verified as usual).'),
          refresh: clientProxy('Expiring connections are refreshed by this proxy instead of by the client\'s `refresh` command.'),
        },
      },
    },
  },
  channel: {
    kind: 'group',
    fields: {
      max_length: integer(255, 1, 65_535, 'Longest channel name, bytes (error 107 beyond).'),
      publication_size_limit: integer(
        16_777_216,
        1,
        1_073_741_824,
        'Largest publication, bytes of its data (the JSON text of `data`, or the decoded bytes of `b64data`), on any shard count and engine. A bigger one is refused before it goes anywhere: 413 from the server HTTP API (`publish`, `broadcast`), error 107 (bad request) for the client `publish` command and the gRPC API. The HTTP API reads bodies up to 4/3 of this plus 64 KB; a client publish is also bounded by `websocket.message_size_limit`.',
      ),
      history_meta_ttl: clockDuration('720h', 'How long a stream position (offset, epoch) outlives its last publication, for namespaces that set no `history_meta_ttl`.'),
      without_namespace: {
        kind: 'object',
        itemName: 'channel options',
        fields: CHANNEL_OPTIONS,
        doc: 'Channel options for channels without a namespace (no `:` in the name).',
      },
      namespaces: {
        kind: 'object_list',
        itemName: 'namespace',
        item: NAMESPACE_FIELDS,
        unique: 'name',
        doc: 'Namespaces, each a `name` plus channel options; a channel `ns:rest` whose `ns` is not listed gets error 102.',
      },
      proxy: {
        kind: 'group',
        fields: {
          subscribe: { kind: 'group', fields: PROXY_FIELDS },
          publish: { kind: 'group', fields: PROXY_FIELDS },
          sub_refresh: { kind: 'group', fields: PROXY_FIELDS },
        },
      },
    },
  },
  rpc: {
    kind: 'group',
    fields: {
      proxy: { kind: 'group', fields: PROXY_FIELDS },
      without_namespace: {
        kind: 'object',
        itemName: 'RPC options',
        fields: RPC_OPTIONS,
        doc: 'RPC options for methods without a namespace (no `:` in the method).',
      },
      namespaces: {
        kind: 'object_list',
        itemName: 'RPC namespace',
        item: {
          name: {
            kind: 'string',
            pattern: NAMESPACE_NAME_PATTERN,
            doc: 'RPC namespace name (required, unique); methods named `name:rest` belong to it.',
          },
          ...RPC_OPTIONS,
        } satisfies FieldsFor<RpcNamespaceConfig>,
        unique: 'name',
        doc: 'RPC namespaces, each a `name` plus RPC options; a method `ns:rest` whose `ns` is not listed gets error 104.',
      },
      ping: {
        kind: 'group',
        fields: {
          enabled: boolean(false, 'Answer the RPC method `rpc.ping.method` with an empty result, without a proxy.'),
          method: string('ping', 'Name of the built-in ping method.'),
        },
      },
    },
  },
  proxies: {
    kind: 'object_list',
    itemName: 'proxy',
    item: {
      name: {
        kind: 'string',
        pattern: PROXY_NAME_PATTERN,
        doc: 'Proxy name (required, unique, not "default"), used in `*_proxy_name` options.',
      },
      ...PROXY_FIELDS,
    } satisfies FieldsFor<NamedProxyConfig>,
    unique: 'name',
    doc: 'Named proxies, for namespaces whose `*_proxy_name` is not "default".',
  },
  ...API_FIELDS,
  ...TRANSPORT_FIELDS,
  admin: {
    kind: 'group',
    fields: {
      enabled: boolean(false, 'Serve the admin web UI (nodes, shards, channels, server API actions) at `admin.handler_prefix`; needs `admin.password` and `admin.secret` unless `admin.insecure`.'),
      password: string('', 'Password an operator types to log in to the admin web UI; it is exchanged for an admin token signed with `admin.secret`. Make it long and keep it secret.'),
      secret: string('', 'Key that signs admin tokens (HMAC-SHA256; a token is valid for 12 hours); changing it logs every admin out. Make it long and random and keep it secret.'),
      insecure: boolean(false, 'Development only: the admin web UI and its endpoints need no login, so anyone who reaches them can run any server API command. Logged as a warning at start.'),
      handler_prefix: {
        kind: 'string',
        default: '',
        pattern: '^(/[A-Za-z0-9._~%!$&\'()*+,;=:@/-]*)?$',
        doc: 'Path prefix of the admin web UI, e.g. `/admin` serves it at `/admin/` and its endpoints at `/admin/admin/*`; "" serves it at `/` (Centrifugo\'s `admin.handler_prefix`).',
      },
    },
  },
  ...GRPC_API_FIELDS,
  health: {
    kind: 'group',
    fields: {
      enabled: boolean(true, 'Serve `GET /health`: 200 once every shard is ready, 503 before that and while draining.'),
    },
  },
  shutdown: {
    kind: 'group',
    fields: {
      timeout: duration('30s', '0s', 'How long a graceful drain (SIGTERM/SIGINT) may take before the process exits anyway.'),
    },
  },
  ...ENGINE_FIELDS,
  ...CONSUMER_FIELDS,
  shards: {
    kind: 'group',
    fields: {
      count: integer(0, 0, 256, 'Number of shard worker threads; 0 means one per available core.'),
      mailbox_size: integer(
        1_048_576,
        4096,
        1_073_741_824,
        'Bytes in each shard-to-shard mailbox ring (one per ordered pair of shards); a power of two.',
        true,
      ),
      mailbox_overflow_limit: integer(
        67_108_864,
        0,
        NO_LIMIT,
        'Bytes a full mailbox ring may spill into its sender-side overflow queue before a send reports "full"; 0 means no overflow.',
      ),
      mailbox_batch: integer(1024, 1, 65_536, 'Most mailbox messages a shard handles in one event-loop turn before letting I/O run.'),
      max_young_generation_mb: integer(
        6,
        0,
        4096,
        "Most megabytes each shard thread's V8 young generation may take; 0 leaves V8's default (48 on 64-bit). V8 enlarges it while a shard allocates fast (a burst of connects) and keeps it, so a small limit keeps idle memory down.",
      ),
      restart_backoff_min: duration('100ms', '1ms', 'Delay before restarting a crashed shard; doubles with each further crash, up to `shards.restart_backoff_max`.'),
      restart_backoff_max: duration('10s', '1ms', 'Longest delay before restarting a crashed shard; at least `shards.restart_backoff_min`.'),
    },
  },
  ...CONFIG_OPTION_FIELDS,
} satisfies FieldsFor<Config>;

/** The whole schema: the root group of the config file. */
export const SCHEMA: Group = deepFreeze({ kind: 'group', fields: CONFIG_FIELDS });

/**
 * Pairs of duration keys whose values must be ordered: `smaller` below
 * `larger` (or at most equal, when `strict` is false).
 */
export const ORDERED_KEYS: readonly { readonly smaller: string; readonly larger: string; readonly strict: boolean }[] = deepFreeze([
  { smaller: 'client.pong_timeout', larger: 'client.ping_interval', strict: true },
  { smaller: 'shards.restart_backoff_min', larger: 'shards.restart_backoff_max', strict: false },
  { smaller: 'client.presence_update_interval', larger: 'engine.redis.presence_ttl', strict: true },
]);
