/**
 * Reply → bare Push conversion of the unidirectional transports, their
 * framing, the connect-error mapping, and ConnectRequest parsing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodePush, encodePublicationReply, PING_REPLY, pushOfReply, replyFromJson } from '../src/protocol/protobuf/codec';
import { encodePush, encodeResult, encodeError, PING_FRAME } from '../src/protocol/json';
import { frameEach } from '../src/transports/emulated';
import { framedPushes, LINE_FRAMING, SSE_FRAMING } from '../src/transports/uni-http';
import { connectErrorDisconnect, disconnectPush, parseConnectRequest, repliesToPushes, replyToPush } from '../src/protocol/uni-push';

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
  const frame = (p: typeof pushes, f: typeof LINE_FRAMING) => frameEach(p, f.before, f.after);
  assert.equal(text(frame(pushes, LINE_FRAMING)), '{"a":1}\n{"b":2}\n');
  assert.equal(text(frame(pushes, SSE_FRAMING)), 'data: {"a":1}\n\ndata: {"b":2}\n\n');
  assert.equal(frame(['{}'], SSE_FRAMING), 'data: {}\n\n');
  // A batch handed to many streams is framed once: the same chunk for each.
  const batch = [Buffer.from(encodePush('c', 'pub', '{"data":1}'))];
  const first = framedPushes(batch, SSE_FRAMING);
  assert.equal(text(first), 'data: {"channel":"c","pub":{"data":1}}\n\n');
  assert.equal(framedPushes(batch, SSE_FRAMING), first);
  assert.equal(text(framedPushes(batch, LINE_FRAMING)), '{"channel":"c","pub":{"data":1}}\n');
  assert.equal(framedPushes([encodeResult(1, 'rpc', '{}')], LINE_FRAMING), null);
});

test('gRPC pushes: the Push inside a Protobuf Reply (a view), the connect result re-encoded as Push.connect; pings and results dropped', () => {
  const frame = encodePublicationReply('ch', { data: '{"x":[1,2]}', offset: 5 });
  const view = pushOfReply(frame)!;
  assert.equal(view.buffer, frame.buffer);
  const pub = decodePush(view);
  assert.equal(pub['channel'], 'ch');
  const body = pub['pub'] as { data: Uint8Array; offset: number };
  assert.equal(Buffer.from(body.data).toString(), '{"x":[1,2]}');
  assert.equal(body.offset, 5);
  const connectReply = replyFromJson(encodeResult(1, 'connect', '{"client":"c","version":"v","expires":true,"ttl":60,"data":{"d":1},"session":"s","subs":{"a":{"offset":3,"epoch":"e","recoverable":true}}}'));
  const connect = decodePush(pushOfReply(connectReply)!)['connect'] as Record<string, any>;
  assert.equal(connect['client'], 'c');
  assert.equal(connect['expires'], true);
  assert.equal(connect['ttl'], 60);
  assert.equal(connect['session'], 's');
  assert.equal(Buffer.from(connect['data']).toString(), '{"d":1}');
  assert.deepEqual({ ...connect['subs']['a'] }, { offset: 3, epoch: 'e', recoverable: true });
  assert.equal(pushOfReply(PING_REPLY), null);
  assert.equal(pushOfReply(replyFromJson(encodeResult(3, 'publish', '{}'))), null);
  assert.equal(pushOfReply('{}'), null);
});
