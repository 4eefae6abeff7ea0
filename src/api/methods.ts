/**
 * The server API method table (`/api/<method>`) and `batch`, which runs
 * several of them in one request.
 */
import { Errors } from '../protocol/codes';
import { ReplyError, toWireError } from '../protocol/errors';
import type { ShardContext } from '../shards/context';
import { apiHistory, apiHistoryRemove, apiPresence, apiPresenceStats } from './channel-state';
import { apiChannels, apiInfo } from './node';
import type { Params } from './params';
import { apiBroadcast, apiPublish } from './publish';
import { apiDisconnect, apiRefresh, apiSubscribe, apiUnsubscribe } from './users';

/** An API method, run on the shard that took the request: request object → result object; throws ReplyError. */
export type ApiMethod = (shard: ShardContext, params: Params) => Promise<unknown>;

/** Every method served at `/api/<name>`. */
export const API_METHODS: Readonly<Record<string, ApiMethod>> = Object.freeze({
  publish: apiPublish,
  broadcast: apiBroadcast,
  subscribe: apiSubscribe,
  unsubscribe: apiUnsubscribe,
  disconnect: apiDisconnect,
  refresh: apiRefresh,
  channels: apiChannels,
  info: apiInfo,
  presence: apiPresence,
  presence_stats: apiPresenceStats,
  history: apiHistory,
  history_remove: apiHistoryRemove,
  batch: apiBatch,
});

/** What a method call came to: its result, or the error a client sees. */
export type MethodOutcome = { readonly result: unknown } | { readonly error: { code: number; message: string } };

/** Runs a method (for either transport: HTTP here, gRPC in grpc/); a failure that is not a ReplyError is logged and answered 100. */
export async function callMethod(shard: ShardContext, method: ApiMethod, params: Params): Promise<MethodOutcome> {
  try {
    return { result: await method(shard, params) };
  } catch (err) {
    if (!(err instanceof ReplyError)) shard.log.error('api method failed', { error: err });
    return { error: toWireError(err) };
  }
}

/** Runs a method and wraps the outcome as `{result}` or `{error}` JSON. */
export async function runMethod(shard: ShardContext, method: ApiMethod, params: Params): Promise<string> {
  return JSON.stringify(await callMethod(shard, method, params));
}

/**
 * `batch`: `{commands: [{<method>: {...}}, …], parallel?}` → `{replies: [{<method>: result} | {error}]}`.
 * Sequential by default, so publications in one batch keep their order.
 */
async function apiBatch(shard: ShardContext, params: Params): Promise<unknown> {
  const commands = params['commands'];
  if (!Array.isArray(commands)) throw new ReplyError(Errors.badRequest, 'commands required');
  const runOne = async (command: unknown): Promise<unknown> => {
    if (typeof command !== 'object' || command === null || Array.isArray(command)) {
      return { error: new ReplyError(Errors.badRequest, 'command must be an object').toJSON() };
    }
    const names = Object.keys(command).filter((k) => (command as Params)[k] != null);
    const name = names[0];
    const method = name !== undefined && name !== 'batch' ? API_METHODS[name] : undefined;
    if (names.length !== 1 || !method || !name) return { error: new ReplyError(Errors.methodNotFound).toJSON() };
    const inner = (command as Params)[name];
    if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) {
      return { error: new ReplyError(Errors.badRequest, `${name} must be an object`).toJSON() };
    }
    try {
      return { [name]: await method(shard, inner as Params) };
    } catch (err) {
      return { error: toWireError(err) };
    }
  };
  if (params['parallel'] === true) return { replies: await Promise.all(commands.map(runOne)) };
  // Sequential: a run of publish/broadcast commands is started all at once, in order. Each post
  // reaches the channel's owner on a FIFO mailbox in that order, so per-channel order is kept
  // without a round trip per command, and the publications can share frames. Any other command
  // waits for everything before it.
  const replies: unknown[] = [];
  let run: Promise<unknown>[] = [];
  for (const command of commands) {
    if (isPublication(command)) {
      run.push(runOne(command));
      continue;
    }
    replies.push(...(await Promise.all(run)));
    run = [];
    replies.push(await runOne(command));
  }
  replies.push(...(await Promise.all(run)));
  return { replies };
}

/** Whether a batch command publishes (and may be pipelined with its neighbours). */
function isPublication(command: unknown): boolean {
  if (typeof command !== 'object' || command === null) return false;
  const c = command as Params;
  return c['publish'] != null || c['broadcast'] != null;
}
