/**
 * Between gRPC API messages and the JSON shapes the HTTP API methods take
 * and return, so both transports run the same methods (../methods.ts); the
 * conversion rules are protocol/protobuf/json-shape.ts's. A `bytes` payload
 * `x` goes as `b64x` where the HTTP API has such a field (`data`/`b64data`,
 * `info`/`b64info`, also `refresh.info`), else as the JSON value its bytes
 * hold (107 when they are not JSON).
 */
import type protobuf from 'protobufjs';
import { Errors } from '../../protocol/codes';
import { ReplyError } from '../../protocol/errors';
import { encodeJsonShape, messageToJsonShape, NotJsonError } from '../../protocol/protobuf/json-shape';
import type { Params } from '../params';

/** Bytes fields the HTTP API takes as `b64<name>` though their message has no such field. */
const BASE64_PARAMS = Object.freeze(['info']);

/** The HTTP API request object of a decoded gRPC request message; 107 for a bytes field that must hold JSON and does not. */
export function messageToParams(type: protobuf.Type, message: Record<string, unknown>): Params {
  try {
    return messageToJsonShape(type, message, BASE64_PARAMS);
  } catch (err) {
    if (err instanceof NotJsonError) throw new ReplyError(Errors.badRequest, err.message);
    throw err;
  }
}

/** Encodes an HTTP API result (JSON shape) as a message of `type`; keys the message does not have are dropped. */
export function encodeMessage(type: protobuf.Type, json: Record<string, unknown>): Uint8Array {
  return encodeJsonShape(type, json);
}
