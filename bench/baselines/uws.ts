/**
 * The yardstick: a single-threaded raw uWebSockets.js server that fans out
 * with uWS's native topic publish (`app.publish`, written from C++ and
 * coalesced per event-loop turn). It speaks only the framing of the protocol
 * (see framing.ts), so what it measures is the best one thread of uWS can do
 * with the same sockets, payloads and load generator.
 *
 * Run as a child process by the benchmarks: `node uws.js '{"apiKey":"…"}'`.
 */
import type { HttpResponse } from 'uWebSockets.js';
import { loadUws } from '../../src/common/uws';
import { reportFailure, serveUntilStopped, serverOptions } from '../common/child';
import { handleApiRequest, handleClientFrame, MAX_BACKPRESSURE_BYTES, MAX_FRAME_BYTES, pushFrame, WEBSOCKET_PATH, type Publication } from './framing';

const options = serverOptions();
const uws = loadUws();
const app = uws.App();
const decoder = new TextDecoder();

function publish(publication: Publication): void {
  app.publish(publication.channel, pushFrame(publication), false);
}

app.ws<Record<string, never>>(WEBSOCKET_PATH, {
  maxPayloadLength: MAX_FRAME_BYTES,
  idleTimeout: 0,
  maxBackpressure: MAX_BACKPRESSURE_BYTES,
  closeOnBackpressureLimit: 1,
  sendPingsAutomatically: false,
  message: (ws, message) => {
    handleClientFrame(decoder.decode(message), {
      subscribe: (channel) => ws.subscribe(channel),
      publish,
      reply: (text) => ws.send(text, false),
    });
  },
});

app.post('/api/:method', (res: HttpResponse, req) => {
  const method = req.getParameter(0) ?? '';
  const apiKey = req.getHeader('x-api-key');
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  const chunks: Buffer[] = [];
  res.onData((chunk, isLast) => {
    chunks.push(Buffer.from(new Uint8Array(chunk).slice())); // uWS reuses the chunk after this call
    if (!isLast || aborted) return;
    const answer = handleApiRequest(method, apiKey, options.apiKey, Buffer.concat(chunks).toString('utf8'));
    for (const publication of answer.publications) publish(publication);
    res.cork(() => res.writeStatus(answer.status).writeHeader('Content-Type', 'application/json').end(answer.body));
  });
});

app.listen('127.0.0.1', 0, (listenSocket) => {
  if (!listenSocket) {
    reportFailure(new Error('raw uWS baseline could not listen'));
    return;
  }
  serveUntilStopped(uws.us_socket_local_port(listenSocket), () => uws.us_listen_socket_close(listenSocket));
});
