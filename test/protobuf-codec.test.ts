/**
 * The Protobuf codec: commands decode into the JSON dispatcher's shape,
 * JSON replies convert to Protobuf with payload bytes kept exactly, the
 * payload carrier convention, and malformed input gets 3501.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DisconnectError } from '../src/protocol/errors';
import { encodeClientInfo, encodePublication, encodePush, encodeResult, payloadToJson } from '../src/protocol/json';
import { isBinaryPayload, payloadFromBase64, payloadFromBytes, payloadJson, payloadToBytes, RawPayload } from '../src/protocol/payload';
import {
  decodeCommands,
  decodeConnectRequest,
  decodeEmulationRequest,
  decodePush,
  decodeReplies,
  encodeCommands,
  encodeEmulationRequest,
  encodeJoinLeaveReply,
  encodePublicationReply,
  pushFromJson,
  pushOfReply,
  replyFromJson,
  replyJsonHasBinary,
} from '../src/protocol/protobuf/codec';
import { parseWithRaw, RAW, type RawObject } from '../src/protocol/protobuf/raw-json';
import { joinDelimited } from '../src/protocol/framing';

const utf8 = new TextEncoder();
const text = new TextDecoder();

function disconnectCode(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    if (err instanceof DisconnectError) return err.disconnect.code;
    throw err;
  }
  return 0;
}

describe('payload carrier', () => {
  test('JSON bytes stay JSON text; raw newlines are dropped', () => {
    assert.equal(payloadFromBytes(utf8.encode('{"a": 12345678901234567890}')), '{"a": 12345678901234567890}');
    assert.equal(payloadFromBytes(utf8.encode('{\n"a":1\n}')), '{"a":1}');
    assert.equal(isBinaryPayload(payloadFromBytes(utf8.encode('"x"'))), false);
  });

  test('non-JSON bytes are binary and round-trip', () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    const carrier = payloadFromBytes(bytes);
    assert.equal(isBinaryPayload(carrier), true);
    assert.deepEqual([...payloadToBytes(carrier)], [...bytes]);
    assert.equal(isBinaryPayload(payloadFromBytes(utf8.encode('not json'))), true);
    assert.equal(isBinaryPayload(payloadFromBytes(new Uint8Array(0))), true);
    assert.deepEqual([...payloadToBytes(payloadFromBase64(Buffer.from('hi').toString('base64')))], [...utf8.encode('hi')]);
    assert.equal(payloadFromBase64(Buffer.from('{"a":1}').toString('base64')), '{"a":1}');
  });

  test('payloadToJson passes decoded carriers through', () => {
    assert.equal(payloadToJson(new RawPayload('\u0000AAE=')), '\u0000AAE=');
    assert.equal(payloadToJson({ a: 1 }), '{"a":1}');
  });
});

describe('raw JSON parser', () => {
  test('keeps the exact source of member values', () => {
    const obj = parseWithRaw('{"a": 1.50, "b" :{"c":[1, 2]}, "d":"\\u0000x", "e":12345678901234567890}') as RawObject;
    assert.equal(obj[RAW]['a'], '1.50');
    assert.equal(obj[RAW]['b'], '{"c":[1, 2]}');
    assert.equal(obj[RAW]['d'], '"\\u0000x"');
    assert.equal(obj[RAW]['e'], '12345678901234567890');
    assert.deepEqual((obj['b'] as RawObject)['c'], [1, 2]);
    assert.throws(() => parseWithRaw('{"a":1'), SyntaxError);
    assert.throws(() => parseWithRaw('{"a":1} x'), SyntaxError);
  });
});

describe('commands', () => {
  test('decode into the JSON dispatcher shape, payloads as carriers', () => {
    const frame = encodeCommands([
      { id: 1, connect: { token: 't', data: utf8.encode('{"x":1}'), subs: { s: { recover: true, offset: 5, epoch: 'e' } } } },
      { id: 2, publish: { channel: 'c', data: new Uint8Array([1, 2, 3]) } },
      { id: 3, history: { channel: 'c', limit: 10, since: { offset: 3, epoch: 'e' } } },
      { id: 4, ping: {} },
      {},
    ]);
    const cmds = decodeCommands(frame);
    assert.equal(cmds.length, 5);
    assert.equal(cmds[0]!.id, 1);
    assert.equal(cmds[0]!.connect!['token'], 't');
    assert.equal((cmds[0]!.connect!['data'] as RawPayload).carrier, '{"x":1}');
    assert.deepEqual(cmds[0]!.connect!['subs'], { s: { recover: true, offset: 5, epoch: 'e' } });
    assert.equal((cmds[1]!.publish!['data'] as RawPayload).carrier, '\u0000AQID');
    assert.deepEqual(cmds[2]!.history, { channel: 'c', limit: 10, since: { offset: 3, epoch: 'e' } });
    assert.deepEqual(cmds[3]!.ping, {});
    assert.deepEqual(cmds[4], {});
  });

  test('garbage and truncated varints are 3501', () => {
    assert.equal(disconnectCode(() => decodeCommands(new Uint8Array([0x05, 0xff, 0xff, 0xff, 0xff, 0xff]))), 3501);
    assert.equal(disconnectCode(() => decodeCommands(new Uint8Array([0x80]))), 3501);
    assert.equal(disconnectCode(() => decodeCommands(new Uint8Array([0x0a, 1, 2]))), 3501);
    assert.equal(disconnectCode(() => decodeCommands(joinDelimited([new Uint8Array([0x0a, 0xff])]))), 3501);
  });

  test('EmulationRequest and ConnectRequest', () => {
    const req = decodeEmulationRequest(encodeEmulationRequest({ node: 'n', session: 's', data: new Uint8Array([7]) }));
    assert.equal(req.node, 'n');
    assert.equal(req.session, 's');
    assert.deepEqual([...req.data], [7]);
    assert.equal(disconnectCode(() => decodeEmulationRequest(new Uint8Array([0x1a, 9]))), 3501);
    const connect = decodeCommands(encodeCommands([{ id: 1, connect: { name: 'js' } }]))[0]!.connect!;
    assert.equal(connect['name'], 'js');
    assert.equal(decodeConnectRequest(new Uint8Array([0x22, 2, 0x6a, 0x73]))['name'], 'js');
  });
});

describe('replies', () => {
  test('a JSON result converts to the same Protobuf Reply, payload bytes exact', () => {
    const json = encodeResult(3, 'history', `{"publications":[${encodePublication({ data: '{"n": 1.50}', offset: 2, tags: { k: 'v' } })}],"offset":2,"epoch":"e"}`);
    const [reply] = decodeReplies(joinDelimited([replyFromJson(json)]));
    assert.equal(reply!['id'], 3);
    const history = reply!['history'] as { publications: { data: Uint8Array; offset: number; tags: object }[]; offset: number; epoch: string };
    assert.equal(text.decode(history.publications[0]!.data), '{"n": 1.50}');
    assert.equal(history.publications[0]!.offset, 2);
    assert.deepEqual(history.publications[0]!.tags, { k: 'v' });
    assert.equal(history.offset, 2);
    assert.equal(history.epoch, 'e');
  });

  test('binary payloads convert to their bytes and mark the JSON reply', () => {
    const carrier = payloadFromBytes(new Uint8Array([0, 200]));
    const json = encodePush('ch', 'pub', encodePublication({ data: carrier, info: { user: 'u', client: 'c', conn_info: carrier } }));
    assert.equal(replyJsonHasBinary(json), true);
    assert.equal(replyJsonHasBinary(encodePush('ch', 'pub', encodePublication({ data: '{"s":"\\u0000"}' }))), false);
    const [reply] = decodeReplies(joinDelimited([replyFromJson(json)]));
    const pub = (reply!['push'] as { pub: { data: Uint8Array; info: { conn_info: Uint8Array } } }).pub;
    assert.deepEqual([...pub.data], [0, 200]);
    assert.deepEqual([...pub.info.conn_info], [0, 200]);
    assert.equal(payloadJson(carrier), JSON.stringify(carrier));
  });

  test('the ping is an empty Reply (a single 0x00 frame)', () => {
    assert.deepEqual([...joinDelimited([replyFromJson('{}')])], [0]);
  });

  test('errors and bare pushes', () => {
    const [err] = decodeReplies(joinDelimited([replyFromJson('{"id":5,"error":{"code":103,"message":"permission denied"}}')]));
    assert.deepEqual(err, { id: 5, error: { code: 103, message: 'permission denied' } });
    const json = encodePush('ch', 'unsubscribe', '{"code":2000,"reason":"server unsubscribe"}');
    const push = decodePush(pushFromJson(json));
    assert.deepEqual(push, { channel: 'ch', unsubscribe: { code: 2000, reason: 'server unsubscribe' } });
    assert.deepEqual(decodePush(pushOfReply(replyFromJson(json))!), push);
    assert.deepEqual(decodePush(pushOfReply(encodePublicationReply('ch', { data: '{}', offset: 300 }))!), { channel: 'ch', pub: { data: Buffer.from('{}'), offset: 300 } });
    assert.equal(pushOfReply(replyFromJson('{"id":7,"publish":{}}')), null);
    assert.equal(pushOfReply(new Uint8Array(0)), null);
  });

  test('fan-out encoders match the converter', () => {
    const info = { user: 'u', client: 'c', chan_info: '{"r":1}' };
    const binary = payloadFromBytes(new Uint8Array([0, 9, 200]));
    const long = JSON.stringify({ text: 'é'.repeat(300) });
    const cases = [
      { data: '{"a":1}', info, offset: 9 },
      { data: binary, info: { user: 'u2', client: 'c', conn_info: binary }, offset: 2 ** 40, tags: { k: 'v', 'ключ': 'значение' } },
      { data: long },
    ];
    for (const fields of cases) {
      assert.deepEqual(
        decodeReplies(joinDelimited([encodePublicationReply('канал', fields)])),
        decodeReplies(joinDelimited([replyFromJson(encodePush('канал', 'pub', encodePublication(fields)))])),
      );
    }
    const [delta] = decodeReplies(joinDelimited([encodePublicationReply('ch', { data: '{}' }, new Uint8Array([1, 2]), true)]));
    assert.deepEqual(delta, { push: { channel: 'ch', pub: { data: new Uint8Array([1, 2]), delta: true } } });
    assert.deepEqual(
      decodeReplies(joinDelimited([encodeJoinLeaveReply('ch', 'join', info)])),
      decodeReplies(joinDelimited([replyFromJson(encodePush('ch', 'join', `{"info":${encodeClientInfo(info)}}`))])),
    );
  });
});
