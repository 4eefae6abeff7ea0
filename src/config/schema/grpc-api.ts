/**
 * The schema section of the gRPC server API (`grpc_api`, Centrifugo's): the
 * same methods as the HTTP API, on a port of its own. Part of the one schema
 * in schema.ts.
 */
import { boolean, integer, string, type FieldsFor } from './nodes';
import { tlsGroup } from './tls';
import type { Config } from '../types';

/** `grpc_api` keys of the config file. */
export const GRPC_API_FIELDS = {
  grpc_api: {
    kind: 'group',
    fields: {
      enabled: boolean(false, 'Serve the server API over gRPC (`centrifugal.centrifugo.api.CentrifugoApi`) on its own port, from shard 0.'),
      address: string('', 'Interface the gRPC API binds; "" means all interfaces.'),
      port: integer(10_000, 0, 65535, 'Port of the gRPC API; 0 picks a free port at start.'),
      key: string(
        '',
        'API key every call must send as metadata `authorization: apikey <key>` (else UNAUTHENTICATED); "" serves the gRPC API without a key, as Centrifugo does (keep it on a private network).',
      ),
      error_mode: {
        kind: 'enum',
        values: ['', 'transport'],
        default: '',
        doc: '"": method errors come in the response (`error` field); "transport": as gRPC statuses (INVALID_ARGUMENT, NOT_FOUND, INTERNAL…) with the Error in the status details. A call may ask for "transport" with the metadata `x-centrifugo-error-mode: transport`.',
      },
      reflection: boolean(false, 'Serve gRPC server reflection (`grpc.reflection.v1` and `v1alpha`), so tools such as grpcurl discover the methods.'),
      max_receive_message_size: integer(0, 0, 2 ** 31 - 1, 'Largest gRPC request, bytes (a bigger one gets RESOURCE_EXHAUSTED); 0 keeps the gRPC default (4 MB).'),
      tls: tlsGroup('server'),
    },
  },
} satisfies FieldsFor<Pick<Config, 'grpc_api'>>;
