/**
 * The "transport" error mode of the gRPC API (`grpc_api.error_mode`, or a
 * call's `x-centrifugo-error-mode: transport` metadata): a method error is
 * answered as a gRPC status instead of inside the response, its code mapped
 * as Centrifugo maps it (100 → INTERNAL, 102 and 104 → NOT_FOUND, 107 and
 * 108 → INVALID_ARGUMENT, 112 → OUT_OF_RANGE, 113 → ALREADY_EXISTS, anything
 * else INTERNAL), with the
 * API Error itself in the status details (`grpc-status-details-bin`, a
 * google.rpc.Status holding an Any of `centrifugal.centrifugo.api.Error`).
 */
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import type { Config } from '../../config/types';
import { Errors } from '../../protocol/codes';
import { API_PACKAGE, apiType } from './schema';

const STATUS_PROTO = `
syntax = "proto3";
package google.rpc;
message Any { string type_url = 1; bytes value = 2; }
message Status { int32 code = 1; string message = 2; repeated Any details = 3; }
`;

const root = protobuf.parse(STATUS_PROTO, { keepCase: true }).root;
root.resolveAll();
/** google.rpc.Status, with the Any details as this module writes them. */
export const StatusType = root.lookupType('google.rpc.Status');

/** The metadata key carrying the encoded google.rpc.Status. */
export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';
/** The type URL of the API Error in the details. */
export const ERROR_TYPE_URL = `type.googleapis.com/${API_PACKAGE}.Error`;

/** Centrifugo's API error code → gRPC status code. */
export function grpcCode(code: number): grpc.status {
  switch (code) {
    case Errors.unknownChannel.code:
    case Errors.methodNotFound.code:
      return grpc.status.NOT_FOUND;
    case Errors.badRequest.code:
    case Errors.notAvailable.code:
      return grpc.status.INVALID_ARGUMENT;
    case Errors.unrecoverablePosition.code:
      return grpc.status.OUT_OF_RANGE;
    case Errors.conflict.code:
      return grpc.status.ALREADY_EXISTS;
    default:
      return grpc.status.INTERNAL;
  }
}

/** Whether this call's errors go as statuses. */
export function wantsTransportErrors(config: Config, metadata: grpc.Metadata): boolean {
  return config.grpc_api.error_mode === 'transport' || metadata.get('x-centrifugo-error-mode')[0] === 'transport';
}

/** The status a method error is answered with in transport error mode. */
export function transportError(error: { code: number; message: string }): Partial<grpc.StatusObject> {
  const code = grpcCode(error.code);
  const apiError = apiType('Error');
  const details = StatusType.encode(
    StatusType.fromObject({
      code,
      message: error.message,
      details: [{ type_url: ERROR_TYPE_URL, value: apiError.encode(apiError.fromObject({ code: error.code, message: error.message })).finish() }],
    }),
  ).finish();
  const metadata = new grpc.Metadata();
  metadata.set(STATUS_DETAILS_KEY, Buffer.from(details));
  return { code, details: error.message, metadata };
}
