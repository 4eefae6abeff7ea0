/**
 * Test clients: the real `centrifuge` SDK over `ws`, and a raw WebSocket that
 * speaks the JSON protocol by hand for bad-input tests.
 */
import { Centrifuge, type Subscription } from 'centrifuge';
import WebSocket from 'ws';

/** Creates an SDK client (not yet connected). */
export function sdkClient(wsUrl: string, options: Record<string, unknown> = {}): Centrifuge {
  return new Centrifuge(wsUrl, { websocket: WebSocket, ...options });
}

/** Connects an SDK client and subscribes it to `channel`, collecting publication data. */
export async function subscribedClient(
  wsUrl: string,
  channel: string,
): Promise<{ client: Centrifuge; sub: Subscription; received: unknown[] }> {
  const client = sdkClient(wsUrl);
  const received: unknown[] = [];
  const sub = client.newSubscription(channel);
  sub.on('publication', (ctx) => received.push(ctx.data));
  client.connect();
  sub.subscribe();
  try {
    await sub.ready(5000);
  } catch (error) {
    client.disconnect(); // not left reconnecting after the test
    throw error;
  }
  return { client, sub, received };
}

/** A raw WebSocket: send text frames, read frames, observe the close code. */
export class RawClient {
  readonly frames: string[] = [];
  closeCode = 0;
  closeReason = '';
  private readonly ws: WebSocket;
  private readonly closed: Promise<void>;
  private waiters: (() => void)[] = [];

  constructor(url: string, options: WebSocket.ClientOptions = {}) {
    this.ws = new WebSocket(url, options);
    this.ws.on('message', (data) => {
      this.frames.push(data.toString());
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code, reason) => {
        this.closeCode = code;
        this.closeReason = reason.toString();
        for (const w of this.waiters.splice(0)) w();
        resolve();
      });
    });
    this.ws.on('error', () => undefined);
  }

  /** Resolves when the socket is open. */
  opened(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      this.ws.once('error', reject);
    });
  }

  /** Sends one text frame. */
  send(text: string): void {
    this.ws.send(text);
  }

  /** Sends the connect command and waits for its reply. */
  async connect(): Promise<any> {
    await this.opened();
    this.send(JSON.stringify({ id: 1, connect: {} }));
    const frame = await this.nextFrame();
    return JSON.parse(frame);
  }

  /** Waits for the next frame not yet consumed. */
  async nextFrame(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.consumed >= this.frames.length) {
      if (this.closeCode !== 0) throw new Error(`closed with ${this.closeCode} ${this.closeReason}`);
      if (Date.now() > deadline) throw new Error('no frame in time');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.frames[this.consumed++]!;
  }
  private consumed = 0;

  /** Resolves with the close code once closed. */
  async waitClose(timeoutMs = 5000): Promise<number> {
    await Promise.race([this.closed, new Promise((_, reject) => setTimeout(() => reject(new Error('not closed in time')), timeoutMs))]);
    return this.closeCode;
  }

  /** Stops reading from the socket (simulates a client that does not keep up). */
  pause(): void {
    (this.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  /** Resumes reading. */
  resume(): void {
    (this.ws as unknown as { _socket: { resume(): void } })._socket.resume();
  }

  /** Closes from the client side. */
  close(): void {
    this.ws.close();
  }

  /** Whether the socket is open. */
  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }
}

/** Polls `predicate` until true or the timeout passes (then throws with `what`). */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Opens a raw WebSocket; resolves with it once open, or with the HTTP status of a refused upgrade (limits tests). */
export async function openOrStatus(url: string): Promise<RawClient | number> {
  const c = new RawClient(url);
  try {
    await c.opened();
    return c;
  } catch (err) {
    const status = /upgrade refused: (\d+)/.exec((err as Error).message);
    if (!status) throw err;
    return Number(status[1]);
  }
}
