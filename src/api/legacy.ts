/**
 * The legacy form of the server API that Centrifugo still serves at
 * `<prefix>` itself (and client libraries such as cent.js use for
 * pipelines): a body of JSON commands `{"id"?, "method", "params"}`, one per
 * line, answered by one JSON reply per line, `{"id"?, "result"}` or
 * `{"id"?, "error"}`, in order. `method` is a name in any case
 * (`"publish"`, `"PUBLISH"`) or its number in Centrifugo's enum; an absent
 * method is 0, `publish`, as in Centrifugo. A body that is empty or not JSON
 * lines is 400.
 */
import { Errors } from '../protocol/codes';
import type { ShardContext } from '../shards/context';
import { answer, errorBody, type ApiExchange } from './exchange';
import { callMethod, isApiMethod } from './methods';
import type { Params } from './params';
import { decodeUtf8Strict, jsonTooDeep } from '../protocol/input-guards';

/** Centrifugo's Command.MethodType numbers for the methods of the legacy form. */
const METHOD_NUMBERS: readonly string[] = [
  'publish',
  'broadcast',
  'unsubscribe',
  'disconnect',
  'presence',
  'presence_stats',
  'history',
  'history_remove',
  'channels',
  'info',
  'rpc',
  'subscribe',
  'refresh',
];

/** The method a legacy command names, or null for one the legacy form does not have. */
function methodOf(method: unknown): string | null {
  if (method === undefined || method === null) return 'publish';
  if (typeof method === 'number') return METHOD_NUMBERS[method] ?? null;
  if (typeof method !== 'string') return null;
  const name = method.toLowerCase();
  return METHOD_NUMBERS.includes(name) ? name : null;
}

/** The commands of a legacy body, or null when a line is not a JSON object. */
function parseCommands(text: string): Params[] | null {
  const commands: Params[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    // Refused before parsing when nested too deep, as the other API bodies.
    if (jsonTooDeep(line)) return null;
    let command: unknown;
    try {
      command = JSON.parse(line);
    } catch {
      return null;
    }
    if (typeof command !== 'object' || command === null || Array.isArray(command)) return null;
    commands.push(command as Params);
  }
  return commands;
}

/**
 * Runs the commands of a legacy body in order and answers their replies, newline-joined.
 * `body` may be a view of uWS's memory (readBody), so it is decoded before the first await.
 */
export async function handleLegacy(shard: ShardContext, ex: ApiExchange, body: Buffer, draining: () => boolean): Promise<void> {
  const text = decodeUtf8Strict(body);
  const commands = text === null ? null : parseCommands(text);
  if (commands === null || commands.length === 0) {
    answer(ex, 400, errorBody(Errors.badRequest.code, 'bad request: expected JSON commands, one per line'));
    return;
  }
  const replies: string[] = [];
  for (const command of commands) {
    const id = typeof command['id'] === 'number' && command['id'] > 0 ? { id: command['id'] } : {};
    const name = methodOf(command['method']);
    const params = command['params'] ?? {};
    if (name === null || !isApiMethod(name)) {
      replies.push(JSON.stringify({ ...id, error: { code: Errors.methodNotFound.code, message: Errors.methodNotFound.message } }));
      continue;
    }
    if (typeof params !== 'object' || Array.isArray(params)) {
      replies.push(JSON.stringify({ ...id, error: { code: Errors.badRequest.code, message: 'params must be an object' } }));
      continue;
    }
    const outcome = await callMethod(shard, name, params as Params);
    replies.push(JSON.stringify({ ...id, ...outcome }));
  }
  answer(ex, 200, replies.join('\n'), draining());
}
