/**
 * Coded errors of token verification and proxy calls. Identity lives in the
 * `code` (undici style), so callers switch on it rather than on the class.
 */

/** Why a token was refused. */
export type TokenErrorCode =
  /** Malformed, badly signed, or with claims that break a rule: the client gets 3500 (or 103 on subscribe). */
  | 'SY_TOKEN_INVALID'
  /** `exp` passed or `nbf` not reached: the client gets 109 and fetches a new token. */
  | 'SY_TOKEN_EXPIRED'
  /** The JWKS endpoint could not be read: the client gets 100 (temporary) and retries. */
  | 'SY_TOKEN_KEYS_UNAVAILABLE';

/** A token that was not accepted. */
export class TokenError extends Error {
  readonly code: TokenErrorCode;
  constructor(code: TokenErrorCode, message: string) {
    super(message);
    this.name = 'TokenError';
    this.code = code;
  }
}

/** A TokenError for an invalid token, with the reason (logged, never sent to the client). */
export function invalidToken(reason: string): TokenError {
  return new TokenError('SY_TOKEN_INVALID', reason);
}

/** A proxy request that failed: unreachable, timed out, non-200, or an answer that is not Centrifugo's JSON. */
export class ProxyError extends Error {
  readonly code = 'SY_PROXY_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'ProxyError';
  }
}
