/**
 * gRPC proxies (a grpc-js CentrifugoProxy server in the test) for every
 * proxy kind, with the HTTP proxies' request fields, forwarded headers as
 * metadata, timeout and error mapping; proxy TLS (gRPC and HTTPS) and
 * `http.status_to_code_transforms`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { RunningServer } from '../src/acceptor/run';
import { PROXY_ROOT, PROXY_SERVICE } from '../src/auth/proxy/grpc/proxy-proto';
import { REPO_ROOT } from './helpers/config';
import { sdkClient, waitFor } from './helpers/clients';
import { nextEvent } from './helpers/events';
import { closeCode, errorCode, rawCommand, rawConnect } from './helpers/raw-auth';
import { startTestServer } from './helpers/server';
import { inSeconds } from './helpers/tokens';

type Plain = Record<string, any>;
type Handler = (request: Plain, metadata: grpc.Metadata) => Plain | { status: grpc.status } | { delayMs: number; answer: Plain };

const fixture = (name: string) => readFileSync(join(REPO_ROOT, 'test/fixtures/tls', name));
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));
const json = (b: Uint8Array) => JSON.parse(Buffer.from(b).toString()) as unknown;

/** A CentrifugoProxy server on port 0 that records each request with its metadata. */
async function startGrpcBackend(handlers: Record<string, Handler>, tls = false) {
  const calls: { method: string; request: Plain; metadata: grpc.Metadata }[] = [];
  const service = PROXY_ROOT.lookupService(PROXY_SERVICE);
  const definition: Record<string, grpc.MethodDefinition<Plain, Plain>> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const method of service.methodsArray) {
    const req = method.resolvedRequestType!;
    const res = method.resolvedResponseType!;
    definition[method.name] = {
      path: `/${PROXY_SERVICE}/${method.name}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (o: Plain) => Buffer.from(req.encode(req.fromObject(o)).finish()),
      requestDeserialize: (b: Buffer) => req.toObject(req.decode(b), { longs: Number }),
      responseSerialize: (o: Plain) => Buffer.from(res.encode(res.fromObject(o)).finish()),
      responseDeserialize: (b: Buffer) => res.toObject(res.decode(b)),
    };
    implementation[method.name] = (call: grpc.ServerUnaryCall<Plain, Plain>, callback: grpc.sendUnaryData<Plain>) => {
      calls.push({ method: method.name, request: call.request, metadata: call.metadata });
      const answer = handlers[method.name]?.(call.request, call.metadata) ?? { status: grpc.status.UNIMPLEMENTED };
      if ('status' in answer) callback({ code: answer.status, details: 'backend says no' });
      else if ('delayMs' in answer) setTimeout(() => callback(null, answer.answer), answer.delayMs);
      else callback(null, answer);
    };
  }
  const server = new grpc.Server();
  server.addService(definition, implementation);
  const creds = tls ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: fixture('server.pem'), private_key: fixture('server.key') }]) : grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', creds, (err, p) => (err ? reject(err) : resolve(p))));
  return { port, calls, on: (m: string) => calls.filter((c) => c.method === m), close: () => server.forceShutdown() };
}

describe('gRPC proxies', () => {
  let server: RunningServer;
  let backend: Awaited<ReturnType<typeof startGrpcBackend>>;
  before(async () => {
    backend = await startGrpcBackend({
      Connect: (req) => {
        const mode = req['data'] ? (json(req['data']) as { mode?: string }).mode : undefined;
        if (mode === 'error') return { error: { code: 1001, message: 'not today' } };
        if (mode === 'disconnect') return { disconnect: { code: 4501, reason: 'banned' } };
        if (mode === 'fail') return { status: grpc.status.PERMISSION_DENIED };
        if (mode === 'slow') return { delayMs: 600, answer: { result: { user: 'late' } } };
        return { result: { user: 'gus', info: bytes({ role: 'grpc' }), data: bytes({ welcome: 1 }), channels: ['gp:news'], meta: bytes({ tenant: 7 }), expire_at: inSeconds(2) } };
      },
      Refresh: () => ({ result: { expire_at: inSeconds(600) } }),
      Subscribe: (req) =>
        req['channel'] === 'gp:denied'
          ? { error: { code: 1002, message: 'no room' } }
          : { result: { info: bytes({ seat: 1 }), data: bytes({ motd: 'hi' }), ...(req['channel'] === 'gp:short' ? { expire_at: inSeconds(2) } : {}) } },
      Publish: (req) => ({ result: { data: bytes({ up: String((json(req['data']) as { text: string }).text).toUpperCase() }), tags: { via: 'grpc' } } }),
      RPC: (req) => ({ result: { b64data: Buffer.from(JSON.stringify({ echo: req['method'], got: Buffer.from(req['b64data'], 'base64').toString() })).toString('base64') } }),
      SubRefresh: () => ({ result: { expired: true } }),
    });
    const target = `grpc://127.0.0.1:${backend.port}`;
    const proxy = { endpoint: target, timeout: '300ms', include_connection_meta: true };
    server = await startTestServer({
      shards: { count: 2 },
      client: {
        allow_anonymous_connect_without_token: false,
        expired_sub_close_delay: '200ms',
        proxy: {
          connect: { enabled: true, ...proxy, http_headers: ['X-Gateway'], emulated_headers: ['X-App'], grpc: { static_metadata: { 'x-static': 's', 'x-gateway': 'static-loses' }, credentials_key: 'x-proxy-key', credentials_value: 'k1' } },
          refresh: { enabled: true, ...proxy },
        },
      },
      channel: {
        proxy: { subscribe: proxy, publish: proxy, sub_refresh: proxy },
        namespaces: [{ name: 'gp', subscribe_proxy_enabled: true, publish_proxy_enabled: true, sub_refresh_proxy_enabled: true, allow_subscribe_for_client: true }],
      },
      rpc: { proxy: { ...proxy, binary_encoding: true }, without_namespace: { proxy_enabled: true } },
    });
  });
  after(async () => {
    await server.close();
    backend.close();
  });

  test('connect: Centrifugo request fields and metadata; result user, info, data, server-side channels, meta', async () => {
    const client = sdkClient(server.wsUrl, { data: { hello: 1 }, headers: { 'X-App': 'web' }, name: 'js', version: '9' });
    const subscribed = nextEvent(client, 'subscribed');
    const connected = nextEvent(client, 'connected');
    client.connect();
    assert.deepEqual((await connected).data, { welcome: 1 });
    assert.equal((await subscribed).channel, 'gp:news');
    const { request, metadata } = backend.on('Connect').at(-1)!;
    assert.match(request['client'], /^[0-9a-f-]{36}$/);
    assert.deepEqual({ ...request, client: 'id', data: json(request['data']) }, { client: 'id', transport: 'websocket', protocol: 'json', encoding: 'json', name: 'js', version: '9', data: { hello: 1 } });
    assert.deepEqual(metadata.get('x-app'), ['web']);
    assert.deepEqual(metadata.get('x-static'), ['s']);
    assert.deepEqual(metadata.get('x-proxy-key'), ['k1']);
    client.disconnect();
  });

  test('connect: upgrade headers forwarded as metadata win over static metadata', async () => {
    const { client, outcome } = await rawConnect(server.wsUrl, {}, { 'X-Gateway': 'gw' });
    assert.equal(errorCode(outcome), 0);
    assert.deepEqual(backend.on('Connect').at(-1)!.metadata.get('x-gateway'), ['gw']);
    client.close();
  });

  test('connect: the backend error and disconnect pass through; a non-OK status and a timeout are 100', async () => {
    const failed = await rawConnect(server.wsUrl, { data: { mode: 'error' } });
    assert.deepEqual((failed.outcome as { reply: any }).reply.error, { code: 1001, message: 'not today' });
    failed.client.close();
    const banned = await rawConnect(server.wsUrl, { data: { mode: 'disconnect' } });
    assert.equal(closeCode(banned.outcome), 4501);
    for (const mode of ['fail', 'slow']) {
      const { client, outcome } = await rawConnect(server.wsUrl, { data: { mode } });
      assert.equal(errorCode(outcome), 100, mode);
      client.close();
    }
  });

  test('subscribe, publish, rpc and the refreshes go to the gRPC backend', async () => {
    const reader = sdkClient(server.wsUrl);
    const sub = reader.newSubscription('gp:room');
    const got = nextEvent(sub, 'publication');
    reader.connect();
    sub.subscribe();
    await sub.ready(5000);
    const subscribeCall = backend.on('Subscribe').at(-1)!.request;
    assert.equal(subscribeCall['user'], 'gus');
    assert.deepEqual(json(subscribeCall['meta']), { tenant: 7 });
    const { client } = await rawConnect(server.wsUrl, {});
    assert.deepEqual((await rawCommand(client, { id: 2, subscribe: { channel: 'gp:denied' } }) as { reply: any }).reply.error, { code: 1002, message: 'no room' });
    assert.equal(errorCode(await rawCommand(client, { id: 3, publish: { channel: 'gp:room', data: { text: 'hey' } } })), 0);
    const publication = await got;
    assert.deepEqual(publication.data, { up: 'HEY' });
    assert.deepEqual(publication.tags, { via: 'grpc' });
    const rpc = await rawCommand(client, { id: 4, rpc: { method: 'sum', data: { a: 1 } } });
    assert.deepEqual((rpc as { reply: any }).reply.rpc.data, { echo: 'sum', got: '{"a":1}' });
    assert.equal(backend.on('RPC').at(-1)!.request['encoding'], 'binary');
    // The subscription expires within 2 s: the sub_refresh proxy says expired, so it ends with 2501.
    assert.equal(errorCode(await rawCommand(client, { id: 5, subscribe: { channel: 'gp:short' } })), 0);
    assert.deepEqual(JSON.parse(await client.nextFrame(6000)).push, { channel: 'gp:short', unsubscribe: { code: 2501, reason: 'subscription expired' } });
    assert.equal(backend.on('SubRefresh').at(-1)!.request['channel'], 'gp:short');
    // The connection expires too (within 2 s): the refresh proxy extends it.
    await waitFor(() => backend.on('Refresh').length >= 1, 'a refresh proxy call', 4000);
    assert.ok(client.isOpen);
    client.close();
    reader.disconnect();
  });
});

