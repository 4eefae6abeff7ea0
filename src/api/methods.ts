/**
 * The server API method table (`<prefix>/<method>`), `rpc`, and `batch`,
 * which runs several of them in one request. Every request's fields are
 * type-checked first (request-fields.ts).
 */
import { Errors } from '../protocol/codes';
import { ReplyError, toWireError, type WireError } from '../protocol/errors';
import type { ShardContext } from '../shards/context';
import { apiHistory, apiHistoryRemove, apiPresence, apiPresenceStats } from './channel-state';
import { apiChannels, apiInfo } from './node';
import type { Params } from './params';
import { apiBroadcast, apiPublish } from './publish';
import { checkRequestFields, REQUEST_FIELDS, type RequestFields } from './request-fields';
import { apiDisconnect, apiRefresh, apiSubscribe, apiUnsubscribe } from './users';

/** An API method, run on the shard that took the request: request object → result object; throws ReplyError. */
export type ApiMethod = (shard: ShardContext, params: Params) => Promise<unknown>;

/**
 * `rpc`: `{method, params}` → `{data}`. Centrifugo OSS registers no
 * server-side RPC extensions, so every method is 104 (an empty one 107), as
 * there.
 */
async function apiRpc(_shard: ShardContext, params: Params): Promise<unknown> {
  if (typeof params['method'] !== 'string' || params['method'] === '') throw new ReplyError(Errors.badRequest, 'method required');
  throw new ReplyError(Errors.methodNotFound);
}

/**
 * Centrifugo's experimental map-subscription and shared-poll methods
 * (`map_publish`, …, `shared_poll_publish`): their channel types do not exist
 * in switchyard, so they answer 108.
 */
async function notAvailable(): Promise<unknown> {
  throw new ReplyError(Errors.notAvailable, 'map and shared poll subscriptions are not available in switchyard');
}

/** Methods Centrifugo v6 serves for channel types switchyard does not have. */
const UNAVAILABLE = ['map_publish', 'map_remove', 'map_read_state', 'map_read_stream', 'map_stats', 'map_clear', 'shared_poll_publish'] as const;

/** Every method served at `<prefix>/<name>`. */
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
  rpc: apiRpc,
  batch: apiBatch,
  ...Object.fromEntries(UNAVAILABLE.map((name) => [name, notAvailable])),
});

/** What one method call came to: its result, or the error to answer. */
export type MethodOutcome = { readonly result: unknown } | { readonly error: WireError };

/** The field table of a method that declares none. */
const NO_FIELDS: RequestFields = Object.freeze({});

/** Checks the request's fields, runs the method, and catches its ReplyError (anything else is logged and answered 100). */
export async function callMethod(shard: ShardContext, name: string, params: Params): Promise<MethodOutcome> {
  const method = API_METHODS[name] as ApiMethod;
  const started = shard.metrics.enabled ? performance.now() : 0;
  try {
    checkRequestFields(REQUEST_FIELDS[name] ?? NO_FIELDS, params);
    return { result: await method(shard, params) };
  } catch (err) {
    if (!(err instanceof ReplyError)) shard.log.error('api method failed', { method: name, error: err });
    // API errors are `{code, message}`: no `temporary` flag (api.proto's Error).
    const { code, message } = toWireError(err);
    return { error: { code, message } };
  } finally {
    if (shard.metrics.enabled) shard.metrics.observeApi(name, (performance.now() - started) / 1000);
  }
}

/** Whether `name` is a method of the table (own property, not `toString`). */
export function isApiMethod(name: string): boolean {
  return Object.hasOwn(API_METHODS, name);
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
      return { error: { code: Errors.badRequest.code, message: 'command must be an object' } };
    }
    const names = Object.keys(command).filter((k) => (command as Params)[k] != null);
    const name = names[0];
    if (names.length !== 1 || name === undefined || name === 'batch' || !isApiMethod(name)) return { error: { code: Errors.methodNotFound.code, message: Errors.methodNotFound.message } };
    const inner = (command as Params)[name];
    if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) {
      return { error: { code: Errors.badRequest.code, message: `${name} must be an object` } };
    }
    const outcome = await callMethod(shard, name, inner as Params);
    return 'error' in outcome ? outcome : { [name]: outcome.result };
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
