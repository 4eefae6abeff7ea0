/**
 * How the publisher gets publications to the server: the HTTP API
 * (`/api/publish`, or `/api/batch` for a burst, over keep-alive connections)
 * or client `publish` commands over one WebSocket (a burst is one frame of
 * newline-joined commands). Both count requests in flight and errors; neither
 * waits for an answer before sending the next.
 */
import http from 'node:http';
import WebSocket from 'ws';

/** One publication as the publisher sends it: the channel and the data as JSON text. */
export interface OutgoingPublication {
  readonly channel: string;
  readonly data: string;
}

/** A way to send publications. */
export interface Transport {
  /** Sends the publications as one request (one frame). */
  send(publications: readonly OutgoingPublication[]): void;
  /** Publications sent and not acknowledged yet. */
  readonly inFlight: number;
  /** Requests answered with an error, or that failed. */
  readonly errors: number;
  close(): Promise<void>;
}

/** Which transport a benchmark uses. */
export type TransportKind = 'http' | 'ws';

/**
 * HTTP keep-alive connections the HTTP transport opens at most. They are used
 * in turn (FIFO), so with several shards, whose listen sockets the kernel
 * picks per connection, requests spread over the shards the way many backend
 * publishers would, instead of all riding one connection to one shard.
 */
const HTTP_SOCKETS = 32;

/** The HTTP API transport. */
export function httpTransport(apiUrl: string, apiKey: string): Transport {
  const url = new URL(apiUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: HTTP_SOCKETS, scheduling: 'fifo' });
  const state = { inFlight: 0, errors: 0 };
  const done = (count: number, ok: boolean): void => {
    state.inFlight -= count;
    if (!ok) state.errors++;
  };
  return {
    send(publications) {
      const single = publications.length === 1;
      const body = single
        ? `{"channel":${JSON.stringify(publications[0]!.channel)},"data":${publications[0]!.data}}`
        : `{"commands":[${publications.map((p) => `{"publish":{"channel":${JSON.stringify(p.channel)},"data":${p.data}}}`).join(',')}]}`;
      const count = publications.length;
      state.inFlight += count;
      const request = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: `${url.pathname}/${single ? 'publish' : 'batch'}`,
          headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => done(count, response.statusCode === 200 && !text.includes('"error"')));
        },
      );
      request.on('error', () => done(count, false));
      request.end(body);
    },
    get inFlight() {
      return state.inFlight;
    },
    get errors() {
      return state.errors;
    },
    async close() {
      agent.destroy();
    },
  };
}

/** The client-publish transport: one connected WebSocket. */
export async function wsTransport(wsUrl: string): Promise<Transport> {
  const socket = new WebSocket(wsUrl, { perMessageDeflate: false });
  const state = { inFlight: 0, errors: 0, nextId: 2 };
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('open', () => socket.send('{"id":1,"connect":{}}'));
    socket.once('message', () => resolve()); // the connect reply
  });
  socket.on('error', () => undefined);
  socket.on('message', (data: Buffer) => {
    for (const line of data.toString('utf8').split('\n')) {
      if (line === '{}') {
        socket.send('{}'); // ping → pong
        continue;
      }
      if (!line.startsWith('{"id":')) continue;
      state.inFlight--;
      if (line.includes('"error"')) state.errors++;
    }
  });
  return {
    send(publications) {
      const frame = publications
        .map((p) => `{"id":${state.nextId++},"publish":{"channel":${JSON.stringify(p.channel)},"data":${p.data}}}`)
        .join('\n');
      state.inFlight += publications.length;
      socket.send(frame);
    },
    get inFlight() {
      return state.inFlight;
    },
    get errors() {
      return state.errors;
    },
    async close() {
      socket.terminate();
    },
  };
}

/** Opens the transport of `kind` to a server. */
export function openTransport(kind: TransportKind, target: { wsUrl: string; apiUrl: string; apiKey: string }): Promise<Transport> {
  return kind === 'http' ? Promise.resolve(httpTransport(target.apiUrl, target.apiKey)) : wsTransport(target.wsUrl);
}
