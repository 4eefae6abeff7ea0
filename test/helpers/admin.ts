/** Talking to the admin endpoints in tests: plain HTTP with the status, headers and parsed body. */
import { request } from 'node:http';

/** Admin settings of the test servers. */
export const ADMIN_PASSWORD = 'test-admin-password';
export const ADMIN_SECRET = 'test-admin-secret';
export const ADMIN_ON = Object.freeze({ enabled: true, password: ADMIN_PASSWORD, secret: ADMIN_SECRET });

/** An HTTP answer. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: any;
  readonly text: string;
}

/** Sends one request on a fresh connection; `body` is an object (sent as JSON) or raw text. */
export function httpCall(url: string, method = 'GET', body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, headers: { Connection: 'close', ...(text !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(data);
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed, text: data });
      });
    });
    req.on('error', reject);
    req.end(text);
  });
}

/** Logs in; resolves with the session token (fails the caller's expectations if the login is refused). */
export async function adminLogin(base: string, password = ADMIN_PASSWORD): Promise<string> {
  const answer = await httpCall(`${base}/admin/auth`, 'POST', { password });
  if (answer.status !== 200) throw new Error(`login refused: ${answer.status} ${answer.text}`);
  return answer.body.token as string;
}

/** POSTs to an admin endpoint with a session token. */
export function adminPost(base: string, path: string, body: unknown, token: string): Promise<HttpAnswer> {
  return httpCall(`${base}${path}`, 'POST', body, { Authorization: `token ${token}` });
}
