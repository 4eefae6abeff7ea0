/**
 * Clients of the unidirectional transports, without any SDK: a plain `ws`
 * socket on /connection/uni_websocket, a `fetch` reader on
 * /connection/uni_http_stream, an `EventSource` on /connection/uni_sse, and a
 * `@grpc/grpc-js` client of uni_grpc. Each collects the bare pushes it
 * receives (gRPC ones decoded from Protobuf: payloads as bytes).
 */
import * as grpc from '@grpc/grpc-js';
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import { decodePush } from '../../src/protocol/protobuf/codec';
import { ConnectRequestType } from '../../src/protocol/protobuf/schema';
import { UNI_GRPC_CONSUME_PATH } from '../../src/transports/uni-grpc';
import { callApi } from './api';

/** What a unidirectional test client does, whatever its transport. */
export interface UniClient {
  /** Every push received, parsed, in order. */
  readonly pushes: any[];
  /** Resolves with the first push (not yet taken by an earlier `next`) that matches. */
  next(match: (push: any) => boolean, what: string, timeoutMs?: number): Promise<any>;
  /** Resolves when the stream or socket ended (by either side). */
  readonly ended: Promise<void>;
  /** Closes from the client side. */
  close(): void;
}

/** Collects pushes and lets tests wait for them. */
class Pushes {
  readonly list: any[] = [];
  private taken = new Set<number>();
  private waiters: (() => void)[] = [];

  add(text: string): void {
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      this.list.push(JSON.parse(line));
    }
    this.wake();
  }

  addObject(push: unknown): void {
    this.list.push(push);
    this.wake();
  }

  wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  async next(match: (push: any) => boolean, what: string, timeoutMs = 10_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.list.findIndex((p, index) => !this.taken.has(index) && match(p));
      if (i >= 0) {
        this.taken.add(i);
        return this.list[i];
      }
      if (Date.now() > deadline) throw new Error(`no ${what} push within ${timeoutMs} ms; got ${JSON.stringify(this.list)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}

/** The http://host:port origin of a test server. */
export function baseUrl(port: number): string {
  return `http://127.0.0.1:${port}`;
}

/** A uni WebSocket client; also reports the close code and reason. */
export interface UniWebSocketClient extends UniClient {
  closeCode(): number;
  closeReason(): string;
}

/**
 * Opens /connection/uni_websocket and sends `request` as the first message,
 * or (with `viaQuery`) in `?cf_connect=`. A string request is sent as it is.
 */
export function uniWebSocket(port: number, request: unknown, viaQuery = false): UniWebSocketClient {
  const text = typeof request === 'string' ? request : JSON.stringify(request);
  const url = `ws://127.0.0.1:${port}/connection/uni_websocket` + (viaQuery ? `?cf_connect=${encodeURIComponent(text)}` : '');
  const ws = new WebSocket(url);
  const pushes = new Pushes();
  let code = 0;
  let reason = '';
  ws.on('open', () => {
    if (!viaQuery) ws.send(text);
  });
  ws.on('message', (data) => pushes.add(data.toString()));
  ws.on('error', () => undefined);
  const ended = new Promise<void>((resolve) => {
    ws.on('close', (c, r) => {
      code = c;
      reason = r.toString();
      pushes.wake();
      resolve();
    });
  });
  return {
    pushes: pushes.list,
    next: (match, what, timeoutMs) => pushes.next(match, what, timeoutMs),
    ended,
    close: () => ws.close(),
    closeCode: () => code,
    closeReason: () => reason,
  };
}

/** A uni HTTP-stream client; also reports the response status. */
export interface UniHttpClient extends UniClient {
  /** Resolves with the HTTP status once the response head arrived. */
  readonly status: Promise<number>;
}

/** POSTs `body` (an object, or raw text/bytes) to `path` and reads the streamed answer as lines of pushes. */
export function uniHttpStream(port: number, body: unknown, path = '/connection/uni_http_stream', headers: Record<string, string> = {}): UniHttpClient {
  const abort = new AbortController();
  const pushes = new Pushes();
  const payload = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
  const response = fetch(baseUrl(port) + path, { method: 'POST', body: payload, headers: { 'Content-Type': 'application/json', ...headers }, signal: abort.signal });
  const ended = response
    .then(async (res) => {
      if (!res.body) return;
      const decoder = new TextDecoder();
      let rest = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        rest += decoder.decode(chunk, { stream: true });
        const end = rest.lastIndexOf('\n');
        if (end < 0) continue;
        pushes.add(rest.slice(0, end));
        rest = rest.slice(end + 1);
      }
    })
    .catch(() => undefined)
    .finally(() => pushes.wake());
  return {
    pushes: pushes.list,
    next: (match, what, timeoutMs) => pushes.next(match, what, timeoutMs),
    ended,
    close: () => abort.abort(),
    status: response.then((r) => r.status),
  };
}

