#!/usr/bin/env node
/**
 * Makes docs/admin-shards.png, the README's picture of the admin UI's shard
 * view: starts switchyard from dist/ (4 shards, port 0), opens 240 SDK
 * connections over 40 channels, publishes 100 messages a second through the
 * server API for 20 s, and screenshots the shard view in Debian's headless
 * Chromium. Run after `npm run build`: `node scripts/admin-screenshot.js [out.png]`.
 */
'use strict';
const { join } = require('node:path');
const { Centrifuge } = require('centrifuge');
const WebSocket = require('ws');
const { chromium } = require('playwright-core');

const root = join(__dirname, '..');
const { validateConfig } = require(join(root, 'dist/src/config/validate.js'));
const { startServer } = require(join(root, 'dist/src/acceptor/run.js'));

const OUT = process.argv[2] ?? join(root, 'docs', 'admin-shards.png');
const CONNECTIONS = 240;
const CHANNELS = 40;
const RATE = 100;
const SECONDS = 20;

async function main() {
  const config = validateConfig({
    http_server: { address: '127.0.0.1', port: 0 },
    log: { level: 'warn' },
    client: { allow_anonymous_connect_without_token: true },
    channel: { without_namespace: { allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true } },
    http_api: { key: 'screenshot' },
    admin: { enabled: true, password: 'screenshot', secret: 'screenshot-secret' },
    shards: { count: 4 },
  });
  const server = await startServer(config);
  const base = `http://127.0.0.1:${server.port}`;
  const clients = [];
  for (let i = 0; i < CONNECTIONS; i++) {
    const client = new Centrifuge(server.wsUrl, { websocket: WebSocket });
    client.newSubscription(`room-${i % CHANNELS}`).subscribe();
    client.connect();
    clients.push(client);
  }
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
    await page.goto(`${base}/`);
    await page.fill('#login-password', 'screenshot');
    await page.click('#login-submit');
    await page.waitForSelector('#app', { state: 'visible' });
    await page.click('nav a[data-view=shards]');
    let sent = 0;
    const started = Date.now();
    while (Date.now() - started < SECONDS * 1000) {
      const channel = `room-${sent % CHANNELS}`;
      void fetch(`${server.apiUrl}/publish`, {
        method: 'POST',
        headers: { 'X-API-Key': 'screenshot' },
        body: JSON.stringify({ channel, data: { n: sent } }),
      }).catch(() => undefined);
      sent++;
      await new Promise((r) => setTimeout(r, 1000 / RATE));
    }
    await page.screenshot({ path: OUT });
    process.stdout.write(`wrote ${OUT} (${sent} publications)\n`);
  } finally {
    await browser.close();
    for (const client of clients) client.disconnect();
    await server.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
