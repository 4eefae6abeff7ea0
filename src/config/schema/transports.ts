/**
 * The schema sections of the client transports: the WebSocket limits, the
 * bidirectional emulation (HTTP-streaming, SSE, `/emulation`) and the
 * unidirectional transports. Part of the one schema in schema.ts.
 */
import { boolean, integer, string, type FieldsFor } from './nodes';
import { tlsGroup } from './tls';
import type { Config } from '../types';

/** Transport keys of the config file, in the order the docs list them. */
export const TRANSPORT_FIELDS = {
  websocket: {
    kind: 'group',
    fields: {
      message_size_limit: integer(
        65_536,
        1,
        2 ** 31 - 1,
        'Largest incoming WebSocket message, bytes; a bigger one closes the connection. With compression it bounds the message after decompression.',
      ),
      compression: boolean(
        false,
        'Negotiate permessage-deflate with each client that offers it (browsers do): its replies and publications of at least `compression_min_size` bytes go out compressed. Costs server CPU per message and subscriber; see the README for when it pays.',
      ),
      compression_min_size: integer(0, 0, 2 ** 31 - 1, 'Messages shorter than this many bytes are sent uncompressed even to clients with compression; 0 compresses every message.'),
      compression_level: integer(
        1,
        -2,
        9,
        "Centrifugo's deflate level (-2 Huffman only … 9 best), accepted for compatibility. uWebSockets.js deflates at zlib's default level whatever this says.",
      ),
    },
  },
  http_stream: {
    kind: 'group',
    fields: {
      enabled: boolean(false, 'Serve the HTTP-streaming transport on `POST /connection/http_stream` (bidirectional emulation: commands come by `POST /emulation`).'),
      max_request_body_size: integer(65_536, 1, 2 ** 31 - 1, 'Largest connect request body, bytes; a bigger one is answered 413.'),
    },
  },
  sse: {
    kind: 'group',
    fields: {
      enabled: boolean(false, 'Serve the SSE (EventSource) transport on `GET|POST /connection/sse` (bidirectional emulation: commands come by `POST /emulation`).'),
      max_request_body_size: integer(65_536, 1, 2 ** 31 - 1, 'Largest connect request body of a POST, bytes; a bigger one is answered 413.'),
    },
  },
  emulation: {
    kind: 'group',
    fields: {
      max_request_body_size: integer(
        65_536,
        1,
        2 ** 31 - 1,
        'Largest `POST /emulation` body, bytes; a bigger one is answered 413. The endpoint is served when `http_stream` or `sse` is enabled.',
      ),
    },
  },
  uni_websocket: {
    kind: 'group',
    fields: {
      enabled: boolean(false, 'Serve the unidirectional WebSocket transport at `/connection/uni_websocket`.'),
      message_size_limit: integer(65_536, 1, 2 ** 31 - 1, 'Largest incoming message (the connect request) on a unidirectional WebSocket, bytes; a bigger one closes the connection.'),
      join_push_messages: boolean(false, 'Join the pushes of one write into one WebSocket frame, newline-separated; off sends one frame per push.'),
      disable_disconnect_push: boolean(false, 'Do not send the `disconnect` push before closing (the close frame carries the same code and reason).'),
      compression: boolean(false, 'Negotiate permessage-deflate with each unidirectional WebSocket client that offers it; pushes of at least `compression_min_size` bytes go compressed.'),
      compression_min_size: integer(0, 0, 2 ** 31 - 1, 'Pushes shorter than this many bytes are sent uncompressed; 0 compresses every push.'),
      compression_level: integer(1, -2, 9, "Centrifugo's deflate level, accepted for compatibility; uWebSockets.js deflates at zlib's default level."),
    },
  },
  uni_sse: {
    kind: 'group',
    fields: {
      enabled: boolean(false, 'Serve the unidirectional Server-Sent Events transport at `/connection/uni_sse` (GET with `cf_connect`, or POST).'),
      max_request_body_size: integer(65_536, 1, 2 ** 31 - 1, 'Largest POST body (the connect request) on `/connection/uni_sse`, bytes; a bigger one is answered 413.'),
    },
  },
  uni_http_stream: {
    kind: 'group',
    fields: {
      enabled: boolean(false, 'Serve the unidirectional HTTP-streaming transport at `/connection/uni_http_stream` (POST).'),
      max_request_body_size: integer(65_536, 1, 2 ** 31 - 1, 'Largest POST body (the connect request) on `/connection/uni_http_stream`, bytes; a bigger one is answered 413.'),
    },
  },
  uni_grpc: {
    kind: 'group',
    fields: {
      enabled: boolean(false, 'Serve the unidirectional gRPC transport (`centrifugal.centrifugo.unistream.CentrifugoUniStream/Consume`) on its own port.'),
      address: string('', 'Interface the unidirectional gRPC server binds; "" means all interfaces.'),
      port: integer(11_000, 0, 65535, 'Port of the unidirectional gRPC server; 0 picks a free port at start.'),
      max_receive_message_size: integer(0, 0, 2 ** 31 - 1, 'Largest gRPC request (the connect request), bytes; 0 keeps the gRPC default (4 MB).'),
      tls: tlsGroup('server'),
    },
  },
} satisfies FieldsFor<Pick<Config, 'websocket' | 'http_stream' | 'sse' | 'emulation' | 'uni_websocket' | 'uni_sse' | 'uni_http_stream' | 'uni_grpc'>>;
