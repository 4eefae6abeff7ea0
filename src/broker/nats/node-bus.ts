/**
 * The node control bus over NATS: `<prefix>.control` reaches every node,
 * `<prefix>.node.<uid>` one node (Centrifugo's subjects). It has the shape of
 * the NodeBus between processes (node-bus.ts).
 */
import type { NatsConfig } from '../../config/types';
import type { NatsLink } from './link';
import type { NodeBus } from '../node-bus';

/** The NodeBus (node-bus.ts) over a NATS link. */
export class NatsNodeBus implements NodeBus {
  private listening = false;

  constructor(
    private readonly link: NatsLink,
    private readonly config: NatsConfig,
    private readonly uid: string,
  ) {}

  /** Publishes to every node (`to` null) or to one node by uid. */
  async publish(to: string | null, message: string): Promise<void> {
    await this.link.publish(to === null ? `${this.config.prefix}.control` : `${this.config.prefix}.node.${to}`, message);
  }

  /** Starts receiving messages for every node and for this one (once). */
  async listen(onMessage: (message: string) => void): Promise<void> {
    if (this.listening) return;
    this.listening = true;
    await this.link.connected;
    const decoder = new TextDecoder();
    const deliver = (_subject: string, data: Uint8Array): void => onMessage(decoder.decode(data));
    this.link.subscribe(`${this.config.prefix}.control`, deliver);
    this.link.subscribe(`${this.config.prefix}.node.${this.uid}`, deliver);
    await this.link.settled();
  }
}
