/** A connection as proxy requests see it, and what a failed proxy request means for the client. */
import { ProxyError } from '../../auth/errors';
import type { ProxyCaller } from '../../auth/proxy/proxy-client';
import type { LogFields, Logger } from '../../common/log';
import { Errors } from '../../protocol/codes';
import { ReplyError } from '../../protocol/errors';
import type { Connection } from '../session/connection';

/** The proxy request context of a connection. */
export function callerOf(conn: Connection): ProxyCaller {
  return {
    client: conn.id,
    meta: conn.meta,
    headers: conn.headers,
    emulatedHeaders: conn.emulatedHeaders,
    protocol: conn.transport.protocol,
    transport: conn.transport.name,
  };
}

/**
 * The error to throw for `err` raised by a proxy hook: a proxy that timed
 * out, failed or answered garbage is error 100 (temporary) for the client;
 * the backend's own error or disconnect passes through as it is.
 */
export function proxyFailure(err: unknown, log: Logger, fields: LogFields): unknown {
  if (!(err instanceof ProxyError)) return err;
  log.warn('proxy request failed', { ...fields, reason: err.message });
  return new ReplyError(Errors.internal);
}
