/**
 * The client `history` command: permission, then the owner's answer.
 * `limit` 0 returns only the position; -1 or more than
 * `client.history_max_publication_limit` returns at most that many.
 */
import { publicationJson } from '../access/subscription-options';
import type { CommandHandler } from './types';
import { readLimit, readSince } from '../../protocol/history-request';
import type { Publication } from '../../broker/broker';

/** The owner's history answer as it crosses threads. */
export interface HistoryAnswer {
  readonly publications: Publication[];
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
