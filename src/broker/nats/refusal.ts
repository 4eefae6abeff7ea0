/**
 * A NATS server's refusal of a subject: the "Permissions Violation" its
 * client reports for a SUB or PUB outside the user's subject permissions.
 */

/** A refusal of the server: a PermissionViolationError of the NATS client. */
export interface NatsRefusal {
  /** What the server refused: a PUB or a SUB. */
  readonly operation: 'publish' | 'subscription';
  /** The subject refused. */
  readonly subject: string;
  /** The server's message ("Permissions Violation for Publish to …"). */
  readonly message: string;
}

/** Whether `err` is the client's report of a Permissions Violation. */
export function asNatsRefusal(err: unknown): NatsRefusal | null {
  if (!(err instanceof Error) || err.name !== 'PermissionViolationError') return null;
  const { operation, subject } = err as Error & { operation?: unknown; subject?: unknown };
  if ((operation !== 'publish' && operation !== 'subscription') || typeof subject !== 'string') return null;
  return { operation, subject, message: err.message };
}
