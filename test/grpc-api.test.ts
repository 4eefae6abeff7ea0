/**
 * The gRPC server API (`grpc_api`) with a real grpc-js client: every method,
 * the key check, bad requests (malformed, oversized), the two error modes,
 * the raw wire format against api.proto's field numbers, reflection and TLS.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import type { RunningServer } from '../src/acceptor/run';
import { ReflectionRequestType, ReflectionResponseType } from '../src/api/grpc/reflection';
import { apiType } from '../src/api/grpc/schema';
import { STATUS_DETAILS_KEY, StatusType } from '../src/api/grpc/status';
import { REPO_ROOT } from './helpers/config';
import { apiClient, responseOf, statusOf, type ApiClient } from './helpers/grpc-api-client';
import { RawClient, subscribedClient, waitFor } from './helpers/clients';
import { startTestServer } from './helpers/server';

const KEY = 'grpc-key';
const ROOM = { name: 'room', history_size: 10, history_ttl: '60s', presence: true, allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true };

/** A raw client connected as `user` (client.user_id_http_header). */
async function userClient(server: RunningServer, user: string): Promise<RawClient> {
  const c = new RawClient(server.wsUrl, { headers: { 'X-User': user } });
  await c.connect();
  return c;
}

const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));
const json = (b: Buffer) => JSON.parse(b.toString()) as unknown;

