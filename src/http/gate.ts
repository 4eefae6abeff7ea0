/**
 * The checks every HTTP-streaming, SSE and emulation request passes first:
 * CORS (403 for a disallowed Origin, 204 for a preflight), the method (405),
 * and the shard draining (503, closing the connection).
 */
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import type { ShardContext } from '../shards/context';
import type { CorsPolicy, CorsRequest } from './cors';
import { AbortWatch, answerError, type HeaderList } from './body';

/** A request the gate let through. */
export interface Admitted {
  readonly watch: AbortWatch;
  /** Lower-case method. */
  readonly method: string;
  readonly origin: CorsRequest;
}

/**
 * Answers 503 when the process takes no more client connections
 * (`client.connection_limit`, `client.connection_rate_limit`, the fd guard:
 * shards/access/admission.ts); true when it answered. Call right before
 * opening the connection: an admitted one counts against the rate.
 */
export function refuseOverLimit(res: HttpResponse, watch: AbortWatch, shard: ShardContext, headers: HeaderList): boolean {
  const refusal = shard.admission.admit();
  if (refusal === null) return false;
  answerError(res, watch, '503 Service Unavailable', refusal, headers, true);
  return true;
}

/** Answers 503 while the shard drains; true when it answered. */
export function refuseWhileDraining(res: HttpResponse, watch: AbortWatch, shard: ShardContext, origin: CorsRequest): boolean {
  if (!shard.draining) return false;
  answerError(res, watch, '503 Service Unavailable', 'shutting down', origin.headers, true);
  return true;
}

/**
 * Runs the common checks in the request handler; returns null when it
 * answered the request. `methods` are the lower-case methods served.
 */
export function admit(res: HttpResponse, req: HttpRequest, shard: ShardContext, cors: CorsPolicy, methods: readonly string[]): Admitted | null {
  const watch = new AbortWatch(res);
  const method = req.getMethod().toLowerCase();
  const origin = cors.inspect(req);
  if (cors.screen(res, watch, method, origin)) return null;
  if (!methods.includes(method)) {
    answerError(res, watch, '405 Method Not Allowed', `use ${methods.map((m) => m.toUpperCase()).join(' or ')}`, origin.headers);
    return null;
  }
  if (refuseWhileDraining(res, watch, shard, origin)) return null;
  return { watch, method, origin };
}
