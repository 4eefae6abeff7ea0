/**
 * Fuzz targets: every decoder of untrusted input, each with the outcomes it
 * may have. A target takes one generated input and throws a FuzzFailure when
 * the decoder crashed (threw anything but its documented errors) or answered
 * with a code it must never give. Property-based (fast-check): coverage-guided
 * Jazzer.js 4 needs glibc 2.38 for its prebuilt addon, Debian 12 has 2.36.
 */
import fc from 'fast-check';
import { parseApiBody, optionalTags, requiredData, requiredString } from '../../src/api/params';
import { decodeAnswer } from '../../src/auth/proxy/proxy-client';
import { ProxyError } from '../../src/auth/errors';
import { validateConfig } from '../../src/config/validate';
import { RejectedRequest } from '../../src/protocol/command-shape';
import { DisconnectError, ReplyError } from '../../src/protocol/errors';
import { COMMAND_METHODS, decodeCommands } from '../../src/protocol/json';
import { decodeCommands as decodeProtobufCommands, decodeConnectRequest, encodeCommands } from '../../src/protocol/protobuf/codec';
import { parseConnectRequest } from '../../src/protocol/uni-push';
import { ChannelRules } from '../../src/shards/access/channel-rules';
import { parseEmulationRequest, parseProtobufEmulationRequest } from '../../src/transports/emulation';
import { commandObjects, jsonTexts, mutatedBytes } from './inputs';

/** A decoder outcome no input may produce. */
export class FuzzFailure extends Error {
  override readonly name = 'FuzzFailure';
}

/** One fuzz target: what it takes and how it checks one input. */
export interface FuzzTarget<T = unknown> {
  readonly name: string;
  readonly input: fc.Arbitrary<T>;
  run(input: T): void;
}

