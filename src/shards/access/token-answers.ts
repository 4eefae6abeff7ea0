/**
 * What a client is told when its token fails, by where it was presented
 * (Centrifugo's answers):
 *
 * | failure            | connect | subscribe | refresh | sub_refresh |
 * |--------------------|---------|-----------|---------|-------------|
 * | expired            | 109     | 109       | 3005    | (caller)    |
 * | invalid            | 3500    | 103       | 3500    | 3500        |
 * | JWKS unreachable   | 100     | 100       | 100     | 100         |
 *
 * Centrifugo disconnects with 3500 when its JWKS cannot be fetched; switchyard
 * answers 100 (temporary) so the SDK retries instead of giving up.
 */
import { TokenError } from '../../auth/errors';
import type { LogFields, Logger } from '../../common/log';
import { Disconnects, Errors } from '../../protocol/codes';
import { DisconnectError, ReplyError } from '../../protocol/errors';

/** Where a token was presented. */
export type TokenUse = 'connect' | 'subscribe' | 'refresh' | 'sub_refresh';

/** The error to throw for `err` raised by a token check at `use`; anything but a TokenError is returned as is. */
export function tokenFailure(err: unknown, use: TokenUse, log: Logger, fields: LogFields): unknown {
  if (!(err instanceof TokenError)) return err;
  switch (err.code) {
    case 'SY_TOKEN_EXPIRED':
      return use === 'refresh' ? new DisconnectError(Disconnects.expired) : new ReplyError(Errors.tokenExpired);
    case 'SY_TOKEN_KEYS_UNAVAILABLE':
      log.warn('token keys unavailable', { ...fields, use, reason: err.message });
      return new ReplyError(Errors.internal);
    case 'SY_TOKEN_INVALID':
      log.info('invalid token', { ...fields, use, reason: err.message });
      return use === 'subscribe' ? new ReplyError(Errors.permissionDenied) : new DisconnectError(Disconnects.invalidToken);
  }
}