describe('gRPC API', () => {
  let server: RunningServer;
  let api: ApiClient;
  before(async () => {
    server = await startTestServer({
      shards: { count: 2 },
      client: { user_id_http_header: 'X-User' },
      channel: { namespaces: [ROOM] },
      grpc_api: { enabled: true, address: '127.0.0.1', port: 0, key: KEY, reflection: true, max_receive_message_size: 65_536 },
    });
    api = apiClient(server.grpcApiPort, KEY);
  });
  after(async () => {
    api.close();
    await server.close();
  });

  test('Publish reaches subscribers; a history channel answers offset and epoch', async () => {
    const { client, received } = await subscribedClient(server.wsUrl, 'room:pub');
    const answer = responseOf(await api.call('Publish', { channel: 'room:pub', data: bytes({ n: 1 }), tags: { k: 'v' } }));
    assert.equal(answer.result.offset, 1);
    assert.equal(typeof answer.result.epoch, 'string');
    await waitFor(() => received.length === 1, 'publication');
    assert.deepEqual(received, [{ n: 1 }]);
    // b64data works too; a method error comes in the response.
    assert.ok(responseOf(await api.call('Publish', { channel: 'room:pub', b64data: Buffer.from('{"n":2}').toString('base64') })).result);
    await waitFor(() => received.length === 2, 'second publication');
    assert.deepEqual(responseOf(await api.call('Publish', { channel: 'nowhere:x', data: bytes(1) })).error, { code: 102, message: 'unknown channel' });
    assert.equal(responseOf(await api.call('Publish', { data: bytes(1) })).error.code, 107);
    client.disconnect();
  });

  test('Broadcast answers per channel', async () => {
    const answer = responseOf(await api.call('Broadcast', { channels: ['room:b1', 'nowhere:x', 'plain-b'], data: bytes({ b: true }) }));
    const [first, second, third] = answer.result.responses;
    assert.equal(first.result.offset, 1);
    assert.equal(second.error.code, 102);
    assert.deepEqual(third.result, {});
  });

  test('History and HistoryRemove; Presence and PresenceStats', async () => {
    await api.call('Publish', { channel: 'room:h', data: bytes({ n: 1 }), tags: { a: 'b' } });
    const history = responseOf(await api.call('History', { channel: 'room:h', limit: 10 })).result;
    assert.equal(history.publications.length, 1);
    assert.deepEqual(json(history.publications[0].data), { n: 1 });
    assert.deepEqual(history.publications[0].tags, { a: 'b' });
    assert.equal(history.offset, 1);
    assert.deepEqual(responseOf(await api.call('HistoryRemove', { channel: 'room:h' })), { result: {} });
    assert.equal(responseOf(await api.call('History', { channel: 'room:h', limit: 10 })).result.publications.length, 0);
    assert.equal(responseOf(await api.call('History', { channel: 'plain' })).error.code, 108);
    const c = await userClient(server, 'ann');
    c.send(JSON.stringify({ id: 2, subscribe: { channel: 'room:p' } }));
    await c.nextFrame();
    const presence = responseOf(await api.call('Presence', { channel: 'room:p' })).result.presence;
    const [entry] = Object.values(presence) as any[];
    assert.equal(entry.user, 'ann');
    assert.deepEqual(responseOf(await api.call('PresenceStats', { channel: 'room:p' })).result, { num_clients: 1, num_users: 1 });
    c.close();
  });

  test('Subscribe, Unsubscribe, Refresh and Disconnect act on a user connection', async () => {
    const c = await userClient(server, 'bob');
    assert.deepEqual(responseOf(await api.call('Subscribe', { user: 'bob', channel: 'room:forced', data: bytes({ hello: 1 }) })), { result: {} });
    const subscribePush = JSON.parse(await c.nextFrame());
    assert.equal(subscribePush.push.channel, 'room:forced');
    assert.deepEqual(subscribePush.push.subscribe.data, { hello: 1 });
    responseOf(await api.call('Unsubscribe', { user: 'bob', channel: 'room:forced' }));
    assert.equal(JSON.parse(await c.nextFrame()).push.unsubscribe.code, 2000);
    responseOf(await api.call('Refresh', { user: 'bob', expire_at: Math.floor(Date.now() / 1000) + 600 }));
    assert.equal(JSON.parse(await c.nextFrame()).push.refresh.expires, true);
    responseOf(await api.call('Disconnect', { user: 'bob', disconnect: { code: 4001, reason: 'bye' } }));
    assert.equal(await c.waitClose(), 4001);
  });

  test('Info and Channels', async () => {
    const { client } = await subscribedClient(server.wsUrl, 'listed-grpc');
    const info = responseOf(await api.call('Info', {})).result;
    assert.equal(info.nodes.length, 1);
    assert.ok(info.nodes[0].num_clients >= 1);
    assert.equal(typeof info.nodes[0].uid, 'string');
    const channels = responseOf(await api.call('Channels', { pattern: 'listed-*' })).result.channels;
    assert.deepEqual(channels, { 'listed-grpc': { num_clients: 1 } });
    client.disconnect();
  });

  test('Batch runs commands in order with one reply each', async () => {
    const answer = responseOf(
      await api.call('Batch', { commands: [{ publish: { channel: 'room:batch', data: bytes(1) } }, { publish: { channel: 'nowhere:x', data: bytes(2) } }, { history: { channel: 'room:batch', limit: 5 } }, {}] }),
    );
    const [one, two, three, four] = answer.replies;
    assert.equal(one.publish.offset, 1);
    assert.equal(two.error.code, 102);
    assert.equal(three.history.publications.length, 1);
    assert.equal(four.error.code, 104);
    assert.deepEqual(responseOf(await api.call('Batch', {})), { replies: [] });
  });

  test('a wrong or missing key is UNAUTHENTICATED; RPC answers as the HTTP API does (104: no server-side RPC methods)', async () => {
    const wrong = apiClient(server.grpcApiPort, 'not-the-key');
    const none = apiClient(server.grpcApiPort, null);
    assert.equal(statusOf(await wrong.call('Info', {})).code, grpc.status.UNAUTHENTICATED);
    assert.equal(statusOf(await none.call('Publish', { channel: 'a', data: bytes(1) })).code, grpc.status.UNAUTHENTICATED);
    wrong.close();
    none.close();
    assert.equal(responseOf(await api.call('RPC', { method: 'x' })).error.code, 104);
  });

  test('a malformed request is INVALID_ARGUMENT, an oversized one RESOURCE_EXHAUSTED; the server keeps serving', async () => {
    const malformed = statusOf(await api.callRaw('Publish', Buffer.from([0x0a, 0xff, 0x01])));
    assert.equal(malformed.code, grpc.status.INVALID_ARGUMENT);
    assert.match(malformed.details, /malformed PublishRequest/);
    const notJson = statusOf(await api.callRaw('Batch', Buffer.from(apiType('BatchRequest').encode({ commands: [{ rpc: { method: 'm', params: Buffer.from([0xff]) } }] }).finish())));
    assert.equal(notJson.code, grpc.status.INVALID_ARGUMENT);
    const big = statusOf(await api.call('Publish', { channel: 'room:big', data: bytes('x'.repeat(70_000)) }));
    assert.equal(big.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.ok(responseOf(await api.call('Info', {})).result);
  });

  test('transport error mode (per call): the error as a status with the API Error in its details', async () => {
    const outcome = statusOf(await api.call('Publish', { channel: 'nowhere:x', data: bytes(1) }, { 'x-centrifugo-error-mode': 'transport' }));
    assert.equal(outcome.code, grpc.status.NOT_FOUND);
    assert.equal(outcome.details, 'unknown channel');
    const status = StatusType.decode(outcome.metadata.get(STATUS_DETAILS_KEY)[0] as Buffer) as unknown as { details: { type_url: string; value: Uint8Array }[] };
    assert.equal(status.details[0]!.type_url, 'type.googleapis.com/centrifugal.centrifugo.api.Error');
    assert.deepEqual(apiType('Error').toObject(apiType('Error').decode(status.details[0]!.value)), { code: 102, message: 'unknown channel' });
    assert.equal(statusOf(await api.call('History', { channel: 'plain' }, { 'x-centrifugo-error-mode': 'transport' })).code, grpc.status.INVALID_ARGUMENT);
  });

  test("the wire format is api.proto's: a hand-encoded PublishRequest, the response read by field number", async () => {
    const { client, received } = await subscribedClient(server.wsUrl, 'room:wire');
    // PublishRequest: channel = 1, data = 2.
    const request = protobuf.Writer.create().uint32((1 << 3) | 2).string('room:wire').uint32((2 << 3) | 2).bytes(bytes({ wire: true })).finish();
    const raw = new grpc.Client(`127.0.0.1:${server.grpcApiPort}`, grpc.credentials.createInsecure());
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `apikey ${KEY}`);
    const answer = await new Promise<Buffer>((resolve, reject) =>
      raw.makeUnaryRequest('/centrifugal.centrifugo.api.CentrifugoApi/Publish', (b: Buffer) => b, (b: Buffer) => b, Buffer.from(request), metadata, (err, res) =>
        err ? reject(err) : resolve(res!),
      ),
    );
    raw.close();
    // PublishResponse: result = 2 → PublishResult: offset = 1.
    const reader = protobuf.Reader.create(answer);
    assert.equal(reader.uint32(), (2 << 3) | 2);
    const inner = protobuf.Reader.create(reader.bytes());
    assert.equal(inner.uint32(), (1 << 3) | 0);
    assert.equal(Number(inner.uint64()), 1);
    await waitFor(() => received.length === 1, 'publication');
    assert.deepEqual(received, [{ wire: true }]);
    client.disconnect();
  });

  test('reflection lists the service and serves its file descriptor', async () => {
    const client = new grpc.Client(`127.0.0.1:${server.grpcApiPort}`, grpc.credentials.createInsecure());
    const stream = client.makeBidiStreamRequest(
      '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
      (r: Record<string, unknown>) => Buffer.from(ReflectionRequestType.encode(ReflectionRequestType.fromObject(r)).finish()),
      (b: Buffer) => ReflectionResponseType.toObject(ReflectionResponseType.decode(b), { oneofs: false }),
    );
    const answers: any[] = [];
    stream.on('data', (a) => answers.push(a));
    stream.write({ list_services: '' });
    stream.write({ file_containing_symbol: 'centrifugal.centrifugo.api.CentrifugoApi' });
    stream.write({ file_containing_symbol: 'no.such.Symbol' });
    await waitFor(() => answers.length === 3, 'three reflection answers');
    stream.end();
    client.close();
    assert.deepEqual(answers[0].list_services_response.service, [{ name: 'centrifugal.centrifugo.api.CentrifugoApi' }]);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const descriptor = require('protobufjs/ext/descriptor') as { FileDescriptorProto: protobuf.Type };
    const file = descriptor.FileDescriptorProto.toObject(descriptor.FileDescriptorProto.decode(answers[1].file_descriptor_response.file_descriptor_proto[0])) as any;
    assert.equal(file.name, 'api.proto');
    assert.equal(file.package, 'centrifugal.centrifugo.api');
    assert.ok(file.service[0].method.some((m: { name: string }) => m.name === 'Publish'));
    assert.equal(answers[2].error_response.error_code, grpc.status.NOT_FOUND);
  });
});

