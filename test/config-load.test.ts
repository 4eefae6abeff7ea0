import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { jsonErrorOffset } from '../src/config/sources/json-position';
import { loadConfig } from '../src/config/load';
import { configErrors, tempDir } from './helpers/config';

const tmp = tempDir();
after(() => tmp.cleanup());

const fileConfig = tmp.write('precedence.json', {
  http_server: { port: 7000, address: '127.0.0.1' },
  log: { level: 'debug' },
  shards: { count: 2 },
  client: { allowed_origins: ['https://file.example'] },
});

describe('precedence: defaults → file → env → flags', () => {
  test('file over defaults', () => {
    const { config } = loadConfig({ file: fileConfig, env: {} });
    assert.equal(config.http_server.port, 7000);
    assert.equal(config.http_server.address, '127.0.0.1');
    assert.equal(config.shards.count, 2);
    assert.equal(config.client.ping_interval, 25_000); // untouched default
  });

  test('env over file', () => {
    const env = { SWITCHYARD_HTTP_SERVER_PORT: '7100', SWITCHYARD_LOG_LEVEL: 'warn' };
    const { config } = loadConfig({ file: fileConfig, env });
    assert.equal(config.http_server.port, 7100);
    assert.equal(config.log.level, 'warn');
    assert.equal(config.http_server.address, '127.0.0.1');
  });

  test('flags over env, in both flag forms, with -c naming the file', () => {
    const env = { SWITCHYARD_HTTP_SERVER_PORT: '7100', SWITCHYARD_SHARDS_COUNT: '3' };
    const { config } = loadConfig({ env, argv: ['-c', fileConfig, '--http_server.port', '9000', '--shards.count=4'] });
    assert.equal(config.http_server.port, 9000);
    assert.equal(config.shards.count, 4);
    assert.equal(config.log.level, 'debug'); // from the file
  });

  test('a later flag wins over an earlier one; --port is http_server.port', () => {
    const { config } = loadConfig({ env: {}, argv: ['--http_server.port=1', '--port', '9100'] });
    assert.equal(config.http_server.port, 9100);
  });

  test('--config in argv wins over opts.file', () => {
    const other = tmp.write('other.json', { shards: { count: 5 } });
    assert.equal(loadConfig({ file: fileConfig, env: {}, argv: [`--config=${other}`] }).config.shards.count, 5);
  });
});

