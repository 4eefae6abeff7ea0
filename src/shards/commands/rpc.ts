/**
 * The `rpc` command. With no RPC handler at all (no RPC proxy configured
 * anywhere and the ping extension off) it is 108, as in Centrifugo, whose
 * client library answers "not available" when no RPC handler is set. The
 * built-in ping method (`rpc.ping`) answers `{}`. Otherwise the method's RPC
 * namespace (the part before `:`, or `rpc.without_namespace`) decides: with
 * no RPC proxy configured anywhere, or an unknown namespace, 104; a
 * namespace without `proxy_enabled`, 108; else the RPC proxy answers
 * `{data}` (its error or disconnect passes through; a failure is 100).
 */
import { proxyRpc } from '../../auth/proxy/rpc-proxy';
import type { Config, RpcOptions } from '../../config/types';
import { Errors } from '../../protocol/codes';
import { ReplyError } from '../../protocol/errors';
import { payloadToJson } from '../../protocol/json';
import { callerOf, proxyFailure } from '../access/proxy-caller';
import type { CommandHandler } from './types';

/** Separator between an RPC namespace and the rest of a method name. */
export const RPC_NAMESPACE_BOUNDARY = ':';

/** The options of `method`'s RPC namespace, or undefined for an unknown namespace. */
export function rpcOptions(config: Config, method: string): RpcOptions | undefined {
  const at = method.indexOf(RPC_NAMESPACE_BOUNDARY);
  if (at < 0) return config.rpc.without_namespace;
  const name = method.slice(0, at);
  return config.rpc.namespaces.find((ns) => ns.name === name);
}

/** Whether any RPC namespace sends calls to a proxy. */
function anyRpcProxy(config: Config): boolean {
  return config.rpc.without_namespace.proxy_enabled || config.rpc.namespaces.some((ns) => ns.proxy_enabled);
}

/** Handles `rpc`: ping extension, else the method's RPC proxy. */
export const handleRpc: CommandHandler = async (shard, conn, request) => {
  const method = typeof request['method'] === 'string' ? request['method'] : '';
  const { ping } = shard.config.rpc;
  if (ping.enabled && method === ping.method) return '{}';
  const proxied = anyRpcProxy(shard.config);
  if (!proxied && !ping.enabled) throw new ReplyError(Errors.notAvailable);
  const options = rpcOptions(shard.config, method);
  if (!proxied || !options) throw new ReplyError(Errors.methodNotFound);
  if (!options.proxy_enabled) throw new ReplyError(Errors.notAvailable);
  const proxy = shard.auth.proxies.rpc(options.proxy_name);
  const data = request['data'] !== undefined ? payloadToJson(request['data']) : undefined;
  const result = await proxyRpc(proxy, callerOf(conn), conn.user, method, data).catch((err: unknown) => {
    throw proxyFailure(err, shard.log, { client: conn.id, method, proxy: 'rpc' });
  });
  return result !== undefined ? `{"data":${result}}` : '{}';
};
