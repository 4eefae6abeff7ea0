/**
 * What a subscribe request gets, from the channel's options and the client's
 * asks (Centrifugo's rules), and the subscribe result that describes it. Used
 * by client subscribes and by server-side subscriptions.
 */
import type { ProtocolType } from '../../protocol/names';
import { Errors } from '../../protocol/codes';
import { ReplyError } from '../../protocol/errors';
import type { Publication } from '../../broker/broker';
import { encodeDeltaPublication, encodePublication } from '../../protocol/json';
import type { ChannelRules, ResolvedChannel } from './channel-rules';
import { matchTags, parseTagsFilter, TagsFilterError, type TagsFilter } from '../../protocol/tags-filter';
import type { JoinOptions, JoinOutcome } from '../subscriber/local-channels';


/** The subscribe request flag bit asking for error 112 instead of an unrecovered subscription. */
export const REJECT_UNRECOVERED_FLAG = 2;

/** The negotiated subscription. */
export interface Granted {
  readonly join: JoinOptions;
  readonly recoverable: boolean;
  readonly positioned: boolean;
  /** The client asked to recover (and may). */
  readonly recovering: boolean;
  readonly rejectUnrecovered: boolean;
}

function flag(request: Readonly<Record<string, unknown>>, name: string): boolean {
  return request[name] === true;
}

/** The request's tags filter (`tf`), if any; 107 when the channel does not allow one or it is malformed. */
function tagsFilter(resolved: ResolvedChannel, request: Readonly<Record<string, unknown>>): TagsFilter | undefined {
  const tf = request['tf'];
  if (tf === undefined || tf === null) return undefined;
  if (!resolved.options.allow_tags_filter) throw new ReplyError(Errors.badRequest, 'tags filter not allowed in this channel');
  try {
    return parseTagsFilter(tf);
  } catch (err) {
    if (err instanceof TagsFilterError) throw new ReplyError(Errors.badRequest, `invalid tags filter: ${err.message}`);
    throw err;
  }
}

/**
 * Grants what the request asks for and the channel allows. Asks the client is
 * not entitled to are ignored, as Centrifugo does; an unknown delta type, or
 * a tags filter the channel does not allow or that is malformed, is 107. A
 * filtered subscription gets no delta (the SDK never asks for both): a delta
 * patch is made against the stream's previous publication, which a filter
 * may have withheld.
 */
export function grant(
  rules: ChannelRules,
  resolved: ResolvedChannel,
  user: string,
  request: Readonly<Record<string, unknown>>,
  recoveryLimit: number,
  chanInfo?: string,
): Granted {
  const o = resolved.options;
  const history = rules.history(resolved) !== undefined;
  // A subscriber is subscribed for the purpose of subscriber-only read permissions.
  const mayHistory = rules.mayReadHistory(resolved, user, true);
  const recoverable = history && (o.force_recovery || (flag(request, 'recoverable') && (o.allow_recovery || mayHistory)));
  const positioned = recoverable || (history && (o.force_positioning || (flag(request, 'positioned') && (o.allow_positioning || mayHistory))));
  const recovering = recoverable && flag(request, 'recover');
  const deltaAsk = request['delta'];
  if (deltaAsk !== undefined && deltaAsk !== '' && deltaAsk !== 'fossil') throw new ReplyError(Errors.badRequest, 'unknown delta type');
  const filter = tagsFilter(resolved, request);
  const delta = deltaAsk === 'fossil' && o.allowed_delta_types.includes('fossil') && filter === undefined;
  const joinLeave = o.join_leave && (o.force_push_join_leave || (flag(request, 'join_leave') && rules.mayReadPresence(resolved, user, true)));
  const offset = typeof request['offset'] === 'number' ? request['offset'] : 0;
  const epoch = typeof request['epoch'] === 'string' ? request['epoch'] : '';
  const flags = typeof request['flag'] === 'number' ? request['flag'] : 0;
  return {
    join: {
      positioned,
      ...(recovering ? { recover: { offset, epoch } } : {}),
      ...(o.force_recovery_mode === 'cache' ? { cache: true } : {}),
      recoveryLimit,
      delta,
      joinLeave,
      announce: o.presence || o.join_leave,
      presence: o.presence,
      ...(chanInfo !== undefined ? { chanInfo } : {}),
      ...(filter ? { filter } : {}),
    },
    recoverable,
    positioned,
    recovering,
    rejectUnrecovered: (flags & REJECT_UNRECOVERED_FLAG) !== 0,
  };
}

/** A publication from history as JSON, for plain or (with `delta`) delta subscribers. */
export function publicationJson(p: Publication, delta = false): string {
  return delta ? encodeDeltaPublication(p) : encodePublication(p);
}

/**
 * The SubscribeResult JSON. With recovery, `offset` is the client's own offset
 * when recovered (the SDK advances through the publications), the top otherwise.
 */
export function subscribeResult(
  granted: Granted,
  outcome: JoinOutcome | null,
  extra: Readonly<Record<string, unknown>> = {},
  protocol: ProtocolType = 'json',
): string {
  // Only the JSON protocol carries delta-subscription data as a JSON string; Protobuf recovered publications are plain bytes.
  const jsonDelta = Boolean(granted.join.delta) && protocol === 'json';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(extra)) parts.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
  if (granted.recoverable) parts.push('"recoverable":true');
  if (granted.positioned) parts.push('"positioned":true');
  if (outcome && granted.positioned) {
    const recovered = granted.recovering && outcome.recovered === true;
    const offset = recovered ? granted.join.recover!.offset : outcome.top.offset;
    parts.push(`"epoch":${JSON.stringify(outcome.top.epoch)}`, `"offset":${offset}`);
    if (granted.recovering) {
      parts.push('"was_recovering":true');
      if (recovered) parts.push('"recovered":true');
      const filter = granted.join.filter;
      // A filtered subscriber recovers only the publications its filter passes, as it receives live ones.
      const publications = filter ? outcome.publications.filter((p) => matchTags(filter, p.tags)) : outcome.publications;
      if (publications.length > 0) {
        parts.push(`"publications":[${publications.map((p) => publicationJson(p, jsonDelta)).join(',')}]`);
      }
    }
  }
  if (granted.join.delta) parts.push('"delta":true');
  return `{${parts.join(',')}}`;
}

/** Whether a join ended a recovery that failed (for the reject-unrecovered flag). */
export function recoveryFailed(granted: Granted, outcome: JoinOutcome | null): boolean {
  return granted.recovering && outcome !== null && outcome.recovered !== true;
}

