/*
 * src/shards/access/: what a client may do: channel rules and namespaces, the
 * connect authenticator, subscribe access (tokens, user-limited channels,
 * proxies), subscription options, server-side subscriptions, expiry and
 * refresh, proxy calls. May import (in shards): session, subscriber,
 * context.ts.
 */
/**
 * Channel names and namespaces: which options apply to a channel, and whether
 * a client may subscribe or publish. Follows Centrifugo's order of checks.
 */
import type { SubscribeOverride } from '../../auth/claims';
import type { HistoryOptions } from '../../broker/broker';
import type { ChannelOptions, Config } from '../../config/types';
import { Errors } from '../../protocol/codes';
import { ReplyError } from '../../protocol/errors';
import { isWellFormed } from '../../protocol/input-guards';

/** Separator between namespace and the rest of a channel name. */
export const NAMESPACE_BOUNDARY = ':';
/** Prefix of private channels, which need a subscription token. */
export const PRIVATE_PREFIX = '$';
/** Separator between a channel name and the users allowed on it (`dialog#42,43`). */
export const USER_BOUNDARY = '#';
/** Separator between the users of a user-limited channel. */
export const USER_SEPARATOR = ',';

/** What admits a subscription without a token (see ChannelRules.subscribePermission). */
export type SubscribePermission = 'user_limited' | 'subscribe_proxy' | 'client_allowed' | 'insecure';

/** Resolved options of one channel. */
export interface ResolvedChannel {
  /** Namespace name; "" for channels without a namespace. */
  readonly namespace: string;
  readonly options: ChannelOptions;
  /** Compiled channel_regex, or null. */
  readonly regex: RegExp | null;
}

/**
 * The channel as one subscription sees it after a token's or proxy's
 * `override` (presence, join_leave, force_push_join_leave, force_recovery,
 * force_positioning); the channel itself unchanged when there is none.
 */
