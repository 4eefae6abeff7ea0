// Shards of one node: a card per shard with its counts and two small charts
// (connections, deliveries per second), and a bar per shard for the
// connections, so an imbalance shows at a glance.
import { sparkline } from '../chart.js';
import { bytes, el, num } from '../format.js';

/** The node whose shards are shown: the select's value, else this node (the first). */
function selectedNode(samples) {
  const select = document.getElementById('shards-node');
  const nodes = samples.nodes();
  const current = select.value;
  // Rebuilt only when the set of nodes changes, so an open list is not closed under the user's pointer.
  const key = nodes.map((n) => n.uid).join(' ');
  if (select.dataset.nodes !== key) {
    select.dataset.nodes = key;
    select.replaceChildren(...nodes.map((n, i) => el('option', { value: n.uid, selected: n.uid === current }, i === 0 ? `${n.name} (this node)` : n.name)));
  }
  return nodes.find((n) => n.uid === current) ?? nodes[0];
}

function card(samples, uid, shard) {
  const last = samples.list.length - 1;
  const rate = (pick) => samples.rateAt(last, (i) => {
    const s = samples.shardAt(i, uid, shard.id);
    return s ? pick(s) : undefined;
  });
  const row = (label, cls, value) => el('div', { class: 'kv' }, el('span', {}, label), el('b', { class: cls }, value));
  const connections = el('canvas', { class: 'spark', 'aria-label': 'connections' });
  const deliveries = el('canvas', { class: 'spark', 'aria-label': 'deliveries per second' });
  const node = el(
    'article',
    { class: 'card', 'data-shard': shard.id },
    el('h3', {}, `shard ${shard.id}`),
    row('connections', 'v-connections', num(shard.num_clients)),
    connections,
    row('deliveries/s', 'v-deliveries', num(rate((s) => s.deliveries ?? 0))),
    deliveries,
    row('owned channels', 'v-owned', num(shard.owned_channels)),
    row('subscriptions', 'v-subs', num(shard.num_subs)),
    row('publications/s (owner)', 'v-pubs', num(rate((s) => s.publications_fanned_out))),
    // Channels the shard subscribes on Redis itself (no history, presence, join/leave or deltas): fanned out here, not by the owner.
    row('publications/s (own Redis subscriptions)', 'v-own-pubs', num(rate((s) => s.direct?.subscribed_publications ?? 0))),
    row('mailbox waiting', 'v-mailbox', bytes(shard.mailbox?.pending_bytes ?? 0)),
    row('mailbox overflow', 'v-overflow', bytes(shard.mailbox?.overflow_bytes ?? 0)),
    row('wake-ups/s', 'v-wakeups', num(rate((s) => s.mailbox?.wakeups ?? 0))),
    row('fan-out drops', 'v-drops', num(shard.fanout_dropped)),
    row('restarts', 'v-restarts', num(shard.restarts ?? 0)),
  );
  return { node, draw: () => {
    sparkline(connections, samples.shardSeries(uid, shard.id, (s) => s.num_clients));
    sparkline(deliveries, samples.shardRateSeries(uid, shard.id, (s) => s.deliveries ?? 0), { color: '#d9822b' });
  } };
}

/** Redraws the shard view from the samples. */
export function renderShards(samples) {
  const node = selectedNode(samples);
  const grid = document.getElementById('shards-grid');
  const balance = document.getElementById('shards-balance');
  if (!node) {
    grid.replaceChildren();
    balance.replaceChildren();
    return;
  }
  const shards = node.shards ?? [];
  const most = Math.max(1, ...shards.map((s) => s.num_clients));
  balance.replaceChildren(
    ...shards.map((s) => {
      const bar = el('span', { class: 'bar' });
      bar.style.width = `${(100 * s.num_clients) / most}%`;
      return el('div', { class: 'balance-row' }, el('span', {}, `shard ${s.id}`), el('span', { class: 'track' }, bar), el('b', {}, num(s.num_clients)));
    }),
  );
  const cards = shards.map((s) => card(samples, node.uid, s));
  grid.replaceChildren(...cards.map((c) => c.node));
  for (const c of cards) c.draw();
}
