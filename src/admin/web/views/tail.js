// The live tail: the `centrifuge` SDK (served from node_modules, no CDN)
// connects to the admin WebSocket endpoint with a tail token from admin/tail;
// the server subscribes that connection to the channel (server-side), and
// each publication is listed here, newest first.
import { Centrifuge } from '../vendor/centrifuge.mjs';
import { post } from '../api.js';
import { el, pretty } from '../format.js';

const KEEP = 100;
let client = null;

function status(text) {
  document.getElementById('tail-status').textContent = text;
}

async function tailToken(channel) {
  const answer = await post('admin/tail', { channel });
  if (answer.error) throw new Error(answer.error.message);
  return answer.result;
}

/** Stops following. */
export function stopTail() {
  client?.disconnect();
  client = null;
  status('not following');
}

/** Follows `channel`. */
export async function startTail(channel) {
  stopTail();
  document.getElementById('tail-channel').value = channel;
  document.getElementById('tail-list').replaceChildren();
  let first;
  try {
    first = await tailToken(channel);
  } catch (err) {
    status(`cannot follow: ${err.message}`);
    return;
  }
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${first.endpoint}`;
  const centrifuge = new Centrifuge(url, { token: first.token, getToken: async () => (await tailToken(channel)).token });
  client = centrifuge;
  centrifuge.on('connected', () => status(`following ${channel}`));
  centrifuge.on('disconnected', (ctx) => status(`disconnected: ${ctx.reason}`));
  centrifuge.on('error', (ctx) => status(`error: ${ctx.error?.message ?? 'unknown'}`));
  centrifuge.on('publication', (ctx) => {
    if (ctx.channel !== channel) return;
    const list = document.getElementById('tail-list');
    list.prepend(el('li', {}, el('span', { class: 'muted' }, `${new Date().toLocaleTimeString()} #${ctx.offset ?? ''} `), pretty(ctx.data)));
    while (list.children.length > KEEP) list.lastChild.remove();
  });
  centrifuge.connect();
}

/** Wires the tail form. */
export function setupTail() {
  document.getElementById('tail-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const channel = document.getElementById('tail-channel').value.trim();
    if (channel) void startTail(channel);
  });
  document.getElementById('tail-stop').addEventListener('click', stopTail);
}
