/**
 * The clients of `bench:crash-leak` (a child process): N WebSocket
 * connections that each send one message when open and reconnect 50–550 ms
 * after a close; reports the number open to the parent every 200 ms.
 */
import WebSocket from 'ws';

const url = process.argv[2] ?? '';
const total = Number(process.argv[3] ?? 0);
/** Connection attempts under way at most. */
const CONCURRENCY = 200;
let open = 0;
let connecting = 0;
let waiting = total;

function connect(): void {
  connecting++;
  waiting--;
  const ws = new WebSocket(url, { perMessageDeflate: false });
  let opened = false;
  ws.on('open', () => {
    opened = true;
    connecting--;
    open++;
    ws.send('{"id":1,"connect":{}}');
    pump();
  });
  ws.on('error', () => undefined);
  ws.on('close', () => {
    if (opened) open--;
    else connecting--;
    setTimeout(() => {
      waiting++;
      pump();
    }, 50 + Math.random() * 500);
    pump();
  });
}

function pump(): void {
  while (waiting > 0 && connecting < CONCURRENCY) connect();
}

pump();
setInterval(() => process.send?.({ open }), 200);
