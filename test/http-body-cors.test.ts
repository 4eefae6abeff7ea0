/**
 * The HTTP body reader (limit, 413 without buffering the rest) and the CORS
 * policy (preflight, allow-origin headers, 403), on a real uWS app.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { us_listen_socket } from 'uWebSockets.js';
import { loadUws } from '../src/common/uws';
import { CorsPolicy } from '../src/http/cors';
import { AbortWatch, answer, answerTooLarge, readBody } from '../src/http/body';

const LIMIT = 1024;

describe('HTTP body reader and CORS', () => {
  const uws = loadUws();
  let listen: us_listen_socket | null = null;
  let base = '';
  let aborts = 0;
  let bodiesSeen = 0;

  before(async () => {
    const app = uws.App();
    const cors = new CorsPolicy(['https://good.example', 'https://*.wild.example']);
    app.any('/echo', (res, req) => {
      const watch = new AbortWatch(res);
      watch.onAbort(() => aborts++);
      const method = req.getMethod().toLowerCase();
      const c = cors.inspect(req);
      if (cors.screen(res, watch, method, c)) return;
      readBody(res, watch, LIMIT, (body) => {
        if (body === 'too_large') {
          answerTooLarge(res, watch, LIMIT, c.headers);
          return;
        }
        bodiesSeen++;
        // Answer later, outside the handler: the corked path.
        setTimeout(() => answer(res, watch, '200 OK', c.headers, `got ${body.length}`), 5);
      });
    });
    await new Promise<void>((resolve, reject) => {
      app.listen('127.0.0.1', 0, (socket) => {
        if (!socket) return reject(new Error('listen failed'));
        listen = socket;
        base = `http://127.0.0.1:${uws.us_socket_local_port(socket)}`;
        resolve();
      });
    });
  });

  after(() => {
    if (listen) uws.us_listen_socket_close(listen);
  });

  it('reads a body under the limit, in several chunks', async () => {
    const body = 'x'.repeat(LIMIT);
    const res = await fetch(`${base}/echo`, { method: 'POST', body });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), `got ${LIMIT}`);
  });

  it('answers 413 with a JSON error for a 10 MB body and keeps serving', async () => {
    const before = bodiesSeen;
    const big = new Uint8Array(10 * 1024 * 1024);
    let status = 0;
    let text = '';
    try {
      const res = await fetch(`${base}/echo`, { method: 'POST', body: big });
      status = res.status;
      text = await res.text();
    } catch (err) {
      // The server closes the connection after its answer; a client still sending may see the reset instead.
      status = -1;
      text = String(err);
    }
    if (status !== -1) {
      assert.equal(status, 413);
      assert.deepEqual(JSON.parse(text), { error: `request body is larger than ${LIMIT} bytes` });
    }
    assert.equal(bodiesSeen, before);
    const ok = await fetch(`${base}/echo`, { method: 'POST', body: 'small' });
    assert.equal(await ok.text(), 'got 5');
  });

  it('answers a preflight with 204, methods, max-age and the allowed origin', async () => {
    const res = await fetch(`${base}/echo`, {
      method: 'OPTIONS',
      headers: { origin: 'https://a.wild.example', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-methods'), 'POST, OPTIONS');
    assert.equal(res.headers.get('access-control-max-age'), '300');
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://a.wild.example');
    assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
    assert.equal(res.headers.get('access-control-allow-headers'), 'content-type');
  });

  it('sets the allow-origin header on answers to an allowed origin, none without an Origin', async () => {
    const withOrigin = await fetch(`${base}/echo`, { method: 'POST', body: 'a', headers: { origin: 'https://good.example' } });
    assert.equal(withOrigin.headers.get('access-control-allow-origin'), 'https://good.example');
    assert.equal(await withOrigin.text(), 'got 1');
    const without = await fetch(`${base}/echo`, { method: 'POST', body: 'ab' });
    assert.equal(without.headers.get('access-control-allow-origin'), null);
    assert.equal(await without.text(), 'got 2');
  });

  it('refuses a disallowed origin with 403 and a JSON error, preflight included', async () => {
    for (const method of ['POST', 'OPTIONS']) {
      const res = await fetch(`${base}/echo`, { method, headers: { origin: 'https://evil.example' }, ...(method === 'POST' ? { body: 'a' } : {}) });
      assert.equal(res.status, 403);
      assert.equal(res.headers.get('access-control-allow-origin'), null);
      assert.deepEqual(await res.json(), { error: 'request origin not allowed' });
    }
  });

  it('reports a client abort once and never answers after it', async () => {
    const before = aborts;
    const controller = new AbortController();
    const slow = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array(10));
      },
    });
    const pending = fetch(`${base}/echo`, {
      method: 'POST',
      body: slow,
      signal: controller.signal,
      // Node's fetch needs this for a streamed body.
      duplex: 'half',
    } as RequestInit).catch(() => null);
    await new Promise((r) => setTimeout(r, 200));
    controller.abort();
    await pending;
    const deadline = Date.now() + 10_000;
    while (aborts === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(aborts, before + 1);
  });
});
