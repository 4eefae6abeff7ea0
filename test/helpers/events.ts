/** Waiting for SDK events in tests. */

/** Anything with `once(event, listener)`: a Centrifuge client or a Subscription. */
interface Emitter {
  once(event: string, listener: (ctx: any) => void): unknown;
}

/** Resolves with the context of the next `event`; rejects after `timeoutMs`. */
export function nextEvent(emitter: Emitter, event: string, timeoutMs = 5000): Promise<any> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} event within ${timeoutMs} ms`)), timeoutMs);
    emitter.once(event, (ctx: unknown) => {
      clearTimeout(timer);
      resolve(ctx);
    });
  });
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
