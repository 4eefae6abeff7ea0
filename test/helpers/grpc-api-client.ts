/**
 * A real @grpc/grpc-js client of the gRPC server API, its messages encoded
 * and decoded with the API schema (src/api/grpc/schema.ts) as plain objects.
 */
import * as grpc from '@grpc/grpc-js';
import { API_SERVICE, GRPC_API_METHODS } from '../../src/api/grpc/schema';

/** A call outcome: the decoded response, or the status of a failed call. */
export type CallOutcome = { readonly response: any } | { readonly status: grpc.ServiceError };

/** A client of CentrifugoApi. */
export interface ApiClient {
  /** Calls `method` (`Publish`) with a request object; metadata entries are added to the call. */
  call(method: string, request: Record<string, unknown>, metadata?: Record<string, string>): Promise<CallOutcome>;
  /** Calls `method` with raw request bytes (malformed or oversized requests). */
  callRaw(method: string, bytes: Buffer, metadata?: Record<string, string>): Promise<CallOutcome>;
  close(): void;
}

/** A client of the API on 127.0.0.1:`port` that sends `apikey <key>` (none when key is null). */
export function apiClient(port: number, key: string | null, credentials = grpc.credentials.createInsecure(), options: grpc.ClientOptions = {}): ApiClient {
  const client = new grpc.Client(`127.0.0.1:${port}`, credentials, options);
  const invoke = (method: string, bytes: Buffer, extra: Record<string, string>): Promise<CallOutcome> => {
    const spec = GRPC_API_METHODS.find((m) => m.grpcName === method);
    const metadata = new grpc.Metadata();
    if (key !== null) metadata.set('authorization', `apikey ${key}`);
    for (const [k, v] of Object.entries(extra)) metadata.set(k, v);
    return new Promise((resolve) => {
      client.makeUnaryRequest(
        `/${API_SERVICE}/${method}`,
        (b: Buffer) => b,
        (b: Buffer) => (spec ? spec.responseType.toObject(spec.responseType.decode(b), { longs: Number, bytes: Buffer, arrays: true }) : b),
        bytes,
        metadata,
        (err, response) => resolve(err ? { status: err } : { response }),
      );
    });
  };
  return {
    call(method, request, metadata = {}) {
      const spec = GRPC_API_METHODS.find((m) => m.grpcName === method);
      if (!spec) throw new Error(`no method ${method} in the schema`);
      const bytes = Buffer.from(spec.requestType.encode(spec.requestType.fromObject(request)).finish());
      return invoke(method, bytes, metadata);
    },
    callRaw: (method, bytes, metadata = {}) => invoke(method, bytes, metadata),
    close: () => client.close(),
  };
}

/** The response of a successful call; fails the test on a status. */
export function responseOf(outcome: CallOutcome): any {
  if ('status' in outcome) throw new Error(`call failed: ${outcome.status.code} ${outcome.status.details}`);
  return outcome.response;
}

/** The status of a failed call; fails the test on a response. */
export function statusOf(outcome: CallOutcome): grpc.ServiceError {
  if ('response' in outcome) throw new Error(`expected a failed call, got ${JSON.stringify(outcome.response)}`);
  return outcome.status;
}
