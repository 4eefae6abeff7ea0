// Channels: search by pattern (the `channels` method), and one channel's
// view (admin/channel): owner shard, subscribers, presence, history tail.
import { call, post } from '../api.js';
import { el, num, pretty } from '../format.js';

let selected = '';

/** A part of the channel view: its result, or its error as text. */
function part(title, answer, render) {
  const body = answer.error ? el('p', { class: 'error' }, `${answer.error.code}: ${answer.error.message}`) : render(answer.result);
  return el('div', { class: 'part' }, el('h4', {}, title), body);
}

async function showChannel(channel, onTail) {
  selected = channel;
  const detail = document.getElementById('channel-detail');
  const answer = await post('admin/channel', { channel });
  if (selected !== channel) return;
  if (answer.error) {
    detail.replaceChildren(el('p', { class: 'error' }, answer.error.message));
    return;
  }
  const v = answer.result;
  detail.replaceChildren(
    el('h3', {}, v.channel),
    el('div', { class: 'kv' }, el('span', {}, 'owner shard (this node)'), el('b', { class: 'v-owner' }, `${v.owner_shard} of ${v.shard_count}`)),
    el('div', { class: 'kv' }, el('span', {}, 'subscribers (all nodes)'), el('b', { class: 'v-subscribers' }, num(v.num_clients))),
    part('presence stats', v.presence_stats, (r) => el('p', {}, `${num(r.num_clients)} clients, ${num(r.num_users)} users`)),
    part('presence', v.presence, (r) =>
      el('table', {}, ...Object.values(r.presence ?? {}).map((c) => el('tr', {}, el('td', {}, c.user || '(anonymous)'), el('td', { class: 'muted' }, c.client)))),
    ),
    part('history (newest first)', v.history, (r) =>
      el('ol', { class: 'tail' }, ...(r.publications ?? []).map((p) => el('li', {}, el('span', { class: 'muted' }, `#${p.offset ?? ''} `), pretty(p.data ?? p.b64data)))),
    ),
    el('button', { type: 'button', id: 'channel-tail', onclick: () => onTail(v.channel) }, 'Follow live in Actions'),
  );
}

/** Runs the search and fills the table. */
export async function searchChannels(onTail) {
  const pattern = document.getElementById('channels-pattern').value.trim();
  const answer = await call('channels', pattern ? { pattern } : {});
  const body = document.querySelector('#channels-table tbody');
  if (answer.error) {
    body.replaceChildren(el('tr', {}, el('td', { colspan: 2, class: 'error' }, answer.error.message)));
    return;
  }
  const rows = Object.entries(answer.result.channels ?? {}).sort(([a], [b]) => a.localeCompare(b));
  body.replaceChildren(
    ...rows.map(([name, info]) =>
      el('tr', {}, el('td', {}, el('button', { type: 'button', class: 'link', onclick: () => showChannel(name, onTail) }, name)), el('td', { class: 'n' }, num(info.num_clients))),
    ),
  );
  if (rows.length === 0) body.replaceChildren(el('tr', {}, el('td', { colspan: 2, class: 'muted' }, 'no channel with subscribers matches')));
}

/** Wires the search form. */
export function setupChannels(onTail) {
  document.getElementById('channels-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void searchChannels(onTail);
  });
}

/** Refreshes the open channel view (called on each poll while the view is shown). */
export function refreshChannel(onTail) {
  if (selected !== '') void showChannel(selected, onTail);
}
