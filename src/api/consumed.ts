/**
 * Server API commands that arrive from a consumer (src/consumers) rather than
 * over HTTP: the same methods, with Centrifugo's consuming rule: an internal
 * (temporary) error rejects so the consumer retries the command; any other
 * error is logged and the command skipped.
 */
import type { RunCommand } from '../consumers/consumer';
import type { Logger } from '../common/log';
import { Errors } from '../protocol/codes';
import { toWireError } from '../protocol/errors';
import type { ShardContext } from '../shards/context';
import { API_METHODS } from './methods';
import type { Params } from './params';

/** Error code of a temporary failure (the command is tried again). */
const INTERNAL = Errors.internal.code;

/** Whether a result carries a per-channel internal error (broadcast's `responses`). */
function hasInternalError(result: unknown): boolean {
  const responses = (result as { responses?: unknown } | null)?.responses;
  return Array.isArray(responses) && responses.some((r) => (r as { error?: { code?: number } })?.error?.code === INTERNAL);
}

/** A RunCommand applying commands through the API methods on the shard `shard`. */
export function consumedCommands(shard: ShardContext, log: Logger): RunCommand {
  return async (method, payload) => {
    const run = method !== 'batch' ? API_METHODS[method] : undefined;
    if (!run) {
      log.error('consumed command skipped: unknown method', { method });
      return;
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      log.error('consumed command skipped: payload is not a JSON object', { method });
      return;
    }
    let result: unknown;
    try {
      result = await run(shard, payload as Params);
    } catch (err) {
      const wire = toWireError(err);
      if (wire.code === INTERNAL) throw err instanceof Error ? err : new Error(wire.message);
      log.error('consumed command skipped: it cannot succeed', { method, code: wire.code, message: wire.message });
      return;
    }
    if (hasInternalError(result)) throw new Error(`${method} failed for some channels`);
  };
}
