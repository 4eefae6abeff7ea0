/*
 * src/protocol/: Centrifugo's client protocol as data: the frozen code table,
 * reply and disconnect errors, the JSON and Protobuf codecs, payload carriers,
 * framing (newline-joined JSON, varint-delimited Protobuf), transport and
 * protocol names, bare pushes for unidirectional transports, history request
 * fields. May import: common.
 */
/**
 * Every number of the Centrifugo client protocol that switchyard sends, in one
 * frozen table. Clients decide what to do from these numbers, so they must
 * match Centrifugo exactly.
 *
 * Reply errors (inside `{"error":{code,message,temporary}}`): the SDK retries
 * temporary ones and treats the rest as final.
 *
 * Disconnect codes (WebSocket close code, or a `disconnect` push):
 *   3000–3499 and 4000–4499 → the client reconnects;
 *   3500–3999 and 4500–4999 → terminal, the client stays disconnected.
 *
 * Unsubscribe codes (`unsubscribe` push): ≥ 2500 → the client resubscribes;
 * below 2500 → the subscription ends.
 */

/** A reply error: `{code, message, temporary}`. */
export interface ErrorCode {
  readonly code: number;
  readonly message: string;
  readonly temporary: boolean;
}

/** A disconnect: close code and short reason (≤ 123 bytes, the WebSocket limit). */
export interface DisconnectCode {
  readonly code: number;
  readonly reason: string;
  /** True when the client is expected to reconnect (derived from the code range). */
  readonly reconnect: boolean;
}

/** An unsubscribe push: code and reason. */
export interface UnsubscribeCode {
  readonly code: number;
  readonly reason: string;
  /** True when the client resubscribes by itself (code ≥ 2500). */
  readonly resubscribe: boolean;
}

function error(code: number, message: string, temporary = false): ErrorCode {
  return Object.freeze({ code, message, temporary });
}

/** Whether a disconnect code tells the client to reconnect. */
export function shouldReconnect(code: number): boolean {
  return (code >= 3000 && code < 3500) || (code >= 4000 && code < 4500) || code >= 5000;
}

function disconnect(code: number, reason: string): DisconnectCode {
  return Object.freeze({ code, reason, reconnect: shouldReconnect(code) });
}

function unsubscribe(code: number, reason: string): UnsubscribeCode {
  return Object.freeze({ code, reason, resubscribe: code >= 2500 });
}

/** Reply error codes (client protocol and server API share them). */
export const Errors = Object.freeze({
  internal: error(100, 'internal server error', true),
  unauthorized: error(101, 'unauthorized'),
  unknownChannel: error(102, 'unknown channel'),
  permissionDenied: error(103, 'permission denied'),
  methodNotFound: error(104, 'method not found'),
  alreadySubscribed: error(105, 'already subscribed'),
  limitExceeded: error(106, 'limit exceeded'),
  badRequest: error(107, 'bad request'),
  notAvailable: error(108, 'not available'),
  tokenExpired: error(109, 'token expired'),
  expired: error(110, 'expired'),
  tooManyRequests: error(111, 'too many requests', true),
  unrecoverablePosition: error(112, 'unrecoverable position'),
  conflict: error(113, 'conflict', true),
});

/** Disconnect codes. */
export const Disconnects = Object.freeze({
  connectionClosed: disconnect(3000, 'connection closed'),
  shutdown: disconnect(3001, 'shutdown'),
  serverError: disconnect(3004, 'internal server error'),
  expired: disconnect(3005, 'connection expired'),
  subExpired: disconnect(3006, 'subscription expired'),
  slow: disconnect(3008, 'slow'),
  writeError: disconnect(3009, 'write error'),
  insufficientState: disconnect(3010, 'insufficient state'),
  forceReconnect: disconnect(3011, 'force reconnect'),
  noPong: disconnect(3012, 'no pong'),
  tooManyRequests: disconnect(3013, 'too many requests'),
  invalidToken: disconnect(3500, 'invalid token'),
  badRequest: disconnect(3501, 'bad request'),
  stale: disconnect(3502, 'stale'),
  forceNoReconnect: disconnect(3503, 'force disconnect'),
  connectionLimit: disconnect(3504, 'connection limit'),
  channelLimit: disconnect(3505, 'channel limit'),
  inappropriateProtocol: disconnect(3506, 'inappropriate protocol'),
  permissionDenied: disconnect(3507, 'permission denied'),
  notAvailable: disconnect(3508, 'not available'),
  tooManyErrors: disconnect(3509, 'too many errors'),
});

/**
 * How a connect that fails with a reply error ends a unidirectional
 * connection (it cannot read the error reply): error code → disconnect.
 * Codes not listed end it with 3004 (internal server error).
 */
export const UnidirectionalConnectDisconnects: Readonly<Record<number, DisconnectCode>> = Object.freeze({
  [Errors.tokenExpired.code]: Disconnects.expired,
  [Errors.expired.code]: Disconnects.expired,
  [Errors.tooManyRequests.code]: Disconnects.tooManyRequests,
  [Errors.permissionDenied.code]: Disconnects.permissionDenied,
});

/** Unsubscribe push codes. */
export const Unsubscribes = Object.freeze({
  server: unsubscribe(2000, 'server unsubscribe'),
  insufficientState: unsubscribe(2500, 'insufficient state'),
  expired: unsubscribe(2501, 'subscription expired'),
});

/**
 * Server API error → HTTP status in Centrifugo's "transport" error mode
 * (`http_api.error_mode: "transport"` or the request header
 * `X-Centrifugo-Error-Mode: transport`), as Centrifugo's MapErrorToHTTPCode
 * maps them; a code not listed is 500 (apiErrorHttpStatus).
 */
export const ApiErrorHttpStatus: Readonly<Record<number, number>> = Object.freeze({
  100: 500,
  102: 404,
  104: 404,
  107: 400,
  108: 400,
  112: 416,
  113: 409,
});

/** The HTTP status of a server API error in transport error mode: ApiErrorHttpStatus, else 500. */
export function apiErrorHttpStatus(code: number): number {
  return ApiErrorHttpStatus[code] ?? 500;
}
