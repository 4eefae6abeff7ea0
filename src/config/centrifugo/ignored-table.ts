/**
 * The README's tables for Centrifugo users (section "Migrating from
 * Centrifugo"): the Centrifugo keys switchyard ignores, and the keys whose
 * defaults differ, generated from Centrifugo's key table and switchyard's
 * schema, so they stay true as keys are implemented (`switchyard configdoc
 * --ignored` prints them; a test compares).
 */
import { parseDuration } from '../duration';
import { CONFIG_KEYS, leafPaths } from '../keys';
import { CENTRIFUGO_KEYS, centrifugoKey, isSecurityRelevant } from './known-keys';

/** Where the generated block starts and ends in README.md. */
export const IGNORED_TABLE_MARKERS = Object.freeze({ start: '<!-- ignored-keys:start -->', end: '<!-- ignored-keys:end -->' });

/** Every path of switchyard's schema, values and the sections and lists above them. */
function ourPaths(): Set<string> {
  const out = new Set<string>();
  for (const leaf of leafPaths()) {
    const parts = leaf.split('.');
    for (let i = 1; i <= parts.length; i++) out.add(parts.slice(0, i).join('.'));
  }
  for (const path of [...out]) if (path.endsWith('[]')) out.add(path.slice(0, -2));
  return out;
}

/**
 * The ignored keys under `parent`: a subtree switchyard has nothing of is
 * written once (`tls.*`, `namespaces[].shared_poll.*`), other keys one by
 * one; paths are relative to the top-level section.
 */
function ignoredUnder(parent: string, ours: Set<string>, top: string): string[] {
  const children = CENTRIFUGO_KEYS.filter((k) => {
    const rest = k.path.startsWith(`${parent}.`) ? k.path.slice(parent.length + 1) : k.path.startsWith(`${parent}[].`) ? k.path.slice(parent.length + 3) : null;
    return rest !== null && !/[.[]/.test(rest);
  });
  const out: string[] = [];
  for (const key of children) {
    if (ours.has(key.path) && key.kind !== 'section' && key.kind !== 'list') continue;
    const relative = key.path.slice(top.length).replace(/^\./, '');
    const security = isSecurityRelevant(key.path);
    const mark = (text: string): string => (security ? `**${text}**` : text);
    if (!ours.has(key.path)) out.push(mark(key.kind === 'section' ? `${relative}.*` : key.kind === 'list' ? `${relative}[].*` : relative));
    else out.push(...ignoredUnder(key.path, ours, top));
  }
  return out;
}

/** The Markdown table: one row per top-level section with ignored keys. */
export function renderIgnoredTable(): string {
  const ours = ourPaths();
  const rows: string[] = [];
  for (const key of CENTRIFUGO_KEYS) {
    if (key.path.includes('.') || key.path.includes('[')) continue;
    if (!ours.has(key.path)) {
      const whole = key.kind === 'section' ? '`*` (the whole section)' : key.kind === 'list' ? '`[]` (every item)' : 'the key';
      rows.push(`| \`${key.path}\` | ${isSecurityRelevant(key.path) ? `**${whole}**` : whole} |`);
      continue;
    }
    if (key.kind !== 'section' && key.kind !== 'list') continue;
    const names = ignoredUnder(key.path, ours, key.path);
    if (names.length > 0) rows.push(`| \`${key.path}\` | ${names.map((n) => (n.startsWith('**') ? `**\`${n.slice(2, -2)}\`**` : `\`${n}\``)).join(', ')} |`);
  }
  return [IGNORED_TABLE_MARKERS.start, '| section | keys ignored (bold: security-relevant) |', '|---|---|', ...rows, IGNORED_TABLE_MARKERS.end].join('\n');
}

/** Where the generated block of differing defaults starts and ends in README.md. */
export const DEFAULTS_TABLE_MARKERS = Object.freeze({ start: '<!-- default-differences:start -->', end: '<!-- default-differences:end -->' });

/** A default in file form, comparable across the two tables (durations in ms). */
function comparable(kind: string, value: unknown): string {
  if (kind === 'duration' && typeof value === 'string') return String(parseDuration(value));
  return JSON.stringify(value);
}

/** The Markdown table of keys both have whose defaults differ. */
export function renderDefaultsTable(): string {
  const rows: string[] = [];
  for (const ours of CONFIG_KEYS) {
    const theirs = centrifugoKey(ours.path);
    if (theirs === undefined || !('default' in ours.field) || ours.field.default === undefined) continue;
    const mine = ours.field.default;
    if (comparable(ours.field.kind, mine) === comparable(theirs.kind === 'duration' ? 'duration' : ours.field.kind, theirs.defaultValue)) continue;
    rows.push(`| \`${ours.path}\` | \`${JSON.stringify(mine)}\` | \`${JSON.stringify(theirs.defaultValue)}\` |`);
  }
  return [DEFAULTS_TABLE_MARKERS.start, '| key | switchyard | Centrifugo |', '|---|---|---|', ...rows, DEFAULTS_TABLE_MARKERS.end].join('\n');
}
