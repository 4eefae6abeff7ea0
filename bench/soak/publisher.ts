/**
 * The soak's publisher: a steady rate of `/api/publish` calls, round-robin
 * over the recoverable channels, over keep-alive HTTP connections. A
 * publication counts as acknowledged only when the API answered 200 with a
 * `result` carrying its offset; anything else (error 100 while Redis is
 * down, a timeout, a cut connection) is a failure and is not expected by
 * anyone. It also sends the bulk publications that fill slow consumers.
 */
import { Agent, request } from 'node:http';
import { BULK_CHANNEL, SOAK_API_KEY, soakChannel } from './config';

/** A publish call that has no answer within this time failed, ms. */
const PUBLISH_TIMEOUT_MS = 5_000;

/** What the publisher sent and what was acknowledged. */
export interface PublisherCounts {
  readonly attempted: number;
  readonly acknowledged: number;
  readonly failed: number;
  /** Failures by reason (`error 100`, `timeout`, `HTTP 503`, a socket error…). */
  readonly failures: Readonly<Record<string, number>>;
  /** Calls not sent because too many were still unanswered (the publisher never queues without bound). */
  readonly skipped: number;
}

interface Answer {
  result?: { offset?: number; epoch?: string };
  error?: { code: number; message: string };
}

/** Paced API publisher with its acknowledgements. */
export class Publisher {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });
  /** Acknowledged offsets per channel, in answer order. */
  private readonly acked = new Map<string, number[]>();
  private readonly failures: Record<string, number> = {};
  private attempted = 0;
  private acknowledged = 0;
  private failed = 0;
  private skipped = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | null = null;
  private sequence = 0;
  private bulkSequence = 0;

  constructor(
    private readonly apiUrl: string,
    private readonly channels: number,
    private readonly ratePerSecond: number,
  ) {}

  /** Starts publishing at the steady rate (in 10 ms ticks, catching up after a late tick). */
  start(): void {
    const began = Date.now();
    let sent = 0;
    this.timer = setInterval(() => {
      const due = Math.floor(((Date.now() - began) / 1000) * this.ratePerSecond);
      for (; sent < due; sent++) {
        if (this.inFlight >= 256) {
          this.skipped++;
          continue;
        }
        const n = this.sequence++;
        void this.publishTracked(soakChannel(n % this.channels), { n, at: Date.now() });
      }
    }, 10);
  }

  /** Stops publishing and waits for every call still in flight. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 20));
  }

  /** Publishes `count` bulk publications of `bytes` each to the bulk channel, `perSecond` a second (not tracked). */
  async bulk(count: number, bytes: number, perSecond: number): Promise<void> {
    const filler = 'x'.repeat(bytes);
    for (let i = 0; i < count; i++) {
      void this.call('publish', { channel: BULK_CHANNEL, data: { bulk: this.bulkSequence++, filler } }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 1000 / perSecond));
    }
  }

  /** The acknowledged offsets of every channel, ascending. */
  acknowledgedOffsets(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const [channel, offsets] of this.acked) out[channel] = [...offsets].sort((a, b) => a - b);
    return out;
  }

  /** The highest acknowledged offset of every channel. */
  lastAcknowledged(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [channel, offsets] of this.acked) out[channel] = Math.max(...offsets);
    return out;
  }

  /** Counts so far. */
  counts(): PublisherCounts {
    return { attempted: this.attempted, acknowledged: this.acknowledged, failed: this.failed, failures: { ...this.failures }, skipped: this.skipped };
  }

  private async publishTracked(channel: string, data: unknown): Promise<void> {
    this.attempted++;
    this.inFlight++;
    let reason: string;
    try {
      const answer = await this.call('publish', { channel, data });
      const offset = answer.result?.offset;
      if (answer.result && typeof offset === 'number' && offset > 0) {
        this.acknowledged++;
        let list = this.acked.get(channel);
        if (!list) this.acked.set(channel, (list = []));
        list.push(offset);
        return;
      }
      reason = answer.error ? `error ${answer.error.code}` : 'no offset in result';
    } catch (err) {
      reason = (err as Error).message;
    } finally {
      this.inFlight--;
    }
    this.failed++;
    this.failures[reason] = (this.failures[reason] ?? 0) + 1;
  }

  private call(method: string, params: unknown): Promise<Answer> {
    const body = JSON.stringify(params);
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.apiUrl}/${method}`,
        { method: 'POST', agent: this.agent, headers: { 'Content-Type': 'application/json', 'X-API-Key': SOAK_API_KEY, 'Content-Length': Buffer.byteLength(body) }, timeout: PUBLISH_TIMEOUT_MS },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`));
            try {
              resolve(JSON.parse(text) as Answer);
            } catch {
              reject(new Error('unreadable answer'));
            }
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err) => reject(new Error((err as NodeJS.ErrnoException).code ?? err.message)));
      req.end(body);
    });
  }

  /** Closes the keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }
}
