/**
 * The seam between a connection and what carries its bytes. A Connection
 * (connection.ts) talks to its client through one ClientTransport, whichever
 * of Centrifugo's transports it is: the bidirectional WebSocket, the
 * emulated HTTP-streaming and SSE sessions, or a unidirectional stream.
 *
 * The shard hands a transport encoded Reply messages, one per element, in
 * the connection's protocol; the transport frames them for its wire (joined
 * with `\n`, varint-delimited, `data: …` SSE events, or unwrapped to bare
 * pushes on unidirectional transports).
 *
 * Transports with native topics (uWS WebSockets) join uWS topics and receive
 * channel publications from uWS's C++ publish. The others are written to one
 * by one by the Writer, which keeps their topic membership.
 */
import type { WebSocket } from 'uWebSockets.js';
import { joinDelimited, joinJson } from '../../protocol/framing';
import type { EncodedReply, ProtocolType, TransportName } from '../../protocol/names';

/**
 * The uWS topic on which native-topic unidirectional sockets receive a JSON
 * topic's publications as bare pushes (the Writer strips the Reply wrapper
 * once per publication for all of them): one WebSocket message per push, or
 * with `joined` the pushes of one flush newline-joined into one message.
 */
export function barePushTopic(topic: string, joined: boolean): string {
  return (joined ? '\u0003' : '\u0002') + topic;
}

/** Bidirectional emulation: commands arrive by POST /emulation (HTTP-streaming and SSE). */
export function isEmulated(transport: ClientTransport): boolean {
  return transport.name === 'http_stream' || transport.name === 'sse';
}

/** What carries one connection's bytes. */
export interface ClientTransport {
  readonly name: TransportName;
  readonly protocol: ProtocolType;
  /** Pushes go out bare (no Reply wrapper) and no commands are read from the client. */
  readonly unidirectional: boolean;
  /** Joins uWS topics natively; when false the Writer writes topic frames to it one by one. */
  readonly nativeTopics: boolean;
  /**
   * Session id of emulated (HTTP-streaming, SSE) and unidirectional
   * transports, sent in the connect result; undefined for WebSockets.
   */
  readonly session: string | undefined;
  /** Joins a uWS topic (native-topic transports only). */
  subscribe(topic: string): void;
  /** Leaves a uWS topic (native-topic transports only). */
  unsubscribe(topic: string): void;
  /** Writes encoded replies, in order, as few frames as the transport allows. */
  send(replies: readonly EncodedReply[]): void;
  /** Bytes written but not yet taken by the client's socket, bytes. */
  bufferedAmount(): number;
  /** Ends the connection with a disconnect code and reason; the close callback follows. */
  end(code: number, reason: string): void;
  /** Cuts the connection without a code (shutdown deadline, crash). */
  close(): void;
  /**
   * True for the admin web UI's live-tail WebSocket (src/admin): it connects
   * with an admin tail token only, and nothing else may. Absent elsewhere.
   */
  readonly adminTail?: boolean;
}

/** The uWS user data a bidirectional WebSocket carries; `conn` is set once it opens. */
export interface WebSocketData<C> {
  conn: C | null;
  /** Headers of the upgrade request that proxies forward or that name the user (lower-case names). */
  headers: Readonly<Record<string, string>>;
  /** Protocol chosen at upgrade (subprotocol or `cf_protocol`). */
  protocol: ProtocolType;
}

/** The bidirectional WebSocket transport over a uWS socket. */
export class WebSocketTransport<C> implements ClientTransport {
  // The constants are prototype getters, not fields: 32 bytes less per connection.
  get name(): 'websocket' {
    return 'websocket';
  }
  get unidirectional(): false {
    return false;
  }
  get nativeTopics(): true {
    return true;
  }
  get session(): undefined {
    return undefined;
  }
  readonly protocol: ProtocolType;

  constructor(private readonly ws: WebSocket<WebSocketData<C>>) {
    this.protocol = ws.getUserData().protocol;
  }

  subscribe(topic: string): void {
    this.ws.subscribe(topic);
  }

  unsubscribe(topic: string): void {
    this.ws.unsubscribe(topic);
  }

  send(replies: readonly EncodedReply[]): void {
    if (replies.length === 0) return;
    if (this.protocol === 'json') {
      const frame = joinJson(replies);
      this.ws.cork(() => this.ws.send(frame, false, this.compress(frame)));
      return;
    }
    const frame = joinDelimited(replies as readonly Uint8Array[]);
    this.ws.cork(() => this.ws.send(frame, true, this.compress(frame)));
  }

  /** Whether to ask uWS to deflate a frame (it does only on sockets that negotiated permessage-deflate). */
  protected compress(_frame: string | Uint8Array): boolean {
    return false;
  }

  bufferedAmount(): number {
    return this.ws.getBufferedAmount();
  }

  end(code: number, reason: string): void {
    // Nothing more is queued for a socket being closed: without this, topic frames published while
    // the close handshake waits (a slow reader never answers it) would grow its buffer past uWS's
    // maxBackpressure, and uWS would cut it without the close frame (1006 instead of the code).
    for (const topic of this.ws.getTopics()) this.ws.unsubscribe(topic);
    this.ws.end(code, reason);
  }

  close(): void {
    this.ws.close();
  }
}

/**
 * The WebSocket of the admin web UI's live tail, served on the admin
 * endpoint: a WebSocketTransport whose connection must present an admin tail
 * token (access/authenticator.ts). The flag is a prototype getter, so other
 * connections carry nothing for it.
 */
export class AdminTailTransport<C> extends WebSocketTransport<C> {
  get adminTail(): true {
    return true;
  }
}

/**
 * The WebSocket transport class for `websocket.compression`: frames of at
 * least `minSize` (string length for text, bytes for binary) are sent with
 * uWS's compress flag. A class per setting rather than a field per
 * connection, so idle connections pay nothing for it.
 */
export function compressingWebSocketTransport<C>(minSize: number): new (ws: WebSocket<WebSocketData<C>>) => WebSocketTransport<C> {
  return class CompressingWebSocketTransport extends WebSocketTransport<C> {
    protected override compress(frame: string | Uint8Array): boolean {
      return frame.length >= minSize;
    }
  };
}