describe('gRPC API over TLS, error_mode transport', () => {
  const fixture = (name: string) => readFileSync(join(REPO_ROOT, 'test/fixtures/tls', name));
  let server: RunningServer;
  before(async () => {
    server = await startTestServer({
      shards: { count: 1 },
      grpc_api: {
        enabled: true,
        address: '127.0.0.1',
        port: 0,
        error_mode: 'transport',
        // A file path, and PEM text: both are accepted (and base64 PEM).
        tls: { enabled: true, cert_pem: join(REPO_ROOT, 'test/fixtures/tls/server.pem'), key_pem: fixture('server.key').toString(), client_ca_pem: fixture('ca.pem').toString('base64') },
      },
    });
  });
  after(() => server.close());

  test('a client with a certificate the CA signed is served; errors come as statuses', async () => {
    const creds = grpc.credentials.createSsl(fixture('ca.pem'), fixture('client.key'), fixture('client.pem'));
    const api = apiClient(server.grpcApiPort, null, creds, { 'grpc.ssl_target_name_override': 'localhost' });
    assert.ok(responseOf(await api.call('Info', {})).result.nodes.length === 1);
    assert.equal(statusOf(await api.call('Publish', { channel: 'nowhere:x', data: bytes(1) })).code, grpc.status.NOT_FOUND);
    api.close();
  });

  test('a client without a certificate, or without TLS, is refused', async () => {
    const noCert = apiClient(server.grpcApiPort, null, grpc.credentials.createSsl(fixture('ca.pem')));
    assert.equal(statusOf(await noCert.call('Info', {})).code, grpc.status.UNAVAILABLE);
    noCert.close();
    const plain = apiClient(server.grpcApiPort, null);
    assert.equal(statusOf(await plain.call('Info', {})).code, grpc.status.UNAVAILABLE);
    plain.close();
  });
});

