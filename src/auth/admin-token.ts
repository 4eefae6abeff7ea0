/**
 * Admin tokens: what the admin web UI's login hands out (`session`), and the
 * short-lived token its live tail connects with (`tail`, naming one
 * channel). Both are signed with `admin.secret` (HMAC-SHA256) and carry
 * their purpose and expiry, so a tail token is never a session token and
 * neither is a client connection token (those are JWTs verified with the
 * `client.token` keys; an admin token is not a JWT and fails there).
 *
 *   token   = base64url(payload JSON) "." base64url(HMAC-SHA256(secret, "sy-admin." + first part))
 *   payload = {"p": purpose, "exp": expiry in ms since epoch, "ch"?: channel}
 *
 * Signatures are compared in constant time. Centrifugo signs its admin token
 * with gorilla/securecookie (also an HMAC over a timestamped value); the
 * format differs, the use is the same: an opaque bearer token.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long a login lasts, ms (12 hours). */
export const ADMIN_SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** How long a tail token may wait before it is used to connect, ms. */
export const ADMIN_TAIL_TTL_MS = 60 * 1000;

/** What an admin token is for. */
export type AdminPurpose = 'session' | 'tail';

/** A verified admin token's content. */
export interface AdminClaims {
  readonly purpose: AdminPurpose;
  /** Expiry, ms since epoch. */
  readonly expireAt: number;
  /** The channel a tail token may follow; "" for a session token. */
  readonly channel: string;
}

/** Why a token was refused: not a token at all, a bad signature, past its expiry, or made for something else. */
export type AdminTokenProblem = 'malformed' | 'signature' | 'expired' | 'purpose';

/** The outcome of verifying an admin token. */
export type AdminTokenCheck = { readonly ok: true; readonly claims: AdminClaims } | { readonly ok: false; readonly problem: AdminTokenProblem };

/** Words for each problem, for answers and logs. */
export const ADMIN_TOKEN_PROBLEMS: Readonly<Record<AdminTokenProblem, string>> = Object.freeze({
  malformed: 'not an admin token',
  signature: 'admin token signature does not match (signed with another admin.secret?)',
  expired: 'admin token expired: log in again',
  purpose: 'admin token was issued for another purpose',
});

function sign(secret: string, body: string): Buffer {
  return createHmac('sha256', secret).update(`sy-admin.${body}`).digest();
}

/** Signs an admin token for `purpose`, valid `ttlMs` from `now` (ms); `channel` for tail tokens. */
export function signAdminToken(secret: string, purpose: AdminPurpose, ttlMs: number, channel = '', now = Date.now()): string {
  const payload: Record<string, unknown> = { p: purpose, exp: now + ttlMs };
  if (channel !== '') payload['ch'] = channel;
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${sign(secret, body).toString('base64url')}`;
}

/** Verifies an admin token made for `purpose`. */
export function verifyAdminToken(secret: string, token: string, purpose: AdminPurpose, now = Date.now()): AdminTokenCheck {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.') || token.length > 4096) return { ok: false, problem: 'malformed' };
  const body = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = sign(secret, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, problem: 'signature' };
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, problem: 'malformed' };
  }
  if (typeof payload !== 'object' || payload === null) return { ok: false, problem: 'malformed' };
  const { p, exp, ch } = payload as Record<string, unknown>;
  if ((p !== 'session' && p !== 'tail') || typeof exp !== 'number' || (ch !== undefined && typeof ch !== 'string')) {
    return { ok: false, problem: 'malformed' };
  }
  if (p !== purpose) return { ok: false, problem: 'purpose' };
  if (exp <= now) return { ok: false, problem: 'expired' };
  return { ok: true, claims: { purpose: p, expireAt: exp, channel: ch ?? '' } };
}

/** Compares a typed password with the configured one in time that does not depend on where they differ or on their lengths. */
export function passwordMatches(given: string, expected: string): boolean {
  // Digests have one length, so timingSafeEqual never sees different sizes and lengths do not leak.
  const a = createHmac('sha256', 'sy-admin-password').update(given).digest();
  const b = createHmac('sha256', 'sy-admin-password').update(expected).digest();
  return timingSafeEqual(a, b) && expected !== '';
}
