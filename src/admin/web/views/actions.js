// Actions: a form per server API method (its parameters as fields), run
// through admin/api, and the JSON reply shown as it came.
import { call } from '../api.js';
import { el, pretty } from '../format.js';

const text = (name, hint = '') => ({ name, kind: 'text', hint });
const json = (name, hint = '') => ({ name, kind: 'json', hint });
const flag = (name) => ({ name, kind: 'bool' });
const int = (name) => ({ name, kind: 'int' });
const list = (name, hint = '') => ({ name, kind: 'list', hint });
const userTarget = [text('user'), text('client', 'one connection only'), text('session')];

/** Each server API method's parameters (src/api); a dotted name is a nested field. */
export const METHODS = {
  publish: [text('channel'), json('data', '{"text": "hello"}'), flag('skip_history'), text('idempotency_key'), flag('delta'), json('tags', '{"k": "v"}')],
  broadcast: [list('channels', 'space-separated'), json('data', '{"text": "hello"}'), flag('skip_history'), text('idempotency_key'), flag('delta')],
  subscribe: [text('user'), text('channel'), text('client'), text('session'), int('expire_at')],
  unsubscribe: [text('user'), text('channel'), text('client'), text('session')],
  disconnect: [...userTarget, int('disconnect.code'), text('disconnect.reason'), list('whitelist', 'client ids to keep, space-separated')],
  refresh: [...userTarget, flag('expired'), int('expire_at')],
  presence: [text('channel')],
  presence_stats: [text('channel')],
  history: [text('channel'), int('limit'), flag('reverse'), json('since', '{"offset": 0, "epoch": "…"}')],
  history_remove: [text('channel')],
  channels: [text('pattern', '* matches any run of characters')],
  info: [],
  batch: [json('commands', '[{"publish": {"channel": "a", "data": {}}}]'), flag('parallel')],
};

function fieldId(name) {
  return `action-${name.replace('.', '-')}`;
}

function renderFields(method) {
  const fields = METHODS[method].map((f) => {
    const id = fieldId(f.name);
    const input =
      f.kind === 'bool'
        ? el('input', { id, type: 'checkbox' })
        : f.kind === 'json'
          ? el('textarea', { id, rows: 3, placeholder: f.hint })
          : el('input', { id, type: f.kind === 'int' ? 'number' : 'text', placeholder: f.hint ?? '' });
    return el('div', { class: 'field' }, el('label', { for: id }, f.name), input);
  });
  document.getElementById('action-fields').replaceChildren(...(fields.length ? fields : [el('p', { class: 'muted' }, 'no parameters')]));
}

/** The method's params from the form; throws on a field that does not parse. */
function readParams(method) {
  const params = {};
  for (const f of METHODS[method]) {
    const input = document.getElementById(fieldId(f.name));
    let value;
    if (f.kind === 'bool') value = input.checked || undefined;
    else if (input.value.trim() === '') value = undefined;
    else if (f.kind === 'int') value = Number(input.value);
    else if (f.kind === 'list') value = input.value.split(/[\s,]+/).filter(Boolean);
    else if (f.kind === 'json') {
      try {
        value = JSON.parse(input.value);
      } catch {
        throw new Error(`${f.name} is not valid JSON`);
      }
    } else value = input.value;
    if (value === undefined) continue;
    const [outer, inner] = f.name.split('.');
    if (inner) params[outer] = { ...(params[outer] ?? {}), [inner]: value };
    else params[outer] = value;
  }
  return params;
}

/** Fills the method list and wires the form. */
export function setupActions() {
  const select = document.getElementById('action-method');
  select.replaceChildren(...Object.keys(METHODS).map((m) => el('option', { value: m }, m)));
  select.addEventListener('change', () => renderFields(select.value));
  renderFields(select.value);
  document.getElementById('action-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const reply = document.getElementById('action-reply');
    let params;
    try {
      params = readParams(select.value);
    } catch (err) {
      reply.textContent = err.message;
      return;
    }
    reply.textContent = '…';
    reply.textContent = pretty(await call(select.value, params));
  });
}
