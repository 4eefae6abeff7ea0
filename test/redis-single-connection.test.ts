/**
 * `client.subscribe_to_user_personal_channel.single_connection` across
 * processes: a user's new connection on one node closes its connection on
 * another node with 3504 (through the node bus on Redis).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RawClient } from './helpers/clients';
import { redisEngine, skipWithoutRedis, startNode, uniquePrefix, type ChildNode } from './helpers/redis';

describe('single_connection across nodes', { skip: skipWithoutRedis }, () => {
  const nodes: ChildNode[] = [];
  before(async () => {
    const shared = {
      engine: redisEngine(uniquePrefix('single')),
      client: { user_id_http_header: 'X-User', subscribe_to_user_personal_channel: { enabled: true, single_connection: true } },
    };
    nodes.push(...(await Promise.all([startNode({ ...shared, shards: { count: 2 } }), startNode({ ...shared, shards: { count: 1 } })])));
  });
  after(() => Promise.all(nodes.map((n) => n.stop())));

  test('a second connection of the user on node B closes the first one on node A with 3504', async () => {
    const first = new RawClient(nodes[0]!.wsUrl, { headers: { 'X-User': 'solo' } });
    assert.ok((await first.connect()).connect.client);
    const other = new RawClient(nodes[0]!.wsUrl, { headers: { 'X-User': 'someone-else' } });
    await other.connect();
    const second = new RawClient(nodes[1]!.wsUrl, { headers: { 'X-User': 'solo' } });
    assert.ok((await second.connect()).connect.client);
    assert.equal(await first.waitClose(), 3504);
    assert.ok(second.isOpen, 'the new connection stays');
    assert.ok(other.isOpen, "another user's connection stays");
    second.close();
    other.close();
  });
});
