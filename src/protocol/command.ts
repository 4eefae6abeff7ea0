/**
 * A decoded client command and its methods: the shape both protocols decode
 * into (JSON as parsed, Protobuf converted by protobuf/convert.ts) and the
 * dispatcher reads.
 */
/** A decoded client command: `id` plus exactly one request field. */
export interface Command {
  readonly id?: number;
  readonly connect?: Record<string, unknown>;
  readonly subscribe?: Record<string, unknown>;
  readonly unsubscribe?: Record<string, unknown>;
  readonly publish?: Record<string, unknown>;
  readonly presence?: Record<string, unknown>;
  readonly presence_stats?: Record<string, unknown>;
  readonly history?: Record<string, unknown>;
  readonly ping?: Record<string, unknown>;
  readonly send?: Record<string, unknown>;
  readonly rpc?: Record<string, unknown>;
  readonly refresh?: Record<string, unknown>;
  readonly sub_refresh?: Record<string, unknown>;
}

/** The request fields of Command, in client.proto's field order. */
export const COMMAND_METHODS = Object.freeze([
  'connect',
  'subscribe',
  'unsubscribe',
  'publish',
  'presence',
  'presence_stats',
  'history',
  'ping',
  'send',
  'rpc',
  'refresh',
  'sub_refresh',
] as const);

/** One of the request field names. */
export type CommandMethod = (typeof COMMAND_METHODS)[number];

/** The method of a command (first non-null request field), or null for an empty command (a pong). */
export function commandMethod(cmd: Command): CommandMethod | null {
  for (const m of COMMAND_METHODS) {
    if (cmd[m] !== undefined && cmd[m] !== null) return m;
  }
  return null;
}
