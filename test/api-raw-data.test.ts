/**
 * The server API's `data` as the client sent it (src/api/raw-data.ts): when
 * the body shows for certain where its top-level `data` value is, the
 * publication carries that text; in every doubtful case it carries the
 * parsed value serialized again, as before. Each doubtful case below would
 * give wrong data if the text were taken.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseApiBody, requiredData, type Params } from '../src/api/params';
import { rawDataText } from '../src/api/raw-data';

/** The publication payload the API makes of a body. */
function dataOf(body: string): string {
  const params = parseApiBody(Buffer.from(body));
  assert.equal(typeof params, 'object', `${body} should parse`);
  return requiredData(params as Params);
}

describe('raw data of an API body', () => {
  test('the value is taken as sent: spacing, number forms and escapes stay', () => {
    assert.equal(dataOf('{"channel":"c","data":{"a": 1.0, "b": [1, 2], "s": "x\\/y"}}'), '{"a": 1.0, "b": [1, 2], "s": "x\\/y"}');
    assert.equal(dataOf('{ "channel" : "c" , "data" :  {"k":"v"}  }\n'), '{"k":"v"}');
    assert.equal(dataOf('{"channel":"c","data":"text"}'), '"text"');
    assert.equal(dataOf('{"channel":"c","data":42}'), '42');
    assert.equal(dataOf('{"channel":"c","data":null}'), 'null');
    assert.equal(dataOf('{"channel":"c","data":[]}'), '[]');
  });

  test('what is taken parses to the value the body parsed to', () => {
    const bodies = [
      '{"channel":"c","data":{"nested":{"deep":[{"x":"}"},"]"]},"q":"\\"quoted\\""}}',
      '{"channel":"c","tags":{"t":"1"},"data":{"a":"{\\"data\\"}"}}',
      '{"channel":"c","data":"ends with a brace }"}',
    ];
    for (const body of bodies) assert.deepEqual(JSON.parse(dataOf(body)), (JSON.parse(body) as { data: unknown }).data, body);
  });

  test('doubtful bodies fall back to serializing the parsed value', () => {
    const cases: readonly (readonly [string, string])[] = [
      // A duplicate key: JSON.parse keeps the last value.
      ['{"channel":"c","data":1,"data":{"b":2}}', '{"b":2}'],
      // The same key written with an escape.
      ['{"channel":"c","data":1,"d\\u0061ta":2}', '2'],
      ['{"channel":"c","d\\u0061ta":{"data":3}}', '{"data":3}'],
      // data is not the last key.
      ['{"data":{"a": 1},"channel":"c"}', '{"a":1}'],
      // An integer-like key after data is listed first by V8, so key order is not text order.
      ['{"channel":"c","data":{"a": 1},"5":true}', '{"a":1}'],
      // A line break inside the value: frames are joined by newlines, so it is compacted.
      ['{"channel":"c","data":{\n"a": 1\n}}', '{"a":1}'],
      // "data" appears inside a string value too.
      ['{"channel":"x\\"data","data":{"a": 1}}', '{"a":1}'],
    ];
    for (const [body, expected] of cases) assert.equal(dataOf(body), expected, body);
    assert.equal(rawDataText('{"data":1,"data":2}', { data: 2 }), null);
  });

  test('a data value replaced after parsing is serialized, not taken from the body', () => {
    const params = parseApiBody(Buffer.from('{"channel":"c","data":{"a": 1}}')) as Record<string, unknown>;
    assert.equal(requiredData(params), '{"a": 1}');
    // A copy made with another value (the spread copies the kept text too).
    const replaced = { ...params, data: { b: 2 } };
    assert.equal(requiredData(replaced), '{"b":2}');
    // The kept text is invisible to key checks and to JSON.stringify.
    assert.deepEqual(Object.keys(params), ['channel', 'data']);
    assert.equal(JSON.stringify(params), '{"channel":"c","data":{"a":1}}');
  });

  test('b64data and a missing data are unchanged', () => {
    assert.throws(() => dataOf('{"channel":"c"}'), /data required/);
    const params = parseApiBody(Buffer.from('{"channel":"c","b64data":"AQID"}')) as Params;
    assert.equal(requiredData(params), requiredData({ channel: 'c', b64data: 'AQID' }));
  });
});
