/** What every connection endpoint reads from a uWS request: the headers a connection keeps, and the upgrade refusals. */
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';

/** The upgrade- or connect-request headers a connection keeps (the ones proxies forward or that name the user; lower-case names). */
export function keptHeaders(req: HttpRequest, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = req.getHeader(name);
    if (value !== '') out[name] = value;
  }
  return out;
}

/**
 * Refuses a WebSocket upgrade the shard must not take: 503 while draining,
 * 403 for an Origin `originAllowed` refuses (closing the connection, so it
 * holds no idle socket). Returns true when it answered.
 */
export function refuseUpgrade(res: HttpResponse, req: HttpRequest, draining: boolean, originAllowed: (origin: string) => boolean): boolean {
  if (draining) {
    res.writeStatus('503 Service Unavailable').end('shutting down');
    return true;
  }
  if (!originAllowed(req.getHeader('origin'))) {
    res.writeStatus('403 Forbidden').end('request origin not allowed', true);
    return true;
  }
  return false;
}
