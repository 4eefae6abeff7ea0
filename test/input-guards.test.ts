/**
 * jsonTooDeep (src/protocol/input-guards.ts): the depth check every JSON body
 * passes before JSON.parse. It first counts opening brackets (text with no
 * more than the limit cannot nest deeper) and scans only text with more; both
 * paths must give the exact answer, brackets inside strings not counting.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { jsonTooDeep, MAX_JSON_DEPTH } from '../src/protocol/input-guards';

/** `depth` nested arrays as JSON text. */
const arrays = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
/** `depth` nested objects as JSON text: {"a":{"a":…{}…}}. */
const objects = (depth: number): string => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);

describe('jsonTooDeep', () => {
  test('text no longer than the limit is never too deep', () => {
    assert.equal(jsonTooDeep(arrays(3), 3), false);
    assert.equal(jsonTooDeep('[[[[', 4), false);
    assert.equal(jsonTooDeep(''), false);
  });

  test('nesting of exactly the limit passes, one level more is refused, for arrays, objects and both', () => {
    assert.equal(jsonTooDeep(arrays(MAX_JSON_DEPTH)), false);
    assert.equal(jsonTooDeep(arrays(MAX_JSON_DEPTH + 1)), true);
    assert.equal(jsonTooDeep(objects(MAX_JSON_DEPTH)), false);
    assert.equal(jsonTooDeep(objects(MAX_JSON_DEPTH + 1)), true);
    const mixed = (depth: number): string => '[{"k":'.repeat(depth / 2) + '0' + '}]'.repeat(depth / 2);
    assert.equal(jsonTooDeep(mixed(MAX_JSON_DEPTH)), false);
    assert.equal(jsonTooDeep(mixed(MAX_JSON_DEPTH + 2)), true);
  });

  test('an unclosed run of brackets past the limit is refused without reading the rest', () => {
    assert.equal(jsonTooDeep('['.repeat(100_000)), true);
    assert.equal(jsonTooDeep(`{"data":${'['.repeat(MAX_JSON_DEPTH)}`), true);
  });

  test('brackets inside strings do not count, even when there are more of them than the limit', () => {
    const inString = JSON.stringify({ text: '[{'.repeat(2 * MAX_JSON_DEPTH) });
    assert.equal(jsonTooDeep(inString), false);
    // Escaped quotes do not end the string.
    const escaped = JSON.stringify({ text: `"${'['.repeat(2 * MAX_JSON_DEPTH)}\\"` });
    assert.equal(jsonTooDeep(escaped), false);
    // The same brackets outside the string: too deep.
    assert.equal(jsonTooDeep(`{"text":"x","more":${'['.repeat(2 * MAX_JSON_DEPTH)}}`), true);
    // Many brackets in strings and a real nesting past the limit beside them.
    assert.equal(jsonTooDeep(`[${JSON.stringify('['.repeat(1000))},${arrays(MAX_JSON_DEPTH + 1)}]`), true);
  });

  test('many shallow siblings are not deep', () => {
    const batch = JSON.stringify({ commands: Array.from({ length: 600 }, (_, i) => ({ method: 'publish', params: { channel: `c${i}`, data: { n: i } } })) });
    assert.equal(jsonTooDeep(batch), false);
    // {"commands":[{"params":{"data":{ is five levels.
    assert.equal(jsonTooDeep(batch, 4), true);
    assert.equal(jsonTooDeep(batch, 5), false);
  });

  test('the answer is the same as a plain scan of every character, on random bracket text', () => {
    const scan = (text: string, limit: number): boolean => {
      let depth = 0;
      let inString = false;
      for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (inString) {
          if (c === '\\') i++;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === '[' || c === '{') {
          if (++depth > limit) return true;
        } else if (c === ']' || c === '}') depth--;
      }
      return false;
    };
    let seed = 12345;
    const next = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    const alphabet = '[[{{]]}}"\\a,';
    for (let round = 0; round < 500; round++) {
      const length = 20 + (next() % 200);
      let text = '';
      for (let i = 0; i < length; i++) text += alphabet[next() % alphabet.length];
      const limit = 1 + (next() % 12);
      assert.equal(jsonTooDeep(text, limit), scan(text, limit), `${JSON.stringify(text)} at limit ${limit}`);
    }
  });
});
