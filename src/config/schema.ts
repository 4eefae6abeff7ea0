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
import { deepFreeze } from './freeze';
import type {
  ChannelOptions,
  ClientProxyConfig,
  Config,
  NamedProxyConfig,
  NamespaceConfig,
  ProxyConfig,
  RpcNamespaceConfig,
  RpcOptions,
  TokenConfig,
  UniDisconnectTransform,
} from './types';

interface Documented {
  /** What the key means, with its units and what zero means; shown in the docs. */
  readonly doc: string;
}

/** `true` or `false`. */
export interface BooleanField extends Documented {
  readonly kind: 'boolean';
  readonly default: boolean;
}

/** A whole number within [min, max]; sizes are bytes. */
export interface IntegerField extends Documented {
  readonly kind: 'integer';
  readonly default: number;
  readonly min: number;
  readonly max: number;
  /** The value must also be a power of two. */
  readonly powerOfTwo?: boolean;
}

/** A string; a field without a default is required (namespace `name`). */
export interface StringField extends Documented {
  readonly kind: 'string';
  readonly default?: string;
  /** Source of a regular expression the whole value must match. */
  readonly pattern?: string;
  /** The value is itself a regular expression and must compile. */
  readonly isRegex?: boolean;
}

/** One string out of a fixed list. */
export interface EnumField<T extends string = string> extends Documented {
  readonly kind: 'enum';
  readonly values: readonly T[];
  readonly default: NoInfer<T>;
}

/** A Go-style duration string ("25s", "1m30s", "500ms") that becomes integer milliseconds. */
export interface DurationField extends Documented {
  readonly kind: 'duration';
  readonly default: string;
  /** Smallest allowed value, as a duration string. */
  readonly min: string;
  /** The value is only compared with clock times, never used as a timer, so it may exceed Node's timer limit. */
  readonly notTimer?: boolean;
}

/** A list of strings; space-separated in environment variables and flags. */
export interface StringListField extends Documented {
  readonly kind: 'string_list';
  readonly default: readonly string[];
  /** When set, every item must be one of these. */
  readonly values?: readonly string[];
  /** A single string is accepted too, as a list of one (Centrifugo's "string or array" keys). */
  readonly single?: boolean;
}

/** A map of string to string (e.g. HTTP headers), default {}; JSON in environment variables. */
export interface StringMapField extends Documented {
  readonly kind: 'string_map';
  /** Source of a regular expression every key must match. */
  readonly keyPattern?: string;
}

/** A key whose value is an object with its own fields; JSON in environment variables. */
export interface ObjectField<F = Fields> extends Documented {
  readonly kind: 'object';
  /** What the docs call the object's fields, e.g. "channel options". */
  readonly itemName: string;
  readonly fields: F;
}

/** A list of objects with their own fields (default []); JSON in environment variables. */
export interface ObjectListField<F = Fields> extends Documented {
  readonly kind: 'object_list';
  /** What the docs call one item, e.g. "namespace". */
  readonly itemName: string;
  readonly item: F;
  /** Field whose value must differ between items. */
  readonly unique: string;
}

/** A section of the file (`client`, `shards`); not a key of its own. */
export interface Group<F = Fields> {
  readonly kind: 'group';
  readonly fields: F;
}

/** A key that holds a value. */
export type Field =
  | BooleanField
  | IntegerField
  | StringField
  | EnumField
  | DurationField
  | StringListField
  | StringMapField
  | ObjectField
  | ObjectListField;

/** Anything in the schema tree. */
export type SchemaNode = Field | Group;

/** The named children of a group or object. */
export type Fields = { readonly [name: string]: SchemaNode };

/** The schema node kinds that may describe a value of type T. */
type NodeFor<T> = [T] extends [boolean]
  ? BooleanField
  : [T] extends [number]
    ? IntegerField | DurationField
    : [T] extends [string]
      ? string extends T
        ? StringField
        : EnumField<T>
      : [T] extends [readonly (infer I)[]]
        ? [I] extends [string]
          ? StringListField
          : ObjectListField<FieldsFor<I>>
        : string extends keyof T
          ? StringMapField
          : Group<FieldsFor<T>> | ObjectField<FieldsFor<T>>;

