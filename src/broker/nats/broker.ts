/**
 * The NATS broker (`broker.type: "nats"`): at-most-once PUB/SUB between
 * processes, as Centrifugo's. A channel is the subject
 * `<prefix>.client.<channel>`; messages use the Redis broker's text encoding
 * (message-codec.ts: publication with info and tags, join, leave). NATS keeps
 * nothing, so there is no history, offset or recovery: config validation
 * refuses channels with history under this broker, and history calls fail
 * with HistoryUnavailableError.
 *
 * Channel names that are not plain NATS tokens (spaces, `*`, `>`, empty
 * tokens, non-ASCII) travel as `<prefix>.client._b64.<base64url of name>`, so
 * no channel can become a wildcard subscription.
 *
 * Raw mode (`broker.nats.raw_mode`): the subject is `raw_mode.prefix` plus the
 * channel after `channel_replacements`, and the message is the publication's
 * data alone, so other programs can publish JSON into channels.
 *
 * When the connection comes back after an outage, publications made meanwhile
 * are gone and no history holds them: the broker reports every subscribed
 * channel lost for good (onLost, unrecoverable), so its subscribers are
 * disconnected with reconnect advice (3010) rather than left unaware of the
 * gap, and logs it.
 */
import type { Subscription } from '@nats-io/nats-core';
import type { NatsConfig } from '../../config/types';
import type { Logger } from '../../common/log';
import type { ClientInfo } from '../../protocol/json';
import type { Broker, BrokerEvents, HistoryResult, Publication, PublishResult } from '../broker';
import type { NatsLink } from './link';
import { decodeMessage, encodeJoinLeave, encodePlainMessage, encodePublication } from '../message-codec';

/** History, history_remove or recovery asked of the NATS broker, which keeps none. */
export class HistoryUnavailableError extends Error {
  readonly code = 'SY_HISTORY_UNAVAILABLE';
  constructor() {
    super('the NATS broker keeps no history');
  }
}

const PLAIN_TOKEN = /^[A-Za-z0-9_:$@#%&+=~!-]+$/;
const NO_POSITION = { offset: 0, epoch: '' } as const;
const decoder = new TextDecoder();

/** The subject of a channel (see the file comment). */
export function natsSubject(config: NatsConfig, channel: string): string {
  if (config.raw_mode.enabled) {
    let subject = channel;
    for (const [from, to] of Object.entries(config.raw_mode.channel_replacements)) subject = subject.split(from).join(to);
    return config.raw_mode.prefix + subject;
  }
  const plain = channel.split('.').every((token) => PLAIN_TOKEN.test(token));
  return plain ? `${config.prefix}.client.${channel}` : `${config.prefix}.client._b64.${Buffer.from(channel, 'utf8').toString('base64url')}`;
}

/** Broker over one NATS link. */
export class NatsBroker implements Broker {
  private events: BrokerEvents | null = null;
  /** Subscribed channels by subject. */
  private readonly channels = new Map<string, { channel: string; sub: Subscription }>();

  constructor(
    private readonly link: NatsLink,
    private readonly config: NatsConfig,
    private readonly log: Logger,
  ) {
    link.onRestored(() => {
      if (this.channels.size > 0) this.log.warn('NATS publications made during the outage are lost (no history)', { channels: this.channels.size });
      for (const { channel } of this.channels.values()) this.events?.onLost?.(channel, true);
    });
  }

  async start(events: BrokerEvents): Promise<void> {
    this.events = events;
  }

  async publish(channel: string, pub: Omit<Publication, 'offset'>): Promise<PublishResult> {
    const payload = this.config.raw_mode.enabled ? pub.data : encodePlainMessage(encodePublication(pub));
    await this.link.publish(natsSubject(this.config, channel), payload);
    return { position: NO_POSITION, duplicate: false };
  }

  async publishJoin(channel: string, info: ClientInfo): Promise<void> {
    if (this.config.raw_mode.enabled) return;
    await this.link.publish(natsSubject(this.config, channel), encodeJoinLeave('join', info));
  }

  async publishLeave(channel: string, info: ClientInfo): Promise<void> {
    if (this.config.raw_mode.enabled) return;
    await this.link.publish(natsSubject(this.config, channel), encodeJoinLeave('leave', info));
  }

  async subscribe(channel: string): Promise<void> {
    const subject = natsSubject(this.config, channel);
    if (this.channels.has(subject)) return;
    await this.link.connected;
    if (this.channels.has(subject)) return;
    let refused: string | null = null;
    let pending = true;
    const sub = this.link.subscribe(
      subject,
      (_subject, data) => this.onMessage(channel, data),
      (reason) => {
        refused = reason;
        // Refused later (subscribed again after a reconnect): its subscribers are told.
        if (this.channels.get(subject)?.sub !== sub) return;
        this.channels.delete(subject);
        if (!pending) this.events?.onLost?.(channel, true);
      },
    );
    this.channels.set(subject, { channel, sub });
    // The subscription counts once the server has it: publications after this reach the node.
    await this.link.settled();
    pending = false;
    // A refusal arrives before the answer that settles.
    if (refused !== null) throw new Error(`NATS refused the subscription to "${subject}": ${String(refused)}`);
  }

  async unsubscribe(channel: string): Promise<void> {
    const subject = natsSubject(this.config, channel);
    const entry = this.channels.get(subject);
    if (!entry) return;
    this.channels.delete(subject);
    entry.sub.unsubscribe();
  }

  history(): Promise<HistoryResult> {
    return Promise.reject(new HistoryUnavailableError());
  }

  removeHistory(): Promise<void> {
    return Promise.reject(new HistoryUnavailableError());
  }

  async close(): Promise<void> {
    this.events = null;
    for (const { sub } of this.channels.values()) sub.unsubscribe();
    this.channels.clear();
  }

  private onMessage(channel: string, data: Uint8Array): void {
    const text = decoder.decode(data);
    if (this.config.raw_mode.enabled) {
      try {
        JSON.parse(text);
      } catch {
        this.log.warn('raw NATS message is not JSON; ignored', { channel });
        return;
      }
      this.events?.onPublication(channel, { data: text, offset: 0 }, NO_POSITION);
      return;
    }
    let message;
    try {
      message = decodeMessage(text);
    } catch (err) {
      this.log.warn('undecodable NATS message ignored', { channel, error: (err as Error).message });
      return;
    }
    if (!message) return;
    switch (message.kind) {
      case 'pub':
        this.events?.onPublication(channel, message.pub, NO_POSITION);
        return;
      case 'join':
        this.events?.onJoin?.(channel, message.info);
        return;
      case 'leave':
        this.events?.onLeave?.(channel, message.info);
        return;
      case 'sync':
        return;
      default: {
        const never: never = message;
        this.log.warn('unknown NATS message', { message: never });
      }
    }
  }
}
