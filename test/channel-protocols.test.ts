/**
 * The protocol registration of a local channel with its owner: a socket may
 * join at once only when its protocol is confirmed and no request in flight
 * drops it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ChannelProtocols } from '../src/shards/subscriber/channel-protocols';
import { ProtocolBit } from '../src/shards/messaging/fanout';

const { JSON: J, PROTOBUF: P } = ProtocolBit;

describe('channel protocol registration', () => {
  test('the first protocol waits for the first OK', () => {
    const r = new ChannelProtocols(J);
    r.sent();
    assert.equal(r.ready(J), false);
    assert.equal(r.settled(), false);
    r.ok(J);
    assert.equal(r.ready(J), true);
    assert.equal(r.ready(P), false);
    assert.equal(r.settled(), true);
    assert.deepEqual(r.messageField(), {});
  });

  test('a new protocol is requested once and is ready with the OK that brings it', () => {
    const r = new ChannelProtocols(J);
    r.sent();
    r.ok(J);
    assert.equal(r.add(P), true);
    r.sent();
    assert.equal(r.add(P), false);
    assert.deepEqual(r.messageField(), { p: J | P });
    assert.equal(r.ready(P), false);
    assert.equal(r.ready(J), true, 'JSON stays ready: the request in flight keeps it');
    r.ok(J | P);
    assert.equal(r.ready(P), true);
  });

  test('after a shrink is sent, the dropped protocol waits even though the old OK had it', () => {
    const r = new ChannelProtocols(J | P);
    r.sent();
    r.ok(J | P);
    assert.equal(r.shrinkTo(J), true);
    r.sent();
    assert.equal(r.ready(P), false, 'a request in flight drops Protobuf');
    assert.equal(r.add(P), true);
    r.sent();
    r.ok(J);
    assert.equal(r.ready(P), false, 'the shrink OK does not bring Protobuf');
    r.ok(J | P);
    assert.equal(r.ready(P), true);
    assert.equal(r.shrinkTo(0), false, 'never shrinks to nothing: the channel is released instead');
    assert.equal(r.shrinkTo(J | P), false);
  });

  test('an owner restart forgets what was confirmed and in flight', () => {
    const r = new ChannelProtocols(J);
    r.sent();
    r.reset();
    assert.equal(r.settled(), true);
    assert.equal(r.ready(J), false);
    r.sent();
    r.ok(J);
    assert.equal(r.ready(J), true);
  });
});
