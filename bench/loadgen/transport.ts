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
  /** The publication's tags as JSON text, if any. */
  readonly tags?: string;
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

/** What both transports count. */
interface Counters {
  inFlight: number;
  errors: number;
}

/** A Transport over `counters` with the given send and close. */
function transportOf(counters: Counters, send: Transport['send'], close: () => void): Transport {
  return {
    send,
    get inFlight() {
      return counters.inFlight;
    },
    get errors() {
      return counters.errors;
    },
    close: async () => close(),
  };
}

/**
 * HTTP keep-alive connections the HTTP transport opens at most. They are used
 * in turn (FIFO), so with several shards, whose listen sockets the kernel
 * picks per connection, requests spread over the shards the way many backend
 * publishers would, instead of all riding one connection to one shard.
 */
const HTTP_SOCKETS = 32;

/** The request body: `publish` for one publication, `batch` for a burst. */
function apiBody(publications: readonly OutgoingPublication[]): { method: 'publish' | 'batch'; body: string } {
  const fields = (p: OutgoingPublication): string => `"channel":${JSON.stringify(p.channel)},"data":${p.data}${p.tags ? `,"tags":${p.tags}` : ''}`;
  if (publications.length === 1) return { method: 'publish', body: `{${fields(publications[0]!)}}` };
  return { method: 'batch', body: `{"commands":[${publications.map((p) => `{"publish":{${fields(p)}}}`).join(',')}]}` };
}

/** The HTTP API transport. */
export function httpTransport(apiUrl: string, apiKey: string): Transport {
  const url = new URL(apiUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: HTTP_SOCKETS, scheduling: 'fifo' });
  const state: Counters = { inFlight: 0, errors: 0 };
  const send = (publications: readonly OutgoingPublication[]): void => {
    const { method, body } = apiBody(publications);
    const count = publications.length;
    const done = (ok: boolean): void => {
      state.inFlight -= count;
      if (!ok) state.errors++;
    };
    state.inFlight += count;
    const headers = { 'X-API-Key': apiKey, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
    const request = http.request({ agent, host: url.hostname, port: url.port, method: 'POST', path: `${url.pathname}/${method}`, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => done(response.statusCode === 200 && !text.includes('"error"')));
    });
    request.on('error', () => done(false));
    request.end(body);
  };
  return transportOf(state, send, () => agent.destroy());
}

/** The client-publish transport: one connected WebSocket. */
export async function wsTransport(wsUrl: string): Promise<Transport> {
  const socket = new WebSocket(wsUrl, { perMessageDeflate: false });
  const state: Counters = { inFlight: 0, errors: 0 };
  let nextId = 2;
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
  const send = (publications: readonly OutgoingPublication[]): void => {
    const frame = publications.map((p) => `{"id":${nextId++},"publish":{"channel":${JSON.stringify(p.channel)},"data":${p.data}}}`).join('\n');
    state.inFlight += publications.length;
    socket.send(frame);
  };
  return transportOf(state, send, () => socket.terminate());
}

/** Opens the transport of `kind` to a server. */
export function openTransport(kind: TransportKind, target: { wsUrl: string; apiUrl: string; apiKey: string }): Promise<Transport> {
  return kind === 'http' ? Promise.resolve(httpTransport(target.apiUrl, target.apiKey)) : wsTransport(target.wsUrl);
}
