/**
 * The admin UI's live tail (issue 15): the real `centrifuge` SDK connects to
 * the admin WebSocket endpoint with a tail token and receives a channel no
 * client may subscribe to; nobody else can use that path or that token: a
 * normal client presenting a tail token is disconnected with 3500, a normal
 * client cannot subscribe to the channel (103), and the admin endpoint
 * refuses a missing, forged, foreign-purpose or expired token and a foreign
 * Origin.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RunningServer } from '../src/acceptor/run';
import { ADMIN_TAIL_TTL_MS, signAdminToken } from '../src/auth/admin-token';
import { ADMIN_ON, ADMIN_SECRET, adminLogin, adminPost } from './helpers/admin';
import { callApi } from './helpers/api';
import { RawClient, sdkClient, waitFor } from './helpers/clients';
import { nextEvent } from './helpers/events';
import { startTestServer } from './helpers/server';

const CHANNEL = 'locked:feed';

let server: RunningServer;
let base: string;
let tailUrl: string;
let session: string;

before(async () => {
  server = await startTestServer({ admin: ADMIN_ON });
  base = `http://127.0.0.1:${server.port}`;
  tailUrl = `ws://127.0.0.1:${server.port}/admin/connection/websocket`;
  session = await adminLogin(base);
});
after(() => server.close());

async function tailToken(channel: string): Promise<string> {
  const answer = await adminPost(base, '/admin/tail', { channel }, session);
  assert.equal(answer.body.result.endpoint, '/admin/connection/websocket');
  return answer.body.result.token as string;
}

/** Connects a raw socket to `url` with `token` and returns the first frame's reply, or the close code. */
async function rawConnect(url: string, token: string): Promise<{ reply?: any; closed?: number }> {
  const raw = new RawClient(url);
  await raw.opened();
  raw.send(JSON.stringify({ id: 1, connect: { token } }));
  try {
    return { reply: JSON.parse(await raw.nextFrame()) };
  } catch {
    return { closed: await raw.waitClose() };
  } finally {
    raw.close();
  }
}

test('the SDK follows a channel no client may subscribe to, through the admin endpoint', async () => {
  const token = await tailToken(CHANNEL);
  const tail = sdkClient(tailUrl, { token });
  const received: unknown[] = [];
  tail.on('publication', (ctx) => {
    if (ctx.channel === CHANNEL) received.push(ctx.data);
  });
  const connected = nextEvent(tail, 'connected');
  tail.connect();
  await connected;
  try {
    assert.deepEqual((await callApi(server.apiUrl, 'publish', { channel: CHANNEL, data: { n: 1 } })).body, { result: {} });
    await waitFor(() => received.length === 1, 'the publication on the tail');
    assert.deepEqual(received, [{ n: 1 }]);
  } finally {
    tail.disconnect();
  }
});

test('a normal client can neither use a tail token nor subscribe to the channel', async () => {
  const token = await tailToken(CHANNEL);
  assert.deepEqual(await rawConnect(server.wsUrl, token), { closed: 3500 });
  const normal = new RawClient(server.wsUrl);
  try {
    await normal.connect();
    normal.send(JSON.stringify({ id: 2, subscribe: { channel: CHANNEL } }));
    assert.equal(JSON.parse(await normal.nextFrame()).error.code, 103);
  } finally {
    normal.close();
  }
});

test('the admin endpoint refuses a missing, forged, session or expired token, and another origin', async () => {
  assert.deepEqual(await rawConnect(tailUrl, ''), { closed: 3500 });
  assert.deepEqual(await rawConnect(tailUrl, signAdminToken('not-the-secret', 'tail', ADMIN_TAIL_TTL_MS, CHANNEL)), { closed: 3500 });
  assert.deepEqual(await rawConnect(tailUrl, session), { closed: 3500 });
  const expired = await rawConnect(tailUrl, signAdminToken(ADMIN_SECRET, 'tail', 1000, CHANNEL, Date.now() - 5000));
  assert.equal(expired.reply?.error?.code, 109, 'expired: the SDK asks getToken for a fresh one');
  const foreign = new RawClient(tailUrl, { headers: { Origin: 'http://elsewhere.example' } });
  await assert.rejects(foreign.opened(), /upgrade refused: 403/);
  const own = new RawClient(tailUrl, { headers: { Origin: `http://127.0.0.1:${server.port}` } });
  await own.opened();
  own.close();
});
