/**
 * gRPC server reflection (`grpc_api.reflection`, as Centrifugo has it): the
 * `ServerReflectionInfo` stream of `grpc.reflection.v1` and of the older
 * `grpc.reflection.v1alpha` (same messages; grpcurl tries v1 first), which
 * lists the API service and hands out the FileDescriptorProto of the schema
 * (schema.ts), built from it by protobufjs.
 */
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { API_PACKAGE, API_PROTO_FILE, API_ROOT, API_SERVICE } from './schema';

const REFLECTION_PROTO = `
syntax = "proto3";
package grpc.reflection.v1;
message ServerReflectionRequest {
  string host = 1;
  oneof message_request {
    string file_by_filename = 3;
    string file_containing_symbol = 4;
    ExtensionRequest file_containing_extension = 5;
    string all_extension_numbers_of_type = 6;
    string list_services = 7;
  }
}
message ExtensionRequest { string containing_type = 1; int32 extension_number = 2; }
message ServerReflectionResponse {
  string valid_host = 1;
  ServerReflectionRequest original_request = 2;
  oneof message_response {
    FileDescriptorResponse file_descriptor_response = 4;
    ExtensionNumberResponse all_extension_numbers_response = 5;
    ListServiceResponse list_services_response = 6;
    ErrorResponse error_response = 7;
  }
}
message FileDescriptorResponse { repeated bytes file_descriptor_proto = 1; }
message ExtensionNumberResponse { string base_type_name = 1; repeated int32 extension_number = 2; }
message ListServiceResponse { repeated ServiceResponse service = 1; }
message ServiceResponse { string name = 1; }
message ErrorResponse { int32 error_code = 1; string error_message = 2; }
`;

const root = protobuf.parse(REFLECTION_PROTO, { keepCase: true }).root;
root.resolveAll();
/** A reflection request (both versions). */
export const ReflectionRequestType = root.lookupType('grpc.reflection.v1.ServerReflectionRequest');
/** A reflection response (both versions). */
export const ReflectionResponseType = root.lookupType('grpc.reflection.v1.ServerReflectionResponse');

/** The reflection service names served. */
export const REFLECTION_SERVICES = Object.freeze(['grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection']);

type Request = Record<string, unknown>;
type Stream = grpc.ServerDuplexStream<Request, Uint8Array>;

let apiFile: Uint8Array | null = null;

/** The encoded FileDescriptorProto of the API schema (built once, on first use). */
function apiFileDescriptor(): Uint8Array {
  if (apiFile) return apiFile;
  // The descriptor extension patches protobufjs's classes: loaded only when reflection is used.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const descriptor = require('protobufjs/ext/descriptor') as { FileDescriptorProto: protobuf.Type };
  const set = (API_ROOT as unknown as { toDescriptor(syntax: string): { file: Record<string, unknown>[] } }).toDescriptor('proto3');
  const file = set.file.find((f) => f['package'] === API_PACKAGE);
  if (!file) throw new Error('the API schema has no file for its package');
  file['name'] = API_PROTO_FILE;
  apiFile = descriptor.FileDescriptorProto.encode(file).finish();
  return apiFile;
}

/** Whether a symbol (a service, method or message name, with or without a leading dot) is in the API schema. */
function inApiSchema(symbol: string): boolean {
  const name = symbol.startsWith('.') ? symbol.slice(1) : symbol;
  if (!name.startsWith(`${API_PACKAGE}.`)) return false;
  try {
    return API_ROOT.lookup(name) !== null || API_ROOT.lookup(name.slice(0, name.lastIndexOf('.'))) !== null;
  } catch {
    return false;
  }
}

/** The answer to one reflection request. */
export function reflectionAnswer(request: Request): Record<string, unknown> {
  const base = { valid_host: request['host'] ?? '', original_request: request };
  const notFound = (what: string) => ({ ...base, error_response: { error_code: grpc.status.NOT_FOUND, error_message: `${what} not found` } });
  if (typeof request['list_services'] === 'string') return { ...base, list_services_response: { service: [{ name: API_SERVICE }] } };
  const filename = request['file_by_filename'];
  if (typeof filename === 'string') {
    return filename === API_PROTO_FILE ? { ...base, file_descriptor_response: { file_descriptor_proto: [apiFileDescriptor()] } } : notFound(`file ${filename}`);
  }
  const symbol = request['file_containing_symbol'];
  if (typeof symbol === 'string') {
    return inApiSchema(symbol) ? { ...base, file_descriptor_response: { file_descriptor_proto: [apiFileDescriptor()] } } : notFound(`symbol ${symbol}`);
  }
  return { ...base, error_response: { error_code: grpc.status.UNIMPLEMENTED, error_message: 'not supported: the schema has no extensions' } };
}

/** The handler of ServerReflectionInfo: one answer per request, until the client ends. */
export function serveReflection(call: Stream): void {
  call.on('data', (request: Request) => {
    call.write(ReflectionResponseType.encode(ReflectionResponseType.fromObject(reflectionAnswer(request))).finish());
  });
  call.on('end', () => call.end());
  call.on('error', () => undefined);
}

/** The service definition of one reflection version (raw bytes out; requests decoded here). */
export function reflectionDefinition(service: string): grpc.ServiceDefinition {
  return {
    ServerReflectionInfo: {
      path: `/${service}/ServerReflectionInfo`,
      requestStream: true,
      responseStream: true,
      requestSerialize: (r: Request) => Buffer.from(ReflectionRequestType.encode(ReflectionRequestType.fromObject(r)).finish()),
      requestDeserialize: (bytes: Buffer): Request => ReflectionRequestType.toObject(ReflectionRequestType.decode(bytes), { oneofs: false }) as Request,
      responseSerialize: (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      responseDeserialize: (bytes: Buffer) => bytes,
    },
  };
}
