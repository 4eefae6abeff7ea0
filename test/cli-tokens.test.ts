/** `switchyard gentoken`, `gensubtoken`, `checktoken` and `checksubtoken`, run as a user runs them. */
import assert from 'node:assert/strict';
import { createSecretKey } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { jwtVerify } from 'jose';
import { runCli } from './helpers/cli';
import { tempDir } from './helpers/config';
import { hmacToken, inSeconds } from './helpers/tokens';

const tmp = tempDir();
after(() => tmp.cleanup());

/** Runs the CLI in `cwd` (default the temporary directory) with only the SWITCHYARD_* variables in `env`. */
const cli = (args: string[], env: NodeJS.ProcessEnv = {}, cwd = tmp.dir) => runCli(args, cwd, env);

const SECRET = 'cli-secret';
const withSecret = { SWITCHYARD_CLIENT_TOKEN_HMAC_SECRET_KEY: SECRET };
const key = createSecretKey(Buffer.from(SECRET));

describe('token commands', { concurrency: true }, () => {
  test('gentoken -u USER -t TTL prints an HS256 token for the user that expires in TTL seconds', async () => {
    const r = await cli(['gentoken', '-u', 'alice', '-t', '60'], withSecret);
    assert.equal(r.code, 0, r.stderr);
    const [title, token] = r.stdout.trim().split('\n');
    assert.equal(title, 'HMAC SHA-256 JWT for user "alice" with expiration TTL 1m0s:');
    const { payload, protectedHeader } = await jwtVerify(token!, key);
    assert.equal(protectedHeader.alg, 'HS256');
    assert.equal(payload.sub, 'alice');
    assert.ok(Math.abs(payload.exp! - inSeconds(60)) <= 2);
  });

  test('gentoken -q prints only the token; -t -1 gives one without exp; no -u is anonymous', async () => {
    const quiet = await cli(['gentoken', '--user=bob', '-q'], withSecret);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal((await jwtVerify(quiet.stdout, key)).payload.sub, 'bob');
    const forever = await cli(['gentoken', '-t', '-1'], withSecret);
    assert.match(forever.stdout, /^HMAC SHA-256 JWT for anonymous user without expiration:\n/);
    assert.equal((await jwtVerify(forever.stdout.trim().split('\n')[1]!, key)).payload.exp, undefined);
  });

  test('gentoken reads -c FILE, or ./config.json when present', async () => {
    const file = tmp.write('tokens.json', { client: { token: { hmac_secret_key: 'from-file' } } });
    const r = await cli(['gentoken', '-c', file, '-u', 'f', '-q']);
    assert.equal(r.code, 0, r.stderr);
    await jwtVerify(r.stdout, createSecretKey(Buffer.from('from-file')));
    const dir = tempDir();
    dir.write('config.json', { client: { token: { hmac_secret_key: 'from-default' } } });
    const d = await cli(['gentoken', '-q'], {}, dir.dir);
    assert.equal(d.code, 0, d.stderr);
    await jwtVerify(d.stdout, createSecretKey(Buffer.from('from-default')));
    dir.cleanup();
  });

  test('bad input: no HMAC secret exits 1; a bad TTL, an unknown option or a missing channel exit 2; an invalid config exits 2', async () => {
    const noSecret = await cli(['gentoken', '-u', 'x']);
    assert.equal(noSecret.code, 1);
    assert.match(noSecret.stderr, /client\.token\.hmac_secret_key is empty/);
    const badTtl = await cli(['gentoken', '-t', 'soon'], withSecret);
    assert.equal(badTtl.code, 2);
    assert.match(badTtl.stderr, /-t must be a whole number of seconds/);
    const unknown = await cli(['gentoken', '--usr', 'x'], withSecret);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown option --usr \(did you mean --user\?\)/);
    const noChannel = await cli(['gensubtoken', '-u', 'x'], withSecret);
    assert.equal(noChannel.code, 2);
    assert.match(noChannel.stderr, /gensubtoken needs a channel: -s CHANNEL/);
    const badConfig = await cli(['gentoken', '-c', tmp.write('bad.json', { client: { token: { audience: 'a', audience_regex: 'b' } } })]);
    assert.equal(badConfig.code, 2);
    assert.match(badConfig.stderr, /client\.token\.audience and client\.token\.audience_regex cannot both be set/);
  });

  test('gensubtoken -u USER -s CHANNEL signs a subscription token, with subscription_token keys when enabled', async () => {
    const r = await cli(['gensubtoken', '-u', 'alice', '-s', '$room', '-t', '30'], withSecret);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^HMAC SHA-256 JWT for user "alice" and channel "\$room" with expiration TTL 30s:\n/);
    const { payload } = await jwtVerify(r.stdout.trim().split('\n')[1]!, key);
    assert.deepEqual([payload.sub, payload['channel']], ['alice', '$room']);
    const separate = await cli(['gensubtoken', '-s', 'c', '-q'], {
      ...withSecret,
      SWITCHYARD_CLIENT_SUBSCRIPTION_TOKEN_ENABLED: 'true',
      SWITCHYARD_CLIENT_SUBSCRIPTION_TOKEN_HMAC_SECRET_KEY: 'sub-secret',
    });
    await jwtVerify(separate.stdout, createSecretKey(Buffer.from('sub-secret')));
  });

  test('checktoken: a valid token exits 0 with its user and claims; a bad or expired one exits 1 saying why', async () => {
    const valid = await cli(['checktoken', await hmacToken({ sub: 'alice', info: { a: 1 } }, 'HS256', SECRET)], withSecret);
    assert.equal(valid.code, 0, valid.stderr);
    assert.match(valid.stdout, /^valid token for user "alice"\npayload: \{"sub":"alice","info":\{"a":1\}.*\}\n$/);
    const forged = await cli(['checktoken', await hmacToken({ sub: 'alice' }, 'HS256', 'other')], withSecret);
    assert.equal(forged.code, 1);
    assert.match(forged.stderr, /token is not valid: bad signature/);
    const expired = await cli(['checktoken', await hmacToken({ sub: 'alice', exp: inSeconds(-5) }, 'HS256', SECRET)], withSecret);
    assert.equal(expired.code, 1);
    assert.match(expired.stderr, /token is not valid: token expired/);
    const sub = await cli(['checktoken', await hmacToken({ sub: 'a', channel: 'c' }, 'HS256', SECRET)], withSecret);
    assert.equal(sub.code, 1);
    assert.match(sub.stderr, /must not carry a channel claim/);
    const none = await cli(['checktoken'], withSecret);
    assert.equal(none.code, 2);
  });

  test('checksubtoken: checks the channel claim too', async () => {
    const valid = await cli(['checksubtoken', await hmacToken({ sub: 'alice', channel: '$room' }, 'HS256', SECRET)], withSecret);
    assert.equal(valid.code, 0, valid.stderr);
    assert.match(valid.stdout, /^valid subscription token for user "alice" and channel "\$room"\n/);
    const connection = await cli(['checksubtoken', await hmacToken({ sub: 'alice' }, 'HS256', SECRET)], withSecret);
    assert.equal(connection.code, 1);
    assert.match(connection.stderr, /needs a channel claim/);
  });
});
