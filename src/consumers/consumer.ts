/**
 * What a consumer needs from the server: a way to apply one server API
 * command. Consumers (the PostgreSQL outbox, postgresql.ts) read commands from
 * elsewhere and hand them over one at a time, in order.
 */

/**
 * Applies one API command (`method` with its request object, as
 * `/api/<method>` takes it) and resolves when it is done. It rejects only when
 * the command should be tried again later (Centrifugo's rule: an internal,
 * temporary error); a command that can never succeed (unknown method, bad
 * request) resolves after being logged, so it does not block the ones behind it.
 */
export type RunCommand = (method: string, payload: unknown) => Promise<void>;

/** A running consumer. */
export interface Consumer {
  /** Stops taking new work; resolves once the work under way finished and connections closed. */
  close(): Promise<void>;
}

/** Retry delay after `retries` consecutive failures, ms: 10 ms doubling, with jitter, at most 5 s (as Centrifugo). */
export function backoff(retries: number): number {
  const base = 10 + Math.floor(Math.random() * 10);
  return Math.min(base * 2 ** Math.min(retries, 20), 5_000);
}
