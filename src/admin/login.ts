/**
 * The admin login, `POST <prefix>/admin/auth`: the password (JSON
 * `{"password"}` or a form field `password`, as Centrifugo's) is compared in
 * constant time with `admin.password` and exchanged for a session token
 * signed with `admin.secret` (auth/admin-token.ts, valid 12 hours).
 *
 * Failed attempts are limited per client address: after MAX_FAILURES within
 * FAILURE_WINDOW_MS, every attempt from that address is refused with 429
 * (and `Retry-After`) without looking at the password, until the window that
 * began with its first failure has passed. Each shard counts its own
 * attempts (a client's connections may land on different shards), so an
 * address gets at most MAX_FAILURES × shards tries per window.
 */
import type { HttpResponse } from 'uWebSockets.js';
import { ADMIN_SESSION_TTL_MS, passwordMatches, signAdminToken } from '../auth/admin-token';
import type { Config } from '../config/types';
import type { Logger } from '../common/log';
import type { AbortWatch } from '../http/body';
import { Errors } from '../protocol/codes';
import { answerAdminError, answerJson, parseObject } from './respond';

/** Failed logins an address may make per window, per shard. */
export const MAX_FAILURES = 5;
/** The window failed logins are counted in, ms. */
export const FAILURE_WINDOW_MS = 60_000;
/** Addresses remembered at most; older entries are forgotten first. */
const MAX_TRACKED = 10_000;

/** Failed-login counts per client address. */
export class LoginGuard {
  private readonly failures = new Map<string, { count: number; since: number }>();

  /** Milliseconds the address must wait before it may try again; 0 when it may try now. */
  waitFor(address: string, now = Date.now()): number {
    const entry = this.failures.get(address);
    if (!entry) return 0;
    const left = entry.since + FAILURE_WINDOW_MS - now;
    if (left <= 0) {
      this.failures.delete(address);
      return 0;
    }
    return entry.count >= MAX_FAILURES ? left : 0;
  }

  /** Records a failed attempt. */
  failed(address: string, now = Date.now()): void {
    const entry = this.failures.get(address);
    if (entry && now - entry.since < FAILURE_WINDOW_MS) {
      entry.count++;
      return;
    }
    this.failures.delete(address);
    if (this.failures.size >= MAX_TRACKED) this.failures.delete(this.failures.keys().next().value!);
    this.failures.set(address, { count: 1, since: now });
  }
}

/** The password a login body carries: JSON `{"password"}`, or form-encoded `password=…` (by its Content-Type); null when it has none. */
export function loginPassword(body: Buffer, contentType: string): string | null {
  const object = parseObject(body);
  if (object !== null) return typeof object['password'] === 'string' ? object['password'] : null;
  if (!contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) return null;
  return new URLSearchParams(body.toString('utf8')).get('password');
}

/** Answers a login whose body has been read. */
export function answerLogin(
  res: HttpResponse,
  watch: AbortWatch,
  config: Config,
  guard: LoginGuard,
  log: Logger,
  attempt: { readonly address: string; readonly password: string | null },
): void {
  const { password, secret } = config.admin;
  if (password === '' || secret === '') {
    // Only with admin.insecure (validation requires both otherwise): there is nothing to log in to.
    answerAdminError(res, watch, '400 Bad Request', Errors.badRequest.code, 'no login: admin.insecure is on and admin.password or admin.secret is empty');
    return;
  }
  const wait = guard.waitFor(attempt.address);
  if (wait > 0) {
    const seconds = Math.ceil(wait / 1000);
    answerAdminError(res, watch, '429 Too Many Requests', Errors.tooManyRequests.code, `too many failed logins from this address: try again in ${seconds} s`, [
      ['Retry-After', String(seconds)],
    ]);
    return;
  }
  if (attempt.password === null) {
    answerAdminError(res, watch, '400 Bad Request', Errors.badRequest.code, 'send the password as JSON {"password":"…"} or as the form field password');
    return;
  }
  if (!passwordMatches(attempt.password, password)) {
    guard.failed(attempt.address);
    log.warn('admin login failed: wrong password', { address: attempt.address });
    answerAdminError(res, watch, '401 Unauthorized', Errors.unauthorized.code, 'wrong password');
    return;
  }
  log.info('admin logged in', { address: attempt.address });
  answerJson(res, watch, '200 OK', JSON.stringify({ token: signAdminToken(secret, 'session', ADMIN_SESSION_TTL_MS), expires_in: ADMIN_SESSION_TTL_MS / 1000 }));
}