function unexpected(what: string, err: unknown): never {
  throw new FuzzFailure(`${what}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
}

/** Runs `fn`; a DisconnectError with one of `codes` is an expected refusal, anything else thrown is a failure. */
function refusesWith(what: string, codes: readonly number[], fn: () => unknown): unknown {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DisconnectError && codes.includes(err.disconnect.code)) return undefined;
    return unexpected(what, err);
  }
}

const utf8 = new TextEncoder();

/** Checks decoded commands: a rejected request carries 107, and ids are uint32 where present. */
function checkCommands(what: string, commands: unknown): void {
  if (commands === undefined) return;
  for (const cmd of commands as Record<string, unknown>[]) {
    const id = cmd['id'];
    if (id !== undefined && id !== null && typeof id !== 'string' && !(Number.isInteger(id) && (id as number) >= 0 && (id as number) < 2 ** 32)) {
      throw new FuzzFailure(`${what}: decoded id ${String(id)}`);
    }
    for (const m of COMMAND_METHODS) {
      const r = cmd[m];
      if (r instanceof RejectedRequest && r.error.code !== 107) throw new FuzzFailure(`${what}: rejected with ${r.error.code}`);
    }
  }
}

const rules = new ChannelRules(validateConfig({ channel: { namespaces: [{ name: 'chat' }] } }));

/** The targets, in the order the runner reports them. */
export const TARGETS: readonly FuzzTarget<any>[] = [
  {
    name: 'json-commands',
    input: fc.oneof(jsonTexts, commandObjects.map((cmds) => cmds.map((c) => JSON.stringify(c)).join('\n'))),
    run: (text: string) => checkCommands('json-commands', refusesWith('json-commands', [3501], () => decodeCommands(text))),
  },
  {
    name: 'protobuf-commands',
    input: mutatedBytes(commandObjects.map((cmds) => encodeProtobuf(cmds))),
    run: (bytes: Uint8Array) => checkCommands('protobuf-commands', refusesWith('protobuf-commands', [3501], () => decodeProtobufCommands(bytes))),
  },
  {
    name: 'emulation-body',
    input: fc.oneof(jsonTexts, commandObjects.map((cmds) => JSON.stringify({ node: 'n', session: 's', data: cmds.map((c) => JSON.stringify(c)).join('\n') }))),
    run: (text: string) => {
      const out = parseEmulationRequest(Buffer.from(text, 'utf8'));
      if (typeof out !== 'string' && typeof out.data !== 'string') throw new FuzzFailure('emulation-body: data is not a string');
      // The commands inside go to the dispatcher's decoder.
      if (typeof out !== 'string') checkCommands('emulation-body', refusesWith('emulation-body', [3501], () => decodeCommands(out.data as string)));
    },
  },
  {
    name: 'emulation-protobuf-body',
    input: mutatedBytes(fc.constant(Uint8Array.from([0x0a, 0x01, 0x6e, 0x12, 0x01, 0x73, 0x1a, 0x00]))),
    run: (bytes: Uint8Array) => void parseProtobufEmulationRequest(Buffer.from(bytes)),
  },
  {
    name: 'uni-connect',
    input: fc.oneof(jsonTexts, commandObjects.map((cmds) => JSON.stringify(cmds[0]?.['connect'] ?? {}))),
    run: (text: string) => {
      const out = parseConnectRequest(text);
      if (out !== null && (typeof out !== 'object' || Array.isArray(out))) throw new FuzzFailure('uni-connect: not an object');
    },
  },
  {
    name: 'uni-grpc-connect',
    input: mutatedBytes(commandObjects.map((cmds) => encodeProtobuf(cmds).subarray(2))),
    run: (bytes: Uint8Array) => void refusesWith('uni-grpc-connect', [3501], () => decodeConnectRequest(bytes)),
  },
  {
    name: 'api-body',
    input: fc.oneof(jsonTexts, commandObjects.map((cmds) => JSON.stringify(Object.values(cmds[0] ?? {}).find((v) => typeof v === 'object') ?? {}))),
    run: (text: string) => {
      const params = parseApiBody(utf8.encode(text));
      if (typeof params === 'string') {
        if (!params.startsWith('bad request')) throw new FuzzFailure(`api-body: message ${params}`);
        return;
      }
      try {
        rules.resolve(requiredString(params, 'channel'));
        requiredData(params);
        optionalTags(params);
      } catch (err) {
        if (err instanceof ReplyError && (err.code === 107 || err.code === 102)) return;
        unexpected('api-body', err);
      }
    },
  },
  {
    name: 'proxy-answer',
    input: fc.oneof(jsonTexts, proxyAnswers()),
    run: (text: string) => {
      try {
        decodeAnswer(text);
      } catch (err) {
        if (err instanceof ProxyError) return;
        if (err instanceof ReplyError && Number.isInteger(err.code) && err.code >= 0 && err.code < 2 ** 32) return;
        if (err instanceof DisconnectError && err.disconnect.code >= 3000 && err.disconnect.code <= 4999 && Buffer.byteLength(err.disconnect.reason) <= 123) return;
        unexpected('proxy-answer', err);
      }
    },
  },
];

function encodeProtobuf(cmds: readonly Record<string, unknown>[]): Uint8Array {
  try {
    return encodeCommands(cmds.map(toProtobufShape));
  } catch {
    return new Uint8Array(0);
  }
}

/** A JSON command as protobufjs encodes it: `bytes` fields as their JSON text's bytes. */
function toProtobufShape(cmd: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(cmd), (key, value: unknown) => (key === 'data' ? utf8.encode(JSON.stringify(value)) : value)) as Record<string, unknown>;
}

/** Proxy answers: results, errors and disconnects with fields of any type and size. */
function proxyAnswers(): fc.Arbitrary<string> {
  const anyValue = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(1e300, 2 ** 32, -1), fc.string(), fc.boolean(), fc.constant(null), fc.string({ minLength: 100, maxLength: 70_000 }));
  return fc.oneof(
    fc.record({ result: fc.oneof(fc.object(), anyValue) }),
    fc.record({ error: fc.record({ code: anyValue, message: anyValue, temporary: anyValue }, { requiredKeys: [] }) }),
    fc.record({ disconnect: fc.record({ code: fc.oneof(fc.integer({ min: 2900, max: 5100 }), anyValue), reason: anyValue }, { requiredKeys: [] }) }),
  ).map((a) => JSON.stringify(a));
}
