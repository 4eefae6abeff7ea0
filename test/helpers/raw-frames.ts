/**
 * A WebSocket client on a plain TCP socket that shows what `ws` hides: the
 * upgrade response headers and each server frame's RSV1 bit (set on a
 * permessage-deflate compressed message), with the payload inflated.
 */
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { constants, inflateRawSync } from 'node:zlib';

/** One server frame. */
export interface ServerFrame {
  readonly opcode: number;
  /** RSV1: the message was compressed. */
  readonly compressed: boolean;
  /** The payload, inflated when compressed. */
  readonly payload: Buffer;
}

/** The tail permessage-deflate strips from each compressed message (RFC 7692 §7.2.1). */
const DEFLATE_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** A raw WebSocket connection. */
export class RawFrameClient {
  /** Response headers of the upgrade (lower-case names). */
  headers: Record<string, string> = {};
  private buffer = Buffer.alloc(0);
  private readonly frames: ServerFrame[] = [];
  private wake: (() => void) | null = null;
  private upgraded = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk) => this.onData(chunk));
  }

  /** Opens `ws://host:port/path`, offering permessage-deflate when `deflate`. */
  static async open(wsUrl: string, deflate: boolean): Promise<RawFrameClient> {
    const url = new URL(wsUrl);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const client = new RawFrameClient(socket);
    socket.write(
      [
        `GET ${url.pathname}${url.search} HTTP/1.1`,
        `Host: ${url.host}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        'Sec-WebSocket-Version: 13',
        ...(deflate ? ['Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits'] : []),
        '',
        '',
      ].join('\r\n'),
    );
    await client.waitFor(() => client.upgraded);
    return client;
  }

  /** Sends a masked text frame (uncompressed). */
  sendText(text: string): void {
    const payload = Buffer.from(text);
    const mask = randomBytes(4);
    const length = payload.length;
    const header = length < 126 ? Buffer.from([0x81, 0x80 | length]) : Buffer.from([0x81, 0x80 | 126, length >> 8, length & 0xff]);
    const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
    this.socket.write(Buffer.concat([header, mask, masked]));
  }

  /** The next server frame. */
  async nextFrame(): Promise<ServerFrame> {
    await this.waitFor(() => this.frames.length > 0);
    return this.frames.shift()!;
  }

  close(): void {
    this.socket.destroy();
  }

  private async waitFor(ready: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      if (Date.now() > deadline) throw new Error('raw WebSocket: nothing in time');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    if (!this.upgraded) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [, ...lines] = this.buffer.subarray(0, end).toString().split('\r\n');
      for (const line of lines) {
        const at = line.indexOf(':');
        this.headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
      }
      this.buffer = this.buffer.subarray(end + 4);
      this.upgraded = true;
    }
    for (let frame = this.readFrame(); frame; frame = this.readFrame()) this.frames.push(frame);
    this.wake?.();
  }

  private readFrame(): ServerFrame | null {
    if (this.buffer.length < 2) return null;
    const first = this.buffer[0]!;
    let length = this.buffer[1]! & 0x7f;
    let at = 2;
    if (length === 126) {
      if (this.buffer.length < 4) return null;
      length = this.buffer.readUInt16BE(2);
      at = 4;
    } else if (length === 127) {
      if (this.buffer.length < 10) return null;
      length = Number(this.buffer.readBigUInt64BE(2));
      at = 10;
    }
    if (this.buffer.length < at + length) return null;
    const raw = this.buffer.subarray(at, at + length);
    this.buffer = this.buffer.subarray(at + length);
    const compressed = (first & 0x40) !== 0;
    return { opcode: first & 0x0f, compressed, payload: compressed ? inflateRawSync(Buffer.concat([raw, DEFLATE_TAIL]), { finishFlush: constants.Z_SYNC_FLUSH }) : Buffer.from(raw) };
  }
}