/** Schema fields for every key of T, and only those. */
type FieldsFor<T> = { readonly [K in keyof T]-?: NodeFor<T[K]> };

const boolean = (def: boolean, doc: string): BooleanField => ({ kind: 'boolean', default: def, doc });
const integer = (def: number, min: number, max: number, doc: string, powerOfTwo = false): IntegerField =>
  powerOfTwo ? { kind: 'integer', default: def, min, max, powerOfTwo, doc } : { kind: 'integer', default: def, min, max, doc };
const string = (def: string, doc: string): StringField => ({ kind: 'string', default: def, doc });
const duration = (def: string, min: string, doc: string): DurationField => ({ kind: 'duration', default: def, min, doc });
/** A duration compared with clock times only (stream meta expiry), which may exceed Node's timer limit. */
const clockDuration = (def: string, doc: string): DurationField => ({ kind: 'duration', default: def, min: '0s', notTimer: true, doc });

/** Largest integer the schema accepts where a key sets no tighter limit. */
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

/** Namespace names: ASCII letters, digits, `-` and `_`, at least two. */
export const NAMESPACE_NAME_PATTERN = '^[-a-zA-Z0-9_]{2,}$';

/** HTTP header names (RFC 9110 tokens). */
export const HEADER_NAME_PATTERN = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";

/** Names of entries of `proxies`. */
export const PROXY_NAME_PATTERN = '^[-a-zA-Z0-9_.]+$';

/** The `*_proxy_name` option of one proxy kind. */
const proxyName = (kind: string, defaultKey: string): StringField => ({
  kind: 'string',
  default: 'default',
  pattern: PROXY_NAME_PATTERN,
  doc: `Proxy that handles ${kind} when enabled: "default" is \`${defaultKey}\`, any other name an entry of \`proxies\`.`,
});

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

/** Fields of every HTTP proxy. */
const PROXY_FIELDS = {
  endpoint: string('', '`http://` or `https://` URL the proxy POSTs JSON to; "" when not configured (gRPC proxies are not supported).'),
  timeout: duration('1s', '1ms', 'How long one proxy request may take; a late answer is error 100 (temporary) for the client.'),
  http_headers: {
    kind: 'string_list',
    default: [],
    doc: 'Headers of the client\'s WebSocket upgrade request forwarded to the backend (names, case-insensitive), e.g. `Cookie`, `Authorization`.',
  },
  emulated_headers: {
    kind: 'string_list',
    default: [],
    doc: 'Headers the client sent in its connect command (`headers`, set by the SDK) forwarded to the backend; the client controls them.',
  },
  binary_encoding: boolean(false, 'Send payloads as `b64data` (base64) instead of `data` (raw JSON), with `encoding: "binary"`.'),
  include_connection_meta: boolean(false, 'Add the connection\'s `meta` (from its token or the connect proxy) to each request.'),
  http: {
    kind: 'group',
    fields: {
      static_headers: {
        kind: 'string_map',
        keyPattern: HEADER_NAME_PATTERN,
        doc: 'Headers added to every request, e.g. `{"X-Api-Key": "…"}`; forwarded headers win over them.',
      },
    },
  },
} satisfies FieldsFor<ProxyConfig>;

/** A proxy with an `enabled` switch (`client.proxy.*`). */
const clientProxy = (what: string) =>
  ({ kind: 'group', fields: { enabled: boolean(false, what), ...PROXY_FIELDS } }) satisfies NodeFor<ClientProxyConfig>;

/** Options of `rpc.without_namespace` and each RPC namespace. */
const RPC_OPTIONS = {
  proxy_enabled: boolean(false, 'RPC calls are sent to the RPC proxy `proxy_name`.'),
  proxy_name: proxyName('RPC calls', 'rpc.proxy'),
} satisfies FieldsFor<RpcOptions>;

