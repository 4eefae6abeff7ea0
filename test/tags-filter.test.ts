/**
 * Tags filters (`tf` in subscribe, `allow_tags_filter`): the filter
 * language, each kind of malformed filter, and delivery to the real SDK
 * (JSON and Protobuf) next to unfiltered subscribers on two shards,
 * including recovery.
 */
import assert from 'node:assert/strict';
import type { FilterNode } from 'centrifuge';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../src/acceptor/run';
import { compareDecimals, matchTags, parseTagsFilter, TagsFilterError } from '../src/protocol/tags-filter';
import { callApi } from './helpers/api';
import { RawClient, sdkClient, waitFor } from './helpers/clients';
import { protobufClient, fromJsonBytes } from './helpers/protobuf-clients';
import { errorCode, rawCommand } from './helpers/raw-auth';
import { startTestServer } from './helpers/server';

describe('tags filter language', () => {
  const leaf = (cmp: string, extra: Record<string, unknown> = {}) => parseTagsFilter({ key: 'k', cmp, ...extra });

  test('comparisons, with an absent tag', () => {
    const tags = { k: 'BTC-USD' };
    assert.equal(matchTags(leaf('eq', { val: 'BTC-USD' }), tags), true);
    assert.equal(matchTags(leaf('eq', { val: 'BTC-USD' }), undefined), false);
    assert.equal(matchTags(leaf('neq', { val: 'x' }), tags), true);
    assert.equal(matchTags(leaf('neq', { val: 'x' }), {}), true, 'neq holds for an absent tag');
    assert.equal(matchTags(leaf('in', { vals: ['a', 'BTC-USD'] }), tags), true);
    assert.equal(matchTags(leaf('nin', { vals: ['a', 'BTC-USD'] }), tags), false);
    assert.equal(matchTags(parseTagsFilter({ key: 'k', cmp: 'in', vals: [''] }), {}), true, 'an absent tag compares as ""');
    assert.equal(matchTags(leaf('ex'), tags), true);
    assert.equal(matchTags(leaf('nex'), tags), false);
    assert.equal(matchTags(leaf('sw', { val: 'BTC' }), tags), true);
    assert.equal(matchTags(leaf('ew', { val: 'USD' }), tags), true);
    assert.equal(matchTags(leaf('ct', { val: 'C-U' }), tags), true);
    assert.equal(matchTags(leaf('ct', { val: 'zz' }), tags), false);
  });

  test('numeric comparisons are exact decimals; a non-number is false', () => {
    assert.equal(matchTags(leaf('gt', { val: '9' }), { k: '10' }), true);
    assert.equal(matchTags(leaf('gte', { val: '0.1' }), { k: '0.10' }), true);
    assert.equal(matchTags(leaf('lt', { val: '0' }), { k: '-1' }), true);
    assert.equal(matchTags(leaf('lte', { val: '-0' }), { k: '0' }), true);
    assert.equal(matchTags(leaf('gt', { val: '9007199254740992' }), { k: '9007199254740993' }), true, 'beyond 2^53');
    assert.equal(matchTags(leaf('gt', { val: '1' }), { k: '1e3' }), false, 'not a decimal');
    assert.equal(matchTags(leaf('gt', { val: '1' }), {}), false, 'absent');
    assert.equal(compareDecimals('007.50', '7.5'), 0);
    assert.equal(compareDecimals('-2.5', '-2.4'), -1);
    assert.equal(compareDecimals('abc', '1'), null);
  });

  test('and, or, not', () => {
    const f = parseTagsFilter({
      op: 'and',
      nodes: [
        { key: 'a', cmp: 'eq', val: '1' },
        { op: 'or', nodes: [{ key: 'b', cmp: 'ex' }, { op: 'not', nodes: [{ key: 'c', cmp: 'eq', val: 'x' }] }] },
      ],
    });
    assert.equal(matchTags(f, { a: '1', b: '' }), true);
    assert.equal(matchTags(f, { a: '1', c: 'x' }), false);
    assert.equal(matchTags(f, { a: '1', c: 'y' }), true);
    assert.equal(matchTags(f, { a: '2', b: '' }), false);
  });

  test('every kind of malformed filter is refused with a message naming the node', () => {
    const cases: [unknown, RegExp][] = [
      [[], /tf must be an object/],
      [{ op: 'xor', nodes: [] }, /tf\.op must be/],
      [{ op: 'and' }, /and needs at least one node/],
      [{ op: 'not', nodes: [{ key: 'a', cmp: 'ex' }, { key: 'b', cmp: 'ex' }] }, /not needs exactly one node/],
      [{ key: 'a', cmp: 'like', val: 'x' }, /tf\.cmp "like" is not a known comparison/],
      [{ key: 'a', cmp: 'eq' }, /eq needs val/],
      [{ key: 'a', cmp: 'eq', val: 'x', vals: ['y'] }, /eq takes val, not vals/],
      [{ key: 'a', cmp: 'in' }, /in needs a non-empty vals/],
      [{ key: 'a', cmp: 'in', vals: ['x'], val: 'y' }, /in takes vals, not val/],
      [{ key: 'a', cmp: 'ex', val: 'x' }, /ex takes neither val nor vals/],
      [{ cmp: 'eq', val: 'x' }, /eq needs key/],
      [{ key: 'a', cmp: 'ex', nodes: [{ key: 'b', cmp: 'ex' }] }, /a comparison has no nodes/],
      [{ key: 5, cmp: 'ex' }, /tf\.key must be a string/],
      [{ key: 'a', cmp: 'in', vals: [1] }, /tf\.vals\[0\] must be a string/],
      [{ op: 'and', nodes: [{ key: 'a', cmp: 'bogus' }] }, /tf\.nodes\[0\]\.cmp/],
      [{ op: 'and', nodes: 'x' }, /tf\.nodes must be an array/],
    ];
    for (const [filter, message] of cases) {
      assert.throws(() => parseTagsFilter(filter), (err: unknown) => err instanceof TagsFilterError && message.test(err.message), JSON.stringify(filter));
    }
    let deep: Record<string, unknown> = { key: 'a', cmp: 'ex' };
    for (let i = 0; i < 40; i++) deep = { op: 'not', nodes: [deep] };
    assert.throws(() => parseTagsFilter(deep), /nested deeper than/);
  });
});

