/**
 * Channel names and namespaces: which options apply to a channel, and whether
 * a client may subscribe or publish. Follows Centrifugo's order of checks.
 */
import type { ChannelOptions, Config } from '../config/types';
import { Errors } from '../protocol/codes';
import { ReplyError } from '../protocol/errors';

/** Separator between namespace and the rest of a channel name. */
export const NAMESPACE_BOUNDARY = ':';
/** Prefix of private channels, which need a subscription token. */
export const PRIVATE_PREFIX = '$';

/** Resolved options of one channel. */
export interface ResolvedChannel {
  /** Namespace name; "" for channels without a namespace. */
  readonly namespace: string;
  readonly options: ChannelOptions;
  /** Compiled channel_regex, or null. */
  readonly regex: RegExp | null;
}

/** Caches namespace lookups and compiled regexes for one config. */
export class ChannelRules {
  private readonly namespaces = new Map<string, ResolvedChannel>();
  private readonly withoutNamespace: ResolvedChannel;

  constructor(private readonly config: Config) {
    const compile = (src: string) => (src === '' ? null : new RegExp(src));
    this.withoutNamespace = {
      namespace: '',
      options: config.channel.without_namespace,
      regex: compile(config.channel.without_namespace.channel_regex),
    };
    for (const ns of config.channel.namespaces) {
      this.namespaces.set(ns.name, { namespace: ns.name, options: ns, regex: compile(ns.channel_regex) });
    }
  }

  /** Checks the name and finds its options; throws 107 for a bad name, 102 for an unknown namespace. */
  resolve(channel: unknown): ResolvedChannel {
    if (typeof channel !== 'string' || channel === '' || channel.includes('\u0000')) throw new ReplyError(Errors.badRequest, 'bad request');
    if (Buffer.byteLength(channel) > this.config.channel.max_length) throw new ReplyError(Errors.badRequest, 'bad request');
    const name = channel.startsWith(PRIVATE_PREFIX) ? channel.slice(1) : channel;
    const at = name.indexOf(NAMESPACE_BOUNDARY);
    if (at < 0) return this.withoutNamespace;
    const resolved = this.namespaces.get(name.slice(0, at));
    if (!resolved) throw new ReplyError(Errors.unknownChannel);
    return resolved;
  }

  /** Whether a client (by user) may subscribe without a token; throws 103 when not. */
  checkSubscribe(channel: string, resolved: ResolvedChannel, user: string): void {
    if (channel.startsWith(PRIVATE_PREFIX)) throw new ReplyError(Errors.permissionDenied);
    if (resolved.regex) {
      const name = resolved.namespace === '' ? channel : channel.slice(channel.indexOf(NAMESPACE_BOUNDARY) + 1);
      if (!resolved.regex.test(name)) throw new ReplyError(Errors.permissionDenied);
    }
    const o = resolved.options;
    if (o.allow_subscribe_for_client && (user !== '' || o.allow_subscribe_for_anonymous)) return;
    if (this.config.client.insecure) return;
    throw new ReplyError(Errors.permissionDenied);
  }

  /**
   * Whether a client may read history: 108 when the channel keeps none, then
   * allow_history_for_client (+anonymous), allow_history_for_subscriber, insecure; else 103.
   */
  checkHistory(resolved: ResolvedChannel, user: string, subscribed: boolean): void {
    const o = resolved.options;
    if (o.history_size <= 0 || o.history_ttl <= 0) throw new ReplyError(Errors.notAvailable);
    if (!this.allowedRead(o.allow_history_for_client, o.allow_history_for_subscriber, o.allow_history_for_anonymous, user, subscribed)) {
      throw new ReplyError(Errors.permissionDenied);
    }
  }

  /** Whether a client may ask for presence: 108 when off, then the allow_presence_for_* options; else 103. */
  checkPresence(resolved: ResolvedChannel, user: string, subscribed: boolean): void {
    const o = resolved.options;
    if (!o.presence) throw new ReplyError(Errors.notAvailable);
    if (!this.allowedRead(o.allow_presence_for_client, o.allow_presence_for_subscriber, o.allow_presence_for_anonymous, user, subscribed)) {
      throw new ReplyError(Errors.permissionDenied);
    }
  }

  /** Like checkHistory, as a yes/no (used to grant positioning, recovery and join/leave). */
  mayReadHistory(resolved: ResolvedChannel, user: string, subscribed: boolean): boolean {
    const o = resolved.options;
    return this.allowedRead(o.allow_history_for_client, o.allow_history_for_subscriber, o.allow_history_for_anonymous, user, subscribed);
  }

  /** Like checkPresence, as a yes/no. */
  mayReadPresence(resolved: ResolvedChannel, user: string, subscribed: boolean): boolean {
    const o = resolved.options;
    return this.allowedRead(o.allow_presence_for_client, o.allow_presence_for_subscriber, o.allow_presence_for_anonymous, user, subscribed);
  }

  private allowedRead(forClient: boolean, forSubscriber: boolean, forAnonymous: boolean, user: string, subscribed: boolean): boolean {
    if (this.config.client.insecure) return true;
    if (user === '' && !forAnonymous) return false;
    return forClient || (forSubscriber && subscribed);
  }

  /** Whether a client may publish; throws 103 when not. */
  checkPublish(resolved: ResolvedChannel, user: string, subscribed: boolean): void {
    if (this.config.client.insecure) return;
    const o = resolved.options;
    if (user === '' && !o.allow_publish_for_anonymous) throw new ReplyError(Errors.permissionDenied);
    if (o.allow_publish_for_client) return;
    if (o.allow_publish_for_subscriber && subscribed) return;
    throw new ReplyError(Errors.permissionDenied);
  }
}
