/**
 * Cheap checks on untrusted text, run before anything costly or recursive
 * touches it: how deep JSON nests (checked before JSON.parse, so a body of
 * ten million `[` is refused after its first few hundred bytes instead of
 * being parsed for seconds and then overflowing JSON.stringify's stack), and
 * whether a string is well-formed UTF-16 (a lone surrogate cannot be encoded
 * as UTF-8, so two different names would become one Redis key), and strict
 * UTF-8 decoding.
 */

/**
 * Deepest nesting of JSON arrays and objects accepted from clients, the
 * server API, unidirectional connect requests and proxy answers. Real
 * messages nest a handful of levels; this bound keeps every recursive step
 * that later walks a payload (JSON.stringify, the Protobuf reply converter)
 * far from the thread's stack limit (about 4,000 levels on the main thread,
 * 16,000 in a shard).
 */
export const MAX_JSON_DEPTH = 512;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * Whether JSON text nests arrays and objects deeper than `limit` levels
 * (brackets inside strings do not count). Stops at the first bracket past the
 * limit; text that is not JSON is scanned the same way (JSON.parse refuses it
 * later). O(length), no allocation.
 *
 * Going past `limit` takes more than `limit` opening brackets, so text with
 * fewer (nearly every request) is answered by counting them with the
 * runtime's own `indexOf`: 1.0 µs on a 50-publication batch body of 8 KB and
 * 0.03 µs on a 3 KB publish (bench:micro), where the scan took 18 and 9 µs.
 * Only text with more than `limit` brackets, in strings or not, is scanned.
 */
export function jsonTooDeep(text: string, limit = MAX_JSON_DEPTH): boolean {
  if (text.length <= limit || !moreOpenersThan(text, limit)) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

/** Whether `text` holds more than `limit` of `[` and `{` together, inside strings or not: the bound jsonTooDeep starts with. */
function moreOpenersThan(text: string, limit: number): boolean {
  let count = 0;
  for (let i = text.indexOf('{'); i !== -1; i = text.indexOf('{', i + 1)) if (++count > limit) return true;
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) if (++count > limit) return true;
  return false;
}

/** The message of a 107 (bad request) for JSON nested past MAX_JSON_DEPTH. */
export const TOO_DEEP_MESSAGE = `bad request: JSON nested deeper than ${MAX_JSON_DEPTH} levels`;

interface WellFormedString {
  isWellFormed(): boolean;
}

/** Whether a string is well-formed UTF-16: no lone surrogate (`"\ud800"` in JSON), so it has exactly one UTF-8 encoding. */
export function isWellFormed(text: string): boolean {
  // String.prototype.isWellFormed (ES2024) is in Node 20; the ES2023 typings lack it.
  return (text as unknown as WellFormedString).isWellFormed();
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 bytes as text, or null when they are not valid UTF-8 (overlong forms, encoded surrogates, truncated sequences). */
export function decodeUtf8Strict(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}
