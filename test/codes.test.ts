/** The Centrifugo code table: frozen, complete, and with the reconnect rules of the protocol. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiErrorHttpStatus, Disconnects, Errors, Unsubscribes, apiErrorHttpStatus, shouldReconnect } from '../src/protocol/codes';

test('tables are frozen', () => {
  for (const table of [Errors, Disconnects, Unsubscribes]) {
    assert.ok(Object.isFrozen(table));
    for (const entry of Object.values(table)) assert.ok(Object.isFrozen(entry));
  }
});

test('error codes are Centrifugo\'s', () => {
  assert.deepEqual(
    Object.values(Errors).map((e) => e.code),
    [100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113],
  );
  assert.deepEqual(
    Object.values(Errors).filter((e) => e.temporary).map((e) => e.code),
    [100, 111, 113],
  );
});

test('disconnect codes carry the reconnect advice of their range', () => {
  for (const d of Object.values(Disconnects)) {
    assert.equal(d.reconnect, d.code < 3500, `${d.code} ${d.reason}`);
    assert.ok(Buffer.byteLength(d.reason) <= 123);
  }
  assert.equal(Disconnects.shutdown.code, 3001);
  assert.equal(Disconnects.slow.code, 3008);
  assert.equal(Disconnects.badRequest.code, 3501);
  assert.equal(shouldReconnect(4000), true);
  assert.equal(shouldReconnect(4500), false);
  assert.equal(shouldReconnect(5000), true);
});

test('unsubscribe codes: ≥ 2500 resubscribe', () => {
  assert.equal(Unsubscribes.server.resubscribe, false);
  assert.equal(Unsubscribes.insufficientState.resubscribe, true);
  assert.equal(Unsubscribes.expired.code, 2501);
});

test("the transport error mode's HTTP statuses are Centrifugo's MapErrorToHTTPCode; unmapped codes are 500", () => {
  assert.ok(Object.isFrozen(ApiErrorHttpStatus));
  const statuses = [100, 101, 102, 103, 104, 107, 108, 111, 112, 113, 4000].map((code) => [code, apiErrorHttpStatus(code)]);
  assert.deepEqual(statuses, [
    [100, 500],
    [101, 500],
    [102, 404],
    [103, 500],
    [104, 404],
    [107, 400],
    [108, 400],
    [111, 500],
    [112, 416],
    [113, 409],
    [4000, 500],
  ]);
});
