/**
 * The RPC proxy: a client `rpc` call answered by the backend. Request
 * `{client, transport, protocol, encoding, user, method, data|b64data, meta}`;
 * result `{data|b64data}`.
 */
import { callProxy, type ProxyCaller } from './proxy-client';
import type { ProxyEndpoint } from './proxy-endpoint';
import { resultJson } from './proxy-result';

/** Calls `method` for `user` with `data` (JSON text); resolves with the result data (JSON text), if any. */
export async function proxyRpc(
  proxy: ProxyEndpoint,
  caller: ProxyCaller,
  user: string,
  method: string,
  data?: string,
): Promise<string | undefined> {
  const result = await callProxy(proxy, caller, 'rpc', { user, method }, data);
  return resultJson(result, 'data', 'b64data');
}
