import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../src/config/errors';
import { checkConfig, validateConfig } from '../src/config/validate';
import { configErrors } from './helpers/config';

/** The errors for one bad config. */
const errorsFor = (raw: unknown): readonly string[] => configErrors(() => validateConfig(raw));

describe('each kind of bad value names its key path', () => {
  const cases: [string, unknown, string][] = [
    ['wrong type (integer)', { http_server: { port: '8000' } }, 'http_server.port must be an integer, got "8000"'],
    ['wrong type (fraction)', { shards: { count: 1.5 } }, 'shards.count must be an integer, got 1.5'],
    ['wrong type (boolean)', { client: { insecure: 'yes' } }, 'client.insecure must be true or false, got "yes"'],
    ['wrong type (string)', { http_api: { key: 42 } }, 'http_api.key must be a string, got 42'],
    ['wrong type (null)', { health: { enabled: null } }, 'health.enabled must be true or false, got null'],
    ['wrong type (section)', { client: [] }, 'client must be an object, got []'],
    ['wrong type (list)', { client: { allowed_origins: 'https://a.example' } }, 'client.allowed_origins must be an array of strings, got "https://a.example"'],
    ['wrong type (list item)', { client: { allowed_origins: ['https://a.example', 7] } }, 'client.allowed_origins[1] must be a string, got 7'],
    ['wrong type (object)', { channel: { without_namespace: true } }, 'channel.without_namespace must be an object, got true'],
    ['wrong type (namespaces)', { channel: { namespaces: {} } }, 'channel.namespaces must be an array of namespace objects, got {}'],
    ['wrong type (namespace item)', { channel: { namespaces: ['chat'] } }, 'channel.namespaces[0] must be an object, got "chat"'],
    ['out of range (above)', { http_server: { port: 70_000 } }, 'http_server.port must be an integer between 0 and 65535, got 70000'],
    ['out of range (below)', { client: { channel_limit: -1 } }, 'client.channel_limit must be an integer of at least 0, got -1'],
    ['out of range (shards)', { shards: { count: 257 } }, 'shards.count must be an integer between 0 and 256, got 257'],
    ['out of range (batch)', { shards: { mailbox_batch: 0 } }, 'shards.mailbox_batch must be an integer between 1 and 65536, got 0'],
    ['out of range (young generation)', { shards: { max_young_generation_mb: -1 } }, 'shards.max_young_generation_mb must be an integer between 0 and 4096, got -1'],
    ['not an integer (young generation)', { shards: { max_young_generation_mb: 6.5 } }, 'shards.max_young_generation_mb must be an integer, got 6.5'],
    ['bad duration (number)', { client: { ping_interval: 25 } }, 'client.ping_interval must be a duration like "25s", or a number of nanoseconds making whole milliseconds, got 25'],
    ['bad duration (text)', { shutdown: { timeout: '30 seconds' } }, 'shutdown.timeout must be a duration like "25s", got "30 seconds"'],
    ['bad duration (sub-ms)', { client: { stale_close_delay: '1.5ms' } }, 'client.stale_close_delay must be a whole number of milliseconds, got "1.5ms"'],
    ['duration below its minimum', { client: { ping_interval: '500ms' } }, 'client.ping_interval must be at least 1s, got "500ms"'],
    ['negative duration', { shutdown: { timeout: '-1s' } }, 'shutdown.timeout must be at least 0s, got "-1s"'],
    [
      'duration over the timer limit',
      { shutdown: { timeout: '720h' } },
      'shutdown.timeout must be at most 596h31m23.647s (the longest timer Node.js allows), got "720h"',
    ],
    ['emulated transport switch', { sse: { enabled: 'yes' } }, 'sse.enabled must be true or false, got "yes"'],
    ['body limit (http_stream)', { http_stream: { max_request_body_size: 0 } }, 'http_stream.max_request_body_size must be an integer between 1 and 2147483647, got 0'],
    ['body limit (emulation)', { emulation: { max_request_body_size: '64kb' } }, 'emulation.max_request_body_size must be an integer, got "64kb"'],
    ['bad enum', { log: { level: 'verbose' } }, 'log.level must be one of trace, debug, info, warn, error, none, got "verbose"'],
    ['API prefix without a slash', { http_api: { handler_prefix: 'api' } }, 'http_api.handler_prefix must match ^(/[^?#\\s]*)?$, got "api"'],
    ['API error mode', { http_api: { error_mode: 'custom' } }, 'http_api.error_mode must be one of "", transport, got "custom"'],
    ['strict not a boolean', { config: { strict: 'yes' } }, 'config.strict must be true or false, got "yes"'],
    [
      'duplicate namespace name',
      { channel: { namespaces: [{ name: 'chat' }, { name: 'news' }, { name: 'chat' }] } },
      'channel.namespaces[2].name "chat" is already used by channel.namespaces[0]',
    ],
    ['bad namespace name', { channel: { namespaces: [{ name: 'a' }] } }, 'channel.namespaces[0].name must match ^[-a-zA-Z0-9_]{2,}$, got "a"'],
    ['namespace name with a colon', { channel: { namespaces: [{ name: 'a:b' }] } }, 'channel.namespaces[0].name must match ^[-a-zA-Z0-9_]{2,}$, got "a:b"'],
    ['missing namespace name', { channel: { namespaces: [{ allow_publish_for_client: true }] } }, 'channel.namespaces[0].name is required'],
    ['pong_timeout >= ping_interval', { client: { ping_interval: '5s', pong_timeout: '5s' } }, 'client.pong_timeout (5s) must be less than client.ping_interval (5s)'],
    [
      'restart_backoff_min > restart_backoff_max',
      { shards: { restart_backoff_min: '20s' } },
      'shards.restart_backoff_min (20s) must be at most shards.restart_backoff_max (10s)',
    ],
    [
      'non-power-of-two mailbox_size',
      { shards: { mailbox_size: 1_000_000 } },
      'shards.mailbox_size must be a power of two between 4096 and 1073741824, got 1000000',
    ],
    ['mailbox_size too small', { shards: { mailbox_size: 2048 } }, 'shards.mailbox_size must be a power of two between 4096 and 1073741824, got 2048'],
    [
      'mailbox cannot carry one largest publication between shards',
      { shards: { count: 2, mailbox_overflow_limit: 0 } },
      'shards.mailbox_size + shards.mailbox_overflow_limit (1048576 bytes) must hold one publication of channel.publication_size_limit between shards (33619968 bytes: twice the limit plus 64 KiB); raise shards.mailbox_overflow_limit or lower channel.publication_size_limit',
    ],
    ['top level not an object', [], 'the config must be an object, got []'],
  ];
  for (const [name, raw, expected] of cases) {
    test(name, () => assert.deepEqual(errorsFor(raw), [expected]));
  }

  test('bad regex names its path', () => {
    const errors = errorsFor({ channel: { namespaces: [{ name: 'chat' }, { name: 'news', channel_regex: '([a-z' }] } });
    assert.equal(errors.length, 1);
    assert.match(errors[0] as string, /^channel\.namespaces\[1\]\.channel_regex is not a valid regular expression: /);
  });

  test('bad regex in without_namespace', () => {
    const errors = errorsFor({ channel: { without_namespace: { channel_regex: '*' } } });
    assert.match(errors[0] as string, /^channel\.without_namespace\.channel_regex is not a valid regular expression/);
  });
});

