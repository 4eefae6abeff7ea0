/**
 * The one publication size limit (`channel.publication_size_limit`): how a
 * publication's size is counted, the check every publication passes before
 * it goes anywhere (Shard.publish, and the server API's broadcast up front),
 * and what follows from it for the transports that carry publications.
 */
import { Errors } from './codes';
import { ReplyError, type WireError } from './errors';
import { isBinaryPayload } from './payload';

/** Start of the message of the error 107 that refuses a publication over the limit (the HTTP API answers it with 413). */
export const PUBLICATION_TOO_LARGE = 'publication too large';

/** Bytes of envelope (method, channel, tags, options) the server HTTP API allows around a publication's data. */
export const API_ENVELOPE_BYTES = 64 * 1024;

/**
 * Bytes of a publication's data, from its carrier (payload.ts): the UTF-8
 * length of its JSON text, or the decoded length of a binary payload.
 */
export function publicationBytes(carrier: string): number {
  if (!isBinaryPayload(carrier)) return Buffer.byteLength(carrier, 'utf8');
  const base64 = carrier.length - 1;
  const padding = carrier.endsWith('==') ? 2 : carrier.endsWith('=') ? 1 : 0;
  return Math.floor((base64 * 3) / 4) - padding;
}

/** Throws error 107 `publication too large: …` when the data is over `limit` bytes. */
export function checkPublicationSize(carrier: string, limit: number): void {
  // UTF-8 takes at most 3 bytes per UTF-16 unit: short carriers need no count.
  if (carrier.length * 3 <= limit) return;
  const bytes = publicationBytes(carrier);
  if (bytes > limit) {
    throw new ReplyError(Errors.badRequest, `${PUBLICATION_TOO_LARGE}: ${bytes} bytes, the limit is ${limit} (channel.publication_size_limit)`);
  }
}

/** Whether an error (as a method outcome carries it) is the refusal of checkPublicationSize. */
export function isPublicationTooLarge(error: WireError): boolean {
  return error.code === Errors.badRequest.code && error.message.startsWith(PUBLICATION_TOO_LARGE);
}

/** Largest server HTTP API body, bytes: a publication of `limit` bytes sent as base64 (4/3 of it) plus the envelope. */
export function apiBodyLimit(limit: number): number {
  return Math.ceil((limit * 4) / 3) + API_ENVELOPE_BYTES;
}

/**
 * The most bytes one publication frame to a subscriber can take for a
 * publication of `limit` bytes: twice the data (a JSON string of binary or
 * delta data can double in escaping), plus the envelope.
 */
export function largestPublicationFrame(limit: number): number {
  return 2 * limit + API_ENVELOPE_BYTES;
}
