/**
 * The `ws` baseline: a plain Node http server with the `ws` library and a
 * broadcast loop (`for (socket of subscribers) socket.send(frame)`, the frame
 * encoded once). It speaks the same protocol framing as the yardstick (see
 * framing.ts): this is what a typical hand-written Node WebSocket server does.
 *
 * Run as a child process by the benchmarks: `node ws.js '{"apiKey":"…"}'`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { reportFailure, serveUntilStopped, serverOptions } from '../common/child';
import { handleApiRequest, handleClientFrame, MAX_FRAME_BYTES, pushFrame, WEBSOCKET_PATH, type Publication } from './framing';

const options = serverOptions();
const topics = new Map<string, Set<WebSocket>>();

function publish(publication: Publication): void {
  const subscribers = topics.get(publication.channel);
  if (!subscribers) return;
  const frame = Buffer.from(pushFrame(publication));
  for (const socket of subscribers) socket.send(frame, { binary: false });
}

const server = http.createServer((req, res) => {
  const method = /^\/api\/([a-z_]+)$/.exec(req.url ?? '')?.[1];
  if (req.method !== 'POST' || method === undefined) {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const apiKey = req.headers['x-api-key'];
    const answer = handleApiRequest(method, typeof apiKey === 'string' ? apiKey : '', options.apiKey, Buffer.concat(chunks).toString('utf8'));
    for (const publication of answer.publications) publish(publication);
    res.writeHead(Number(answer.status.slice(0, 3)), { 'Content-Type': 'application/json' }).end(answer.body);
  });
});

const wss = new WebSocketServer({ server, path: WEBSOCKET_PATH, perMessageDeflate: false, maxPayload: MAX_FRAME_BYTES });
wss.on('connection', (socket) => {
  const channels = new Set<string>();
  socket.on('message', (data: Buffer) => {
    handleClientFrame(data.toString('utf8'), {
      subscribe: (channel) => {
        let subscribers = topics.get(channel);
        if (!subscribers) topics.set(channel, (subscribers = new Set()));
        subscribers.add(socket);
        channels.add(channel);
      },
      publish,
      reply: (text) => socket.send(text),
    });
  });
  socket.on('close', () => {
    for (const channel of channels) {
      const subscribers = topics.get(channel);
      subscribers?.delete(socket);
      if (subscribers?.size === 0) topics.delete(channel);
    }
  });
  socket.on('error', () => undefined);
});

server.on('error', reportFailure);
server.listen(0, '127.0.0.1', () => {
  serveUntilStopped((server.address() as AddressInfo).port, () => {
    for (const socket of wss.clients) socket.terminate();
    server.close();
  });
});
