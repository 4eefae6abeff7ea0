// Nodes: every node on the Redis bus (or this one alone) as `info` lists it.
import { duration, el, num } from '../format.js';

/** Redraws the nodes table from the newest sample. */
export function renderNodes(samples) {
  const body = document.querySelector('#nodes-table tbody');
  body.replaceChildren(
    ...samples.nodes().map((node, i) =>
      el(
        'tr',
        { 'data-node': node.uid },
        el('td', {}, node.name, i === 0 ? el('span', { class: 'tag' }, 'this node') : ''),
        el('td', {}, node.version),
        el('td', {}, duration(node.uptime)),
        el('td', { class: 'n' }, num(node.shards?.length ?? 0)),
        el('td', { class: 'n v-clients' }, num(node.num_clients)),
        el('td', { class: 'n' }, num(node.num_users)),
        el('td', { class: 'n' }, num(node.num_channels)),
        el('td', { class: 'n' }, num(node.num_subs)),
        el('td', { class: 'n' }, num(samples.nodePublicationRate(node.uid))),
      ),
    ),
  );
}