test('several bad keys are all reported at once, in one ConfigError', () => {
  let thrown: unknown;
  try {
    validateConfig({
      http_server: { port: -1 },
      log: { level: 'loud' },
      client: { ping_interval: '2s', pong_timeout: '3s', allowed_origins: [1] },
      channel: { namespaces: [{ name: 'x' }, { name: 'ok', colour: 'red' }] },
      shards: { mailbox_size: 5000, count: 'four' },
      extra: true,
    });
  } catch (err) {
    thrown = err;
  }
  assert.ok(thrown instanceof ConfigError);
  assert.equal(thrown.code, 'SY_CONFIG_INVALID');
  const paths = ['http_server.port', 'log.level', 'client.pong_timeout', 'client.allowed_origins[0]', 'channel.namespaces[0].name', 'shards.mailbox_size', 'shards.count'];
  assert.equal(thrown.errors.length, paths.length, thrown.errors.join('\n'));
  for (const path of paths) assert.ok(thrown.errors.some((e) => e.includes(path)), `no error names ${path}`);
  assert.match(thrown.message, /^invalid configuration \(7 errors\):\n {2}- /);
  assert.ok(Object.isFrozen(thrown.errors));
});

describe('keys switchyard does not use are warnings, errors in strict mode', () => {
  const cases: [string, unknown, string][] = [
    ['a Centrifugo key switchyard lacks', { emulation: { handler_prefix: '/emu' } }, 'config key emulation.handler_prefix is a Centrifugo setting switchyard does not implement; ignored'],
    ['unknown key', { client: { ping_intervall: '25s' } }, 'unknown config key client.ping_intervall ignored (did you mean client.ping_interval?)'],
    ['unknown key in the wrong section', { port: 9000 }, 'unknown config key port ignored (did you mean http_server.port?)'],
    ['unknown key far from any', { zzzzzzzz: 1 }, 'unknown config key zzzzzzzz ignored'],
    [
      'unknown key inside without_namespace',
      { channel: { without_namespace: { allow_publish: true } } },
      'unknown config key channel.without_namespace.allow_publish ignored (did you mean channel.without_namespace.allow_publish_for_client?)',
    ],
    [
      'unknown key inside a namespace',
      { channel: { namespaces: [{ name: 'chat' }, { name: 'news', allow_subscribe_for_clients: true }] } },
      'unknown config key channel.namespaces[1].allow_subscribe_for_clients ignored (did you mean channel.namespaces[1].allow_subscribe_for_client?)',
    ],
    [
      'a Centrifugo namespace option switchyard lacks',
      { channel: { namespaces: [{ name: 'chat', shared_poll: { refresh_interval: '5s' } }] } },
      'config key channel.namespaces[0].shared_poll.refresh_interval is a Centrifugo setting switchyard does not implement; ignored',
    ],
    [
      'a security-relevant Centrifugo key',
      { http_server: { tls_autocert: { enabled: true } } },
      'SECURITY: config key http_server.tls_autocert.enabled is a Centrifugo setting switchyard does not implement; it is IGNORED and this server does not provide what it asks for',
    ],
  ];
  for (const [name, raw, expected] of cases) {
    test(name, () => {
      const result = checkConfig(raw);
      assert.ok(result.ok);
      assert.deepEqual(result.warnings.map((w) => w.message), [expected]);
      assert.deepEqual(configErrors(() => validateConfig({ ...(raw as object), config: { strict: true } })), [`${expected} (strict mode)`]);
    });
  }
});

