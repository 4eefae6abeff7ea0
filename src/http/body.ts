/*
 * src/http/: HTTP pieces the transports and the API share: request body
 * reading with limits and abort handling, CORS and Origin checks, kept
 * headers, and the gate (method, CORS, drain) of the HTTP transports. May
 * import: common, protocol, config, shards.
 */
/**
 * Plain-HTTP request handling shared by the HTTP transports (HTTP-streaming,
 * SSE, emulation, and the unidirectional ones): the abort watch a uWS
 * HttpResponse needs, a request body reader with a byte limit, and short
 * answers with a status and an optional JSON error body.
 *
 * uWS rules kept here: a response must not be touched once `onAborted` has
 * fired, and writes made outside the request handler are corked.
 */
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';

/**
 * Watches one HttpResponse for abort. uWS allows one `onAborted` handler per
 * response, so everything that cares about the abort goes through this.
 */
export class AbortWatch {
  /** True once the client went away; the response must not be touched any more. */
  aborted = false;
  /** True once the response was ended by us (an abort after this is not reported). */
  ended = false;
  private listener: (() => void) | null = null;

  constructor(res: HttpResponse) {
    res.onAborted(() => {
      if (this.aborted) return;
      this.aborted = true;
      const listener = this.listener;
      this.listener = null;
      if (listener && !this.ended) listener();
    });
  }

  /** Sets what to run when the client aborts (replaces the previous listener). */
  onAbort(listener: (() => void) | null): void {
    this.listener = listener;
  }

  /** True while the response may still be written to. */
  get writable(): boolean {
    return !this.aborted && !this.ended;
  }
}

/**
 * Most bytes of an oversized body that are read on and dropped, so the
 * client gets to read the 413 answer (a connection closed while the client
 * still sends is reset, and the answer is often lost). Larger or undeclared
 * bodies get the 413 and the connection closed at once.
 */
export const DRAIN_LIMIT = 64 * 1024 * 1024;

/**
 * Whether a body over the limit is read to its end and dropped (true: its
 * `Content-Length` is declared and at most DRAIN_LIMIT) rather than cut off
 * by closing the connection. Call in the request handler.
 */
export function drainsOversizedBody(req: HttpRequest): boolean {
  const declared = req.getHeader('content-length');
  return /^\d{1,10}$/.test(declared) && Number(declared) <= DRAIN_LIMIT;
}

/** What a body read produced: the bytes, or `too_large` once they passed the limit. */
export type BodyResult = Buffer | 'too_large';

/**
 * Reads the request body, at most `limit` bytes. Calls `done` once: with the
 * whole body, or with `too_large` as soon as more than `limit` bytes arrived
 * (later chunks are dropped without being kept). Never calls `done` after an
 * abort. Must be called in the request handler, before it returns.
 *
 * With `drainLimit` > 0, `too_large` waits for the end of the body (its
 * chunks dropped as they come) unless it passes `drainLimit` bytes in all:
 * answering while the client still sends makes many clients (Node's http
 * among them) report a broken pipe instead of the 413.
 */
export function readBody(res: HttpResponse, watch: AbortWatch, limit: number, done: (result: BodyResult) => void, drainLimit = 0): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  let tooLarge = false;
  res.onData((chunk, isLast) => {
    if (finished || watch.aborted) return;
    size += chunk.byteLength;
    if (size > limit) {
      tooLarge = true;
      chunks.length = 0;
    }
    if (tooLarge) {
      if (!isLast && size <= drainLimit) return;
      finished = true;
      done('too_large');
      return;
    }
    // uWS reuses the chunk's memory after this call returns: copy it.
    if (chunk.byteLength > 0) chunks.push(Buffer.from(new Uint8Array(chunk).slice()));
    if (isLast) {
      finished = true;
      done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    }
  });
}

/** Extra response headers, name and value. */
export type HeaderList = readonly (readonly [string, string])[];

/**
 * Ends the response with a status, headers, and a body (none when empty),
 * unless it was aborted or already ended (an empty body is sent as
 * `Content-Length: 0`). `close` also closes the TCP
 * connection: used after a refused body, whose rest is not read.
 */
export function answer(
  res: HttpResponse,
  watch: AbortWatch,
  status: string,
  headers: HeaderList,
  body: string | Uint8Array = '',
  close = false,
): void {
  if (!watch.writable) return;
  watch.ended = true;
  res.cork(() => {
    res.writeStatus(status);
    for (const [name, value] of headers) res.writeHeader(name, value);
    // Not endWithoutBody(): without a length this uWS build reports a bogus Content-Length.
    res.end(body, close);
  });
}

const JSON_TYPE: HeaderList = [['Content-Type', 'application/json']];

/**
 * Ends the response with an error status and the JSON body
 * `{"error":"<message>"}`, after the given headers (CORS ones, usually).
 */
export function answerError(
  res: HttpResponse,
  watch: AbortWatch,
  status: string,
  message: string,
  headers: HeaderList = [],
  close = false,
): void {
  answer(res, watch, status, [...headers, ...JSON_TYPE], JSON.stringify({ error: message }), close);
}

/**
 * The 413 answer after a body over `limit` bytes. `close` (the default)
 * closes the connection so the rest is not read; pass
 * `!drainsOversizedBody(req)` to let a declared, bounded body be read on and
 * dropped so the client reads the answer.
 */
export function answerTooLarge(res: HttpResponse, watch: AbortWatch, limit: number, headers: HeaderList = [], close = true): void {
  answerError(res, watch, '413 Payload Too Large', `request body is larger than ${limit} bytes`, headers, close);
}
