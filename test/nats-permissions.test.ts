/**
 * NATS with credentials and subject permissions. Credentials in
 * `broker.nats.url` are used as Centrifugo uses them (user:pass, or a token);
 * a user the server refuses, or one without permission for the subjects
 * switchyard uses, is a start-up error that says so; and a subject refused at
 * run time costs only itself: a subscribe to it answers error 100 (logged),
 * a publish on it fails with 100 instead of being reported accepted, and
 * other channels work. Against nats-servers the test starts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { natsServers } from '../src/broker/nats/servers';
import { callApi } from './helpers/api';
import { sdkClient, waitFor } from './helpers/clients';
import { runCli } from './helpers/engines';
import { startNode, type ChildNode } from './helpers/redis';
import { skipWithoutNatsServer, startNatsServer, type ServerProcess } from './helpers/servers';

/** nats-server config: user `sy` (password `pw`) may publish and subscribe `allow`. */
function usersConfig(allow: string[]): string {
  const subjects = JSON.stringify(allow);
  return `authorization { users = [ { user: sy, password: pw, permissions: { publish: { allow: ${subjects} }, subscribe: { allow: ${subjects} } } } ] }\n`;
}

function natsBroker(url: string, prefix = 'sy'): Record<string, unknown> {
  return { broker: { enabled: true, type: 'nats', nats: { url, prefix, dial_timeout: '2s', write_timeout: '2s' } } };
}

test('credentials in broker.nats.url: user and password, or a token; taken out of the server list', () => {
  assert.deepEqual(natsServers('nats://sy:p%40ss@127.0.0.1:4222'), { servers: ['nats://127.0.0.1:4222'], user: 'sy', pass: 'p@ss' });
  assert.deepEqual(natsServers('nats://s3cr3t@127.0.0.1:4222, nats://127.0.0.1:4223'), { servers: ['nats://127.0.0.1:4222', 'nats://127.0.0.1:4223'], token: 's3cr3t' });
  assert.deepEqual(natsServers('127.0.0.1:4222,tls://u:p@h:1'), { servers: ['127.0.0.1:4222', 'tls://h:1'], user: 'u', pass: 'p' });
  assert.deepEqual(natsServers('nats://127.0.0.1:4222'), { servers: ['nats://127.0.0.1:4222'] });
});

describe('NATS with subject permissions', { skip: skipWithoutNatsServer }, () => {
  let narrow: ServerProcess & { url: string };
  let wide: ServerProcess & { url: string };
  let token: ServerProcess & { url: string };
  let node: ChildNode | null = null;
  const clients: { disconnect(): void }[] = [];

  before(async () => {
    // Node bus subjects, the probe's (base64) channel subjects and the channels "ok.*"; not "denied".
    narrow = await startNatsServer(usersConfig(['sy.control', 'sy.node.>', 'sy.client._b64.>', 'sy.client.ok.>']));
    // Only the node bus: no channel subject at all.
    wide = await startNatsServer(usersConfig(['sy.control', 'sy.node.>']));
    token = await startNatsServer('authorization { token: "t0k3n" }\n');
  });

  after(async () => {
    for (const c of clients) c.disconnect();
    await node?.stop();
    await Promise.all([narrow?.stop(), wide?.stop(), token?.stop()]);
  });

  test('a wrong password: exit 1 at once, "refused the connection", the password not shown', async () => {
    const run = await runCli(natsBroker(narrow.url.replace('nats://', 'nats://sy:wrong@')));
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /broker\.nats: NATS at nats:\/\/sy:\*\*\*@127\.0\.0\.1:\d+ refused the connection: .*Authorization Violation.*check the credentials in broker\.nats\.url/i);
    assert.doesNotMatch(run.output, /wrong/);
  });

  test('a user without the channel subjects: exit 1, naming the refused subject and the permission needed', async () => {
    const run = await runCli(natsBroker(wide.url.replace('nats://', 'nats://sy:pw@')));
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /broker\.nats: NATS at nats:\/\/sy:\*\*\*@127\.0\.0\.1:\d+ refused to let the user subscribe to "sy\.client\._b64\.[\w-]+" \(Permissions Violation[^)]*\); the user needs publish and subscribe permission for "sy\.>"/);
    assert.match(run.output, /refused to let the user publish on "sy\.client\._b64\./);
    assert.doesNotMatch(run.output, /subscribe to "sy\.control"/, "the node bus subjects are allowed");
  });

  test('a token in the URL connects', async () => {
    const run = await runCli({ ...natsBroker(token.url.replace('nats://', 'nats://t0k3n@')), log: { level: 'info' } }, 4000);
    assert.match(run.output, /switchyard ready/, run.output);
    assert.doesNotMatch(run.output, /refused/);
  });

  test('at run time a refused subject costs only itself: subscribe and publish answer 100 (logged), allowed channels work', async () => {
    node = await startNode(natsBroker(narrow.url.replace('nats://', 'nats://sy:pw@')));
    const client = sdkClient(node.wsUrl);
    clients.push(client);
    const denied = client.newSubscription('denied', { minResubscribeDelay: 5000 });
    const errors: unknown[] = [];
    denied.on('error', (ctx) => errors.push(ctx.error));
    const ok = client.newSubscription('ok.1');
    const received: unknown[] = [];
    ok.on('publication', (ctx) => received.push(ctx.data));
    client.connect();
    denied.subscribe();
    ok.subscribe();
    await waitFor(() => errors.length > 0, 'the refused subscribe');
    assert.deepEqual(errors[0], { code: 100, message: 'internal server error', temporary: true });
    await waitFor(() => /NATS refused a subscription.*"subject":"sy\.client\.denied".*Permissions Violation/.test(node!.output()), 'the log line of the refused subscription');

    // A publish on the refused subject is not reported accepted.
    const refusedPublish = await callApi(node.apiUrl, 'publish', { channel: 'denied', data: { n: 1 } });
    assert.equal(refusedPublish.body?.error?.code, 100, refusedPublish.text);
    assert.match(node.output(), /NATS refused a publish.*"subject":"sy\.client\.denied"/);

    await ok.ready(5000);
    const accepted = await callApi(node.apiUrl, 'publish', { channel: 'ok.1', data: { n: 2 } });
    assert.ok(accepted.body?.result, accepted.text);
    await waitFor(() => received.length === 1, 'the publication on the allowed channel');
    assert.deepEqual(received, [{ n: 2 }]);
  });
});
