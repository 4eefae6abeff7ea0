/**
 * A bare shard for `bench:crash-leak`: one uWS app with a WebSocket route on
 * the shared port (SO_REUSEPORT), no switchyard code. On `close` it closes its
 * listen socket and every WebSocket with `ws.close()` (or `ws.end()`) from the
 * loop phase the driver names, then either ends (port closed, the loop
 * empties) or stays (`stay`: the sockets close while the thread runs on).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { us_listen_socket, WebSocket } from 'uWebSockets.js';
import { loadUws } from '../../src/common/uws';

/** Where the sockets are closed: a setImmediate callback (check phase), a timer, or the port's message callback (poll phase). */
export type ClosePhase = 'immediate' | 'timer' | 'message';

/** Driver → shard. */
export type ToLeakShard = { readonly type: 'close' } | { readonly type: 'gc' };

/** What the driver gives each shard. */
export interface LeakShardData {
  readonly port: number;
  readonly phase: ClosePhase;
  /** Graceful `ws.end()` instead of `ws.close()`. */
  readonly graceful: boolean;
  /** Close the sockets but keep the thread. */
  readonly stay: boolean;
}

const data = workerData as LeakShardData;
const port = parentPort!;
const uws = loadUws();
const app = uws.App();
const sockets = new Set<WebSocket<unknown>>();
let listenSocket: us_listen_socket | null = null;

app.ws('/*', {
  idleTimeout: 960,
  open: (ws) => {
    sockets.add(ws);
    ws.send('{"connect":{"client":"c","version":"0"}}');
  },
  message: (ws, message) => {
    ws.send(message, false);
  },
  close: (ws) => {
    sockets.delete(ws);
  },
});
app.listen(data.port, (socket) => {
  listenSocket = socket || null;
  port.postMessage({ type: socket ? 'ready' : 'listen-failed' });
});

function closeAll(): void {
  for (const ws of [...sockets]) {
    if (data.graceful) ws.end(1001, 'going away');
    else ws.close();
  }
  if (data.stay) return;
  if (listenSocket) uws.us_listen_socket_close(listenSocket);
  listenSocket = null;
  port.postMessage({ type: 'closed' });
  port.close();
}

port.on('message', (msg: ToLeakShard) => {
  if (msg.type === 'gc') {
    (globalThis as { gc?: () => void }).gc?.();
    return;
  }
  if (data.phase === 'immediate') setImmediate(closeAll);
  else if (data.phase === 'timer') setTimeout(closeAll, 0);
  else closeAll();
});
