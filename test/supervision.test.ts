/** A crashed shard is restarted; clients on the other shards are not disturbed. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../src/acceptor/run';
import { ownerOf } from '../src/shards/messaging/owner-of';
import { callApi } from './helpers/api';
import { subscribedClient, waitFor } from './helpers/clients';
import { startTestServer } from './helpers/server';

interface ShardInfo {
  id: number;
  num_clients: number;
  deliveries: number;
  restarts: number;
}

async function shardsInfo(server: RunningServer): Promise<ShardInfo[]> {
  return (await callApi(server.apiUrl, 'info', {})).body.result.nodes[0].shards;
}

describe('shard supervision', () => {
  let server: RunningServer;
  before(async () => {
    server = await startTestServer({ shards: { count: 3, restart_backoff_min: '50ms' } });
  });
  after(() => server.close());

  test('a crashed shard is restarted and the others keep delivering', async () => {
    // A channel owned by shard 0; crash shard 1 so the owner and the survivors stay up.
    let channel = 'survivors';
    for (let i = 0; ownerOf(channel, 3) !== 0; i++) channel = `survivors-${i}`;
    const clients: Awaited<ReturnType<typeof subscribedClient>>[] = [];
    for (let i = 0; i < 12; i++) clients.push(await subscribedClient(server.wsUrl, channel));
    // The kernel hashes connections onto shards: 12 leave shard 1 empty about once in 130 runs
    // ((2/3)^12), so connect more until shard 1 and another shard both hold some (at most 60).
    let before = await shardsInfo(server);
    while ((before[1]!.num_clients === 0 || before[1]!.num_clients === clients.length) && clients.length < 60) {
      clients.push(await subscribedClient(server.wsUrl, channel));
      before = await shardsInfo(server);
    }
    const total = clients.length;
    assert.ok(before[1]!.num_clients > 0 && before[1]!.num_clients < total, `need clients on shard 1 and elsewhere: ${JSON.stringify(before)}`);
    const disconnects = clients.map(() => 0);
    clients.forEach((c, i) => c.client.on('connecting', () => disconnects[i]!++));

    server.supervisor.crash(1, 'test crash');
    await waitFor(() => server.supervisor.restarts()[1] === 1, 'shard 1 restart');
    await server.supervisor.waitReady(1);

    // Clients of shard 1 were cut off and reconnect; the others were never disconnected.
    const cut = disconnects.filter((d) => d > 0).length;
    assert.equal(cut, before[1]!.num_clients);
    await waitFor(() => clients.every((c) => c.client.state === 'connected' && c.sub.state === 'subscribed'), 'resubscribe', 15_000);

    for (const c of clients) c.received.length = 0;
    const answer = await callApi(server.apiUrl, 'publish', { channel, data: { after: 'restart' } });
    assert.deepEqual(answer.body, { result: {} });
    await waitFor(() => clients.every((c) => c.received.length === 1), 'delivery after restart');
    const totals = await shardsInfo(server);
    assert.equal(totals.reduce((n, s) => n + s.num_clients, 0), total);
    // info (and the admin UI) report the acceptor's restart count and the one publication's deliveries, one per client.
    assert.deepEqual(totals.map((s) => s.restarts), [0, 1, 0]);
    assert.equal(totals.reduce((n, s) => n + s.deliveries, 0), total);
    for (const c of clients) c.client.disconnect();
  });

  test('a restarted owner shard serves its channels again', async () => {
    let channel = 'owned';
    for (let i = 0; ownerOf(channel, 3) !== 2; i++) channel = `owned-${i}`;
    const clients: Awaited<ReturnType<typeof subscribedClient>>[] = [];
    for (let i = 0; i < 6; i++) clients.push(await subscribedClient(server.wsUrl, channel));
    server.supervisor.crash(2, 'owner crash');
    await waitFor(() => server.supervisor.restarts()[2] === 1, 'shard 2 restart');
    await server.supervisor.waitReady(2);
    await waitFor(() => clients.every((c) => c.client.state === 'connected' && c.sub.state === 'subscribed'), 'resubscribe', 15_000);
    // Subscribers on surviving shards re-registered with the new owner.
    await waitFor(() => false, 'settle', 200).catch(() => undefined);
    for (const c of clients) c.received.length = 0;
    await callApi(server.apiUrl, 'publish', { channel, data: 2 });
    await waitFor(() => clients.every((c) => c.received.length === 1), 'delivery from the new owner');
    for (const c of clients) c.client.disconnect();
  });
});
