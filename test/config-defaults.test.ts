import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultConfig, loadConfig } from '../src/config/load';
import { defaultFileConfig } from '../src/config/defaults';
import { formatDuration, parseDuration } from '../src/config/duration';
import { validateConfig } from '../src/config/validate';

/** A token section with no keys (Centrifugo's defaults). */
const NO_TOKEN_KEYS = {
  hmac_secret_key: '',
  hmac_previous_secret_key: '',
  hmac_previous_secret_key_valid_until: 0,
  rsa_public_key: '',
  ecdsa_public_key: '',
  jwks_public_endpoint: '',
  audience: '',
  audience_regex: '',
  issuer: '',
  issuer_regex: '',
  user_id_claim: '',
};

/** A TLS section that is off (Centrifugo's defaults). */
const NO_TLS = { enabled: false, cert_pem: '', key_pem: '', server_ca_pem: '', client_ca_pem: '', insecure_skip_verify: false, server_name: '' };

/** A proxy with no endpoint, 1 s timeout (Centrifugo's defaults). */
const NO_PROXY = {
  endpoint: '',
  timeout: 1000,
  http_headers: [],
  grpc_metadata: [],
  emulated_headers: [],
  binary_encoding: false,
  include_connection_meta: false,
  http: { tls: NO_TLS, static_headers: {}, status_to_code_transforms: [] },
  grpc: { tls: NO_TLS, credentials_key: '', credentials_value: '', compression: false, static_metadata: {} },
};

/** A rate limit that is off (client.rate_limit.*). */
const NO_LIMIT = { enabled: false, buckets: [] };

test('defaults are Centrifugo\'s, durations in ms', () => {
  const c = defaultConfig();
  assert.deepEqual(c.http_server, {
    address: '',
    port: 8000,
    internal_address: '',
    internal_port: 0,
    tls: { enabled: false, cert_pem: '', key_pem: '', cert_pem_file: '', key_pem_file: '' },
  });
  assert.deepEqual(c.log, { level: 'info', format: 'auto', file: '' });
  assert.equal(c.pid_file, '');
  assert.deepEqual(c.prometheus, { enabled: false });
  assert.deepEqual(c.client, {
    insecure: false,
    allow_anonymous_connect_without_token: false,
    allowed_origins: [],
    ping_interval: 25_000,
    pong_timeout: 8_000,
    stale_close_delay: 10_000,
    channel_limit: 128,
    connection_limit: 0,
    user_connection_limit: 0,
    connection_rate_limit: 0,
    rate_limit: {
      client_command: {
        enabled: false,
        ...Object.fromEntries(['total', 'default', 'subscribe', 'unsubscribe', 'publish', 'history', 'presence', 'presence_stats', 'refresh', 'sub_refresh', 'rpc'].map((k) => [k, NO_LIMIT])),
      },
      client_error: { enabled: false, total: NO_LIMIT },
    },
    queue_max_size: 1_048_576,
    recovery_max_publication_limit: 300,
    history_max_publication_limit: 300,
    presence_update_interval: 27_000,
    concurrency: 0,
    connect_include_server_time: false,
    token: NO_TOKEN_KEYS,
    subscription_token: { enabled: false, ...NO_TOKEN_KEYS },
    disallow_anonymous_connection_tokens: false,
    insecure_skip_token_signature_verify: false,
    user_id_http_header: '',
    expired_close_delay: 25_000,
    expired_sub_close_delay: 25_000,
    subscribe_to_user_personal_channel: { enabled: false, personal_channel_namespace: '', single_connection: false },
    connect_code_to_unidirectional_disconnect: { enabled: false, transforms: [] },
    proxy: { connect: { enabled: false, ...NO_PROXY }, refresh: { enabled: false, ...NO_PROXY } },
  });
  assert.deepEqual(c.channel.proxy, { subscribe: NO_PROXY, publish: NO_PROXY, sub_refresh: NO_PROXY });
  assert.deepEqual(c.rpc, {
    proxy: NO_PROXY,
    without_namespace: { proxy_enabled: false, proxy_name: 'default' },
    namespaces: [],
    ping: { enabled: false, method: 'ping' },
  });
  assert.deepEqual(c.proxies, []);
  assert.equal(c.channel.max_length, 255);
  assert.equal(c.channel.history_meta_ttl, 720 * 3_600_000);
  assert.deepEqual(c.channel.without_namespace, {
    allow_subscribe_for_client: false,
    allow_subscribe_for_anonymous: false,
    allow_publish_for_client: false,
    allow_publish_for_subscriber: false,
    allow_publish_for_anonymous: false,
    channel_regex: '',
    presence: false,
    join_leave: false,
    force_push_join_leave: false,
    history_size: 0,
    history_ttl: 0,
    history_meta_ttl: 0,
    force_positioning: false,
    allow_positioning: false,
    force_recovery: false,
    allow_recovery: false,
    force_recovery_mode: '',
    allowed_delta_types: [],
    delta_publish: false,
    allow_tags_filter: false,
    allow_presence_for_client: false,
    allow_presence_for_subscriber: false,
    allow_presence_for_anonymous: false,
    allow_history_for_client: false,
    allow_history_for_subscriber: false,
    allow_history_for_anonymous: false,
    allow_user_limited_channels: false,
    subscribe_proxy_enabled: false,
    subscribe_proxy_name: 'default',
    publish_proxy_enabled: false,
    publish_proxy_name: 'default',
    sub_refresh_proxy_enabled: false,
    sub_refresh_proxy_name: 'default',
  });
  assert.deepEqual(c.channel.namespaces, []);
  assert.deepEqual(c.http_api, { key: '', insecure: false, disabled: false, handler_prefix: '/api', error_mode: '' });
  assert.deepEqual(c.config, { strict: false });
  assert.deepEqual(c.websocket, { message_size_limit: 65_536, compression: false, compression_min_size: 0, compression_level: 1 });
  assert.deepEqual(c.grpc_api, {
    enabled: false,
    address: '',
    port: 10_000,
    key: '',
    error_mode: '',
    reflection: false,
    max_receive_message_size: 0,
    tls: NO_TLS,
  });
  assert.deepEqual(c.http_stream, { enabled: false, max_request_body_size: 65_536 });
  assert.deepEqual(c.sse, { enabled: false, max_request_body_size: 65_536 });
  assert.deepEqual(c.emulation, { max_request_body_size: 65_536 });
  assert.deepEqual(c.uni_websocket, {
    enabled: false,
    message_size_limit: 65_536,
    join_push_messages: false,
    disable_disconnect_push: false,
    compression: false,
    compression_min_size: 0,
    compression_level: 1,
  });
  assert.deepEqual(c.uni_sse, { enabled: false, max_request_body_size: 65_536 });
  assert.deepEqual(c.uni_http_stream, { enabled: false, max_request_body_size: 65_536 });
  assert.deepEqual(c.uni_grpc, { enabled: false, address: '', port: 11_000, max_receive_message_size: 0, tls: NO_TLS });
  assert.equal(c.health.enabled, true);
  assert.equal(c.shutdown.timeout, 30_000);
  const redis = {
    address: ['redis://127.0.0.1:6379'],
    cluster_address: [],
    sentinel_address: [],
    sentinel_master_name: '',
    sentinel_user: '',
    sentinel_password: '',
    sharded_pubsub: false,
    wait_replicas: 0,
    prefix: 'switchyard',
    db: 0,
    user: '',
    password: '',
    tls: { enabled: false, ca_pem: '', cert_pem: '', key_pem: '', server_name: '', insecure_skip_verify: false },
    connect_timeout: 1_000,
    io_timeout: 4_000,
  };
  assert.deepEqual(c.engine, { type: 'memory', redis: { ...redis, presence_ttl: 60_000 } });
  assert.deepEqual(c.broker, {
    enabled: false,
    type: 'memory',
    redis,
    nats: {
      url: 'nats://127.0.0.1:4222',
      prefix: 'switchyard',
      dial_timeout: 1_000,
      write_timeout: 1_000,
      raw_mode: { enabled: false, channel_replacements: {}, prefix: '' },
    },
  });
  assert.deepEqual(c.presence_manager, { enabled: false, type: 'memory', redis: { ...redis, presence_ttl: 60_000 } });
  assert.deepEqual(c.consumers, []);
  assert.deepEqual(c.shards, {
    count: 0,
    mailbox_size: 1_048_576,
    mailbox_overflow_limit: 67_108_864,
    mailbox_batch: 1024,
    max_young_generation_mb: 6,
    restart_backoff_min: 100,
    restart_backoff_max: 10_000,
  });
});

