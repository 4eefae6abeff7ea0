/**
 * The schema sections of channel options: the options shared by
 * `channel.without_namespace` and every namespace, a namespace's fields, and
 * the proxy-name option they use. Part of the one schema in schema.ts.
 */
import { boolean, clockDuration, integer, NO_LIMIT, type FieldsFor, type StringField } from './nodes';
import type { ChannelOptions, NamespaceConfig } from '../types';

/** Namespace names: ASCII letters, digits, `-` and `_`, at least two. */
export const NAMESPACE_NAME_PATTERN = '^[-a-zA-Z0-9_]{2,}$';

/** Names of entries of `proxies`. */
export const PROXY_NAME_PATTERN = '^[-a-zA-Z0-9_.]+$';

/** The `*_proxy_name` option of one proxy kind. */
export const proxyName = (kind: string, defaultKey: string): StringField => ({
  kind: 'string',
  default: 'default',
  pattern: PROXY_NAME_PATTERN,
  doc: `Proxy that handles ${kind} when enabled: "default" is \`${defaultKey}\`, any other name an entry of \`proxies\`.`,
});

/** Options shared by `channel.without_namespace` and every namespace. */
export const CHANNEL_OPTIONS = {
  allow_subscribe_for_client: boolean(
    false,
    'Connected clients (authenticated, or any with `client.insecure`) may subscribe without a subscription token.',
  ),
  allow_subscribe_for_anonymous: boolean(false, 'Anonymous clients (empty user) may subscribe too, where `allow_subscribe_for_client` allows it.'),
  allow_publish_for_client: boolean(false, 'Any connected client may publish into the channel.'),
  allow_publish_for_subscriber: boolean(false, 'Clients subscribed to the channel may publish into it.'),
  allow_publish_for_anonymous: boolean(false, 'Anonymous clients may publish too, where one of the two options above allows it.'),
  channel_regex: {
    kind: 'string',
    default: '',
    isRegex: true,
    doc: 'Regular expression (JavaScript syntax) the channel name, without its `ns:` prefix, must match to be subscribed to; "" allows any.',
  },
  presence: boolean(false, 'Keep presence: which clients are subscribed, answered by `presence` and `presence_stats` (error 108 when off).'),
  join_leave: boolean(false, 'Emit join and leave events when clients subscribe and unsubscribe; delivered to subscribers that ask for them (`join_leave` in subscribe).'),
  force_push_join_leave: boolean(false, 'Deliver join and leave pushes to every subscriber, whether it asked or not (needs `join_leave`).'),
  history_size: integer(0, 0, NO_LIMIT, 'Most publications kept in the channel history; history is on when both this and `history_ttl` are above zero.'),
  history_ttl: clockDuration('0s', 'How long a publication stays in history; history is on when both this and `history_size` are above zero.'),
  history_meta_ttl: clockDuration('0s', 'How long the stream position (offset, epoch) outlives the last publication; "0s" uses `channel.history_meta_ttl`.'),
  force_positioning: boolean(false, 'Every subscription is positioned: a gap or a new epoch unsubscribes it with 2500 (server-side: disconnect 3010). Needs history.'),
  allow_positioning: boolean(false, 'Clients may ask for positioning (`positioned` in subscribe). Needs history.'),
  force_recovery: boolean(false, 'Every subscription is recoverable (and positioned). Needs history.'),
  allow_recovery: boolean(false, 'Clients may ask for recovery (`recoverable` in subscribe). Needs history.'),
  force_recovery_mode: {
    kind: 'enum',
    values: ['', 'stream', 'cache'],
    default: '',
    doc: 'How a subscription recovers: "stream" (or "") delivers every missed publication or fails; "cache" delivers only the latest publication.',
  },
  allowed_delta_types: {
    kind: 'string_list',
    default: [],
    values: ['fossil'],
    doc: 'Delta encodings subscribers may negotiate (`delta` in subscribe): [] or ["fossil"]. Needs history.',
  },
  delta_publish: boolean(false, 'Every publication into the channel is sent as a fossil delta to subscribers that negotiated one.'),
  allow_tags_filter: boolean(
    false,
    'Subscribers may send a tags filter (`tf` in subscribe, the SDK\'s `tagsFilter`): they receive only the publications whose `tags` match it; a filter is 107 when this is off. A filtered subscription negotiates no delta.',
  ),
  allow_presence_for_client: boolean(false, 'Connected clients may ask for presence and presence stats.'),
  allow_presence_for_subscriber: boolean(false, 'Subscribers of the channel may ask for presence and presence stats.'),
  allow_presence_for_anonymous: boolean(false, 'Anonymous clients too, where one of the two options above allows it.'),
  allow_history_for_client: boolean(false, 'Connected clients may read the channel history.'),
  allow_history_for_subscriber: boolean(false, 'Subscribers of the channel may read its history.'),
  allow_history_for_anonymous: boolean(false, 'Anonymous clients too, where one of the two options above allows it.'),
  allow_user_limited_channels: boolean(
    false,
    'Channels named `name#42,43` may be subscribed without a token only by the users listed after `#` (and are not sent to the subscribe proxy).',
  ),
  subscribe_proxy_enabled: boolean(false, 'Subscribe requests without a token are decided by the subscribe proxy `subscribe_proxy_name`.'),
  subscribe_proxy_name: proxyName('subscribe', 'channel.proxy.subscribe'),
  publish_proxy_enabled: boolean(false, 'Client publications are decided (and may be rewritten) by the publish proxy `publish_proxy_name`, alone.'),
  publish_proxy_name: proxyName('publish', 'channel.proxy.publish'),
  sub_refresh_proxy_enabled: boolean(false, 'Expiring subscriptions are refreshed by the sub_refresh proxy `sub_refresh_proxy_name` instead of by the client.'),
  sub_refresh_proxy_name: proxyName('sub_refresh', 'channel.proxy.sub_refresh'),
} satisfies FieldsFor<ChannelOptions>;

export const NAMESPACE_FIELDS = {
  name: {
    kind: 'string',
    pattern: NAMESPACE_NAME_PATTERN,
    doc: 'Namespace name (required, unique); channels named `name:rest` belong to it.',
  },
  ...CHANNEL_OPTIONS,
} satisfies FieldsFor<NamespaceConfig>;
