/**
 * Reply → bare Push conversion of the unidirectional transports, their
 * framing, the connect-error mapping, and ConnectRequest parsing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodePush } from '../src/protocol/protobuf/codec';
import { encodePush, encodeResult, encodeError, PING_FRAME } from '../src/protocol/json';
import { grpcPush } from '../src/transports/uni-grpc';
import { framePushes, LINE_FRAMING, SSE_FRAMING } from '../src/transports/uni-http';
import { connectErrorDisconnect, disconnectPush, parseConnectRequest, repliesToPushes, replyToPush } from '../src/transports/uni-push';

const text = (x: unknown): string => (typeof x === 'string' ? x : Buffer.from(x as Uint8Array).toString('utf8'));

test('a push reply loses its wrapper; topic frames (bytes) become a view on the same memory', () => {
  const reply = encodePush('chat', 'pub', '{"data":{"a":"}"},"offset":3}');
  assert.deepEqual(JSON.parse(text(replyToPush(reply))), { channel: 'chat', pub: { data: { a: '}' }, offset: 3 } });
  const frame = Buffer.from(reply);
  const view = replyToPush(frame) as Uint8Array;
  assert.equal(view.buffer, frame.buffer);
  assert.equal(text(view), text(replyToPush(reply)));
});

test('the connect reply becomes the connect push; a ping stays {}; other replies have no push', () => {
  const connect = encodeResult(1, 'connect', '{"client":"c","version":"v","ping":25,"pong":false,"session":"s"}');
  assert.deepEqual(JSON.parse(text(replyToPush(connect))), { connect: { client: 'c', version: 'v', ping: 25, pong: false, session: 's' } });
  assert.equal(replyToPush(PING_FRAME), '{}');
  assert.equal(replyToPush(encodeResult(7, 'publish', '{}')), null);
  assert.equal(replyToPush(encodeError(1, { code: 103, message: 'permission denied' })), null);
  assert.deepEqual(repliesToPushes([PING_FRAME, encodeResult(2, 'rpc', '{}'), encodePush('x', 'leave', '{}')]).map(text), ['{}', '{"channel":"x","leave":{}}']);
});

test('disconnect pushes, except for 3000; connect errors map to Centrifugo disconnects', () => {
  assert.equal(disconnectPush(3001, 'shutdown'), '{"disconnect":{"code":3001,"reason":"shutdown"}}');
  assert.equal(disconnectPush(3000, 'connection closed'), null);
  assert.equal(connectErrorDisconnect(109).code, 3005);
  assert.equal(connectErrorDisconnect(110).code, 3005);
  assert.equal(connectErrorDisconnect(111).code, 3013);
  assert.equal(connectErrorDisconnect(103).code, 3507);
  assert.equal(connectErrorDisconnect(101).code, 3004);
  assert.equal(connectErrorDisconnect(100).code, 3004);
  const custom = { enabled: true, transforms: [{ code: 101, to: { code: 4501, reason: 'who are you' } }] };
  assert.deepEqual(connectErrorDisconnect(101, custom), { code: 4501, reason: 'who are you', reconnect: false });
  assert.equal(connectErrorDisconnect(110, custom).code, 3005);
  assert.equal(connectErrorDisconnect(101, { ...custom, enabled: false }).code, 3004);
});

test('a ConnectRequest is a JSON object; null is an empty one; anything else is malformed', () => {
  assert.deepEqual(parseConnectRequest('{"token":"t","subs":{"a":{"recover":true}}}'), { token: 't', subs: { a: { recover: true } } });
  assert.deepEqual(parseConnectRequest('null'), {});
  for (const bad of ['', '[]', '"t"', '1', '{', 'true']) assert.equal(parseConnectRequest(bad), null, bad);
});

test('HTTP-stream and SSE framing, with text and byte pushes mixed', () => {
  const pushes = ['{"a":1}', Buffer.from('{"b":2}')];
  assert.equal(text(framePushes(pushes, LINE_FRAMING)), '{"a":1}\n{"b":2}\n');
  assert.equal(text(framePushes(pushes, SSE_FRAMING)), 'data: {"a":1}\n\ndata: {"b":2}\n\n');
  assert.equal(framePushes(['{}'], SSE_FRAMING), 'data: {}\n\n');
});

test('gRPC pushes are Protobuf Push messages with the payload bytes exact; pings and results are dropped', () => {
  const pub = decodePush(grpcPush(Buffer.from(encodePush('ch', 'pub', '{"data":{"x":[1,2]},"offset":5}')))!);
  assert.equal(pub['channel'], 'ch');
  const body = pub['pub'] as { data: Uint8Array; offset: number };
  assert.equal(Buffer.from(body.data).toString(), '{"x":[1,2]}');
  assert.equal(body.offset, 5);
  const connect = decodePush(grpcPush(encodeResult(1, 'connect', '{"client":"c","version":"v","ping":25,"session":"s"}'))!);
  assert.deepEqual(connect['connect'], { client: 'c', version: 'v', ping: 25, session: 's' });
  assert.equal(grpcPush(PING_FRAME), null);
  assert.equal(grpcPush(encodeResult(3, 'publish', '{}')), null);
});