/** Options shared by `channel.without_namespace` and every namespace. */
const CHANNEL_OPTIONS = {
  allow_subscribe_for_client: boolean(
    false,
    'Connected clients (authenticated, or any with `client.insecure`) may subscribe without a subscription token.',
  ),
  allow_subscribe_for_anonymous: boolean(false, 'Anonymous clients (empty user) may subscribe too, where `allow_subscribe_for_client` allows it.'),
  allow_publish_for_client: boolean(false, 'Any connected client may publish into the channel.'),
  allow_publish_for_subscriber: boolean(false, 'Clients subscribed to the channel may publish into it.'),
  allow_publish_for_anonymous: boolean(false, 'Anonymous clients may publish too, where one of the two options above allows it.'),
  channel_regex: {
    kind: 'string',
    default: '',
    isRegex: true,
    doc: 'Regular expression (JavaScript syntax) the channel name, without its `ns:` prefix, must match to be subscribed to; "" allows any.',
  },
  presence: boolean(false, 'Keep presence: which clients are subscribed, answered by `presence` and `presence_stats` (error 108 when off).'),
  join_leave: boolean(false, 'Emit join and leave events when clients subscribe and unsubscribe; delivered to subscribers that ask for them (`join_leave` in subscribe).'),
  force_push_join_leave: boolean(false, 'Deliver join and leave pushes to every subscriber, whether it asked or not (needs `join_leave`).'),
  history_size: integer(0, 0, NO_LIMIT, 'Most publications kept in the channel history; history is on when both this and `history_ttl` are above zero.'),
  history_ttl: clockDuration('0s', 'How long a publication stays in history; history is on when both this and `history_size` are above zero.'),
  history_meta_ttl: clockDuration('0s', 'How long the stream position (offset, epoch) outlives the last publication; "0s" uses `channel.history_meta_ttl`.'),
  force_positioning: boolean(false, 'Every subscription is positioned: a gap or a new epoch unsubscribes it with 2500 (server-side: disconnect 3010). Needs history.'),
  allow_positioning: boolean(false, 'Clients may ask for positioning (`positioned` in subscribe). Needs history.'),
  force_recovery: boolean(false, 'Every subscription is recoverable (and positioned). Needs history.'),
  allow_recovery: boolean(false, 'Clients may ask for recovery (`recoverable` in subscribe). Needs history.'),
  force_recovery_mode: {
    kind: 'enum',
    values: ['', 'stream', 'cache'],
    default: '',
    doc: 'How a subscription recovers: "stream" (or "") delivers every missed publication or fails; "cache" delivers only the latest publication.',
  },
  allowed_delta_types: {
    kind: 'string_list',
    default: [],
    values: ['fossil'],
    doc: 'Delta encodings subscribers may negotiate (`delta` in subscribe): [] or ["fossil"]. Needs history.',
  },
  delta_publish: boolean(false, 'Every publication into the channel is sent as a fossil delta to subscribers that negotiated one.'),
  allow_presence_for_client: boolean(false, 'Connected clients may ask for presence and presence stats.'),
  allow_presence_for_subscriber: boolean(false, 'Subscribers of the channel may ask for presence and presence stats.'),
  allow_presence_for_anonymous: boolean(false, 'Anonymous clients too, where one of the two options above allows it.'),
  allow_history_for_client: boolean(false, 'Connected clients may read the channel history.'),
  allow_history_for_subscriber: boolean(false, 'Subscribers of the channel may read its history.'),
  allow_history_for_anonymous: boolean(false, 'Anonymous clients too, where one of the two options above allows it.'),
  allow_user_limited_channels: boolean(
    false,
    'Channels named `name#42,43` may be subscribed without a token only by the users listed after `#` (and are not sent to the subscribe proxy).',
  ),
  subscribe_proxy_enabled: boolean(false, 'Subscribe requests without a token are decided by the subscribe proxy `subscribe_proxy_name`.'),
  subscribe_proxy_name: proxyName('subscribe', 'channel.proxy.subscribe'),
  publish_proxy_enabled: boolean(false, 'Client publications are decided (and may be rewritten) by the publish proxy `publish_proxy_name`, alone.'),
  publish_proxy_name: proxyName('publish', 'channel.proxy.publish'),
  sub_refresh_proxy_enabled: boolean(false, 'Expiring subscriptions are refreshed by the sub_refresh proxy `sub_refresh_proxy_name` instead of by the client.'),
  sub_refresh_proxy_name: proxyName('sub_refresh', 'channel.proxy.sub_refresh'),
} satisfies FieldsFor<ChannelOptions>;