describe('tags filter delivery', () => {
  let server: RunningServer;
  before(async () => {
    const options = { allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true };
    server = await startTestServer({
      shards: { count: 2 },
      channel: {
        namespaces: [
          { name: 'tf', ...options, allow_tags_filter: true, history_size: 20, history_ttl: '60s', allow_recovery: true, allow_history_for_client: true, allow_history_for_anonymous: true },
          { name: 'plain', ...options },
        ],
      },
    });
  });
  after(() => server.close());

  const publish = (channel: string, n: number, tags: Record<string, string>) => callApi(server.apiUrl, 'publish', { channel, data: { n }, tags });

  test('filtered JSON and Protobuf SDK subscribers get only matching publications; an unfiltered one gets all', async () => {
    const channel = 'tf:prices';
    const subscribers: { client: ReturnType<typeof sdkClient> | ReturnType<typeof protobufClient>; filter: FilterNode | null; protobuf: boolean }[] = [
      { client: sdkClient(server.wsUrl), filter: { key: 'ticker', cmp: 'eq', val: 'BTC' }, protobuf: false },
      { client: sdkClient(server.wsUrl), filter: null, protobuf: false },
      { client: protobufClient(server.wsUrl), filter: { op: 'or', nodes: [{ key: 'ticker', cmp: 'eq', val: 'ETH' }, { key: 'price', cmp: 'gt', val: '100' }] }, protobuf: true },
      // More subscribers than shards, so filtered and unfiltered ones share shards.
      { client: sdkClient(server.wsUrl), filter: { key: 'ticker', cmp: 'nex' }, protobuf: false },
    ];
    const received = subscribers.map(() => [] as number[]);
    await Promise.all(
      subscribers.map(async ({ client, filter, protobuf }, i) => {
        const sub = client.newSubscription(channel, filter ? { tagsFilter: filter } : {});
        sub.on('publication', (ctx) => received[i]!.push(((protobuf ? fromJsonBytes(ctx.data as Uint8Array) : ctx.data) as { n: number }).n));
        client.connect();
        sub.subscribe();
        await sub.ready(5000);
      }),
    );
    await publish(channel, 1, { ticker: 'BTC', price: '50' });
    await publish(channel, 2, { ticker: 'ETH', price: '5' });
    await publish(channel, 3, { ticker: 'SOL', price: '150.5' });
    await callApi(server.apiUrl, 'publish', { channel, data: { n: 4 } });
    await waitFor(() => received[1]!.length === 4, 'the unfiltered subscriber got everything');
    await waitFor(() => received[0]!.length === 1 && received[2]!.length === 2 && received[3]!.length === 1, 'filtered subscribers got their share');
    assert.deepEqual(received, [[1], [1, 2, 3, 4], [2, 3], [4]]);
    for (const { client } of subscribers) client.disconnect();
  });

  test('a filter where the channel does not allow one, or a malformed one: error 107', async () => {
    const c = new RawClient(server.wsUrl);
    await c.connect();
    const refused = await rawCommand(c, { id: 2, subscribe: { channel: 'plain:x', tf: { key: 'a', cmp: 'ex' } } });
    assert.equal(errorCode(refused), 107);
    const malformed = await rawCommand(c, { id: 3, subscribe: { channel: 'tf:x', tf: { key: 'a', cmp: 'like', val: 'b' } } });
    assert.equal(errorCode(malformed), 107);
    assert.match((malformed as { reply: any }).reply.error.message, /invalid tags filter: tf\.cmp "like"/);
    // The connection stays usable, and the channel can be subscribed properly afterwards.
    assert.equal(errorCode(await rawCommand(c, { id: 4, subscribe: { channel: 'tf:x', tf: { key: 'a', cmp: 'ex' } } })), 0);
    c.close();
  });

  test('recovery returns only the publications the filter passes', async () => {
    const channel = 'tf:recover';
    const first = await publish(channel, 1, { kind: 'keep' });
    const epoch = first.body.result.epoch as string;
    await publish(channel, 2, { kind: 'drop' });
    await publish(channel, 3, { kind: 'keep' });
    const c = new RawClient(server.wsUrl);
    await c.connect();
    const outcome = await rawCommand(c, {
      id: 2,
      subscribe: { channel, recoverable: true, recover: true, offset: 0, epoch, tf: { key: 'kind', cmp: 'eq', val: 'keep' } },
    });
    assert.equal(errorCode(outcome), 0);
    const result = (outcome as { reply: any }).reply.subscribe;
    assert.equal(result.recovered, true);
    assert.deepEqual(result.publications.map((p: { data: { n: number } }) => p.data.n), [1, 3]);
    c.close();
  });
});
