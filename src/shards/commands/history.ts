/**
 * The client `history` command: permission, then the owner's answer.
 * `limit` 0 returns only the position; -1 or more than
 * `client.history_max_publication_limit` returns at most that many.
 */
import { Errors } from '../../protocol/codes';
import { ReplyError } from '../../protocol/errors';
import type { WirePosition, WirePublication } from '../messaging/messages';
import { publicationJson } from '../access/subscription-options';
import type { CommandHandler } from './types';

/** Reads and checks `since` ({offset, epoch}) of a history request; 107 when malformed. */
export function readSince(value: unknown): WirePosition | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new ReplyError(Errors.badRequest, 'since must be an object');
  const { offset = 0, epoch = '' } = value as { offset?: unknown; epoch?: unknown };
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
    throw new ReplyError(Errors.badRequest, 'since.offset must be a non-negative integer');
  }
  if (typeof epoch !== 'string') throw new ReplyError(Errors.badRequest, 'since.epoch must be a string');
  return { offset, epoch };
}

/** Reads `limit`: an integer ≥ -1; 107 otherwise. */
export function readLimit(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -1) {
    throw new ReplyError(Errors.badRequest, 'limit must be an integer of at least -1');
  }
  return value;
}

/** The owner's history answer as it crosses threads. */
export interface HistoryAnswer {
  readonly publications: WirePublication[];
  readonly offset: number;
  readonly epoch: string;
}

/** HistoryResult JSON: `{publications, offset, epoch}`. */
export function historyResultJson(answer: HistoryAnswer): string {
  return `{"publications":[${answer.publications.map((p) => publicationJson(p)).join(',')}],"offset":${answer.offset},"epoch":${JSON.stringify(answer.epoch)}}`;
}

export const handleHistory: CommandHandler = (shard, conn, request) => {
  const channel = request['channel'];
  const resolved = shard.rules.resolve(channel);
  const name = channel as string;
  shard.rules.checkHistory(resolved, conn.user, conn.channels.has(name));
  const since = readSince(request['since']);
  const reverse = request['reverse'] === true;
  let limit = readLimit(request['limit']);
  const max = shard.config.client.history_max_publication_limit;
  if (limit === -1 || limit > max) limit = max;
  return shard
    .query<HistoryAnswer>({ op: 'history', ch: name, limit, ...(since ? { since } : {}), ...(reverse ? { reverse } : {}) })
    .then(historyResultJson);
};
