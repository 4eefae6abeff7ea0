/**
 * Checks one value against its schema node, in file form, and converts it to
 * its final form (durations to milliseconds, missing keys to defaults). Every
 * problem is appended to `errors` with its full path; checking goes on, so one
 * pass finds them all.
 */
import { classifyUnknownKey, type ConfigWarning } from './centrifugo/classify';
import { MAX_TIMER_MS, formatDuration, parseDuration } from './duration';
import { suggestPath } from './keys';
import type { DurationField, Fields, IntegerField, ObjectListField, SchemaNode, StringField, StringListField, StringMapField } from './schema/schema';

/** Stands in for a value that failed its check, so later checks can skip it. */
export const INVALID: unique symbol = Symbol('invalid');

/** A plain JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as an error message shows it: JSON, shortened. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Checks `value` (undefined when the key is absent) at `path`; returns the
 * final value or INVALID. Keys the schema does not have go to `warnings`
 * (ignored Centrifugo keys, unknown keys); without `warnings` they are
 * skipped, as when a single override is checked before the whole config is.
 */
export function checkNode(node: SchemaNode, value: unknown, path: string, errors: string[], warnings?: ConfigWarning[]): unknown {
  const fail = (expected: string): typeof INVALID => {
    errors.push(`${path} must be ${expected}, got ${show(value)}`);
    return INVALID;
  };
  switch (node.kind) {
    case 'group':
    case 'object':
      return checkFields(node.fields, value === undefined ? {} : value, path, errors, warnings);
    case 'object_list':
      return checkList(node, value === undefined ? [] : value, path, errors, warnings);
    case 'boolean':
      if (value === undefined) return node.default;
      return typeof value === 'boolean' ? value : fail('true or false');
    case 'integer':
      if (value === undefined || (node.numericString && value === '')) return node.default;
      if (node.numericString && typeof value === 'string' && /^\d{1,15}$/.test(value)) value = Number(value);
      if (typeof value !== 'number' || !Number.isInteger(value)) return fail(node.numericString ? 'an integer, or a string of digits' : 'an integer');
      return inRange(node, value) ? value : fail(rangeText(node));
    case 'string':
      return checkString(node, value, path, errors);
    case 'enum':
      if (value === undefined) return node.default;
      return typeof value === 'string' && node.values.includes(value) ? value : fail(`one of ${node.values.map((v) => (v === '' ? '""' : v)).join(', ')}`);
    case 'duration':
      // A number is nanoseconds, as Centrifugo reads it.
      if (typeof value === 'number') {
        if (!Number.isInteger(value / 1e6)) return fail('a duration like "25s", or a number of nanoseconds making whole milliseconds');
        return checkDuration(node, `${value / 1e6}ms`, fail);
      }
      return checkDuration(node, value === undefined ? node.default : value, fail);
    case 'string_list':
      return checkStringList(node, value === undefined ? node.default : value, path, errors);
    case 'string_map':
      return checkStringMap(node, value === undefined ? {} : value, path, errors);
  }
}

function inRange(node: IntegerField, value: number): boolean {
  return value >= node.min && value <= node.max && (!node.powerOfTwo || Number.isInteger(Math.log2(value)));
}

function rangeText(node: IntegerField): string {
  if (node.powerOfTwo) return `a power of two between ${node.min} and ${node.max}`;
  if (node.max === Number.MAX_SAFE_INTEGER) return `an integer of at least ${node.min}`;
  return `an integer between ${node.min} and ${node.max}`;
}

function checkString(node: StringField, value: unknown, path: string, errors: string[]): unknown {
  if (value === undefined) {
    if (node.default !== undefined) return node.default;
    errors.push(`${path} is required`);
    return INVALID;
  }
  if (typeof value !== 'string') {
    errors.push(`${path} must be a string, got ${show(value)}`);
    return INVALID;
  }
  if (node.pattern !== undefined && !new RegExp(node.pattern).test(value)) {
    errors.push(`${path} must match ${node.pattern}, got ${show(value)}`);
    return INVALID;
  }
  if (node.isRegex) {
    try {
      new RegExp(value);
    } catch (err) {
      errors.push(`${path} is not a valid regular expression: ${(err as Error).message}`);
      return INVALID;
    }
  }
  return value;
}

