/**
 * The transport of the unidirectional HTTP-streaming and SSE connections: a
 * `ClientTransport` over one ResponseStream (response-stream.ts: corked
 * writes, nothing after an abort or the end, back-pressure counted) that
 * writes bare pushes, each framed by the transport (`<push>\n` or
 * `data: <push>\n\n`), and ends with a `disconnect` push and the end of the
 * chunked body.
 */
import type { EncodedReply } from '../protocol/names';
import { frameEach } from './emulated';
import type { ResponseStream } from './response-stream';
import { disconnectPush, repliesToPushes } from '../protocol/uni-push';
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

/**
 * Framed chunks of reply batches, per framing. The Writer hands one channel
 * batch (the same array) to every stream on the topic, so the batch is
 * unwrapped and framed once per shard, not once per stream.
 */
const framedBatches = new Map<PushFraming, WeakMap<readonly EncodedReply[], string | Uint8Array | null>>([
  [LINE_FRAMING, new WeakMap()],
  [SSE_FRAMING, new WeakMap()],
]);

/** The framed bare pushes of a batch of replies (null when none has a push). */
export function framedPushes(replies: readonly EncodedReply[], framing: PushFraming): string | Uint8Array | null {
  const cache = framedBatches.get(framing);
  let chunk = cache?.get(replies);
  if (chunk === undefined) {
    const pushes = repliesToPushes(replies);
    chunk = pushes.length > 0 ? frameEach(pushes, framing.before, framing.after) : null;
    cache?.set(replies, chunk);
  }
  return chunk;
}

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
    const chunk = framedPushes(replies, this.framing);
    if (chunk !== null) this.stream.write(chunk);
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
