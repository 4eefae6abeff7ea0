/**
 * Reading config the way Centrifugo does: YAML and TOML files (syntax errors
 * with file, line and column), `CENTRIFUGO_*` variables beside
 * `SWITCHYARD_*` ones, named list items' variables, ignored and unknown
 * variables, strict mode, and the lines the server logs about them.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { warningLines, type ConfigWarning } from '../src/config/centrifugo/classify';
import { loadConfig } from '../src/config/load';
import { configErrors, tempDir } from './helpers/config';

const tmp = tempDir();
after(() => tmp.cleanup());

const messages = (warnings: readonly ConfigWarning[]): string[] => warnings.map((w) => w.message);

describe('file formats', () => {
  test('YAML and TOML files hold the same config as JSON', () => {
    const yaml = tmp.write('c.yml', 'http_server:\n  port: 9001\nclient:\n  allowed_origins: ["https://a.example"]\n  ping_interval: 20s\nchannel:\n  namespaces:\n    - name: chat\n      presence: true\n');
    const toml = tmp.write('c.toml', '[http_server]\nport = 9001\n[client]\nallowed_origins = ["https://a.example"]\nping_interval = "20s"\n[[channel.namespaces]]\nname = "chat"\npresence = true\n');
    for (const file of [yaml, toml]) {
      const { config } = loadConfig({ file, env: {} });
      assert.equal(config.http_server.port, 9001);
      assert.deepEqual(config.client.allowed_origins, ['https://a.example']);
      assert.equal(config.client.ping_interval, 20_000);
      assert.deepEqual(config.channel.namespaces.map((n) => [n.name, n.presence]), [['chat', true]]);
    }
  });

  test('an empty YAML file is an empty config; a duration may be a number of nanoseconds', () => {
    assert.equal(loadConfig({ file: tmp.write('empty.yaml', ''), env: {} }).config.http_server.port, 8000);
    const file = tmp.write('ns.yaml', 'client:\n  ping_interval: 30000000000\n');
    assert.equal(loadConfig({ file, env: {} }).config.client.ping_interval, 30_000);
  });

  test('syntax errors name the file, the line and the column', () => {
    const cases: [string, string, RegExp][] = [
      ['bad.yaml', 'client:\n  token:\n    hmac_secret_key: "x\n', /bad\.yaml: invalid YAML at line \d+ column \d+: Missing closing "quote/],
      ['dup.yaml', 'log:\n  level: info\n  level: debug\n', /dup\.yaml: invalid YAML at line 3 column 3: Map keys must be unique/],
      ['indent.yml', 'client:\n  insecure: true\n bad: 1\n', /indent\.yml: invalid YAML at line 3 column 1: /],
      ['bad.toml', '[client]\ninsecure = \n', /bad\.toml: invalid TOML at line 2 column \d+: invalid value/],
      ['dup.toml', '[log]\nlevel = "info"\nlevel = "debug"\n', /dup\.toml: invalid TOML at line 3 column 1: /],
      ['list.yaml', '- a\n- b\n', /list\.yaml: the top level must be a mapping of keys/],
      ['bad.json', '{"log": }', /bad\.json: invalid JSON at line 1 column 9: unexpected "}"/],
    ];
    for (const [name, text, expected] of cases) {
      const errors = configErrors(() => loadConfig({ file: tmp.write(name, text), env: {} }));
      assert.equal(errors.length, 1, errors.join('\n'));
      assert.match(errors[0] as string, expected);
    }
  });
});

describe('environment variables', () => {
  test('CENTRIFUGO_* set keys as SWITCHYARD_* do; SWITCHYARD_* wins when both are set', () => {
    const { config, warnings } = loadConfig({
      env: {
        CENTRIFUGO_HTTP_API_KEY: 'from-centrifugo',
        CENTRIFUGO_CLIENT_INSECURE: 'T',
        CENTRIFUGO_HTTP_SERVER_PORT: '7001',
        SWITCHYARD_HTTP_SERVER_PORT: '7002',
        CENTRIFUGO_CLIENT_ALLOWED_ORIGINS: 'https://a.example https://b.example',
      },
    });
    assert.equal(config.http_api.key, 'from-centrifugo');
    assert.equal(config.client.insecure, true);
    assert.equal(config.http_server.port, 7002);
    assert.deepEqual(config.client.allowed_origins, ['https://a.example', 'https://b.example']);
    assert.deepEqual(warnings, []);
  });

  test("a named item's fields have variables of their own", () => {
    const file = tmp.write('items.json', { channel: { namespaces: [{ name: 'chat-room' }] }, proxies: [{ name: 'p.1', endpoint: 'http://127.0.0.1:9/x' }] });
    const { config, warnings } = loadConfig({
      file,
      env: {
        CENTRIFUGO_CHANNEL_NAMESPACES_CHAT_ROOM_PRESENCE: 'true',
        SWITCHYARD_CHANNEL_NAMESPACES_CHAT_ROOM_HISTORY_SIZE: '10',
        CENTRIFUGO_CHANNEL_NAMESPACES_CHAT_ROOM_HISTORY_TTL: '60s',
        CENTRIFUGO_PROXIES_P_1_TIMEOUT: '3s',
        CENTRIFUGO_PROXIES_P_1_HTTP_STATIC_HEADERS: '{"X-Key":"k"}',
        CENTRIFUGO_CHANNEL_NAMESPACES_CHAT_ROOM_SHARED_POLL_REFRESH_INTERVAL: '5s',
      },
    });
    const [ns] = config.channel.namespaces;
    assert.deepEqual([ns?.presence, ns?.history_size, ns?.history_ttl], [true, 10, 60_000]);
    assert.equal(config.proxies[0]?.timeout, 3000);
    assert.deepEqual(config.proxies[0]?.http.static_headers, { 'X-Key': 'k' });
    assert.deepEqual(messages(warnings), [
      'environment variable CENTRIFUGO_CHANNEL_NAMESPACES_CHAT_ROOM_SHARED_POLL_REFRESH_INTERVAL sets channel.namespaces[0].shared_poll.refresh_interval, a Centrifugo setting switchyard does not implement; ignored',
    ]);
    const errors = configErrors(() => loadConfig({ file, env: { CENTRIFUGO_CHANNEL_NAMESPACES_CHAT_ROOM_PRESENCE: 'maybe' } }));
    assert.deepEqual(errors, ['env CENTRIFUGO_CHANNEL_NAMESPACES_CHAT_ROOM_PRESENCE: channel.namespaces[0].presence must be true or false, got "maybe"']);
  });

  test('ignored and unknown variables are warnings; Kubernetes service variables and CENTRIFUGO_VAR_* are not', () => {
    const { warnings } = loadConfig({
      env: {
        CENTRIFUGO_SWAGGER_ENABLED: 'true',
        CENTRIFUGO_CLIENT_TOKEN_INSECURE_SKIP_JWKS_ENDPOINT_SAFETY_CHECK: 'true',
        CENTRIFUGO_CLIENT_PING_INTERVALL: '1s',
        CENTRIFUGO_SERVICE_HOST: '10.0.0.1',
        CENTRIFUGO_PORT_8000_TCP: 'tcp://10.0.0.1:8000',
        CENTRIFUGO_VAR_SECRET: 'x',
      },
    });
    assert.deepEqual(messages(warnings).sort(), [
      'SECURITY: environment variable CENTRIFUGO_CLIENT_TOKEN_INSECURE_SKIP_JWKS_ENDPOINT_SAFETY_CHECK sets client.token.insecure_skip_jwks_endpoint_safety_check, a Centrifugo setting switchyard does not implement; it is IGNORED and this server does not provide what it asks for',
      'environment variable CENTRIFUGO_SWAGGER_ENABLED sets swagger.enabled, a Centrifugo setting switchyard does not implement; ignored',
      'unknown environment variable CENTRIFUGO_CLIENT_PING_INTERVALL ignored (did you mean CENTRIFUGO_CLIENT_PING_INTERVAL?)',
    ]);
  });
});

test('${CENTRIFUGO_VAR_*} in a string map value is the variable; an unset one is an error naming the key', () => {
  const file = tmp.write('vars.json', { proxies: [{ name: 'p', endpoint: 'http://127.0.0.1:9/x', http: { static_headers: { Authorization: 'Bearer ${CENTRIFUGO_VAR_TOKEN}', 'X-B': '${SWITCHYARD_VAR_B}-${SWITCHYARD_VAR_B}' } } }] });
  const { config, warnings } = loadConfig({ file, env: { CENTRIFUGO_VAR_TOKEN: 's3cret', SWITCHYARD_VAR_B: 'b' } });
  assert.deepEqual(config.proxies[0]?.http.static_headers, { Authorization: 'Bearer s3cret', 'X-B': 'b-b' });
  assert.deepEqual(warnings, []);
  assert.deepEqual(configErrors(() => loadConfig({ file, env: { SWITCHYARD_VAR_B: 'b' } })), [
    'proxies[0].http.static_headers.Authorization refers to environment variable CENTRIFUGO_VAR_TOKEN, which is not set',
  ]);
});

describe("Centrifugo's command-line flags", () => {
  test('-a and -p set the address and port; a flag for a key switchyard lacks is a warning and takes its value', () => {
    const { config, warnings } = loadConfig({ env: {}, argv: ['-a', '127.0.0.1', '-p', '9200', '--http_server.tls_autocert.enabled', '--websocket.write_buffer_size', '4096', '--client.insecure'] });
    assert.deepEqual([config.http_server.address, config.http_server.port, config.client.insecure], ['127.0.0.1', 9200, true]);
    assert.deepEqual(messages(warnings), [
      'SECURITY: flag --http_server.tls_autocert.enabled sets http_server.tls_autocert.enabled, a Centrifugo setting switchyard does not implement; it is IGNORED and this server does not provide what it asks for',
      'flag --websocket.write_buffer_size sets websocket.write_buffer_size, a Centrifugo setting switchyard does not implement; ignored',
    ]);
    assert.deepEqual(configErrors(() => loadConfig({ env: {}, argv: ['--swagger'] })), ['unknown flag --swagger']);
    assert.equal(configErrors(() => loadConfig({ env: {}, argv: ['--swagger.enabled', '--strict'] })).length, 1);
  });

  test('an empty variable for a key with a default is unset, as Centrifugo reads it; for a list it clears it', () => {
    const { config } = loadConfig({ env: { CENTRIFUGO_HTTP_SERVER_PORT: '', SWITCHYARD_HTTP_API_HANDLER_PREFIX: ' ', CENTRIFUGO_LOG_LEVEL: '' } });
    assert.deepEqual([config.http_server.port, config.http_api.handler_prefix, config.log.level], [8000, '/api', 'info']);
  });
});

describe('strict mode', () => {
  const file = tmp.write('lax.json', { swagger: { enabled: true }, client: { insecure: true, colour: 'red' } });

  test('without it, ignored and unknown keys are warnings', () => {
    const { config, warnings } = loadConfig({ file, env: { CENTRIFUGO_ZZZZZZZZZZZZ: '1' } });
    assert.equal(config.client.insecure, true);
    assert.deepEqual(
      warnings.map((w) => [w.kind, w.path]),
      [
        ['ignored', 'swagger.enabled'],
        ['unknown', 'client.colour'],
        ['unknown', 'CENTRIFUGO_ZZZZZZZZZZZZ'],
      ],
    );
  });

  test('--strict, config.strict and SWITCHYARD_CONFIG_STRICT make them errors', () => {
    const expected = [
      'config key swagger.enabled is a Centrifugo setting switchyard does not implement; ignored (strict mode)',
      'unknown config key client.colour ignored (strict mode)',
      'unknown environment variable CENTRIFUGO_ZZZZZZZZZZZZ ignored (strict mode)',
    ];
    const env = { CENTRIFUGO_ZZZZZZZZZZZZ: '1' };
    assert.deepEqual([...configErrors(() => loadConfig({ file, env, argv: ['--strict'] }))].sort(), expected.sort());
    assert.deepEqual([...configErrors(() => loadConfig({ file, env: { ...env, SWITCHYARD_CONFIG_STRICT: 'true' } }))].sort(), expected.sort());
    const strictFile = tmp.write('strict.yaml', 'config:\n  strict: true\nswagger:\n  enabled: true\n');
    assert.deepEqual(configErrors(() => loadConfig({ file: strictFile, env: {} })), [expected[0]]);
  });
});

test('start-up lines: one per key, security ones at error level, keys at their Centrifugo default in one summary', () => {
  const file = tmp.write('lines.json', {
    http_server: { tls_autocert: { enabled: true, cache_dir: '' } },
    swagger: { enabled: true },
    debug: { enabled: false },
    webtransport: { enabled: false },
    nats: 1,
  });
  const lines = warningLines(loadConfig({ file, env: {} }).warnings);
  assert.deepEqual(lines, [
    {
      level: 'error',
      message: 'SECURITY: config key http_server.tls_autocert.enabled is a Centrifugo setting switchyard does not implement; it is IGNORED and this server does not provide what it asks for',
    },
    { level: 'warn', message: 'config key swagger.enabled is a Centrifugo setting switchyard does not implement; ignored' },
    { level: 'warn', message: 'unknown config key nats ignored' },
    {
      level: 'warn',
      message: `3 Centrifugo config keys at Centrifugo's default value ignored (switchyard does not implement them; "switchyard checkconfig" lists each): debug.enabled, webtransport.enabled, http_server.tls_autocert.cache_dir`,
    },
  ]);
});