function checkDuration(node: DurationField, value: unknown, fail: (expected: string) => typeof INVALID): unknown {
  const ms = typeof value === 'string' ? parseDuration(value) : null;
  if (ms === null) return fail('a duration like "25s"');
  if (!Number.isInteger(ms)) return fail('a whole number of milliseconds');
  const min = parseDuration(node.min) as number;
  if (ms < min) return fail(`at least ${node.min}`);
  if (!node.notTimer && ms > MAX_TIMER_MS) return fail(`at most ${formatDuration(MAX_TIMER_MS)} (the longest timer Node.js allows)`);
  return ms;
}

function checkStringList(node: StringListField, value: unknown, path: string, errors: string[]): unknown {
  if (node.single && typeof value === 'string') value = [value];
  if (!Array.isArray(value)) {
    errors.push(`${path} must be an array of strings, got ${show(value)}`);
    return INVALID;
  }
  const before = errors.length;
  value.forEach((item, i) => {
    if (typeof item !== 'string') errors.push(`${path}[${i}] must be a string, got ${show(item)}`);
    else if (node.values && !node.values.includes(item)) errors.push(`${path}[${i}] must be one of ${node.values.join(', ')}, got ${show(item)}`);
  });
  return errors.length === before ? [...(value as string[])] : INVALID;
}

function checkStringMap(node: StringMapField, value: unknown, path: string, errors: string[]): unknown {
  if (!isPlainObject(value)) {
    errors.push(`${path} must be an object of strings, got ${show(value)}`);
    return INVALID;
  }
  const before = errors.length;
  const keyPattern = node.keyPattern === undefined ? null : new RegExp(node.keyPattern);
  for (const [key, item] of Object.entries(value)) {
    if (keyPattern && !keyPattern.test(key)) errors.push(`${path} key ${show(key)} must match ${node.keyPattern}`);
    if (typeof item !== 'string') errors.push(`${path}.${key} must be a string, got ${show(item)}`);
  }
  return errors.length === before ? { ...(value as Record<string, string>) } : INVALID;
}

function checkFields(fields: Fields, value: unknown, path: string, errors: string[], warnings?: ConfigWarning[]): unknown {
  if (!isPlainObject(value)) {
    errors.push(`${path === '' ? 'the config' : path} must be an object, got ${show(value)}`);
    return INVALID;
  }
  for (const [name, v] of Object.entries(value)) {
    if (!Object.hasOwn(fields, name)) warnings?.push(...classifyUnknownKey(path, name, v, Object.keys(fields), suggestPath));
  }
  const out: Record<string, unknown> = {};
  for (const [name, node] of Object.entries(fields)) out[name] = checkNode(node, value[name], path === '' ? name : `${path}.${name}`, errors, warnings);
  return out;
}

function checkList(node: ObjectListField, value: unknown, path: string, errors: string[], warnings?: ConfigWarning[]): unknown {
  if (!Array.isArray(value)) {
    errors.push(`${path} must be an array of ${node.itemName} objects, got ${show(value)}`);
    return INVALID;
  }
  const items = value.map((item, i) => checkFields(node.item, item, `${path}[${i}]`, errors, warnings));
  const unique = node.unique;
  if (unique === undefined) return items;
  const firstIndex = new Map<unknown, number>();
  items.forEach((item, i) => {
    if (!isPlainObject(item) || typeof item[unique] !== 'string') return;
    const seen = firstIndex.get(item[unique]);
    if (seen === undefined) firstIndex.set(item[unique], i);
    else errors.push(`${path}[${i}].${unique} ${show(item[unique])} is already used by ${path}[${seen}]`);
  });
  return items;
}
