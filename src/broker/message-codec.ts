/**
 * What the Redis broker writes into Redis: publications in streams and on
 * PUB/SUB, join/leave events, and sync markers. Encoded publications are
 * ASCII-only JSON (non-ASCII escaped), so the byte lengths Lua counts equal
 * JavaScript string lengths.
 *
 * PUB/SUB messages on `<prefix>.client.<channel>`:
 *
 *   __p1:<offset>:<epoch>__<publication>                     publication (offset 0, epoch "" without history)
 *   __d1:<offset>:<epoch>:<n>:<previous, n chars><publication> with the previous one, for fossil deltas
 *   __j__<client info>  /  __l__<client info>                 join / leave
 *   __s:<token>__                                            sync marker of one broker instance (history reads)
 */
import type { ClientInfo } from '../protocol/json';
import type { Publication, StreamPosition } from './broker';

/** A decoded PUB/SUB message. */
export type PubSubMessage =
  | { readonly kind: 'pub'; readonly pub: Publication; readonly position: StreamPosition; readonly prev?: Publication }
  | { readonly kind: 'join' | 'leave'; readonly info: ClientInfo }
  | { readonly kind: 'sync'; readonly token: string };

interface EncodedPublication {
  readonly d: string;
  readonly i?: ClientInfo;
  readonly t?: Readonly<Record<string, string>>;
}

function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A publication (without its offset) as stored and published. */
export function encodePublication(pub: Omit<Publication, 'offset'>): string {
  const out: EncodedPublication = { d: pub.data, ...(pub.info ? { i: pub.info } : {}), ...(pub.tags ? { t: pub.tags } : {}) };
  return asciiJson(out);
}

/** The publication stored at `offset`. */
export function decodePublication(text: string, offset: number): Publication {
  const raw = JSON.parse(text) as EncodedPublication;
  return { data: raw.d, offset, ...(raw.i ? { info: raw.i } : {}), ...(raw.t ? { tags: raw.t } : {}) };
}

/** A join or leave event as published. */
export function encodeJoinLeave(kind: 'join' | 'leave', info: ClientInfo): string {
  return (kind === 'join' ? '__j__' : '__l__') + asciiJson(info);
}

/** A sync marker as published. */
export function encodeSync(token: string): string {
  return `__s:${token}__`;
}

/** A publication without history, as published (what publish.lua writes for history size 0). */
export function encodePlainMessage(payload: string): string {
  return `__p1:0:__${payload}`;
}

/**
 * Reads `<offset>:<epoch><end>` at `from` (the header after `__p1:` or `__d1:`);
 * null when malformed. Plain index scans: no regex, no copies of the body.
 */
function readPosition(text: string, from: number, end: string): { offset: number; epoch: string; next: number } | null {
  const colon = text.indexOf(':', from);
  if (colon <= from) return null;
  const stop = text.indexOf(end, colon + 1);
  if (stop < 0) return null;
  const offset = Number(text.slice(from, colon));
  if (!Number.isSafeInteger(offset) || offset < 0) return null;
  return { offset, epoch: text.slice(colon + 1, stop), next: stop + end.length };
}

/** Decodes a PUB/SUB message; null for anything this version does not know (ignored). */
export function decodeMessage(text: string): PubSubMessage | null {
  if (text.startsWith('__p1:')) {
    const at = readPosition(text, 5, '__');
    if (!at) return null;
    return { kind: 'pub', pub: decodePublication(text.slice(at.next), at.offset), position: { offset: at.offset, epoch: at.epoch } };
  }
  if (text.startsWith('__d1:')) {
    const at = readPosition(text, 5, ':');
    if (!at) return null;
    const lengthEnd = text.indexOf(':', at.next);
    const prevLength = lengthEnd > at.next ? Number(text.slice(at.next, lengthEnd)) : Number.NaN;
    if (!Number.isSafeInteger(prevLength) || prevLength < 0) return null;
    const start = lengthEnd + 1;
    const prev = decodePublication(text.slice(start, start + prevLength), at.offset - 1);
    const pub = decodePublication(text.slice(start + prevLength), at.offset);
    return { kind: 'pub', pub, position: { offset: at.offset, epoch: at.epoch }, prev };
  }
  if (text.startsWith('__j__') || text.startsWith('__l__')) {
    return { kind: text[2] === 'j' ? 'join' : 'leave', info: JSON.parse(text.slice(5)) as ClientInfo };
  }
  if (text.startsWith('__s:') && text.endsWith('__')) return { kind: 'sync', token: text.slice(4, -2) };
  return null;
}
