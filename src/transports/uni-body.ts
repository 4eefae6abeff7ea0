/**
 * Reads a uWS request body with a size limit, for the unidirectional HTTP
 * transports' connect requests. (Temporary: to be replaced by the shared
 * HTTP body reader once it is on main.)
 */
import type { HttpResponse } from 'uWebSockets.js';

/** How reading a body ended. */
export type BodyOutcome =
  | { readonly kind: 'body'; readonly text: string }
  /** The body (or its declared Content-Length) passed the limit; nothing more is read. */
  | { readonly kind: 'too_large' }
  /** The client went away before the body was complete: the response must not be touched. */
  | { readonly kind: 'aborted' };

/**
 * Bytes of a too-large body read and dropped before answering 413. Answering
 * while the client still sends makes uWS close the connection, and many
 * clients (Node's http among them) then report a broken pipe instead of the
 * status; past this much the answer is sent anyway.
 */
const DISCARD_LIMIT = 64 * 1024 * 1024;

/**
 * Reads the body of `res` (at most `limit` bytes; a bigger one is read to its
 * end, up to DISCARD_LIMIT, and dropped). Attaches the response's
 * onAborted: before the body is complete it ends the read as 'aborted',
 * afterwards it calls `afterBody` (the response now belongs to its stream).
 * Must be called inside the request handler.
 */
export function readBody(res: HttpResponse, limit: number, afterBody: () => void, declaredLength = -1): Promise<BodyOutcome> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (outcome: BodyOutcome): void => {
      if (done) return;
      done = true;
      resolve(outcome);
    };
    res.onAborted(() => {
      if (done) afterBody();
      else finish({ kind: 'aborted' });
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = declaredLength > limit;
    res.onData((chunk, isLast) => {
      if (done) return;
      size += chunk.byteLength;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
      }
      if (tooLarge) {
        if (isLast || size > DISCARD_LIMIT) finish({ kind: 'too_large' });
        return;
      }
      // uWS neuters the chunk when the callback returns: copy it.
      chunks.push(Buffer.from(new Uint8Array(chunk)));
      if (isLast) finish({ kind: 'body', text: Buffer.concat(chunks, size).toString('utf8') });
    });
  });
}
