/** The request headers a connection keeps, read from a uWS request. */
import type { HttpRequest } from 'uWebSockets.js';

/** The upgrade- or connect-request headers a connection keeps (the ones proxies forward or that name the user; lower-case names). */
export function keptHeaders(req: HttpRequest, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = req.getHeader(name);
    if (value !== '') out[name] = value;
  }
  return out;
}
