/** Calls the server API over a fresh HTTP connection, closed after the answer (no keep-alive: each call lands on a shard the kernel picks). */
import { request } from 'node:http';
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
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${apiUrl}/${method}`,
      { method: httpMethod, agent: false, headers: { 'Content-Type': 'application/json', Connection: 'close', ...headers } },
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
