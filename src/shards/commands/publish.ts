/**
 * The `publish` command, in Centrifugo's order: the channel (102, and 107 for
 * a bad name or missing data); then the publish proxy where the namespace
 * enables it, which decides alone and may replace the data and add tags (its
 * error or disconnect passes through; a failure is 100); otherwise the
 * namespace's publish permissions (103). Then the publication goes through
 * the channel's owner.
 */
import { proxyPublish, type PublishProxyReply } from '../../auth/proxy/publish-proxy';
import { Errors } from '../../protocol/codes';
import { ReplyError } from '../../protocol/errors';
import { payloadToJson } from '../../protocol/json';
import { callerOf, proxyFailure } from '../access/proxy-caller';
import { clientInfoOf } from '../session/connection';
import type { CommandHandler } from './types';
import { EMPTY_RESULT } from './types';

/** Handles `publish`; resolves `{}` once the owner accepted the publication. */
export const handlePublish: CommandHandler = (shard, conn, request) => {
  const channel = request['channel'];
  const resolved = shard.rules.resolve(channel);
  const name = channel as string;
  shard.rules.checkName(name, resolved);
  if (request['data'] === undefined) throw new ReplyError(Errors.badRequest);
  const data = payloadToJson(request['data']);
  const info = clientInfoOf(conn, conn.grants.get(name)?.info);
  if (!resolved.options.publish_proxy_enabled) {
    shard.rules.checkPublish(resolved, conn.user, conn.channels.has(name));
    return shard.publish(name, data, { info }).then(() => EMPTY_RESULT);
  }
  const proxy = shard.auth.proxies.channel('publish', resolved.options.publish_proxy_name);
  return proxyPublish(proxy, callerOf(conn), conn.user, name, data).then(
    (reply: PublishProxyReply) =>
      shard
        .publish(name, reply.data ?? data, {
          info,
          ...(reply.tags ? { tags: reply.tags } : {}),
          ...(reply.skipHistory ? { skipHistory: true } : {}),
        })
        .then(() => EMPTY_RESULT),
    (err: unknown) => {
      throw proxyFailure(err, shard.log, { client: conn.id, channel: name, proxy: 'publish' });
    },
  );
};
