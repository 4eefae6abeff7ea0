/**
 * Waiting for a process's RSS to stop falling before the soak's leak check
 * reads it. After a slow-consumer phase the cut sockets keep their backlog
 * for uWS's close margin (12–16 s) and freed pages go back over tens of
 * seconds, so a reading at a fixed delay depends on timing. Waiting does not
 * hide a leak: an RSS that holds or rises ends the wait at once.
 */

/** RSS counts as settled once it fell by less than this fraction since the reading before. */
export const SETTLED_FALL = 0.005;

/**
 * Takes readings with `read`, `stepMs` apart (at least two, to compare),
 * until RSS fell by less than SETTLED_FALL between two or `maxMs` passed;
 * resolves with the last reading and how long the wait took, ms.
 */
export async function settledReading<R extends { readonly rssBytes: number }>(read: () => Promise<R>, stepMs: number, maxMs: number): Promise<R & { readonly settledAfterMs: number }> {
  const began = Date.now();
  let reading = await read();
  let fell = true;
  while (fell) {
    await new Promise((resolve) => setTimeout(resolve, stepMs));
    const next = await read();
    fell = reading.rssBytes - next.rssBytes > reading.rssBytes * SETTLED_FALL && Date.now() - began < maxMs;
    reading = next;
  }
  return { ...reading, settledAfterMs: Date.now() - began };
}
