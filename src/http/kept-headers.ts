/**
 * The request headers a connection keeps from its upgrade or connect request:
 * those proxies forward and the one naming the user
 * (`client.user_id_http_header`), chosen by the shard (`keptHeaders` names).
 */
import type { HttpRequest } from 'uWebSockets.js';
import { NO_HEADERS } from '../shards/session/connection';

/** The request headers a connection keeps (the ones proxies forward or that name the user), lower-case names. */
export function keptHeaders(req: HttpRequest, names: readonly string[]): Readonly<Record<string, string>> {
  let out: Record<string, string> | null = null;
  for (const name of names) {
    const value = req.getHeader(name);
    if (value !== '') (out ??= {})[name] = value;
  }
  return out ?? NO_HEADERS;
}
