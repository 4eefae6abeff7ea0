/**
 * Requests from this shard to others (publish at the owner, server API actions
 * on every shard) and the matching of their responses. A request fails with
 * 100 (temporary) when its target does not answer within the timeout or is
 * restarted while it waits.
 */
import { Errors } from '../../protocol/codes';
import { ReplyError, replyErrorFromWire, type WireError } from '../../protocol/errors';

interface Pending {
  readonly target: number;
  readonly resolve: (result: unknown) => void;
  readonly reject: (err: ReplyError) => void;
  readonly timer: NodeJS.Timeout;
}

/** Tracks outstanding requests by request id. */
export class Requests {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  /** @param timeoutMs how long a request may wait for its response, ms. */
  constructor(private readonly timeoutMs: number) {}

  /**
   * Starts a request to `target`: `send(rid)` posts the message and returns
   * false when it could not be posted (mailbox full), which fails the request.
   */
  start<T>(target: number, send: (rid: number) => boolean): Promise<T> {
    const rid = this.nextId++;
    if (this.nextId > 0x7fffffff) this.nextId = 1;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(rid);
        reject(new ReplyError(Errors.internal, 'shard did not answer in time'));
      }, this.timeoutMs);
      this.pending.set(rid, { target, resolve: resolve as (r: unknown) => void, reject, timer });
      if (!send(rid)) {
        clearTimeout(timer);
        this.pending.delete(rid);
        reject(new ReplyError(Errors.internal, 'shard mailbox full'));
      }
    });
  }

  /** Completes a request with its response. Unknown ids (timed out) are ignored. */
  complete(rid: number, result: unknown, error: WireError | undefined): void {
    const p = this.pending.get(rid);
    if (!p) return;
    this.pending.delete(rid);
    clearTimeout(p.timer);
    if (error) p.reject(replyErrorFromWire(error));
    else p.resolve(result);
  }

  /** Fails every request waiting on `target` (it was restarted). */
  failTarget(target: number): void {
    for (const [rid, p] of this.pending) {
      if (p.target !== target) continue;
      this.pending.delete(rid);
      clearTimeout(p.timer);
      p.reject(new ReplyError(Errors.internal, 'shard restarted'));
    }
  }

  /** Fails everything (shutdown). */
  failAll(): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new ReplyError(Errors.internal, 'shutting down'));
    }
    this.pending.clear();
  }
}