export function applyOverride(resolved: ResolvedChannel, override: SubscribeOverride | undefined): ResolvedChannel {
  if (!override || Object.keys(override).length === 0) return resolved;
  const o = resolved.options;
  return {
    ...resolved,
    options: {
      ...o,
      presence: override.presence ?? o.presence,
      join_leave: override.join_leave ?? o.join_leave,
      force_push_join_leave: override.force_push_join_leave ?? o.force_push_join_leave,
      force_recovery: override.force_recovery ?? o.force_recovery,
      force_positioning: override.force_positioning ?? o.force_positioning,
    },
  };
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
    // A lone surrogate has no UTF-8 form: it would share a Redis key with U+FFFD.
    if (typeof channel !== 'string' || channel === '' || channel.includes('\u0000') || !isWellFormed(channel)) throw new ReplyError(Errors.badRequest, 'bad request');
    if (Buffer.byteLength(channel) > this.config.channel.max_length) throw new ReplyError(Errors.badRequest, 'bad request');
    const name = channel.startsWith(PRIVATE_PREFIX) ? channel.slice(1) : channel;
    const at = name.indexOf(NAMESPACE_BOUNDARY);
    if (at < 0) return this.withoutNamespace;
    const resolved = this.namespaces.get(name.slice(0, at));
    if (!resolved) throw new ReplyError(Errors.unknownChannel);
    return resolved;
  }

  /**
   * Whether the name is acceptable for client commands: it matches the
   * namespace's `channel_regex` (the part after `ns:`; the whole name without
   * a namespace), or, without a regex, is ASCII. Throws 107 when not.
   */
  checkName(channel: string, resolved: ResolvedChannel): void {
    if (resolved.regex) {
      const rest = resolved.namespace === '' ? channel : channel.slice(channel.indexOf(NAMESPACE_BOUNDARY) + 1);
      if (!resolved.regex.test(rest)) throw new ReplyError(Errors.badRequest, 'bad channel name');
    } else if (!/^[\x00-\x7f]*$/.test(channel)) {
      throw new ReplyError(Errors.badRequest, 'bad channel name');
    }
  }

  /** Whether the channel is private (`$` prefix): only a subscription token subscribes to it. */
  isPrivate(channel: string): boolean {
    return channel.startsWith(PRIVATE_PREFIX);
  }

  /** Whether the channel is user-limited: its namespace allows it and the name has a `#` part. */
  isUserLimited(channel: string, resolved: ResolvedChannel): boolean {
    return resolved.options.allow_user_limited_channels && channel.includes(USER_BOUNDARY);
  }

  /** Whether `user` is listed after the last `#` of the channel (`ns:dialog#42,43`). */
  userAllowed(channel: string, user: string): boolean {
    if (user === '') return false;
    const users = channel.slice(channel.lastIndexOf(USER_BOUNDARY) + 1);
    return users.split(USER_SEPARATOR).includes(user);
  }

  /**
   * How a subscription without a token is decided, in Centrifugo's order:
   * a private channel needs a token (103); a user-limited channel admits the
   * users it lists; the subscribe proxy decides where enabled; then
   * `allow_subscribe_for_client` (+ `_for_anonymous`); then `client.insecure`;
   * else 103. The proxy and the client options never apply to user-limited
   * channels.
   */
  subscribePermission(channel: string, resolved: ResolvedChannel, user: string): SubscribePermission {
    if (this.isPrivate(channel)) throw new ReplyError(Errors.permissionDenied);
    const o = resolved.options;
    const userLimited = this.isUserLimited(channel, resolved);
    if (userLimited && this.userAllowed(channel, user)) return 'user_limited';
    if (o.subscribe_proxy_enabled && !userLimited) return 'subscribe_proxy';
    if (o.allow_subscribe_for_client && (user !== '' || o.allow_subscribe_for_anonymous) && !userLimited) return 'client_allowed';
    if (this.config.client.insecure) return 'insecure';
    throw new ReplyError(Errors.permissionDenied);
  }

  /**
   * Whether a channel a client asked for in its connect `subs` becomes a
   * server-side subscription: only where it could subscribe by itself without
   * a token or a proxy (Centrifugo's rule for client-requested channels).
   */
  mayAutoSubscribe(channel: string, resolved: ResolvedChannel, user: string): boolean {
    if (this.isPrivate(channel) || resolved.options.subscribe_proxy_enabled) return false;
    try {
      this.checkName(channel, resolved);
      return this.subscribePermission(channel, resolved, user) !== 'subscribe_proxy';
    } catch {
      return false;
    }
  }

  /** The personal channel of `user` (`client.subscribe_to_user_personal_channel`): `ns:#user`, or `#user` without a namespace. */
  personalChannel(user: string): string {
    const ns = this.config.client.subscribe_to_user_personal_channel.personal_channel_namespace;
    return ns === '' ? `${USER_BOUNDARY}${user}` : `${ns}${NAMESPACE_BOUNDARY}${USER_BOUNDARY}${user}`;
  }

  /**
   * The history a channel keeps (size, ttl, meta ttl in ms), or undefined when
   * it keeps none: the one place that decides whether a channel has history.
   */
  history(resolved: ResolvedChannel): HistoryOptions | undefined {
    const o = resolved.options;
    if (o.history_size <= 0 || o.history_ttl <= 0) return undefined;
    return { size: o.history_size, ttl: o.history_ttl, metaTtl: o.history_meta_ttl || this.config.channel.history_meta_ttl };
  }

  /**
   * Whether a client may read history: 108 when the channel keeps none, then
   * allow_history_for_client (+anonymous), allow_history_for_subscriber, insecure; else 103.
   */
  checkHistory(resolved: ResolvedChannel, user: string, subscribed: boolean): void {
    const o = resolved.options;
    if (!this.history(resolved)) throw new ReplyError(Errors.notAvailable);
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
