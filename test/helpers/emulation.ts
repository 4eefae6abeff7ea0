/**
 * Clients of the emulated transports for tests: the real `centrifuge` SDK
 * over HTTP-streaming or SSE (with the `eventsource` package), and raw
 * streaming requests that collect what the server writes.
 *
 * Every request goes over its own TCP connection, closed by the client once
 * the answer is read (no keep-alive pool), so a test server's drain is not
 * held up by idle connections. The connection is not announced as
 * `Connection: close`: the server then reads an oversized body to its end
 * (dropping it) and the client reads the 413 without racing a reset.
 */
import { Agent, request } from 'node:http';
import { Readable } from 'node:stream';
import { Centrifuge } from 'centrifuge';
import { EventSource } from 'eventsource';

/** A `fetch` over node:http, one connection per request (enough for the SDK and eventsource). */
export function closingFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const url = typeof input === 'string' || input instanceof URL ? new URL(String(input)) : new URL(input.url);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    new Headers(init.headers ?? {}).forEach((value, name) => (headers[name] = value));
    const body = init.body === undefined || init.body === null ? null : (init.body as string | Uint8Array);
    // A fixed body is sent with its length, as fetch does (node:http would use chunked encoding).
    if (body !== null) headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const req = request(url, { method: init.method ?? 'GET', agent, headers }, (res) => {
      res.once('close', () => agent.destroy());
      const responseHeaders = new Headers();
      for (const [name, value] of Object.entries(res.headers)) {
        if (typeof value === 'string') responseHeaders.set(name, value);
        else if (Array.isArray(value)) for (const v of value) responseHeaders.append(name, v);
      }
      const status = res.statusCode ?? 0;
      const noBody = status === 204 || status === 304 || init.method === 'HEAD';
      if (noBody) res.resume();
      resolve(new Response(noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, headers: responseHeaders }));
    });
    req.on('error', (err) => {
      agent.destroy();
      reject(err);
    });
    init.signal?.addEventListener(
      'abort',
      () => {
        req.destroy(new Error('aborted'));
        agent.destroy();
      },
      { once: true },
    );
    if (body !== null) req.end(body);
    else req.end();
  });
}

/** EventSource that fetches through closingFetch. */
export class ClosingEventSource extends EventSource {
  constructor(url: string | URL, init: Record<string, unknown> = {}) {
    super(url, { ...init, fetch: closingFetch as typeof fetch });
  }
}

/** Base URL of a test server: `http://127.0.0.1:<port>`. */
export function baseUrl(port: number): string {
  return `http://127.0.0.1:${port}`;
}

/** An SDK client on one emulated transport only (not yet connected). */
export function emulatedClient(port: number, transport: 'http_stream' | 'sse', options: Record<string, unknown> = {}): Centrifuge {
  const base = baseUrl(port);
  return new Centrifuge([{ transport, endpoint: `${base}/connection/${transport}` }], {
    emulationEndpoint: `${base}/emulation`,
    fetch: closingFetch,
    readableStream: ReadableStream,
    eventsource: ClosingEventSource,
    ...options,
  });
}

/** A raw streaming request: collects the text the server writes until it ends. */
export class RawStream {
  text = '';
  status = 0;
  headers = new Headers();
  ended = false;
  private readonly controller = new AbortController();
  private readonly done: Promise<void>;

  constructor(url: string, init: RequestInit = {}) {
    this.done = closingFetch(url, { ...init, signal: this.controller.signal })
      .then(async (res) => {
        this.status = res.status;
        this.headers = res.headers;
        if (!res.body) return;
        const decoder = new TextDecoder();
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) this.text += decoder.decode(chunk, { stream: true });
      })
      .catch(() => undefined)
      .finally(() => {
        this.ended = true;
      });
  }

  /** Resolves once the stream ended (by the server, or by abort()). */
  finished(): Promise<void> {
    return this.done;
  }

  /** Drops the connection from the client side. */
  abort(): void {
    this.controller.abort();
  }

  /** Waits until the collected text matches `pattern`; returns the match. */
  async waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.text.match(pattern);
      if (match) return match;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; got ${JSON.stringify(this.text.slice(0, 500))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** POSTs to a URL over its own connection; resolves with status and text body. */
export async function post(url: string, body: string | Uint8Array, headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await closingFetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: res.status, text: await res.text(), headers: res.headers };
}
