/**
 * Publication tags filters: the `tf` FilterNode of a subscribe request
 * (client.proto), a tree of comparisons on a publication's `tags` that
 * decides, per subscriber, whether it receives the publication. Allowed per
 * namespace with `allow_tags_filter`.
 *
 * Node kinds (Centrifugo's):
 * - a leaf (`op` "" or absent) compares the tag `key`: `eq`, `neq` (also true
 *   when the tag is absent), `in`/`nin` (`vals`), `ex`/`nex` (the tag exists or
 *   not), `sw`/`ew`/`ct` (starts with, ends with, contains `val`), and the
 *   numeric `lt`/`lte`/`gt`/`gte` (both sides decimal numbers, compared
 *   exactly; a value that is not one makes the comparison false);
 * - `and` / `or` of one or more `nodes`; `not` of exactly one node.
 *
 * parseTagsFilter checks a filter once, at subscribe (a malformed one is a
 * 107 for the client), so matching never fails.
 */

/** One checked node of a tags filter. */
export interface TagsFilter {
  /** "" for a leaf, else "and", "or" or "not". */
  readonly op: '' | 'and' | 'or' | 'not';
  readonly key: string;
  /** The comparison of a leaf; "" for and/or/not. */
  readonly cmp: string;
  readonly val: string;
  readonly vals: readonly string[];
  readonly nodes: readonly TagsFilter[];
}

/** Publication tags: string → string. */
export type Tags = Readonly<Record<string, string>>;

const SINGLE_VALUE = new Set(['eq', 'neq', 'sw', 'ew', 'ct', 'lt', 'lte', 'gt', 'gte']);
const VALUE_LIST = new Set(['in', 'nin']);
const EXISTENCE = new Set(['ex', 'nex']);
/** Deepest filter accepted, nodes: a guard against a client sending a tree that exhausts the stack. */
const MAX_DEPTH = 32;
const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/** Why a filter was refused; the message names the node (`tf.nodes[1].cmp …`). */
export class TagsFilterError extends Error {
  readonly code = 'SY_TAGS_FILTER_INVALID';
}

function field(node: Record<string, unknown>, name: string, where: string): string {
  const v = node[name];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new TagsFilterError(`${where}.${name} must be a string`);
  return v;
}

function list<T>(node: Record<string, unknown>, name: string, where: string, item: (v: unknown, at: string) => T): T[] {
  const v = node[name];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new TagsFilterError(`${where}.${name} must be an array`);
  return v.map((x, i) => item(x, `${where}.${name}[${i}]`));
}

