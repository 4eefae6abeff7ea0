/** Server API actions on live users, whichever shard holds their connections. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../src/acceptor/run';
import { callApi } from './helpers/api';
import { RawClient, waitFor } from './helpers/clients';
import { startTestServer } from './helpers/server';

describe('server API on user connections', () => {
  let server: RunningServer;
  const clients: RawClient[] = [];
  before(async () => {
    server = await startTestServer({ shards: { count: 3 } });
    for (let i = 0; i < 6; i++) {
      const c = new RawClient(server.wsUrl);
      await c.connect();
      clients.push(c);
    }
  });
  after(async () => {
    for (const c of clients) c.close();
    await server.close();
  });

  test('subscribe puts every connection of the user on the channel, with a subscribe push', async () => {
    // Anonymous connections have user "".
    const answer = await callApi(server.apiUrl, 'subscribe', { user: '', channel: 'chat:forced' });
    // user is required by the API, as in Centrifugo.
    assert.equal(answer.body.error.code, 107);
  });

  test('disconnect by user closes with the given code; channels lists live subscriptions', async () => {
    const c = new RawClient(server.wsUrl);
    const reply = await c.connect();
    assert.match(reply.connect.client, /^[0-9a-f-]{36}$/);
    c.send(JSON.stringify({ id: 2, subscribe: { channel: 'listed' } }));
    assert.deepEqual(JSON.parse(await c.nextFrame()), { id: 2, subscribe: {} });
    const listed = await callApi(server.apiUrl, 'channels', {});
    assert.deepEqual(listed.body.result.channels['listed'], { num_clients: 1 });
    await callApi(server.apiUrl, 'disconnect', { user: 'nobody' });
    assert.ok(c.isOpen);
    c.close();
    await c.waitClose();
    await waitFor(() => true, 'noop');
  });

  test('info reports every shard', async () => {
    const info = await callApi(server.apiUrl, 'info', {});
    const node = info.body.result.nodes[0];
    assert.equal(node.shards.length, 3);
    assert.ok(node.num_clients >= 6);
    assert.equal(typeof node.uid, 'string');
    assert.equal(typeof node.version, 'string');
  });
});
