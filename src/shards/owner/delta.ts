/**
 * Fossil deltas for delta-negotiated subscribers, made with `fossil-delta`
 * (the reference JavaScript implementation, which the centrifuge SDK's own
 * decoder matches).
 *
 * In the JSON protocol the patch travels as a JSON string, and the SDK turns
 * it back into bytes with UTF-8. A patch whose bytes are not valid UTF-8 (a
 * copy boundary inside a multi-byte character) would not survive that, so it
 * is not used; neither is one that is not smaller than the payload.
 */
import { createDelta } from 'fossil-delta';

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The fossil patch from `prev` to `next` (both JSON text) as a string, or null
 * when a full payload is as small or the patch cannot travel as text.
 */
export function encodeFossilPatch(prev: string, next: string): string | null {
  const target = utf8.encode(next);
  const patch = createDelta(utf8.encode(prev), target);
  if (patch.length >= target.length) return null;
  try {
    return strictUtf8.decode(patch);
  } catch {
    return null;
  }
}

/**
 * The fossil patch from `prev` to `next` as bytes (the Protobuf protocol
 * carries it as they are), or null when a full payload is as small.
 */
export function encodeFossilPatchBytes(prev: Uint8Array, next: Uint8Array): Uint8Array | null {
  const patch = createDelta(prev, next);
  return patch.length >= next.length ? null : Uint8Array.from(patch);
}
