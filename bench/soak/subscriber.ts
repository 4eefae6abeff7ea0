/**
 * One soak subscriber: a WebSocket speaking Centrifugo's JSON protocol that
 * subscribes to one recoverable channel and never gives up on it. It
 * reconnects after every close and resubscribes after every server
 * unsubscribe, each time with `recover: true` and the last offset and epoch
 * it saw; it records every publication (live or recovered) in its
 * StreamRecord, and a recovery the server answers with `recovered: false`
 * as a failure with its details. A slow consumer also joins the bulk channel,
 * and `pause()` stops reading its socket until `resume()`.
 */
import WebSocket from 'ws';
import { BULK_CHANNEL } from './config';
import { StreamRecord, Via } from './stream-record';

/** Reconnect and resubscribe delays are drawn from [MIN, MIN + SPREAD) ms, so a cut shard's clients do not all come back at once. */
const RETRY_MIN_MS = 200;
const RETRY_SPREAD_MS = 1_800;

/** A slow consumer still connected this long after it resumed reading was not cut, ms. */
const SURVIVED_PAUSE_MS = 10_000;

/** A recovery the server could not complete. */
export interface FailedRecovery {
  readonly channel: string;
  /** The position the subscriber asked to recover from. */
  readonly fromOffset: number;
  readonly fromEpoch: string;
  /** The position the server answered with. */
  readonly toOffset: number;
  readonly toEpoch: string;
  /** Milliseconds since the soak began (Date.now based). */
  readonly atMs: number;
}

/** What every subscriber of one worker adds to. */
export interface SubscriberTally {
  /** Close codes of connections the server (or the network) closed, by code. */
  readonly closeCodes: Record<string, number>;
  /** Server unsubscribe pushes by code. */
  readonly unsubscribeCodes: Record<string, number>;
  /** Subscribe errors by code (e.g. 100 while Redis is down). */
  readonly subscribeErrors: Record<string, number>;
  readonly failedRecoveries: FailedRecovery[];
  reconnects: number;
  resubscribes: number;
  /** Close codes slow consumers saw after being cut, by code. */
  readonly slowCloseCodes: Record<string, number>;
  /** Slow consumers found closed when they resumed reading. */
  slowCut: number;
  /** Slow consumers that were cut and subscribed again afterwards. */
  slowResumed: number;
}

interface ReplyLine {
  id?: number;
  error?: { code: number; message: string };
  subscribe?: { epoch?: string; offset?: number; recovered?: boolean; publications?: { offset?: number }[] };
  push?: {
    channel?: string;
    pub?: { offset?: number };
    unsubscribe?: { code?: number };
    disconnect?: { code?: number };
  };
}

/** Events a subscriber's history keeps. */
const HISTORY_LENGTH = 24;

const bump = (table: Record<string, number>, key: number | string): void => {
  table[key] = (table[key] ?? 0) + 1;
};

