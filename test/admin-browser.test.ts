/**
 * The admin web UI in a real browser (issue 15): Debian's headless Chromium
 * driven by playwright-core (nothing is downloaded or installed at run time;
 * without a Chromium binary the test is skipped, saying so). It logs in with
 * a wrong password (refused) and the right one, sees the shard view count
 * the connections the test opened, publishes from the Actions form to an SDK
 * client, disconnects a user from the form, opens a channel's view and
 * follows the channel live. A screenshot of each view is saved under
 * test-artifacts/admin/ (or $TEST_ARTIFACTS).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Centrifuge } from 'centrifuge';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { RunningServer } from '../src/acceptor/run';
import { ownerOf } from '../src/shards/messaging/owner-of';
import { ADMIN_ON, ADMIN_PASSWORD } from './helpers/admin';
import { callApi } from './helpers/api';
import { sdkClient, waitFor } from './helpers/clients';
import { REPO_ROOT } from './helpers/config';
import { nextEvent } from './helpers/events';
import { startTestServer } from './helpers/server';
import { hmacToken, HMAC_SECRET } from './helpers/tokens';

/** The page's global, inside the functions the browser runs (the tests compile without the DOM library). */
declare const document: { getElementById(id: string): { textContent: string | null } | null; querySelector(s: string): { textContent: string | null } | null; querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> };

/** Debian's package puts the browser here; CHROMIUM_PATH overrides it. */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
/** The flags a headless Chromium needs here (no sandbox as root; no background traffic the closed network would refuse). */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ARTIFACTS = process.env['TEST_ARTIFACTS'] ?? join(REPO_ROOT, 'test-artifacts', 'admin');
const skip = existsSync(CHROMIUM) ? false : `no Chromium binary at ${CHROMIUM}: install Debian's chromium package (apt-get install -y chromium), as .ci/run does, or set CHROMIUM_PATH`;

/** Anonymous connections the test opens besides alice and bob. */
const ANONYMOUS = 4;

let server: RunningServer;
let browser: Browser;
let page: Page;
let base: string;
const clients: Centrifuge[] = [];

async function connect(user: string): Promise<Centrifuge> {
  const client = sdkClient(server.wsUrl, user === '' ? {} : { token: await hmacToken({ sub: user }) });
  const connected = nextEvent(client, 'connected');
  client.connect();
  await connected;
  clients.push(client);
  return client;
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Runs a server API method from the Actions form and returns the reply shown. */
async function runAction(method: string, fields: Record<string, string>): Promise<any> {
  await page.click('nav a[data-view=actions]');
  await page.selectOption('#action-method', method);
  for (const [name, value] of Object.entries(fields)) await page.fill(`#action-${name.replace('.', '-')}`, value);
  await page.click('#action-submit');
  await page.waitForFunction(() => /^\{/.test(document.getElementById('action-reply')!.textContent ?? ''));
  return JSON.parse((await page.textContent('#action-reply'))!);
}

before(async () => {
  if (skip) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  server = await startTestServer({ admin: ADMIN_ON, client: { token: { hmac_secret_key: HMAC_SECRET } } });
  base = `http://127.0.0.1:${server.port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(15_000);
});

after(async () => {
  for (const client of clients) client.disconnect();
  await browser?.close();
  await server?.close();
});

test('log in: a wrong password is refused, the right one opens the console', { skip }, async () => {
  await page.goto(`${base}/`);
  await page.fill('#login-password', 'not-the-password');
  await page.click('#login-submit');
  await page.waitForFunction(() => document.getElementById('login-error')!.textContent !== '');
  assert.equal(await page.textContent('#login-error'), 'wrong password');
  assert.equal(await page.isHidden('#app'), true);
  await shot('login-refused');
  await page.fill('#login-password', ADMIN_PASSWORD);
  await page.click('#login-submit');
  await page.waitForSelector('#app', { state: 'visible' });
});

test('the nodes and shard views count the connections the test opened', { skip }, async () => {
  await connect('alice');
  await connect('bob');
  for (let i = 0; i < ANONYMOUS; i++) await connect('');
  const opened = 2 + ANONYMOUS;
  await page.waitForFunction((n) => document.querySelector('#nodes-table tbody .v-clients')?.textContent === String(n), opened);
  await shot('nodes');
  await page.click('nav a[data-view=shards]');
  const shown = () =>
    page.$$eval('#shards-grid [data-shard] .v-connections', (cells) => cells.map((c) => Number(c.textContent)));
  await page.waitForFunction((n) => {
    const cells = Array.from(document.querySelectorAll('#shards-grid [data-shard] .v-connections'));
    return cells.length === 2 && cells.reduce((sum, c) => sum + Number(c.textContent), 0) === n;
  }, opened);
  const info = await callApi(server.apiUrl, 'info', {});
  assert.deepEqual(await shown(), info.body.result.nodes[0].shards.map((s: { num_clients: number }) => s.num_clients), 'each card shows its shard\'s count');
  // Each card has the rate of publications from the shard's own Redis subscriptions: 0 on the memory engine, once two samples give a rate.
  await page.waitForFunction(() => {
    const cells = Array.from(document.querySelectorAll('#shards-grid [data-shard] .v-own-pubs'));
    return cells.length === 2 && cells.every((c) => c.textContent === '0');
  });
  await page.waitForTimeout(2000); // a few samples, so the charts have a line
  await shot('shards');
});

test('publish from the Actions form reaches an SDK client', { skip }, async () => {
  const alice = clients[0]!;
  const sub = alice.newSubscription('news');
  const received: unknown[] = [];
  sub.on('publication', (ctx) => received.push(ctx.data));
  sub.subscribe();
  await sub.ready(5000);
  const reply = await runAction('publish', { channel: 'news', data: '{"text":"from the admin form"}' });
  assert.deepEqual(reply, { result: {} });
  await waitFor(() => received.length === 1, 'the publication at the SDK client');
  assert.deepEqual(received, [{ text: 'from the admin form' }]);
  await shot('actions-publish');
});

test('disconnect a user from the Actions form', { skip }, async () => {
  const bob = clients[1]!;
  const disconnected = nextEvent(bob, 'disconnected');
  const reply = await runAction('disconnect', { user: 'bob' });
  assert.deepEqual(reply, { result: {} });
  const ctx = await disconnected;
  assert.equal(ctx.code, 3503, 'force disconnect');
  await shot('actions-disconnect');
});

test('the channel view and the live tail', { skip }, async () => {
  await page.click('nav a[data-view=channels]');
  await page.fill('#channels-pattern', 'n*');
  await page.click('#channels-search');
  await page.click('#channels-table button:text-is("news")');
  await page.waitForSelector('#channel-detail .v-owner');
  const owner = await page.textContent('#channel-detail .v-owner');
  assert.equal(owner, `${ownerOf('news', 2)} of 2`);
  assert.equal(await page.textContent('#channel-detail .v-subscribers'), '1');
  await shot('channels');

  await page.click('#channel-tail');
  await page.waitForFunction(() => document.getElementById('tail-status')!.textContent === 'following news');
  await callApi(server.apiUrl, 'publish', { channel: 'news', data: { text: 'live' } });
  await page.waitForFunction(() => (document.getElementById('tail-list')!.textContent ?? '').includes('"live"'));
  await shot('tail');
});
