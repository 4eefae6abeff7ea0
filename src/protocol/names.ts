/**
 * The names the protocol gives to what carries a connection: its encoding
 * (JSON or Protobuf) and Centrifugo's transport names, and the unit a
 * transport writes (one encoded Reply).
 */

/** Encoding of a connection for its whole life. */
export type ProtocolType = 'json' | 'protobuf';

/** Transport names as Centrifugo reports them (proxies' `transport` field). */
export type TransportName =
  | 'websocket'
  | 'http_stream'
  | 'sse'
  | 'uni_websocket'
  | 'uni_http_stream'
  | 'uni_sse'
  | 'uni_grpc';

/** One encoded Reply: JSON text, or Protobuf bytes without the length prefix. */
export type EncodedReply = string | Uint8Array;