test('loadConfig with no sources gives the defaults and no warnings', () => {
  assert.deepEqual(loadConfig({ env: {}, argv: [] }), { config: defaultConfig(), warnings: [] });
});

test('the validated config is deeply frozen', () => {
  const c = validateConfig({ channel: { namespaces: [{ name: 'chat' }] }, client: { allowed_origins: ['*'] } });
  for (const value of [c, c.client, c.client.allowed_origins, c.channel.without_namespace, c.channel.namespaces, c.channel.namespaces[0]]) {
    assert.ok(Object.isFrozen(value));
  }
  assert.throws(() => {
    (c.channel.namespaces as unknown as unknown[]).push({ name: 'x' });
  }, TypeError);
  assert.throws(() => {
    (c.http_server as { port: number }).port = 1;
  }, TypeError);
});

test('validateConfig does not change its input, and fills in missing keys', () => {
  const input = { client: { ping_interval: '30s' } };
  const c = validateConfig(input);
  assert.deepEqual(input, { client: { ping_interval: '30s' } });
  assert.equal(c.client.ping_interval, 30_000);
  assert.equal(c.client.pong_timeout, 8_000);
});

test('genconfig form of the defaults validates back to the defaults', () => {
  const file = defaultFileConfig();
  assert.equal((file['client'] as Record<string, unknown>)['ping_interval'], '25s');
  assert.deepEqual(validateConfig(JSON.parse(JSON.stringify(file))), defaultConfig());
});

test('Go-style durations', () => {
  const cases: [string, number][] = [
    ['0', 0],
    ['0s', 0],
    ['500ms', 500],
    ['25s', 25_000],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['720h', 2_592_000_000],
    ['.5s', 500],
    ['1000us', 1],
    ['1000000ns', 1],
    ['1h1m1s1ms', 3_661_001],
    ['-2s', -2000],
  ];
  for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
  for (const bad of ['', '25', 's', '1d', '1 s', '1.s.', '25S', 'abc', '1m-2s']) assert.equal(parseDuration(bad), null, bad);
  assert.equal(parseDuration('1.5ms'), 1.5);
  assert.deepEqual([0, 500, 1500, 25_000, 90_000, 3_600_000].map(formatDuration), ['0s', '500ms', '1.5s', '25s', '1m30s', '1h0m0s']);
});
