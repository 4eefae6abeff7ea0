/**
 * The transport of the unidirectional HTTP-streaming and SSE connections: a
 * `ClientTransport` over one ResponseStream (response-stream.ts: corked
 * writes, nothing after an abort or the end, back-pressure counted) that
 * writes bare pushes, each framed by the transport (`<push>\n` or
 * `data: <push>\n\n`), and ends with a `disconnect` push and the end of the
 * chunked body.
 */
import type { EncodedReply } from '../shards/transport';
import { frameEach } from './emulated';
import type { ResponseStream } from './response-stream';
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

/** Bare pushes over a streaming HTTP response. */
export class UniHttpTransport extends UnidirectionalTransport {
  private finished = false;

  /**
   * `gone` is called once when the response ended or was aborted, so the
   * shard forgets the connection; `closeOnEnd` says whether ending the
   * response also closes its TCP connection (while the shard drains).
   */
  constructor(
    readonly name: 'uni_http_stream' | 'uni_sse',
    private readonly stream: ResponseStream,
    private readonly framing: PushFraming,
    private readonly closeOnEnd: () => boolean,
    private readonly gone: () => void,
  ) {
    super();
    stream.watch.onAbort(() => this.finish());
  }

  send(replies: readonly EncodedReply[]): void {
    const pushes = repliesToPushes(replies);
    if (pushes.length > 0) this.stream.write(frameEach(pushes, this.framing.before, this.framing.after));
  }

  override bufferedAmount(): number {
    return this.stream.bufferedAmount();
  }

  end(code: number, reason: string): void {
    const push = disconnectPush(code, reason);
    this.stream.finish(push === null ? '' : frameEach([push], this.framing.before, this.framing.after), this.closeOnEnd());
    this.finish();
  }

  close(): void {
    this.stream.cut();
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.gone();
  }
}
