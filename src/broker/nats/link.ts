/**
 * One connection to NATS (`broker.nats`), shared by the broker and the node
 * control bus of a shard thread. It connects in the background and reconnects
 * forever (the client resubscribes by itself); each loss and each return is
 * logged once.
 *
 * Publishing never queues behind an outage: while the link is down a publish
 * fails at once, and a publish made while it is up resolves only after the
 * server answered a PING sent behind it (one PING per event-loop turn, shared
 * by every publish of that turn), so "accepted" means the server has it. A
 * PING that takes longer than `write_timeout` fails the publishes waiting on it.
 *
 * A subject the user may not use (NATS subject permissions) is refused with
 * an asynchronous "Permissions Violation" that arrives before the PING's
 * answer: a refused publish fails (it was not accepted), and a refused
 * subscription reports through `onRefused`. Each refused subject is logged.
 */
import { connect, type NodeConnectionOptions } from '@nats-io/transport-node';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import type { NatsConfig } from '../../config/types';
import type { Logger } from '../../common/log';
import { withoutPassword } from '../../common/without-password';
import { natsServers } from './servers';
import { asNatsRefusal } from './refusal';

/** Longest wait between reconnect attempts, ms. */
const MAX_RECONNECT_DELAY_MS = 1_000;

/** Thrown by publish while NATS is unreachable, or when the server did not confirm in time. */
export class NatsUnavailableError extends Error {
  readonly code = 'SY_NATS_UNAVAILABLE';
}

/** A NATS connection with outage tracking and confirmed publishes. */
export class NatsLink {
  private nc: NatsConnection | null = null;
  private up = false;
  private closed = false;
  /** Publishes and settles waiting for the next PING's answer; `subject` is a publish's. */
  private pending: { resolve: () => void; reject: (err: Error) => void; subject?: string }[] = [];
  /** Publish subjects the server refused since the last PING was answered, with its message. */
  private refusedPublishes = new Map<string, string>();
  private flushScheduled = false;
  private readonly restoreListeners: (() => void)[] = [];
  /** Resolves once the first connection is up (never rejects; close() resolves it too). */
  readonly connected: Promise<void>;

  constructor(
    private readonly config: NatsConfig,
    name: string,
    private readonly log: Logger,
  ) {
    const options: NodeConnectionOptions = {
      ...natsServers(config.url),
      name,
      timeout: config.dial_timeout,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: MAX_RECONNECT_DELAY_MS,
      waitOnFirstConnect: true,
      pingInterval: 2_000,
      maxPingOut: 2,
    };
    this.connected = connect(options).then(
      (nc) => {
        if (this.closed) {
          void nc.close();
          return;
        }
        this.nc = nc;
        this.up = true;
        void this.watch(nc);
      },
      (err: unknown) => this.log.error('NATS connection failed', { url: withoutPassword(config.url), error: (err as Error).message }),
    );
  }

  /** Whether the connection is up now. */
  get live(): boolean {
    return this.up && this.nc !== null;
  }

  /** Runs `listener` each time the connection comes back after a loss (subscriptions are already restored). */
  onRestored(listener: () => void): void {
    this.restoreListeners.push(listener);
  }

  private async watch(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      const refusal = status.type === 'error' ? asNatsRefusal(status.error) : null;
      if (refusal?.operation === 'publish') {
        this.refusedPublishes.set(refusal.subject, refusal.message);
        this.log.error('NATS refused a publish; it fails with error 100', { subject: refusal.subject, reason: refusal.message });
      } else if (status.type === 'disconnect' && this.up) {
        this.up = false;
        this.log.warn('NATS connection lost; reconnecting', { url: withoutPassword(this.config.url) });
        this.failPending(new NatsUnavailableError('NATS connection lost'));
      } else if (status.type === 'reconnect' && !this.up) {
        this.up = true;
        this.log.info('NATS connection restored', { url: withoutPassword(this.config.url) });
        for (const listener of this.restoreListeners) listener();
      }
    }
  }

  /** Publishes; resolves once the server confirmed it (see the file comment). */
  publish(subject: string, payload: string | Uint8Array): Promise<void> {
    if (!this.live) return Promise.reject(new NatsUnavailableError('NATS is unreachable'));
    try {
      this.nc!.publish(subject, payload);
    } catch (err) {
      return Promise.reject(new NatsUnavailableError(`NATS publish failed: ${(err as Error).message}`));
    }
    return this.confirmed(subject);
  }

  /** Resolves once the server answered a PING sent after everything written so far; with `subject`, rejects when the server refused a publish on it. */
  private confirmed(subject?: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push(subject === undefined ? { resolve, reject } : { resolve, reject, subject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Resolves once the server has processed what was written so far (a SUB, so
   * publications made after it reach this node), or at once while the link is
   * down (the client subscribes again when it is back). Never rejects.
   */
  settled(): Promise<void> {
    if (!this.live) return Promise.resolve();
    return this.confirmed().catch(() => undefined);
  }

  private flush(): void {
    this.flushScheduled = false;
    const waiting = this.pending;
    this.pending = [];
    if (waiting.length === 0) return;
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      for (const w of waiting) w.reject(new NatsUnavailableError(`NATS did not confirm within ${this.config.write_timeout} ms`));
    }, this.config.write_timeout);
    const nc = this.nc;
    if (!nc) return;
    nc.flush().then(
      () => {
        if (settled) return;
        clearTimeout(timer);
        // A refusal arrived before the PING's answer; its status event is delivered in microtasks, all run by now.
        setImmediate(() => {
          const refused = this.refusedPublishes;
          this.refusedPublishes = new Map();
          for (const w of waiting) {
            const reason = w.subject === undefined ? undefined : refused.get(w.subject);
            if (reason === undefined) w.resolve();
            else w.reject(new Error(`NATS refused to publish on "${w.subject!}": ${reason}`));
          }
        });
      },
      (err: unknown) => {
        if (settled) return;
        clearTimeout(timer);
        for (const w of waiting) w.reject(new NatsUnavailableError(`NATS publish failed: ${(err as Error).message}`));
      },
    );
  }

  private failPending(err: Error): void {
    const waiting = this.pending;
    this.pending = [];
    for (const w of waiting) w.reject(err);
  }

  /**
   * Subscribes to a subject; messages arrive in server order. When the server
   * refuses it (now, or when the client subscribes again after a reconnect),
   * the subscription ends and `onRefused` gets the server's message, before
   * the next `settled()` resolves. Throws when the link has not connected yet.
   */
  subscribe(subject: string, onMessage: (subject: string, data: Uint8Array) => void, onRefused: (reason: string) => void = () => undefined): Subscription {
    if (!this.nc) throw new NatsUnavailableError('NATS is not connected yet');
    return this.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (!err) {
          onMessage(msg.subject, msg.data);
          return;
        }
        const refusal = asNatsRefusal(err);
        this.log.error('NATS refused a subscription', { subject, reason: refusal?.message ?? err.message });
        onRefused(refusal?.message ?? err.message);
      },
    });
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    this.closed = true;
    this.failPending(new NatsUnavailableError('NATS link closed'));
    const nc = this.nc;
    this.nc = null;
    this.up = false;
    if (nc) await nc.close().catch(() => undefined);
  }
}
