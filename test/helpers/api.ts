/**
 * Calls the server API: over a fresh HTTP connection, closed after the answer
 * (callApi: each call lands on a shard the kernel picks), or over an agent's
 * keep-alive connections (callApiKeepAlive: they stay open, on their shards).
 */
import { request, type Agent } from 'node:http';
import { API_KEY } from './server';

/** The status and parsed JSON body of an API answer. */
export interface ApiAnswer {
  readonly status: number;
  readonly body: any;
  readonly text: string;
}

/** POSTs `body` (an object, or raw text) to `<apiUrl>/<method>`. */
export function callApi(
  apiUrl: string,
  method: string,
  body: unknown,
  headers: Record<string, string> = { 'X-API-Key': API_KEY },
  httpMethod = 'POST',
): Promise<ApiAnswer> {
  return send(apiUrl, method, body, false, { Connection: 'close', ...headers }, httpMethod);
}

/** POSTs `body` to `<apiUrl>/<method>` over `agent`, whose connection stays open after the answer. */
export function callApiKeepAlive(agent: Agent, apiUrl: string, method: string, body: unknown): Promise<ApiAnswer> {
  return send(apiUrl, method, body, agent, { 'X-API-Key': API_KEY }, 'POST');
}

function send(apiUrl: string, method: string, body: unknown, agent: Agent | false, headers: Record<string, string>, httpMethod: string): Promise<ApiAnswer> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${apiUrl}/${method}`,
      { method: httpMethod, agent, headers: { 'Content-Type': 'application/json', ...headers } },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (data += c));
        res.on('end', () => {
          let parsed: unknown = undefined;
          try {
            parsed = JSON.parse(data);
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text: data });
        });
      },
    );
    req.on('error', reject);
    req.end(httpMethod === 'GET' ? undefined : text);
  });
}