/** Checks a decoded `tf` (JSON object or decoded Protobuf message); throws TagsFilterError naming what is wrong. */
export function parseTagsFilter(value: unknown, where = 'tf', depth = 0): TagsFilter {
  if (depth >= MAX_DEPTH) throw new TagsFilterError(`${where} is nested deeper than ${MAX_DEPTH} nodes`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TagsFilterError(`${where} must be an object`);
  const node = value as Record<string, unknown>;
  const op = field(node, 'op', where);
  const key = field(node, 'key', where);
  const cmp = field(node, 'cmp', where);
  const val = field(node, 'val', where);
  const vals = list(node, 'vals', where, (x, at) => {
    if (typeof x !== 'string') throw new TagsFilterError(`${at} must be a string`);
    return x;
  });
  const nodes = list(node, 'nodes', where, (x, at) => parseTagsFilter(x, at, depth + 1));
  if (op === 'and' || op === 'or') {
    if (nodes.length === 0) throw new TagsFilterError(`${where}: ${op} needs at least one node`);
    return { op, key, cmp, val, vals, nodes };
  }
  if (op === 'not') {
    if (nodes.length !== 1) throw new TagsFilterError(`${where}: not needs exactly one node`);
    return { op, key, cmp, val, vals, nodes };
  }
  if (op !== '') throw new TagsFilterError(`${where}.op must be "", "and", "or" or "not", got ${JSON.stringify(op)}`);
  if (SINGLE_VALUE.has(cmp)) {
    if (val === '') throw new TagsFilterError(`${where}: ${cmp} needs val`);
    if (vals.length > 0) throw new TagsFilterError(`${where}: ${cmp} takes val, not vals`);
  } else if (VALUE_LIST.has(cmp)) {
    if (vals.length === 0) throw new TagsFilterError(`${where}: ${cmp} needs a non-empty vals`);
    if (val !== '') throw new TagsFilterError(`${where}: ${cmp} takes vals, not val`);
  } else if (EXISTENCE.has(cmp)) {
    if (val !== '' || vals.length > 0) throw new TagsFilterError(`${where}: ${cmp} takes neither val nor vals`);
  } else {
    throw new TagsFilterError(`${where}.cmp ${JSON.stringify(cmp)} is not a known comparison`);
  }
  if (key === '' && !EXISTENCE.has(cmp)) throw new TagsFilterError(`${where}: ${cmp} needs key`);
  if (nodes.length > 0) throw new TagsFilterError(`${where}: a comparison has no nodes`);
  return { op, key, cmp, val, vals, nodes };
}

/** Whether a publication with `tags` (undefined: none) passes the filter. */
export function matchTags(f: TagsFilter, tags: Tags | undefined): boolean {
  switch (f.op) {
    case 'and':
      return f.nodes.every((n) => matchTags(n, tags));
    case 'or':
      return f.nodes.some((n) => matchTags(n, tags));
    case 'not':
      return !matchTags(f.nodes[0]!, tags);
    default:
      return compare(f, tags);
  }
}

function compare(f: TagsFilter, tags: Tags | undefined): boolean {
  const has = tags !== undefined && Object.hasOwn(tags, f.key);
  const value = has ? tags[f.key]! : '';
  switch (f.cmp) {
    case 'eq':
      return has && value === f.val;
    case 'neq':
      return !has || value !== f.val;
    // An absent tag compares as "", as in Centrifugo.
    case 'in':
      return f.vals.includes(value);
    case 'nin':
      return !f.vals.includes(value);
    case 'ex':
      return has;
    case 'nex':
      return !has;
    case 'sw':
      return has && value.startsWith(f.val);
    case 'ew':
      return has && value.endsWith(f.val);
    case 'ct':
      return has && value.includes(f.val);
    default: {
      if (!has) return false;
      const order = compareDecimals(value, f.val);
      if (order === null) return false;
      return f.cmp === 'lt' ? order < 0 : f.cmp === 'lte' ? order <= 0 : f.cmp === 'gt' ? order > 0 : order >= 0;
    }
  }
}

/** Sign of a − b for two decimal strings, exactly (no floating point); null when either is not a decimal number. */
export function compareDecimals(a: string, b: string): number | null {
  const x = DECIMAL.exec(a);
  const y = DECIMAL.exec(b);
  if (!x || !y) return null;
  const signX = isZero(x) ? 0 : x[1] === '-' ? -1 : 1;
  const signY = isZero(y) ? 0 : y[1] === '-' ? -1 : 1;
  if (signX !== signY) return signX < signY ? -1 : 1;
  if (signX === 0) return 0;
  return signX * compareMagnitudes(x, y);
}

function isZero(m: RegExpExecArray): boolean {
  return /^0*$/.test(m[2]!) && /^0*$/.test(m[3] ?? '');
}

function compareMagnitudes(x: RegExpExecArray, y: RegExpExecArray): number {
  const ix = x[2]!.replace(/^0+/, '');
  const iy = y[2]!.replace(/^0+/, '');
  if (ix.length !== iy.length) return ix.length < iy.length ? -1 : 1;
  if (ix !== iy) return ix < iy ? -1 : 1;
  const fx = (x[3] ?? '').replace(/0+$/, '');
  const fy = (y[3] ?? '').replace(/0+$/, '');
  const width = Math.max(fx.length, fy.length);
  const px = fx.padEnd(width, '0');
  const py = fy.padEnd(width, '0');
  return px === py ? 0 : px < py ? -1 : 1;
}
