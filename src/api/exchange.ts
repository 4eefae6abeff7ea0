/** One server API request in flight: answering it with JSON, reading its body. */
import { STATUS_CODES } from 'node:http';
import type { HttpResponse } from 'uWebSockets.js';

/** An admitted request counted as open until it is settled (answered or aborted). */
export interface HeldRequest {
  /** True once answered or aborted: it no longer counts as open. */
  settled: boolean;
  readonly open: OpenExchanges;
}

/** A server API request in flight: its response and whether the client went away; held open until answered. */
export interface ApiExchange extends HeldRequest {
  readonly res: HttpResponse;
  readonly aborted: { value: boolean };
}

/**
 * The server API and admin requests of one shard admitted and not yet
 * answered or aborted. A drain waits for none to be open before it closes the
 * shard's remaining sockets (idle keep-alive connections among them), so an
 * accepted request is answered, not cut.
 */
export class OpenExchanges {
  /** How many requests are open now. */
  count = 0;

  /** Counts a request answered by other means (the admin UI's) until `settle` is called on what this returns. */
  hold(): HeldRequest {
    this.count++;
    return { settled: false, open: this };
  }

  /** Opens the exchange of `res` (it takes the response's one abort handler); `answer` or an abort settles it. */
  open(res: HttpResponse): ApiExchange {
    const ex: ApiExchange = { res, aborted: { value: false }, settled: false, open: this };
    this.count++;
    res.onAborted(() => {
      ex.aborted.value = true;
      settle(ex);
    });
    return ex;
  }
}

/** Takes a request out of its open count, once (a second call does nothing). */
export function settle(held: HeldRequest): void {
  if (held.settled) return;
  held.settled = true;
  held.open.count--;
}

/** Status lines already built, by status: an answer writes one, and building it cost a string per answer. */
const statusLines = new Map<number, string>();

/** `"404 Not Found"` for 404. */
function statusLine(status: number): string {
  let line = statusLines.get(status);
  if (line === undefined) {
    line = `${status} ${STATUS_CODES[status] ?? ''}`.trimEnd();
    statusLines.set(status, line);
  }
  return line;
}

/** Writes a JSON answer unless the request was aborted; either way the exchange is settled. */
export function answer(ex: ApiExchange, status: number, body: string, close = false): void {
  settle(ex);
  if (ex.aborted.value) return;
  ex.res.cork(() => {
    ex.res.writeStatus(statusLine(status));
    ex.res.writeHeader('Content-Type', 'application/json');
    ex.res.end(body, close);
  });
}

/** `{"error":{"code","message"}}`. */
export function errorBody(code: number, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

/**
 * Collects the body; calls back with null once it passes `limit` bytes.
 * `done` must read the body before it returns. A body that arrives in one
 * chunk, as nearly every API request does, is handed over without a copy,
 * as a view of uWS's memory, which uWS detaches when `done` returns (a
 * reference kept past that reads as empty, never as other bytes).
 */
export function readBody(ex: ApiExchange, limit: number, done: (body: Buffer | null) => void): void {
  let chunks: Buffer[] | null = null;
  let size = 0;
  let over = false;
  ex.res.onData((chunk, isLast) => {
    if (ex.aborted.value || over) return;
    size += chunk.byteLength;
    if (size > limit) {
      over = true;
      done(null);
      return;
    }
    if (isLast && chunks === null) {
      done(Buffer.from(chunk));
      return;
    }
    // uWS reuses the chunk's memory after this call returns: copy it (one copy; the Buffer wraps it).
    (chunks ??= []).push(Buffer.from(chunk.slice(0)));
    if (isLast) done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
  });
}

