/**
 * The schema of one proxy to the application backend (Centrifugo's proxy
 * object): its endpoint (HTTP, or gRPC), timeout, forwarded headers and
 * metadata, and the HTTP- and gRPC-specific parts (TLS, static headers or
 * metadata, status code transforms, credentials, compression). Used by
 * `client.proxy.*`, `channel.proxy.*`, `rpc.proxy` and `proxies`. Part of
 * the one schema in schema.ts.
 */
import { boolean, duration, integer, string, type FieldsFor, type NodeFor } from './nodes';
import { tlsGroup } from './tls';
import type { ClientProxyConfig, ProxyConfig, StatusToCodeTransform } from '../types';

/** HTTP header names (RFC 9110 tokens). */
export const HEADER_NAME_PATTERN = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";

/** gRPC metadata keys: lower case, digits, `-`, `_` and `.` (gRPC's rule for ASCII keys). */
export const METADATA_KEY_PATTERN = '^[0-9a-z_.-]+$';

/** One `http.status_to_code_transforms` item. */
const STATUS_TRANSFORM = {
  status_code: integer(0, 100, 599, 'HTTP status of the proxy answer to match (required).'),
  to_error: {
    kind: 'group',
    fields: {
      code: integer(0, 0, 2 ** 32 - 1, 'Error code the client gets; 0 when the match is a disconnect instead.'),
      message: string('', 'Error message the client gets.'),
      temporary: boolean(false, 'The error is temporary (the SDK retries).'),
    },
  },
  to_disconnect: {
    kind: 'group',
    fields: {
      code: integer(0, 0, 4999, 'Disconnect code the connection is closed with (3000..4999); 0 when the match is an error instead.'),
      reason: { kind: 'string', default: '', pattern: '^[\\x00-\\x7f]{0,123}$', doc: 'Disconnect reason (ASCII, at most 123 bytes).' },
    },
  },
} satisfies FieldsFor<StatusToCodeTransform>;

/** Fields of every proxy. */
export const PROXY_FIELDS = {
  endpoint: string(
    '',
    'Where the proxy sends requests: an `http://` or `https://` URL (JSON POST), or a gRPC address `grpc://host:port` (or `host:port`) of a `centrifugal.centrifugo.proxy.CentrifugoProxy` service; "" when not configured.',
  ),
  timeout: duration('1s', '1ms', 'How long one proxy request may take; a late answer is error 100 (temporary) for the client.'),
  http_headers: {
    kind: 'string_list',
    default: [],
    doc: "Headers of the client's connection request (WebSocket upgrade, HTTP-stream, SSE) forwarded to the backend (names, case-insensitive), e.g. `Cookie`, `Authorization`; gRPC proxies get them as metadata.",
  },
  grpc_metadata: {
    kind: 'string_list',
    default: [],
    doc: 'Metadata keys of a unidirectional gRPC client\'s request forwarded to the backend (HTTP proxies get them as headers).',
  },
  emulated_headers: {
    kind: 'string_list',
    default: [],
    doc: 'Headers the client sent in its connect command (`headers`, set by the SDK) forwarded to the backend; the client controls them.',
  },
  binary_encoding: boolean(false, 'Send payloads as `b64data` (base64) instead of `data` (raw JSON), with `encoding: "binary"`.'),
  include_connection_meta: boolean(false, 'Add the connection\'s `meta` (from its token or the connect proxy) to each request.'),
  http: {
    kind: 'group',
    fields: {
      tls: tlsGroup('client'),
      static_headers: {
        kind: 'string_map',
        keyPattern: HEADER_NAME_PATTERN,
        doc: 'Headers added to every HTTP request, e.g. `{"X-Api-Key": "…"}`; forwarded headers win over them.',
      },
      status_to_code_transforms: {
        kind: 'object_list',
        itemName: 'transform',
        item: STATUS_TRANSFORM,
        unique: 'status_code',
        doc: 'HTTP statuses other than 200 turned into an error or a disconnect for the client, each `{"status_code":N,"to_error":{…}}` or `{"status_code":N,"to_disconnect":{…}}`; an unmatched status is error 100.',
      },
    },
  },
  grpc: {
    kind: 'group',
    fields: {
      tls: tlsGroup('client'),
      credentials_key: string('', 'Metadata key sent with every gRPC request with `credentials_value` (per-call credentials); "" for none.'),
      credentials_value: string('', 'Value of `credentials_key`.'),
      compression: boolean(false, 'Compress gRPC requests with gzip.'),
      static_metadata: {
        kind: 'string_map',
        keyPattern: METADATA_KEY_PATTERN,
        doc: 'Metadata added to every gRPC request; forwarded headers and metadata win over them.',
      },
    },
  },
} satisfies FieldsFor<ProxyConfig>;

/** A proxy with an `enabled` switch (`client.proxy.*`). */
export const clientProxy = (what: string) =>
  ({ kind: 'group', fields: { enabled: boolean(false, what), ...PROXY_FIELDS } }) satisfies NodeFor<ClientProxyConfig>;
