/**
 * A fake application backend on port 0 (node:http): serves JWKS documents and
 * Centrifugo proxy endpoints, and records every request it gets.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the backend received. */
export interface BackendRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined for none). */
  readonly body: any;
}

/** What a route answers: a status (200), a body (object → JSON, string as is), after a delay. */
export interface BackendAnswer {
  readonly status?: number;
  readonly body?: unknown;
  readonly delayMs?: number;
}

/** A route handler. */
export type Route = (request: BackendRequest) => BackendAnswer | Promise<BackendAnswer>;

/** A running backend. */
export interface Backend {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Requests received, in order. */
  readonly requests: BackendRequest[];
  /** Requests received on one path. */
  on(path: string): BackendRequest[];
  /** Sets (or replaces) the handler of a path. */
  route(path: string, handler: Route): void;
  close(): Promise<void>;
}

/** Starts a backend with the given routes; unknown paths answer 404. */
export async function startBackend(routes: Record<string, Route> = {}): Promise<Backend> {
  const table = new Map(Object.entries(routes));
  const requests: BackendRequest[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = text;
      }
      const request: BackendRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      requests.push(request);
      const handler = table.get(request.path);
      void Promise.resolve(handler ? handler(request) : { status: 404, body: 'not found' }).then(async (answer) => {
        if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
        if (res.destroyed) return;
        const payload = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {});
        res.writeHead(answer.status ?? 200, { 'Content-Type': 'application/json' }).end(payload);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    on: (path) => requests.filter((r) => r.path === path),
    route: (path, handler) => table.set(path, handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
