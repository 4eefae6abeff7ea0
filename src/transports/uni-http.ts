/**
 * The streaming HTTP response shared by the unidirectional HTTP-streaming and
 * SSE transports: a `ClientTransport` over one uWS HttpResponse that writes
 * bare pushes, each framed by the transport (`<push>\n` or `data: <push>\n\n`),
 * and ends with a `disconnect` push and the chunked-body terminator.
 *
 * uWS rules kept here: every write outside the request handler is corked, and
 * nothing touches the response after onAborted fired (then the connection is
 * gone: the shard is told through `gone`) or after it was ended.
 */
import type { HttpResponse } from 'uWebSockets.js';
import type { EncodedReply } from '../shards/transport';
import type { AbortWatch } from './http-body';
import { disconnectPush, repliesToPushes } from './uni-push';
import { UnidirectionalTransport } from './uni-transport';

/** How one push is framed on the stream: the text written before and after it. */
export interface PushFraming {
  readonly before: string;
  readonly after: string;
}

/** HTTP-streaming: one push per line. */
export const LINE_FRAMING: PushFraming = Object.freeze({ before: '', after: '\n' });

/** Server-Sent Events: one `data:` event per push. */
export const SSE_FRAMING: PushFraming = Object.freeze({ before: 'data: ', after: '\n\n' });

const utf8 = new TextEncoder();

/** The framed pushes as one chunk: text when every push is text, bytes otherwise. */
export function framePushes(pushes: readonly EncodedReply[], framing: PushFraming): string | Uint8Array {
  if (pushes.every((p) => typeof p === 'string')) {
    let out = '';
    for (const p of pushes as readonly string[]) out += framing.before + p + framing.after;
    return out;
  }
  const before = utf8.encode(framing.before);
  const after = utf8.encode(framing.after);
  const parts = pushes.map((p) => (typeof p === 'string' ? utf8.encode(p) : p));
  let size = 0;
  for (const p of parts) size += before.length + p.length + after.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(before, at);
    at += before.length;
    out.set(p, at);
    at += p.length;
    out.set(after, at);
    at += after.length;
  }
  return out;
}

/** Bare pushes over a streaming uWS HttpResponse. */
export class UniHttpTransport extends UnidirectionalTransport {
  private finished = false;

  /**
   * `gone` is called once when the response ended or was aborted, so the
   * shard forgets the connection; `watch` is the response's abort watch.
   */
  constructor(
    readonly name: 'uni_http_stream' | 'uni_sse',
    private readonly res: HttpResponse,
    private readonly watch: AbortWatch,
    private readonly framing: PushFraming,
    private readonly gone: () => void,
  ) {
    super();
    watch.onAbort(() => this.finish());
    res.onWritable(() => {
      this.pending = 0;
      return true;
    });
  }

  send(replies: readonly EncodedReply[]): void {
    if (!this.watch.writable) return;
    const pushes = repliesToPushes(replies);
    if (pushes.length === 0) return;
    const chunk = framePushes(pushes, this.framing);
    // Counted while uWS reports back-pressure; it tells only when all is drained (onWritable).
    this.res.cork(() => {
      if (!this.res.write(chunk)) this.pending += chunk.length;
    });
  }

  end(code: number, reason: string): void {
    if (!this.watch.writable) {
      this.finish();
      return;
    }
    this.watch.ended = true;
    const push = disconnectPush(code, reason);
    this.res.cork(() => {
      if (push !== null) this.res.write(framePushes([push], this.framing));
      this.res.end();
    });
    this.finish();
  }

  close(): void {
    // uWS runs onAborted from close(): the watch then finishes the connection.
    if (this.watch.writable) this.res.close();
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.gone();
  }
}
