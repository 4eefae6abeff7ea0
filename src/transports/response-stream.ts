/**
 * A long-lived streaming uWS HttpResponse (chunked transfer encoding), as
 * HTTP-streaming and SSE sessions use: status and headers go out with the
 * first chunk, every write is corked (writes happen outside the request
 * handler), and nothing touches the response after an abort or after it ended.
 *
 * Backpressure: uWS keeps what the socket did not take and reports it by
 * `write` returning false; it sends the rest by itself as the socket drains.
 * `bufferedAmount()` counts the bytes written since the first refused write,
 * until a write is taken whole again (the socket had drained by then). It is
 * an upper bound of what uWS holds, like a WebSocket's buffered amount, so a
 * slow client reaches `client.queue_max_size` (3008) the same way.
 *
 * uWS's `onWritable` is not used: in this uWS build a response with an
 * `onWritable` handler no longer drains its buffer by itself.
 */
import type { HttpResponse } from 'uWebSockets.js';
import type { AbortWatch, HeaderList } from '../http/body';

/** Byte length of a chunk. */
function sizeOf(chunk: string | Uint8Array): number {
  return typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
}

/** One streaming response. */
export class ResponseStream {
  private headersSent = false;
  private backlog = 0;

  constructor(
    private readonly res: HttpResponse,
    /** The response's abort watch; `ended` is set here when the stream ends. */
    readonly watch: AbortWatch,
    /** Headers sent with the 200 status before the first chunk. */
    private readonly headers: HeaderList,
  ) {}

  /** True while chunks can still be written (not aborted, not ended). */
  get open(): boolean {
    return this.watch.writable;
  }

  /** Bytes written but possibly not yet taken by the socket (see the module doc), bytes. */
  bufferedAmount(): number {
    return this.backlog;
  }

  /** Writes one chunk (status and headers first, on the first call); no-op once closed. */
  write(chunk: string | Uint8Array): void {
    if (!this.watch.writable) return;
    this.res.cork(() => {
      this.writeHead();
      const whole = this.res.write(chunk);
      this.backlog = whole ? 0 : this.backlog + sizeOf(chunk);
    });
  }

  /**
   * Writes a last chunk (if any) and ends the response; no-op once closed.
   * `closeConnection` also closes the TCP connection (while draining, so no
   * idle keep-alive connection holds the shard up).
   */
  finish(last: string | Uint8Array = '', closeConnection = false): void {
    if (!this.watch.writable) return;
    this.watch.ended = true;
    this.res.cork(() => {
      this.writeHead();
      if (sizeOf(last) > 0) this.res.write(last);
      this.res.end(undefined, closeConnection);
    });
  }

  /** Cuts the connection at once (shutdown deadline, crash); no-op once closed. */
  cut(): void {
    if (!this.watch.writable) return;
    this.watch.ended = true;
    this.res.close();
  }

  private writeHead(): void {
    if (this.headersSent) return;
    this.headersSent = true;
    this.res.writeStatus('200 OK');
    for (const [name, value] of this.headers) this.res.writeHeader(name, value);
  }
}
