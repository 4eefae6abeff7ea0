/**
 * The `data` of a server API request as the client sent it. Centrifugo keeps
 * publication data as the raw JSON bytes of the request. switchyard parses
 * the body, and used to serialize `data` again with JSON.stringify, which
 * costs more than the parse: 4.5 µs for a 3 KB payload against 1.3 µs (V8
 * 11). When the body's text shows for certain where its top-level `data`
 * value lies, that text is used as it is. Otherwise, and whenever the value
 * was replaced after parsing, the parsed value is serialized as before.
 *
 * Certain means all of these hold:
 * - The body holds the token `"data"` exactly once. A nested `data` key,
 *   a `"data"` string, or a duplicate key would add another.
 * - The body holds no `\u` escape. Only through one could another key read
 *   `data` without that token.
 * - `data` is the last key, and no key starts with a digit. V8 lists
 *   integer-like keys first, so only then is the key order the body's order.
 * - The value's text holds no line break. JSON frames to clients are joined
 *   by newlines, so such data is sent compacted, as Centrifugo does.
 */

/** A decoded API request object (params.ts's Params, spelled out here so the two files do not import each other). */
type Params = Readonly<Record<string, unknown>>;

/** Where parseApiBody leaves the text of `data` (a symbol: invisible to key checks and JSON.stringify). */
const RAW_DATA: unique symbol = Symbol('raw data');

/** The parsed `data` value and its text in the body. */
interface RawData {
  readonly value: unknown;
  readonly text: string;
}

type WithRawData = { [RAW_DATA]?: RawData };

const DATA_TOKEN = '"data"';

/** Whether `code` is JSON whitespace (space, tab, line feed, carriage return). */
function isJsonSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/**
 * The text of the top-level `data` value of `text`, a JSON object that
 * parsed to `params`, or null when its place is not certain (see the file
 * comment).
 */
export function rawDataText(text: string, params: Params): string | null {
  const key = text.indexOf(DATA_TOKEN);
  if (key < 0 || text.indexOf(DATA_TOKEN, key + DATA_TOKEN.length) >= 0 || text.indexOf('\\u') >= 0) return null;
  const keys = Object.keys(params);
  if (keys[keys.length - 1] !== 'data') return null;
  for (const k of keys) {
    const first = k.charCodeAt(0);
    if (first >= 0x30 && first <= 0x39) return null;
  }
  let start = key + DATA_TOKEN.length;
  while (start < text.length && isJsonSpace(text.charCodeAt(start))) start++;
  if (text.charCodeAt(start) !== 0x3a /* : */) return null;
  start++;
  while (start < text.length && isJsonSpace(text.charCodeAt(start))) start++;
  let end = text.lastIndexOf('}');
  while (end > start && isJsonSpace(text.charCodeAt(end - 1))) end--;
  if (end <= start) return null;
  const raw = text.slice(start, end);
  return raw.indexOf('\n') >= 0 || raw.indexOf('\r') >= 0 ? null : raw;
}

/** Keeps `data`'s text beside the parsed object (parseApiBody). */
export function keepRawData(params: Params, text: string): void {
  const raw = rawDataText(text, params);
  if (raw !== null) (params as WithRawData)[RAW_DATA] = { value: params['data'], text: raw };
}

/** The text of `data` as sent, if kept and `params.data` is still the value it was parsed to; else undefined. */
export function keptRawData(params: Params): string | undefined {
  const raw = (params as WithRawData)[RAW_DATA];
  return raw !== undefined && raw.value === params['data'] ? raw.text : undefined;
}
