/**
 * The POST of an HTTP proxy: through `fetch` (undici, keep-alive) for the
 * usual endpoint, through node:https with a keep-alive agent of its own when
 * the proxy has `http.tls` (a CA of its own, a client certificate, a server
 * name, or no verification: what fetch cannot be given without a dependency).
 * Neither blocks the shard's event loop.
 *
 * An answer with a status other than 200 is a ProxyError, unless one of
 * the proxy's `http.status_to_code_transforms` names the status: then it is
 * that ReplyError or DisconnectError for the client (Centrifugo's
 * transforms; they apply to statuses only, not to a missing answer).
 */
import { Agent, request } from 'node:https';
import { clientTlsOptions } from '../../common/tls';
import { shouldReconnect } from '../../protocol/codes';
import { DisconnectError, ReplyError } from '../../protocol/errors';
import { ProxyError } from '../errors';
import type { ProxyEndpoint } from './proxy-endpoint';

/** Most idle keep-alive sockets a TLS proxy's agent keeps (Centrifugo's HTTP client keeps 255 per host). */
const MAX_FREE_SOCKETS = 255;

const agents = new WeakMap<ProxyEndpoint, Agent>();

/** POSTs `body` and resolves with the answer text of a 200; throws ProxyError, or a transform's error or disconnect. */
export async function postProxy(proxy: ProxyEndpoint, headers: Headers, body: string): Promise<string> {
  const { status, text } = proxy.httpTls ? await postTls(proxy, headers, body) : await postFetch(proxy, headers, body);
  if (status !== 200) throw transformed(proxy, status) ?? new ProxyError(`proxy ${proxy.endpoint} answered HTTP ${status}`);
  return text;
}

/** The error or disconnect a status maps to, if a transform names it. */
export function transformed(proxy: ProxyEndpoint, status: number): ReplyError | DisconnectError | undefined {
  const t = proxy.statusTransforms.find((x) => x.status_code === status);
  if (!t) return undefined;
  if (t.to_error.code > 0) return new ReplyError({ code: t.to_error.code, message: t.to_error.message, temporary: t.to_error.temporary });
  return new DisconnectError({ code: t.to_disconnect.code, reason: t.to_disconnect.reason, reconnect: shouldReconnect(t.to_disconnect.code) });
}

function failure(proxy: ProxyEndpoint, err: unknown): ProxyError {
  const cause = (err as Error).name === 'TimeoutError' ? `no answer within ${proxy.timeoutMs} ms` : (err as Error).message;
  return new ProxyError(`proxy ${proxy.endpoint}: ${cause}`);
}

async function postFetch(proxy: ProxyEndpoint, headers: Headers, body: string): Promise<{ status: number; text: string }> {
  let response: Response;
  try {
    response = await fetch(proxy.endpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(proxy.timeoutMs) });
  } catch (err) {
    throw failure(proxy, err);
  }
  try {
    return { status: response.status, text: await response.text() };
  } catch (err) {
    throw new ProxyError(`proxy ${proxy.endpoint}: reading the answer failed: ${(err as Error).message}`);
  }
}

function agentOf(proxy: ProxyEndpoint): Agent {
  let agent = agents.get(proxy);
  if (!agent) {
    agent = new Agent({ keepAlive: true, maxFreeSockets: MAX_FREE_SOCKETS, ...clientTlsOptions(proxy.httpTls!, `${proxy.path}.http.tls`) });
    agents.set(proxy, agent);
  }
  return agent;
}

function postTls(proxy: ProxyEndpoint, headers: Headers, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(proxy.endpoint, { method: 'POST', agent: agentOf(proxy), headers: Object.fromEntries(headers) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (err) => reject(failure(proxy, err)));
    });
    // The whole exchange, as fetch's AbortSignal.timeout bounds it.
    const timer = setTimeout(() => req.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' })), proxy.timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(failure(proxy, err));
    });
    req.end(body);
  });
}

/** Closes the keep-alive sockets of these proxies' TLS agents (shard stop). */
export function closeTlsAgents(proxies: Iterable<ProxyEndpoint>): void {
  for (const proxy of proxies) {
    agents.get(proxy)?.destroy();
    agents.delete(proxy);
  }
}
