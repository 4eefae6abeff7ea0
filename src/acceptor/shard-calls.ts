/**
 * Requests from the acceptor to several shards at once, answered over the
 * workers' message ports: each call has an id, waits for the answer of every
 * shard it was sent to, and settles with what arrived when the time is up
 * (a shard that crashed meanwhile never answers).
 */

/** The answers of one call, by shard index; `missing` lists the shards that did not answer in time. */
export interface CallResult<T> {
  readonly answers: Map<number, T>;
  readonly missing: number[];
}

interface Call<T> {
  readonly waiting: Set<number>;
  readonly answers: Map<number, T>;
  readonly done: (result: CallResult<T>) => void;
  readonly timer: NodeJS.Timeout;
}

/** Outstanding calls of one kind (e.g. config-prepared answers). */
export class ShardCalls<T> {
  private readonly calls = new Map<number, Call<T>>();

  /** Sends `send(shard)` to each of `shards` and resolves when all answered under `id`, or after `timeoutMs`. */
  call(id: number, shards: readonly number[], send: (shard: number) => void, timeoutMs: number): Promise<CallResult<T>> {
    return new Promise((resolve) => {
      const finish = (): void => {
        const call = this.calls.get(id);
        if (!call) return;
        clearTimeout(call.timer);
        this.calls.delete(id);
        resolve({ answers: call.answers, missing: [...call.waiting] });
      };
      const call: Call<T> = { waiting: new Set(shards), answers: new Map(), done: finish, timer: setTimeout(finish, timeoutMs) };
      this.calls.set(id, call);
      if (shards.length === 0) finish();
      for (const shard of shards) send(shard);
    });
  }

  /** Shard `shard` answered call `id` with `value`. */
  answer(id: number, shard: number, value: T): void {
    const call = this.calls.get(id);
    if (!call || !call.waiting.delete(shard)) return;
    call.answers.set(shard, value);
    if (call.waiting.size === 0) call.done({ answers: call.answers, missing: [] });
  }

  /** Shard `shard` is gone: calls stop waiting for it. */
  forget(shard: number): void {
    for (const call of [...this.calls.values()]) {
      if (call.waiting.delete(shard) && call.waiting.size === 0) call.done({ answers: call.answers, missing: [] });
    }
  }
}
