/** The Origin check of WebSocket upgrades (`client.allowed_origins`), with Centrifugo's semantics. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../src/acceptor/run';
import { originChecker } from '../src/http/origin';
import { RawClient } from './helpers/clients';
import { startTestServer } from './helpers/server';

describe('originChecker', () => {
  test('an empty list rejects any Origin; a request without Origin passes', () => {
    const allowed = originChecker([]);
    assert.equal(allowed('https://example.com'), false);
    assert.equal(allowed(''), true);
  });

  test('patterns: exact (case-insensitive), * for any run of characters, ["*"] for everything', () => {
    const allowed = originChecker(['https://example.com', 'https://*.example.org', 'http://localhost:*']);
    assert.equal(allowed('https://example.com'), true);
    assert.equal(allowed('HTTPS://EXAMPLE.COM'), true);
    assert.equal(allowed('https://example.com.evil.net'), false);
    assert.equal(allowed('https://a.b.example.org'), true);
    assert.equal(allowed('https://example.org'), false);
    assert.equal(allowed('http://localhost:3000'), true);
    assert.equal(allowed('http://localhost'), false);
    assert.equal(originChecker(['*'])('https://anything.example'), true);
  });
});

/** Resolves with the upgrade status: 101 when the socket opened, else the refusal's HTTP status. */
async function upgradeStatus(wsUrl: string, origin?: string): Promise<number> {
  const client = new RawClient(wsUrl, origin === undefined ? {} : { origin });
  try {
    await client.opened();
    client.close();
    return 101;
  } catch (err) {
    const match = /upgrade refused: (\d+)/.exec((err as Error).message);
    return match ? Number(match[1]) : 0;
  }
}

describe('allowed_origins on the server', () => {
  let strict: RunningServer;
  let patterned: RunningServer;
  before(async () => {
    strict = await startTestServer({ shards: { count: 1 }, client: { allowed_origins: [] } });
    patterned = await startTestServer({ shards: { count: 1 }, client: { allowed_origins: ['https://*.example.com'] } });
  });
  after(async () => {
    await strict.close();
    await patterned.close();
  });

  test('with an empty list, a browser (Origin header) gets 403 and a non-browser client connects', async () => {
    assert.equal(await upgradeStatus(strict.wsUrl, 'https://example.com'), 403);
    assert.equal(await upgradeStatus(strict.wsUrl), 101);
  });

  test('a matching origin connects, another gets 403, on every connection', async () => {
    for (let i = 0; i < 3; i++) {
      assert.equal(await upgradeStatus(patterned.wsUrl, 'https://app.example.com'), 101);
      assert.equal(await upgradeStatus(patterned.wsUrl, 'https://app.example.net'), 403);
    }
  });
});
