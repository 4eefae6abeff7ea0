/**
 * The shape every client command handler has. A handler returns the result
 * object as JSON text (`"{}"` for an empty result), null when the command has
 * no reply (send), or a promise of either; it throws ReplyError or
 * DisconnectError, and only the dispatcher turns those into frames.
 */
import type { Connection } from '../session/connection';
import type { ShardContext } from '../context';

/** A client command handler. */
export type CommandHandler = (
  shard: ShardContext,
  conn: Connection,
  request: Readonly<Record<string, unknown>>,
  /** The command id, for handlers that write their reply themselves. */
  id: number,
) => string | null | Promise<string | null>;

/** The empty result `{}`. */
export const EMPTY_RESULT = '{}';
