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
    if (typeof channel !== 'string' || channel === '') throw new ReplyError(Errors.badRequest, 'bad request');
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
