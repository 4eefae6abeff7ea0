/**
 * The unidirectional gRPC transport (CentrifugoUniStream.Consume on shard 0's
 * own port) with a real @grpc/grpc-js client, on 4 shards: the connect push,
 * publications of a server-side channel owned anywhere, recovery after a
 * reconnect, binary payloads, the disconnect push, bad requests, cleanup,
 * and the drain.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { RunningServer } from '../src/acceptor/run';
import { callApi } from './helpers/api';
import { REPO_ROOT } from './helpers/config';
import { protobufClient } from './helpers/protobuf-clients';
import { startTestServer } from './helpers/server';
import { hmacToken, TOKENS_ONLY, withBadSignature } from './helpers/tokens';
import { jsonBytes, uniGrpc, expectClientCount } from './helpers/uni';

describe('uni_grpc', () => {
  let server: RunningServer;
  before(async () => {
    server = await startTestServer({
      shards: { count: 4 },
      client: TOKENS_ONLY,
      uni_grpc: { enabled: true, address: '127.0.0.1', port: 0 },
      channel: { namespaces: [{ name: 'feed', history_size: 10, history_ttl: '60s', force_recovery: true, allow_publish_for_client: true }] },
    });
    assert.ok(server.grpcPort > 0);
  });
  after(() => server.close());

  test('connect push, publications, recovery after a reconnect, disconnect push, then the stream ends OK', async () => {
    const channels = ['feed:a', 'feed:b', 'feed:c', 'feed:d'];
    const token = await hmacToken({ sub: 'grpc-user', channels });
    const first = uniGrpc(server.grpcPort, { token });
    const connect = (await first.next((p) => p.connect, 'connect')).connect;
    assert.equal(typeof connect.client, 'string');
    assert.equal(typeof connect.session, 'string');
    // No pings on gRPC (HTTP/2 keepalive instead): ping 0, left out of the Protobuf message.
    assert.equal(connect.ping, undefined);
    assert.deepEqual(Object.keys(connect.subs).sort(), channels);
    // Channels owned by every shard reach the stream on shard 0.
    for (const [i, channel] of channels.entries()) {
      await callApi(server.apiUrl, 'publish', { channel, data: { i } });
      const pub = await first.next((p) => p.pub && p.channel === channel, `pub on ${channel}`);
      assert.deepEqual(jsonBytes(pub.pub.data), { i });
      assert.equal(pub.pub.offset, 1);
    }
    // Binary payloads (published by a Protobuf client) reach gRPC streams byte for byte.
    const binary = new Uint8Array([0, 1, 2, 0xfe, 0xff]);
    const publisher = protobufClient(server.wsUrl, { token: await hmacToken({ sub: 'publisher' }) });
    publisher.connect();
    await publisher.ready(10_000);
    await publisher.publish('feed:b', binary);
    publisher.disconnect();
    const raw = await first.next((p) => p.pub && p.channel === 'feed:b' && p.pub.offset === 2, 'binary pub');
    assert.deepEqual(new Uint8Array(raw.pub.data), binary);
    assert.equal(raw.pub.info.user, 'publisher');
    const epoch = connect.subs['feed:a'].epoch;
    first.close();
    assert.equal(await first.status, grpc.status.CANCELLED);
    await expectClientCount(server.apiUrl, 0);

    await callApi(server.apiUrl, 'publish', { channel: 'feed:a', data: { missed: 1 } });
    const second = uniGrpc(server.grpcPort, { token, subs: { 'feed:a': { recover: true, offset: 1, epoch } } });
    const again = (await second.next((p) => p.connect, 'connect after reconnect')).connect;
    assert.equal(again.subs['feed:a'].recovered, true);
    assert.deepEqual(again.subs['feed:a'].publications.map((p: { data: Uint8Array }) => jsonBytes(p.data)), [{ missed: 1 }]);

    await callApi(server.apiUrl, 'disconnect', { user: 'grpc-user', disconnect: { code: 4501, reason: 'go away' } });
    const push = await second.next((p) => p.disconnect, 'disconnect');
    assert.deepEqual(push.disconnect, { code: 4501, reason: 'go away' });
    assert.equal(await second.status, grpc.status.OK);
    await expectClientCount(server.apiUrl, 0);
  });

  test('an invalid token is a 3500 disconnect push; malformed request bytes fail the call', async () => {
    const bad = uniGrpc(server.grpcPort, { token: withBadSignature(await hmacToken({ sub: 'x' })) });
    assert.deepEqual((await bad.next((p) => p.disconnect, 'disconnect')).disconnect, { code: 3500, reason: 'invalid token' });
    assert.equal(await bad.status, grpc.status.OK);
    const garbage = uniGrpc(server.grpcPort, new Uint8Array([0x0a, 0xff, 0xff, 0xff]));
    assert.notEqual(await garbage.status, grpc.status.OK);
    assert.deepEqual(garbage.pushes, []);
    await expectClientCount(server.apiUrl, 0);
  });
});

describe('uni_grpc: drain', () => {
  test('a drain ends gRPC streams with the 3001 disconnect push and releases the port', async () => {
    const server = await startTestServer({ shards: { count: 2 }, client: TOKENS_ONLY, uni_grpc: { enabled: true, address: '127.0.0.1', port: 0 } });
    const client = uniGrpc(server.grpcPort, { token: await hmacToken({ sub: 'drained' }) });
    await client.next((p) => p.connect, 'connect');
    assert.equal(await server.close(), true);
    assert.deepEqual((await client.next((p) => p.disconnect, 'disconnect')).disconnect, { code: 3001, reason: 'shutdown' });
    await client.ended;
    const late = uniGrpc(server.grpcPort, {});
    assert.equal(await late.status, grpc.status.UNAVAILABLE);
  });
});

describe('uni_grpc over TLS', () => {
  test('uni_grpc.tls: a client trusting the CA gets its stream; a plaintext one is refused', async () => {
    const fixture = (name: string) => readFileSync(join(REPO_ROOT, 'test/fixtures/tls', name));
    const tls = { enabled: true, cert_pem: fixture('server.pem').toString(), key_pem: fixture('server.key').toString() };
    const server = await startTestServer({ shards: { count: 1 }, client: TOKENS_ONLY, uni_grpc: { enabled: true, address: '127.0.0.1', port: 0, tls } });
    try {
      const secure = uniGrpc(server.grpcPort, { token: await hmacToken({ sub: 'tls-user' }) }, grpc.credentials.createSsl(fixture('ca.pem')), {
        'grpc.ssl_target_name_override': 'localhost',
      });
      assert.equal(typeof (await secure.next((p) => p.connect, 'connect')).connect.client, 'string');
      secure.close();
      const plain = uniGrpc(server.grpcPort, {});
      assert.equal(await plain.status, grpc.status.UNAVAILABLE);
    } finally {
      await server.close();
    }
  });
});