const NAMESPACE_FIELDS = {
  name: {
    kind: 'string',
    pattern: NAMESPACE_NAME_PATTERN,
    doc: 'Namespace name (required, unique); channels named `name:rest` belong to it.',
  },
  ...CHANNEL_OPTIONS,
} satisfies FieldsFor<NamespaceConfig>;

const CONFIG_FIELDS = {
  http_server: {
    kind: 'group',
    fields: {
      address: string('', 'Interface to bind; "" means all interfaces.'),
      port: integer(8000, 0, 65535, 'TCP port every shard listens on (SO_REUSEPORT); 0 picks a free port at start.'),
    },
  },
  log: {
    kind: 'group',
    fields: {
      level: {
        kind: 'enum',
        values: ['trace', 'debug', 'info', 'warn', 'error', 'none'],
        default: 'info',
        doc: 'Lowest level written to stderr; `none` writes nothing.',
      },
    },
  },
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
      queue_max_size: integer(1_048_576, 1, NO_LIMIT, 'Outgoing bytes buffered for one connection before it is disconnected with 3008 (slow), bytes.'),
      recovery_max_publication_limit: integer(300, 1, NO_LIMIT, 'Most publications one recovery returns; a client that missed more is told `recovered: false`.'),
      history_max_publication_limit: integer(300, 1, NO_LIMIT, 'Most publications one client `history` command returns.'),
      presence_update_interval: duration(
        '27s',
        '100ms',
        'How often each process refreshes its presence entries in Redis (`engine.type` "redis"); must be less than `engine.redis.presence_ttl`.',
      ),
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
  http_api: {
    kind: 'group',
    fields: {
      key: string('', 'Server API key, sent as `X-API-Key: <key>` or `Authorization: apikey <key>`; "" rejects every API request (401) unless `http_api.insecure`.'),
      insecure: boolean(false, 'Development only: serve the server API without checking the key.'),
    },
  },
  websocket: {
    kind: 'group',
    fields: {
      message_size_limit: integer(65_536, 1, 2 ** 31 - 1, 'Largest incoming WebSocket message, bytes; a bigger one closes the connection.'),
    },
  },
  http_stream: {
    kind: 'group',
    fields: {
      enabled: boolean(false, 'Serve the HTTP-streaming transport on `POST /connection/http_stream` (bidirectional emulation: commands come by `POST /emulation`).'),
      max_request_body_size: integer(65_536, 1, 2 ** 31 - 1, 'Largest connect request body, bytes; a bigger one is answered 413.'),
    },
  },
  sse: {
    kind: 'group',
    fields: {
      enabled: boolean(false, 'Serve the SSE (EventSource) transport on `GET|POST /connection/sse` (bidirectional emulation: commands come by `POST /emulation`).'),
      max_request_body_size: integer(65_536, 1, 2 ** 31 - 1, 'Largest connect request body of a POST, bytes; a bigger one is answered 413.'),
    },
  },
  emulation: {
    kind: 'group',
    fields: {
      max_request_body_size: integer(
        65_536,
        1,
        2 ** 31 - 1,
        'Largest `POST /emulation` body, bytes; a bigger one is answered 413. The endpoint is served when `http_stream` or `sse` is enabled.',
      ),
    },
  },
  uni_websocket: {
    kind: 'group',
    fields: {
      enabled: boolean(false, 'Serve the unidirectional WebSocket transport at `/connection/uni_websocket`.'),
      message_size_limit: integer(65_536, 1, 2 ** 31 - 1, 'Largest incoming message (the connect request) on a unidirectional WebSocket, bytes; a bigger one closes the connection.'),
      join_push_messages: boolean(false, 'Join the pushes of one write into one WebSocket frame, newline-separated; off sends one frame per push.'),
      disable_disconnect_push: boolean(false, 'Do not send the `disconnect` push before closing (the close frame carries the same code and reason).'),
    },
  },
  uni_sse: {
    kind: 'group',
    fields: {
      enabled: boolean(false, 'Serve the unidirectional Server-Sent Events transport at `/connection/uni_sse` (GET with `cf_connect`, or POST).'),
      max_request_body_size: integer(65_536, 1, 2 ** 31 - 1, 'Largest POST body (the connect request) on `/connection/uni_sse`, bytes; a bigger one is answered 413.'),
    },
  },
  uni_http_stream: {
    kind: 'group',
    fields: {
      enabled: boolean(false, 'Serve the unidirectional HTTP-streaming transport at `/connection/uni_http_stream` (POST).'),
      max_request_body_size: integer(65_536, 1, 2 ** 31 - 1, 'Largest POST body (the connect request) on `/connection/uni_http_stream`, bytes; a bigger one is answered 413.'),
    },
  },
  uni_grpc: {
    kind: 'group',
    fields: {
      enabled: boolean(false, 'Serve the unidirectional gRPC transport (`centrifugal.centrifugo.unistream.CentrifugoUniStream/Consume`) on its own port.'),
      address: string('', 'Interface the unidirectional gRPC server binds; "" means all interfaces.'),
      port: integer(11_000, 0, 65535, 'Port of the unidirectional gRPC server; 0 picks a free port at start.'),
      max_receive_message_size: integer(0, 0, 2 ** 31 - 1, 'Largest gRPC request (the connect request), bytes; 0 keeps the gRPC default (4 MB).'),
    },
  },
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
  engine: {
    kind: 'group',
    fields: {
      type: {
        kind: 'enum',
        values: ['memory', 'redis'],
        default: 'memory',
        doc: '"memory": one process keeps everything in its shards; "redis": processes share publications, history, presence and node control through Redis.',
      },
      redis: {
        kind: 'group',
        fields: {
          address: {
            kind: 'string_list',
            default: ['redis://127.0.0.1:6379'],
            single: true,
            doc: 'Redis address, or a list of them to spread channels over independent instances (consistent hash). `redis://[user:password@]host:port[/db]`, `rediss://` for TLS, `host:port`, `redis+sentinel://host:port?sentinel_master_name=NAME&addr=host2:port2`, `redis+cluster://host:port?addr=host2:port2`.',
          },
          prefix: {
            kind: 'string',
            default: 'switchyard',
            pattern: '^[^{}]+$',
            doc: 'Prefix of every Redis key and PUB/SUB channel; processes with the same prefix form one cluster. No `{` or `}` (they would break Redis Cluster hash tags).',
          },
          db: integer(0, 0, NO_LIMIT, 'Database number, when the address names none.'),
          user: string('', 'ACL user, when the address names none; "" for none.'),
          password: string('', 'Password, when the address names none; "" for none.'),
          tls: {
            kind: 'group',
            fields: {
              enabled: boolean(false, 'Connect with TLS (a `rediss://` address does too).'),
              ca_pem: string('', 'PEM CA certificates to trust; "" uses the system store.'),
              cert_pem: string('', 'PEM client certificate for mutual TLS; "" for none.'),
              key_pem: string('', 'PEM key of `cert_pem`; "" for none.'),
              server_name: string('', 'Server name checked against the certificate; "" uses the host.'),
              insecure_skip_verify: boolean(false, 'Development only: do not verify the server certificate.'),
            },
          },
          connect_timeout: duration('1s', '1ms', 'How long connecting to Redis may take before it is retried.'),
          io_timeout: duration('4s', '1ms', 'How long one Redis command may take; a publish that times out is error 100 (temporary) for the caller.'),
          presence_ttl: duration('60s', '1s', 'How long a presence entry lives in Redis without a refresh, so the entries of a dead process expire.'),
        },
      },
    },
  },
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
