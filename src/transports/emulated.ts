/**
 * The ClientTransport of the bidirectional emulation transports
 * (HTTP-streaming and SSE): replies and pushes go down one streaming HTTP
 * response, framed per transport; commands come back by `POST /emulation`
 * (emulation.ts) naming the session.
 *
 * No native uWS topics: the Writer writes channel publications to it one by
 * one. A disconnect writes the disconnect push and ends the response; the
 * close callback runs once, whichever way the stream ends (disconnect, cut,
 * or the client going away).
 */
import { encodeDisconnectPush } from '../protocol/json';
import { replyFromJson } from '../protocol/protobuf/codec';
import { joinDelimited } from '../protocol/framing';
import type { ClientTransport } from '../shards/session/transport';
import type { EncodedReply, ProtocolType } from '../protocol/names';
import type { ResponseStream } from './response-stream';

/** Turns replies into one chunk of the transport's wire format. */
export type Framer = (replies: readonly EncodedReply[]) => string | Uint8Array;

const utf8 = new TextEncoder();

/**
 * Frames each reply as `prefix + reply + suffix`, as one string when every
 * reply is text, as bytes otherwise.
 */
export function frameEach(replies: readonly EncodedReply[], prefix: string, suffix: string): string | Uint8Array {
  if (replies.every((r) => typeof r === 'string')) {
    let out = '';
    for (const r of replies as readonly string[]) out += prefix + r + suffix;
    return out;
  }
  const head = utf8.encode(prefix);
  const tail = utf8.encode(suffix);
  const parts: Uint8Array[] = [];
  for (const r of replies) parts.push(head, typeof r === 'string' ? utf8.encode(r) : r, tail);
  return Buffer.concat(parts);
}

/**
 * Wraps a framer so that one replies array is framed once: the Writer hands
 * the same array of a channel's publications to every direct subscriber, so
 * sessions of one kind share the framed chunk. The array must not change
 * after it was framed (the Writer never reuses one).
 */
export function sharedFramer(frame: Framer): Framer {
  let lastIn: readonly EncodedReply[] | null = null;
  let lastOut: string | Uint8Array = '';
  return (replies) => {
    if (replies !== lastIn) {
      lastOut = frame(replies);
      lastIn = replies;
    }
    return lastOut;
  };
}

/** Frames replies for a Protobuf stream: each a varint-delimited Reply. */
export function frameDelimited(replies: readonly EncodedReply[]): Uint8Array {
  // The Writer encodes every reply in the connection's protocol (shards/reply-encoding.ts).
  return joinDelimited(replies as readonly Uint8Array[]);
}

/** A session of HTTP-streaming or SSE. */
export class EmulatedTransport implements ClientTransport {
  readonly unidirectional = false;
  readonly nativeTopics = false;
  private closed = false;
  private onClosed: (() => void) | null = null;

  constructor(
    readonly name: 'http_stream' | 'sse',
    readonly protocol: ProtocolType,
    /** Session id sent in the connect result; `POST /emulation` names it. */
    readonly session: string,
    private readonly stream: ResponseStream,
    private readonly frame: Framer,
    /** Whether ending the stream also closes its TCP connection (true while the shard drains). */
    private readonly closeOnEnd: () => boolean,
  ) {}

  /** Sets what runs once when the stream ends, whichever way (the shard's close callback). */
  whenClosed(callback: () => void): void {
    this.onClosed = callback;
  }

  subscribe(): void {
    // No native topics: the Writer keeps the membership.
  }

  unsubscribe(): void {
    // No native topics: the Writer keeps the membership.
  }

  send(replies: readonly EncodedReply[]): void {
    if (replies.length === 0 || this.closed) return;
    this.stream.write(this.frame(replies));
  }

  bufferedAmount(): number {
    return this.stream.bufferedAmount();
  }

  end(code: number, reason: string): void {
    if (this.closed) return;
    const push = encodeDisconnectPush(code, reason);
    this.stream.finish(this.frame([this.protocol === 'protobuf' ? replyFromJson(push) : push]), this.closeOnEnd());
    this.gone();
  }

  close(): void {
    if (this.closed) return;
    this.stream.cut();
    this.gone();
  }

  /** The client went away (the response was aborted). */
  aborted(): void {
    this.gone();
  }

  private gone(): void {
    if (this.closed) return;
    this.closed = true;
    const callback = this.onClosed;
    this.onClosed = null;
    callback?.();
  }
}