/** One subscriber connection and its record. */
export class Subscriber {
  /** What it received. */
  readonly record = new StreamRecord();
  /** Its last events (connects, closes, subscribe replies, unsubscribes, publications), oldest first, for the report of an anomaly. */
  readonly history: string[] = [];
  /** The history at its first duplicate or out-of-order arrival. */
  historyAtAnomaly: string[] | null = null;
  private socket: WebSocket | null = null;
  /** Last known stream position (from a subscribe reply or publication). */
  private offset = 0;
  private epoch = '';
  /** The channel is subscribed on the current connection. */
  private subscribed = false;
  private nextId = 1;
  private subscribeId = 0;
  private stopped = false;
  private paused = false;
  /** Stopped reading at some point on the current connection. */
  private pausedOnThisSocket = false;
  /** Was cut while paused, and has not subscribed again yet. */
  private cutWhilePaused = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    /** The recoverable channel. */
    readonly channel: string,
    /** Also joins the bulk channel, and is paused in slow-consumer faults. */
    readonly slow: boolean,
    private readonly tally: SubscriberTally,
    private readonly startedAt: number,
  ) {}

  /** Subscribed with a known position on a live connection. */
  get ready(): boolean {
    return this.subscribed && this.socket?.readyState === WebSocket.OPEN;
  }

  /** Opens the connection; resolves once the channel is subscribed the first time (or rejects on a failure before it). */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setInterval(() => {
        if (this.record.startOffset >= 0) {
          clearInterval(timer);
          resolve();
        } else if (this.stopped) {
          clearInterval(timer);
          reject(new Error('stopped before subscribing'));
        }
      }, 20);
      this.open();
    });
  }

  /** Stops reading the socket (a slow consumer). */
  pause(): void {
    if (!this.slow || this.paused) return;
    this.paused = true;
    this.pausedOnThisSocket = true;
    this.socket?.pause();
  }

  /** Reads the socket again; a connection the server cut meanwhile then closes and reconnects. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    const socket = this.socket;
    socket?.resume();
    // A connection still open once it has read what queued up while paused was not cut.
    setTimeout(() => {
      if (this.socket === socket && socket?.readyState === WebSocket.OPEN) this.pausedOnThisSocket = false;
    }, SURVIVED_PAUSE_MS);
  }

  /** Closes for good. */
  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.socket?.terminate();
  }

  private note(event: string): void {
    this.history.push(`${((Date.now() - this.startedAt) / 1000).toFixed(2)} ${event}`);
    if (this.history.length > HISTORY_LENGTH) this.history.shift();
  }

  private receive(offset: number, via: Via): void {
    const anomalies = this.record.anomalies.length;
    this.record.receive(offset, via);
    this.note(`${via === Via.Live ? 'pub' : 'recovered pub'} ${offset}`);
    if (this.record.anomalies.length > anomalies && this.historyAtAnomaly === null) this.historyAtAnomaly = [...this.history];
  }

  private open(): void {
    if (this.stopped) return;
    const socket = new WebSocket(this.url, { perMessageDeflate: false, skipUTF8Validation: true });
    this.socket = socket;
    this.subscribed = false;
    this.pausedOnThisSocket = this.paused;
    socket.on('open', () => {
      this.note('open');
      const frames = [JSON.stringify({ id: this.nextId++, connect: { name: 'soak' } }), this.subscribeCommand()];
      if (this.slow) frames.push(JSON.stringify({ id: this.nextId++, subscribe: { channel: BULK_CHANNEL } }));
      socket.send(frames.join('\n'));
      if (this.paused) socket.pause();
    });
    socket.on('message', (data: Buffer) => this.onFrame(socket, data.toString()));
    socket.on('error', () => undefined); // 'close' follows
    socket.on('close', (code: number) => {
      if (this.socket !== socket) return;
      this.subscribed = false;
      if (this.stopped) return;
      bump(this.tally.closeCodes, code);
      this.note(`close ${code}`);
      if (this.pausedOnThisSocket) {
        // It stopped reading on this connection and was closed: a slow consumer the server cut.
        this.tally.slowCut++;
        bump(this.tally.slowCloseCodes, code);
        this.cutWhilePaused = true;
      }
      this.tally.reconnects++;
      this.later(() => this.open());
    });
  }

  /** Subscribe command for the recoverable channel, recovering from the last position once one is known. */
  private subscribeCommand(): string {
    this.subscribeId = this.nextId++;
    const positioned = this.record.startOffset >= 0;
    return JSON.stringify({
      id: this.subscribeId,
      subscribe: positioned ? { channel: this.channel, recover: true, offset: this.offset, epoch: this.epoch } : { channel: this.channel },
    });
  }

  private later(action: () => void): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      this.retry = null;
      action();
    }, RETRY_MIN_MS + Math.random() * RETRY_SPREAD_MS);
  }

  private resubscribe(socket: WebSocket): void {
    this.later(() => {
      if (this.socket === socket && socket.readyState === WebSocket.OPEN) {
        this.tally.resubscribes++;
        const command = this.subscribeCommand();
        this.note(`send ${command}`);
        socket.send(command);
      }
    });
  }

  private onFrame(socket: WebSocket, text: string): void {
    for (const line of text.split('\n')) {
      if (line === '') continue;
      let reply: ReplyLine;
      try {
        reply = JSON.parse(line) as ReplyLine;
      } catch {
        continue;
      }
      if (reply.push) this.onPush(socket, reply.push);
      else if (reply.id === undefined && reply.error === undefined) socket.send('{}'); // the server's ping
      else if (reply.id === this.subscribeId) this.onSubscribeReply(socket, reply);
    }
  }

  private onPush(socket: WebSocket, push: NonNullable<ReplyLine['push']>): void {
    if (push.channel !== this.channel) return; // the bulk channel, or a disconnect (the close follows)
    if (push.pub) {
      const offset = push.pub.offset ?? 0;
      this.receive(offset, Via.Live);
      if (offset > this.offset) this.offset = offset;
    } else if (push.unsubscribe) {
      bump(this.tally.unsubscribeCodes, push.unsubscribe.code ?? 0);
      this.note(`unsubscribe ${push.unsubscribe.code ?? 0}`);
      this.subscribed = false;
      this.resubscribe(socket);
    }
  }

  private onSubscribeReply(socket: WebSocket, reply: ReplyLine): void {
    if (reply.error || !reply.subscribe) {
      bump(this.tally.subscribeErrors, reply.error?.code ?? 0);
      this.note(`subscribe error ${reply.error?.code ?? 0}`);
      this.resubscribe(socket);
      return;
    }
    const result = reply.subscribe;
    const epoch = result.epoch ?? '';
    const top = result.offset ?? 0;
    const recovering = this.record.startOffset >= 0;
    if (recovering && (result.recovered !== true || epoch !== this.epoch)) {
      this.tally.failedRecoveries.push({ channel: this.channel, fromOffset: this.offset, fromEpoch: this.epoch, toOffset: top, toEpoch: epoch, atMs: Date.now() - this.startedAt });
    }
    this.note(`subscribed offset ${top} recovered=${String(result.recovered)} asked ${this.offset} pubs ${(result.publications ?? []).map((p) => p.offset ?? 0).join(',')}`);
    const publications = result.publications ?? [];
    for (const pub of publications) this.receive(pub.offset ?? 0, Via.Recovery);
    this.record.subscribedAt(top, epoch);
    if (epoch !== this.epoch) this.offset = top; // a new stream: positions start over
    // After a successful recovery the reply's offset is the one asked for (as
    // Centrifugo answers); the position is caught up from the publications it
    // carries, as the SDK does.
    const last = publications.length > 0 ? (publications[publications.length - 1]!.offset ?? 0) : 0;
    this.offset = Math.max(this.offset, top, last);
    this.epoch = epoch;
    this.subscribed = true;
    if (this.cutWhilePaused) {
      this.cutWhilePaused = false;
      this.tally.slowResumed++;
    }
  }
}