test('a cross-key rule is skipped while one of its keys is itself invalid', () => {
  assert.deepEqual(errorsFor({ client: { ping_interval: 'soon', pong_timeout: '1h' } }), [
    'client.ping_interval must be a duration like "25s", got "soon"',
  ]);
});

test('valid namespaces and options come through as given', () => {
  const c = validateConfig({
    channel: {
      without_namespace: { allow_subscribe_for_client: true, channel_regex: '^[a-z]+$' },
      namespaces: [{ name: 'chat', allow_publish_for_subscriber: true }, { name: 'news-2_x' }],
    },
    client: { ping_interval: '1s', pong_timeout: '500ms', allowed_origins: ['https://a.example'] },
    shards: { restart_backoff_min: '10s', restart_backoff_max: '10s', mailbox_size: 4096 },
  });
  assert.equal(c.channel.without_namespace.allow_subscribe_for_client, true);
  assert.equal(c.channel.without_namespace.channel_regex, '^[a-z]+$');
  assert.deepEqual(c.channel.namespaces.map((n) => [n.name, n.allow_publish_for_subscriber, n.allow_subscribe_for_client]), [
    ['chat', true, false],
    ['news-2_x', false, false],
  ]);
  assert.deepEqual([c.client.ping_interval, c.client.pong_timeout], [1000, 500]);
  assert.equal(c.shards.restart_backoff_min, 10_000);
});

describe('history-dependent channel options', () => {
  test('recovery, positioning and deltas without history are each named', () => {
    const result = checkConfig({
      channel: {
        namespaces: [{ name: 'feed', force_recovery: true, allow_positioning: true, allowed_delta_types: ['fossil'] }],
        without_namespace: { history_size: 10 },
      },
    });
    assert.equal(result.ok, false);
    const errors = result.ok ? [] : result.errors;
    assert.ok(errors.includes('channel.namespaces[0].force_recovery needs history: set channel.namespaces[0].history_size and channel.namespaces[0].history_ttl'));
    assert.ok(errors.some((e: string) => e.startsWith('channel.namespaces[0].allow_positioning needs history')));
    assert.ok(errors.some((e: string) => e.startsWith('channel.namespaces[0].allowed_delta_types needs history')));
    assert.ok(errors.includes('channel.without_namespace.history_size and channel.without_namespace.history_ttl must both be set (above zero) to keep history, or both be zero'));
  });

  test('an unknown delta type is rejected', () => {
    const result = checkConfig({ channel: { without_namespace: { history_size: 1, history_ttl: '1s', allowed_delta_types: ['xdelta'] } } });
    assert.equal(result.ok, false);
    assert.deepEqual(result.ok ? [] : result.errors, ['channel.without_namespace.allowed_delta_types[0] must be one of fossil, got "xdelta"']);
  });

  test('history_meta_ttl may exceed the Node timer limit (it is a clock comparison)', () => {
    const result = checkConfig({ channel: { history_meta_ttl: '8760h' } });
    assert.equal(result.ok, true);
  });
});
