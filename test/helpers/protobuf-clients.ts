/**
 * Protobuf test clients: the real `centrifuge` SDK's Protobuf build over
 * `ws`, and a raw WebSocket speaking the Protobuf protocol by hand (with
 * switchyard's own codec) for selection and bad-input tests.
 */
import { Centrifuge, type Subscription } from 'centrifuge/build/protobuf';
import WebSocket from 'ws';
import { decodeReplies, encodeCommands } from '../../src/protocol/protobuf/codec';

const utf8 = new TextEncoder();
const text = new TextDecoder();

/** UTF-8 bytes of a value's JSON. */
export function jsonBytes(value: unknown): Uint8Array {
  return utf8.encode(JSON.stringify(value));
}

/** The value whose JSON a payload's bytes hold. */
export function fromJsonBytes(bytes: Uint8Array): unknown {
  return JSON.parse(text.decode(bytes)) as unknown;
}

/** Creates a Protobuf SDK client (not yet connected). */
export function protobufClient(wsUrl: string, options: Record<string, unknown> = {}): Centrifuge {
  return new Centrifuge(wsUrl, { websocket: WebSocket, ...options });
}

/** Connects a Protobuf SDK client and subscribes it to `channel`, collecting publication data (bytes). */
export async function protobufSubscribedClient(
  wsUrl: string,
  channel: string,
  subOptions: Record<string, unknown> = {},
): Promise<{ client: Centrifuge; sub: Subscription; received: Uint8Array[] }> {
  const client = protobufClient(wsUrl);
  const received: Uint8Array[] = [];
  const sub = client.newSubscription(channel, subOptions);
  sub.on('publication', (ctx) => received.push(ctx.data as Uint8Array));
  client.connect();
  sub.subscribe();
  await sub.ready(10_000);
  return { client, sub, received };
}

/** A raw WebSocket speaking Protobuf: send binary frames, read decoded replies, observe the close code. */
export class RawProtobufClient {
  readonly replies: Record<string, unknown>[] = [];
  readonly protocolHeader: Promise<string>;
  closeCode = 0;
  private readonly ws: WebSocket;
  private readonly closed: Promise<void>;

  /** `subprotocol` false selects Protobuf by the URL's query instead of the subprotocol. */
  constructor(url: string, subprotocol = true) {
    this.ws = subprotocol ? new WebSocket(url, ['centrifuge-protobuf']) : new WebSocket(url);
    this.protocolHeader = new Promise((resolve) => this.ws.once('open', () => resolve(this.ws.protocol)));
    this.ws.on('message', (data: Buffer) => {
      for (const r of decodeReplies(new Uint8Array(data))) this.replies.push(r);
    });
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code) => {
        this.closeCode = code;
        resolve();
      });
    });
    this.ws.on('error', () => undefined);
  }

  /** Resolves when open. */
  async opened(): Promise<void> {
    await this.protocolHeader;
  }

  /** Sends raw bytes as one binary frame. */
  sendBytes(bytes: Uint8Array): void {
    this.ws.send(bytes, { binary: true });
  }

  /** Sends Commands (plain objects) as one delimited binary frame. */
  send(...commands: Record<string, unknown>[]): void {
    this.sendBytes(encodeCommands(commands));
  }

  /** Waits for the reply with command id `id`. */
  async reply(id: number, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.replies.find((r) => r['id'] === id);
      if (found) return found;
      if (this.closeCode !== 0) throw new Error(`closed with ${this.closeCode}`);
      if (Date.now() > deadline) throw new Error(`no reply ${id} in time`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Connects (command id 1) and returns the connect result. */
  async connect(): Promise<Record<string, unknown>> {
    await this.opened();
    this.send({ id: 1, connect: {} });
    return (await this.reply(1))['connect'] as Record<string, unknown>;
  }

  /** Resolves with the close code once closed. */
  async waitClose(timeoutMs = 10_000): Promise<number> {
    await Promise.race([this.closed, new Promise((_, reject) => setTimeout(() => reject(new Error('not closed in time')), timeoutMs))]);
    return this.closeCode;
  }

  /** Closes from the client side. */
  close(): void {
    this.ws.close();
  }
}