/**
 * Opens an EventSource on /connection/uni_sse with `request` in `cf_connect`.
 * It is closed on the first error or `disconnect` push, so it never reconnects by itself.
 */
export function uniSse(port: number, request: unknown): UniClient {
  const text = typeof request === 'string' ? request : JSON.stringify(request);
  const es = new EventSource(`${baseUrl(port)}/connection/uni_sse?cf_connect=${encodeURIComponent(text)}`);
  const pushes = new Pushes();
  let resolveEnded: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (resolveEnded = resolve));
  const stop = (): void => {
    es.close();
    pushes.wake();
    resolveEnded();
  };
  es.onmessage = (event) => {
    pushes.add(event.data);
    if (pushes.list.at(-1)?.disconnect) stop();
  };
  es.onerror = () => stop();
  return { pushes: pushes.list, next: (match, what, timeoutMs) => pushes.next(match, what, timeoutMs), ended, close: stop };
}

/** A uni gRPC client; also reports the call's final status. */
export interface UniGrpcClient extends UniClient {
  /** Resolves with the gRPC status code once the call ended. */
  readonly status: Promise<number>;
}

/**
 * Calls CentrifugoUniStream.Consume on `port` with `request` (a
 * ConnectRequest as protobufjs takes it: bytes fields as Uint8Array), or with
 * raw request bytes.
 */
export function uniGrpc(
  port: number,
  request: Record<string, unknown> | Uint8Array,
  credentials = grpc.credentials.createInsecure(),
  options: grpc.ClientOptions = {},
): UniGrpcClient {
  const client = new grpc.Client(`127.0.0.1:${port}`, credentials, options);
  const pushes = new Pushes();
  const serialize = (r: Record<string, unknown> | Uint8Array): Buffer =>
    Buffer.from(r instanceof Uint8Array ? r : ConnectRequestType.encode(r).finish());
  const call = client.makeServerStreamRequest(UNI_GRPC_CONSUME_PATH, serialize, (b: Buffer) => b, request);
  call.on('data', (bytes: Buffer) => pushes.addObject(decodePush(bytes)));
  call.on('error', () => undefined);
  const status = new Promise<number>((resolve) => {
    call.on('status', (s: grpc.StatusObject) => {
      client.close();
      pushes.wake();
      resolve(s.code);
    });
  });
  return {
    pushes: pushes.list,
    next: (match, what, timeoutMs) => pushes.next(match, what, timeoutMs),
    ended: status.then(() => undefined),
    close: () => call.cancel(),
    status,
  };
}

/** The JSON payload a gRPC push carries as bytes. */
export function jsonBytes(bytes: Uint8Array): unknown {
  return JSON.parse(Buffer.from(bytes).toString('utf8'));
}

/** Waits (up to 15 s) until the info API counts `expected` clients over every shard; returns the last count. */
export async function waitClientCount(apiUrl: string, expected: number): Promise<number> {
  const deadline = Date.now() + 15_000;
  let count = -1;
  while (Date.now() < deadline) {
    count = (await callApi(apiUrl, 'info', {})).body.result.nodes[0].num_clients;
    if (count === expected) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return count;
}

/** Asserts that the info API comes to count `expected` clients (waiting up to 15 s). */
export async function expectClientCount(apiUrl: string, expected: number): Promise<void> {
  const count = await waitClientCount(apiUrl, expected);
  if (count !== expected) throw new Error(`expected ${expected} clients, the info API counts ${count}`);
}
