/**
 * The server API method table (`/api/<method>`) and `batch`, which runs
 * several of them in one request.
 */
import { Errors } from '../protocol/codes';
import { ReplyError, toWireError } from '../protocol/errors';
import type { Shard } from '../shards/shard';
import { apiHistory, apiHistoryRemove, apiPresence, apiPresenceStats } from './channel-state';
import { apiChannels, apiInfo, type NodeIdentity } from './node';
import type { Params } from './params';
import { apiBroadcast, apiPublish } from './publish';
import { apiDisconnect, apiRefresh, apiSubscribe, apiUnsubscribe } from './users';

/** Where API methods run: the shard that took the request, and the process identity. */
export interface ApiContext {
  readonly shard: Shard;
  readonly node: NodeIdentity;
}

/** An API method: request object → result object; throws ReplyError. */
export type ApiMethod = (ctx: ApiContext, params: Params) => Promise<unknown>;

/** Every method served at `/api/<name>`. */
export const API_METHODS: Readonly<Record<string, ApiMethod>> = Object.freeze({
  publish: (ctx, p) => apiPublish(ctx.shard, p),
  broadcast: (ctx, p) => apiBroadcast(ctx.shard, p),
  subscribe: (ctx, p) => apiSubscribe(ctx.shard, p),
  unsubscribe: (ctx, p) => apiUnsubscribe(ctx.shard, p),
  disconnect: (ctx, p) => apiDisconnect(ctx.shard, p),
  refresh: (ctx, p) => apiRefresh(ctx.shard, p),
  channels: (ctx, p) => apiChannels(ctx.shard, p),
  info: (ctx) => apiInfo(ctx.shard, ctx.node),
  presence: (ctx, p) => apiPresence(ctx.shard, p),
  presence_stats: (ctx, p) => apiPresenceStats(ctx.shard, p),
  history: (ctx, p) => apiHistory(ctx.shard, p),
  history_remove: (ctx, p) => apiHistoryRemove(ctx.shard, p),
  batch: (ctx, p) => apiBatch(ctx, p),
});

/** Runs a method and wraps the outcome as `{result}` or `{error}`. */
export async function runMethod(ctx: ApiContext, method: ApiMethod, params: Params): Promise<string> {
  try {
    const result = await method(ctx, params);
    return JSON.stringify({ result });
  } catch (err) {
    if (!(err instanceof ReplyError)) ctx.shard.log.error('api method failed', { error: err });
    return JSON.stringify({ error: toWireError(err) });
  }
}

/**
 * `batch`: `{commands: [{<method>: {...}}, …], parallel?}` → `{replies: [{<method>: result} | {error}]}`.
 * Sequential by default, so publications in one batch keep their order.
 */
async function apiBatch(ctx: ApiContext, params: Params): Promise<unknown> {
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
      return { [name]: await method(ctx, inner as Params) };
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