describe('proxy TLS and status_to_code_transforms', () => {
  let grpcBackend: Awaited<ReturnType<typeof startGrpcBackend>>;
  let https: HttpsServer;
  let server: RunningServer;
  before(async () => {
    grpcBackend = await startGrpcBackend({ Connect: () => ({ result: { user: 'tls-user' } }) }, true);
    https = createHttpsServer({ cert: fixture('server.pem'), key: fixture('server.key') }, (req, res) => {
      const status = Number(/status=(\d+)/.exec(req.headers['x-want'] as string ?? '')?.[1] ?? 200);
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ result: { user: 'https-user' } }));
    });
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    const httpsPort = (https.address() as AddressInfo).port;
    const ca = fixture('ca.pem').toString();
    server = await startTestServer({
      shards: { count: 1 },
      client: {
        allow_anonymous_connect_without_token: false,
        proxy: {
          connect: {
            enabled: true,
            endpoint: `https://localhost:${httpsPort}/connect`,
            emulated_headers: ['X-Want'],
            http: {
              tls: { enabled: true, server_ca_pem: ca },
              status_to_code_transforms: [
                { status_code: 503, to_error: { code: 1503, message: 'backend busy', temporary: true } },
                { status_code: 403, to_disconnect: { code: 4403, reason: 'forbidden' } },
              ],
            },
          },
        },
      },
      proxies: [{ name: 'tls-grpc', endpoint: `localhost:${grpcBackend.port}`, grpc: { tls: { enabled: true, server_ca_pem: ca } } }],
      channel: { namespaces: [{ name: 'sec', subscribe_proxy_enabled: true, subscribe_proxy_name: 'tls-grpc' }] },
    });
  });
  after(async () => {
    await server.close();
    grpcBackend.close();
    https.closeAllConnections();
    https.close();
  });

  test('an HTTPS proxy with its own CA; mapped statuses become the error or disconnect; others are 100', async () => {
    const ok = await rawConnect(server.wsUrl, {});
    assert.equal(errorCode(ok.outcome), 0);
    ok.client.close();
    const busy = await rawConnect(server.wsUrl, { headers: { 'X-Want': 'status=503' } });
    assert.deepEqual((busy.outcome as { reply: any }).reply.error, { code: 1503, message: 'backend busy', temporary: true });
    busy.client.close();
    const forbidden = await rawConnect(server.wsUrl, { headers: { 'X-Want': 'status=403' } });
    assert.equal(closeCode(forbidden.outcome), 4403);
    const other = await rawConnect(server.wsUrl, { headers: { 'X-Want': 'status=500' } });
    assert.equal(errorCode(other.outcome), 100);
    other.client.close();
  });

  test('a gRPC proxy over TLS with its own CA (a named proxy, host:port form)', async () => {
    const { client } = await rawConnect(server.wsUrl, {});
    assert.equal(errorCode(await rawCommand(client, { id: 2, subscribe: { channel: 'sec:x' } })), 100, 'no Subscribe handler: UNIMPLEMENTED is 100');
    assert.equal(grpcBackend.on('Subscribe').length, 1, 'the call reached the backend over TLS');
    client.close();
  });
});
