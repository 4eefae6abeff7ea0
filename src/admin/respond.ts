/*
 * src/admin/: the admin web UI: its endpoints (login, the server API through
 * the one method table, channel detail, the live tail's token and WebSocket),
 * its static page (web/), and the refusal on a port it is not served on. May
 * import: everything below (api, transports, http, shards, …), not worker/.
 */
/**
 * How admin endpoints answer: every answer carries the security headers
 * (a strict Content-Security-Policy, no framing, no sniffing, no referrer,
 * no caching), errors are `{"error":{"code","message"}}` as the server API's
 * are, and the admin token is read from `Authorization: token <t>`
 * (Centrifugo's scheme).
 */
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { ADMIN_TOKEN_PROBLEMS, verifyAdminToken } from '../auth/admin-token';
import type { Config } from '../config/types';
import { answer, type AbortWatch, type HeaderList } from '../http/body';
import { Errors } from '../protocol/codes';

/**
 * Headers on every admin answer. The page loads only its own scripts, styles
 * and images and talks only to its own origin (`connect-src 'self'` covers
 * its same-origin WebSocket); nothing may frame it.
 */
export const SECURITY_HEADERS: HeaderList = Object.freeze([
  [
    'Content-Security-Policy',
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  ],
  ['X-Frame-Options', 'DENY'],
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'no-referrer'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Cache-Control', 'no-store'],
] as const);

const JSON_HEADERS: HeaderList = Object.freeze([...SECURITY_HEADERS, ['Content-Type', 'application/json']] as const);

/** Ends the response with a status and a JSON body, security headers included (plus `extra`). */
export function answerJson(res: HttpResponse, watch: AbortWatch, status: string, body: string, extra: HeaderList = []): void {
  answer(res, watch, status, extra.length === 0 ? JSON_HEADERS : [...JSON_HEADERS, ...extra], body);
}

/** Ends the response with an error status and `{"error":{"code","message"}}`. */
export function answerAdminError(res: HttpResponse, watch: AbortWatch, status: string, code: number, message: string, extra: HeaderList = []): void {
  answerJson(res, watch, status, JSON.stringify({ error: { code, message } }), extra);
}

/** The admin token of a request (`Authorization: token <t>`), "" when none. Read in the request handler. */
export function requestToken(req: HttpRequest): string {
  const match = /^token\s+(\S+)\s*$/i.exec(req.getHeader('authorization'));
  return match ? match[1]! : '';
}

/** Whether a request's admin token admits it: null when it does, else why not (for a 401). */
export function tokenRefusal(config: Config, token: string): string | null {
  if (config.admin.insecure) return null;
  if (token === '') return 'admin token required: log in at /admin/auth and send it as "Authorization: token <token>"';
  const check = verifyAdminToken(config.admin.secret, token, 'session');
  return check.ok ? null : ADMIN_TOKEN_PROBLEMS[check.problem];
}

/** Answers 401 with the reason a token was refused. */
export function answerUnauthorized(res: HttpResponse, watch: AbortWatch, reason: string): void {
  answerAdminError(res, watch, '401 Unauthorized', Errors.unauthorized.code, reason);
}

/** Parses a JSON object body; null when it is not one. */
export function parseObject(body: Buffer): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