describe('environment variables', () => {
  test('every type parses from text', () => {
    const { config, warnings } = loadConfig({
      env: {
        SWITCHYARD_CLIENT_INSECURE: 'true',
        SWITCHYARD_HEALTH_ENABLED: '0',
        SWITCHYARD_CLIENT_ALLOWED_ORIGINS: ' https://a.example  https://b.example ',
        SWITCHYARD_CLIENT_PING_INTERVAL: '1m',
        SWITCHYARD_HTTP_API_KEY: 'secret',
        SWITCHYARD_CHANNEL_NAMESPACES: '[{"name":"chat","allow_publish_for_client":true}]',
        SWITCHYARD_CHANNEL_WITHOUT_NAMESPACE: '{"allow_subscribe_for_client":true}',
        SWITCHYARD_CHANNEL_WITHOUT_NAMESPACE_ALLOW_PUBLISH_FOR_CLIENT: 'true',
        PATH: '/usr/bin',
      },
    });
    assert.equal(config.client.insecure, true);
    assert.equal(config.health.enabled, false);
    assert.deepEqual(config.client.allowed_origins, ['https://a.example', 'https://b.example']);
    assert.equal(config.client.ping_interval, 60_000);
    assert.equal(config.http_api.key, 'secret');
    assert.deepEqual(config.channel.namespaces.map((n) => [n.name, n.allow_publish_for_client]), [['chat', true]]);
    // The whole object is applied before the field inside it, whatever the env order.
    assert.equal(config.channel.without_namespace.allow_subscribe_for_client, true);
    assert.equal(config.channel.without_namespace.allow_publish_for_client, true);
    assert.deepEqual(warnings, []);
  });

  test('an empty list variable clears the list; a JSON array works too', () => {
    const file = tmp.write('origins.json', { client: { allowed_origins: ['https://x.example'] } });
    assert.deepEqual(loadConfig({ file, env: { SWITCHYARD_CLIENT_ALLOWED_ORIGINS: '' } }).config.client.allowed_origins, []);
    assert.deepEqual(loadConfig({ env: { SWITCHYARD_CLIENT_ALLOWED_ORIGINS: '["*"]' } }).config.client.allowed_origins, ['*']);
  });

  test('unknown SWITCHYARD_* variables are warnings, with a suggestion', () => {
    const { warnings } = loadConfig({ env: { SWITCHYARD_HTTP_SERVER_PROT: '1', SWITCHYARD_NOPE_NOPE_NOPE: '1', OTHER_THING: '1' } });
    assert.deepEqual(warnings.map((w) => w.message), [
      'unknown environment variable SWITCHYARD_HTTP_SERVER_PROT ignored (did you mean SWITCHYARD_HTTP_SERVER_PORT?)',
      'unknown environment variable SWITCHYARD_NOPE_NOPE_NOPE ignored',
    ]);
  });

  test('bad env values name the variable and the key', () => {
    const errors = configErrors(() =>
      loadConfig({
        env: {
          SWITCHYARD_HTTP_SERVER_PORT: 'abc',
          SWITCHYARD_CLIENT_INSECURE: 'yes',
          SWITCHYARD_CLIENT_PONG_TIMEOUT: '8',
          SWITCHYARD_CHANNEL_NAMESPACES: '[{"name":"chat"',
        },
      }),
    );
    assert.equal(errors.length, 4, errors.join('\n'));
    assert.ok(errors.includes('env SWITCHYARD_HTTP_SERVER_PORT: http_server.port must be an integer, got "abc"'));
    assert.ok(errors.includes('env SWITCHYARD_CLIENT_INSECURE: client.insecure must be true or false, got "yes"'));
    assert.ok(errors.includes('env SWITCHYARD_CLIENT_PONG_TIMEOUT: client.pong_timeout must be a duration like "25s", got "8"'));
    assert.ok(errors.some((e) => /^env SWITCHYARD_CHANNEL_NAMESPACES: channel\.namespaces must be JSON \(/.test(e)));
  });

  test('an unknown key inside a JSON variable is a warning', () => {
    const { warnings } = loadConfig({ env: { SWITCHYARD_CHANNEL_WITHOUT_NAMESPACE: '{"allow_everything":true}' } });
    assert.deepEqual(warnings.map((w) => w.message), ['unknown config key channel.without_namespace.allow_everything ignored (did you mean channel.without_namespace.allow_positioning?)']);
  });

  test('a cross-key rule sees values from every source', () => {
    const file = tmp.write('ping.json', { client: { ping_interval: '10s' } });
    const errors = configErrors(() => loadConfig({ file, env: { SWITCHYARD_CLIENT_PONG_TIMEOUT: '15s' } }));
    assert.deepEqual(errors, ['client.pong_timeout (15s) must be less than client.ping_interval (10s)']);
  });
});

describe('flags', () => {
  test('a boolean flag alone is true; true/false may follow it', () => {
    assert.equal(loadConfig({ env: {}, argv: ['--client.insecure'] }).config.client.insecure, true);
    assert.equal(loadConfig({ env: {}, argv: ['--client.insecure', 'false'] }).config.client.insecure, false);
    assert.equal(loadConfig({ env: {}, argv: ['--health.enabled=false', '--client.insecure'] }).config.health.enabled, false);
    const both = loadConfig({ env: {}, argv: ['--client.insecure', '--shards.count', '2'] }).config;
    assert.deepEqual([both.client.insecure, both.shards.count], [true, 2]);
  });

  test('fields inside an object key have flags', () => {
    const { config } = loadConfig({ env: {}, argv: ['--channel.without_namespace.allow_publish_for_client', '--channel.without_namespace.channel_regex', '^a'] });
    assert.equal(config.channel.without_namespace.allow_publish_for_client, true);
    assert.equal(config.channel.without_namespace.channel_regex, '^a');
  });

  test('bad flag values name the flag and the key', () => {
    const errors = configErrors(() => loadConfig({ env: {}, argv: ['--http_server.port', 'x', '--log.level=loud', '--shards.mailbox_size', '5000'] }));
    assert.deepEqual(errors, [
      'flag --http_server.port: http_server.port must be an integer, got "x"',
      'flag --log.level: log.level must be one of trace, debug, info, warn, error, none, got "loud"',
      'flag --shards.mailbox_size: shards.mailbox_size must be a power of two between 4096 and 1073741824, got 5000',
    ]);
  });

  test('unknown flags, missing values and stray arguments are errors', () => {
    const errors = configErrors(() =>
      loadConfig({ env: {}, argv: ['--client.ping_intervall', '5s', '--ping_interval=5s', '--prot', '80', 'stray', '--confg', 'x.json', '--http_api.key'] }),
    );
    assert.deepEqual(errors, [
      'unknown flag --client.ping_intervall (did you mean --client.ping_interval?)',
      'unknown flag --ping_interval (did you mean --client.ping_interval?)',
      'unknown flag --prot (did you mean --port?)',
      'unexpected argument "stray"',
      'unknown flag --confg (did you mean --config?)',
      'flag --http_api.key needs a value',
    ]);
  });

  test('a flag value may be negative, and is then range-checked', () => {
    const errors = configErrors(() => loadConfig({ env: {}, argv: ['--client.channel_limit', '-5'] }));
    assert.deepEqual(errors, ['flag --client.channel_limit: client.channel_limit must be an integer of at least 0, got -5']);
  });
});

describe('config files', () => {
  test('malformed JSON names the file, line and column', () => {
    const file = tmp.write('broken.json', '{\n  "http_server": {\n    "port": 8000,\n  }\n}\n');
    const errors = configErrors(() => loadConfig({ file, env: {} }));
    assert.equal(errors.length, 1);
    assert.equal(errors[0], `${file}: invalid JSON at line 4 column 3: unexpected "}"`);
  });

  test('truncated JSON points at its end', () => {
    const file = tmp.write('truncated.json', '{"log": {"level": ');
    assert.match(configErrors(() => loadConfig({ file, env: {} }))[0] as string, /truncated\.json: invalid JSON at line 1 column 19: unexpected end of file$/);
  });

  test('a mistake V8 gives no position for still gets a line and column', () => {
    const file = tmp.write('literal.json', '{\n  "client": {\n    "insecure": tru\n  }\n}');
    assert.deepEqual(configErrors(() => loadConfig({ file, env: {} })), [`${file}: invalid JSON at line 3 column 17: unexpected "tru"`]);
  });

  test('jsonErrorOffset finds the first mistake of each kind', () => {
    const cases: [string, number][] = [
      ['{"a": 1,}', 8],
      ['{"a": 1 "b": 2}', 8],
      ['{a: 1}', 1],
      ['{"a": 1 // comment\n}', 8],
      ['{"a": ', 6],
      ['{"a": tru}', 6],
      ['{"a": "x\ny"}', 8],
      ['', 0],
      ['{"a":1}}', 7],
      ['{"a": 01}', 7],
      ['{"a":[1,2,]}', 10],
      ['{"a" 1}', 5],
      [' {"a": [1, {"b": null}], "c": "\\u00e9\\n", "d": -1.5e3, "e": false} ', -1],
    ];
    for (const [text, offset] of cases) assert.equal(jsonErrorOffset(text), offset, text);
  });

  test('a missing file is reported with its name', () => {
    const file = `${tmp.dir}/does-not-exist.json`;
    assert.deepEqual(configErrors(() => loadConfig({ file, env: {} })), [`cannot read config file ${file}: no such file`]);
  });

  test('the top level must be an object', () => {
    const file = tmp.write('array.json', '[1, 2]');
    assert.deepEqual(configErrors(() => loadConfig({ file, env: {} })), [`${file}: the top level must be a JSON object`]);
  });

  test('file, env and flag errors are reported together', () => {
    const file = tmp.write('bad-values.json', { http_server: { port: 'eighty' }, shards: { mailbox_batch: 0 } });
    const errors = configErrors(() => loadConfig({ file, env: { SWITCHYARD_LOG_LEVEL: 'chatty' }, argv: ['--xyzzy'] }));
    assert.deepEqual(errors, [
      'env SWITCHYARD_LOG_LEVEL: log.level must be one of trace, debug, info, warn, error, none, got "chatty"',
      'unknown flag --xyzzy',
      'http_server.port must be an integer, got "eighty"',
      'shards.mailbox_batch must be an integer between 1 and 65536, got 0',
    ]);
  });

  test('a byte-order mark is tolerated', () => {
    const file = tmp.write('bom.json', '\uFEFF{"shards": {"count": 3}}');
    assert.equal(loadConfig({ file, env: {} }).config.shards.count, 3);
  });
});
