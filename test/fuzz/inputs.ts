/**
 * Inputs for the fuzz targets: commands shaped like the protocol's (known
 * request fields with values of every type, ids in and out of uint32),
 * arbitrary and mutated JSON text (lone surrogates, blank lines, deep
 * nesting, truncation), and mutated bytes of valid Protobuf messages.
 */
import fc from 'fast-check';
import { COMMAND_METHODS } from '../../src/protocol/json';

/** Field names of the requests (client.proto), so generated requests hit the checks. */
const REQUEST_FIELDS = ['channel', 'data', 'token', 'recover', 'offset', 'epoch', 'limit', 'since', 'reverse', 'method', 'subs', 'headers', 'name', 'version', 'positioned', 'recoverable', 'join_leave', 'delta', 'tf', 'flag'];

/** Any JSON value, with some odd numbers and strings (lone surrogates, NUL) mixed in. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  fc.constantFrom(1e300, -1, 2 ** 32, 2 ** 53 + 1, 1.5, -0, '', 'chat:a', 'chat:sur\ud800', '\u0000', 'x'.repeat(300), true, null),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 8 }),
);

const id = fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 1000 }) }, oddValue);

const request: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...REQUEST_FIELDS) }, fc.string({ maxLength: 4 })), oddValue, { maxKeys: 5 });

/** Commands: an id and one (sometimes two, or an unknown) request field. */
const command: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(fc.option(id, { nil: undefined }), fc.constantFrom(...COMMAND_METHODS, 'teleport'), fc.oneof({ weight: 5, arbitrary: request }, oddValue), fc.option(fc.constantFrom(...COMMAND_METHODS), { nil: undefined }))
  .map(([i, method, req, extra]) => ({ ...(i === undefined ? {} : { id: i }), [method]: req, ...(extra ? { [extra]: {} } : {}) }));

/** Frames of one to four commands, as objects. */
export const commandObjects: fc.Arbitrary<Record<string, unknown>[]> = fc.array(command, { minLength: 1, maxLength: 4 });

/** A command whose data nests `depth` levels (arrays or objects). */
const deepCommand = fc
  .tuple(fc.integer({ min: 1, max: 3000 }), fc.constantFrom('[', '{"a":'), fc.constantFrom('publish', 'rpc', 'connect'), fc.boolean())
  .map(([depth, open, method, idFirst]) => {
    const close = open === '[' ? ']' : '}';
    const data = open.repeat(depth) + (open === '[' ? '' : '1') + close.repeat(depth);
    const body = `"${method}":{"channel":"a","data":${data}}`;
    return idFirst ? `{"id":7,${body}}` : `{${body},"id":7}`;
  });

/** A random edit of a text: a character inserted, removed or replaced, or the text cut short. */
function mutateText(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(base, fc.nat(), fc.constantFrom('insert', 'remove', 'replace', 'cut'), fc.constantFrom('{', '}', '[', ']', '"', '\\', '\n', ':', ',', '0', ' ', '\ud800', '\u00ff')).map(([text, at, op, ch]) => {
    const i = text.length === 0 ? 0 : at % text.length;
    if (op === 'insert') return text.slice(0, i) + ch + text.slice(i);
    if (op === 'remove') return text.slice(0, i) + text.slice(i + 1);
    if (op === 'replace') return text.slice(0, i) + ch + text.slice(i + 1);
    return text.slice(0, i);
  });
}

const commandText = commandObjects.map((cmds) => cmds.map((c) => JSON.stringify(c)).join('\n'));

/** JSON-ish text: valid JSON, commands, edited commands, deep nesting, blank lines, arbitrary UTF-16. */
export const jsonTexts: fc.Arbitrary<string> = fc.oneof(
  fc.json({ maxDepth: 4 }),
  commandText,
  mutateText(commandText),
  mutateText(mutateText(commandText)),
  deepCommand,
  commandText.map((t) => `${t}\n\n${t}`),
  fc.constantFrom('', ' ', '\n', 'null', '[]', '{}', '{}\n', '\n{}'),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
);

/** Random bytes, valid messages from `base`, and valid messages with random bytes changed, cut or added. */
export function mutatedBytes(base: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  const edited = fc.tuple(base, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.option(fc.nat(), { nil: undefined })).map(([bytes, edits, cut]) => {
    const out = Uint8Array.from(bytes);
    for (const [at, value] of edits) if (out.length > 0) out[at % out.length] = value;
    return cut === undefined || out.length === 0 ? out : out.subarray(0, cut % (out.length + 1));
  });
  return fc.oneof(fc.uint8Array({ maxLength: 64 }), base, edited, edited);
}
