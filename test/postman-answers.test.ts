/**
 * Answers and notices a full mailbox refuses (postman.ts sendAnswer and
 * sendNotice): they are sent again once there is room, in order, before
 * anything sent to that shard later; an answer the mailbox could never take
 * goes as its small stand-in; nothing is retried past ANSWER_RETRY_MS or for
 * a shard that restarted.
 */
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { ANSWER_RETRY_MS, Postman, type OutboxPort } from '../src/shards/messaging/postman';
import { decodeMessage, MessageType, RecordKind, type ShardMessage } from '../src/shards/messaging/messages';

/** An outbox that refuses everything while `full`, and records over `largest` bytes always; it keeps what it took. */
class FakeOutbox implements OutboxPort {
  full = false;
  largest = Infinity;
  readonly taken: { to: number; kind: number; msg: ShardMessage | null }[] = [];
  post(to: number, kind: number, parts: readonly Uint8Array[]): 'ok' | 'full' {
    if (this.full || parts[0]!.byteLength > this.largest) return 'full';
    this.taken.push({ to, kind, msg: kind === RecordKind.MESSAGE ? decodeMessage(parts[0]!) : null });
    return 'ok';
  }
  canEverTake(_to: number, bodyBytes: number): boolean {
    return bodyBytes <= this.largest;
  }
  /** The types of the messages taken for shard `to` (FANOUT for a fan-out record). */
  typesTo(to: number): (number | 'FANOUT')[] {
    return this.taken.filter((t) => t.to === to).map((t) => (t.msg ? t.msg.t : 'FANOUT'));
  }
}

const response = (rid: number): ShardMessage => ({ t: MessageType.RESPONSE, rid, result: { rid } });

describe('Postman answers refused by a full mailbox', () => {
  let outbox: FakeOutbox;
  let postman: Postman;
  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    outbox = new FakeOutbox();
    postman = new Postman(0, outbox, () => undefined);
  });
  afterEach(() => {
    postman.close();
    mock.timers.reset();
  });

  test('an answer the mailbox takes goes at once', () => {
    postman.sendAnswer(1, response(1));
    assert.deepEqual(outbox.typesTo(1), [MessageType.RESPONSE]);
  });

  test('a refused answer is sent again once there is room, in order, and nothing overtakes it', () => {
    outbox.full = true;
    postman.sendAnswer(1, response(1));
    postman.sendAnswer(1, response(2));
    outbox.full = false;
    // Later messages and fan-outs to that shard are refused while the answers wait (a fan-out then gets a DROPPED notice).
    assert.equal(postman.send(1, { t: MessageType.DROPPED, ch: 'x' }), false);
    assert.equal(postman.sendFanout(1, 'ch', [new Uint8Array([1])]), false);
    // Another shard is not held up.
    postman.sendAnswer(2, response(3));
    assert.deepEqual(outbox.typesTo(2), [MessageType.RESPONSE]);
    assert.deepEqual(outbox.typesTo(1), []);
    mock.timers.tick(5);
    assert.deepEqual(
      outbox.taken.filter((t) => t.to === 1).map((t) => (t.msg as { rid?: number; t: number }).rid ?? `DROPPED ${(t.msg as { ch: string }).ch}`),
      [1, 2, 'DROPPED ch'],
      'the answers in order, then the notice for the refused fan-out',
    );
    assert.equal(postman.send(1, response(4)), true, 'the mailbox is open again');
  });

  test('an answer the mailbox could never take goes as its stand-in', () => {
    const pubs = Array.from({ length: 50 }, (_, k) => ({ data: `"${'x'.repeat(100)}"`, offset: k + 1 }));
    const big: ShardMessage = { t: MessageType.RECOVER_RESULT, rid: 7, ch: 'c', top: { offset: 50, epoch: 'e' }, recovered: true, pubs };
    const small: ShardMessage = { t: MessageType.RECOVER_RESULT, rid: 7, ch: 'c', top: { offset: 50, epoch: 'e' }, recovered: false, pubs: [] };
    outbox.largest = 1000;
    postman.sendAnswer(1, big, small);
    assert.equal(outbox.taken.length, 0, 'nothing yet: the stand-in waits for the retry');
    mock.timers.tick(5);
    assert.deepEqual(
      outbox.taken.map((t) => t.msg),
      [small],
    );
  });

  test('a refused answer that fits once there is room is sent whole, not as its stand-in', () => {
    const big: ShardMessage = { t: MessageType.RECOVER_RESULT, rid: 8, ch: 'c', top: { offset: 1, epoch: 'e' }, recovered: true, pubs: [{ data: '1', offset: 1 }] };
    const small: ShardMessage = { t: MessageType.RECOVER_RESULT, rid: 8, ch: 'c', top: { offset: 1, epoch: 'e' }, recovered: false, pubs: [] };
    outbox.full = true;
    postman.sendAnswer(1, big, small);
    outbox.full = false;
    mock.timers.tick(5);
    assert.deepEqual(
      outbox.taken.map((t) => t.msg),
      [big],
    );
  });

  test('keeps trying while the mailbox stays full, and gives up after ANSWER_RETRY_MS', () => {
    outbox.full = true;
    postman.sendAnswer(1, response(1));
    mock.timers.tick(ANSWER_RETRY_MS - 10);
    outbox.full = false;
    mock.timers.tick(5);
    assert.deepEqual(outbox.typesTo(1), [MessageType.RESPONSE], 'sent within its time');
    outbox.full = true;
    postman.sendAnswer(1, response(2));
    mock.timers.tick(ANSWER_RETRY_MS + 10);
    outbox.full = false;
    mock.timers.tick(5);
    assert.equal(outbox.typesTo(1).length, 1, 'the late answer was given up');
    assert.equal(postman.send(1, response(3)), true, 'and holds nothing up');
  });

  test('a restarted shard is owed nothing', () => {
    outbox.full = true;
    postman.sendAnswer(1, response(1));
    postman.forget(1);
    outbox.full = false;
    assert.equal(postman.send(1, response(2)), true);
    mock.timers.tick(5);
    assert.deepEqual(
      outbox.taken.map((t) => (t.msg as { rid: number }).rid),
      [2],
    );
  });

  test('a notice is retried like an answer, in the same order', () => {
    outbox.full = true;
    postman.sendAnswer(1, response(1));
    postman.sendNotice(1, { t: MessageType.PRESENCE_LEAVE, ch: 'c', from: 0, info: { client: 'x', user: 'u' } });
    outbox.full = false;
    mock.timers.tick(5);
    assert.deepEqual(outbox.typesTo(1), [MessageType.RESPONSE, MessageType.PRESENCE_LEAVE]);
  });

  test('answers to itself never wait', () => {
    const self: ShardMessage[] = [];
    const own = new Postman(0, outbox, (item) => item.message && self.push(item.message));
    outbox.full = true;
    own.sendAnswer(0, response(1));
    assert.equal(self.length, 1);
    own.close();
  });
});
