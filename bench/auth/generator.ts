/**
 * The load generator of the auth benchmark, a child process: for each job
 * from the parent it opens one WebSocket per connect frame (with `concurrency`
 * in flight), sends the frame, waits for the connect reply, closes, and
 * answers the rate in connections per second.
 */
import WebSocket from 'ws';

/** Parent → generator. */
export interface GeneratorJob {
  readonly url: string;
  readonly frames: readonly string[];
  readonly concurrency: number;
}

/** Generator → parent. */
export type GeneratorAnswer = { readonly rate: number } | { readonly error: string };

/** Opens, connects and closes one client; rejects when the server answers an error or closes. */
function connectOnce(url: string, frame: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on('open', () => ws.send(frame));
    ws.on('message', (data) => {
      const text = data.toString();
      if (!text.includes('"connect":')) reject(new Error(`connect failed: ${text}`));
      ws.close();
    });
    ws.on('close', (code) => (code === 1000 || code === 1005 ? resolve() : reject(new Error(`closed with ${code}`))));
    ws.on('error', reject);
  });
}

/** Connections per second for one variant: `requests` connects with `concurrency` in flight. */
async function measure(url: string, requests: readonly string[], concurrency: number): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  const lane = async (): Promise<void> => {
    while (next < requests.length) await connectOnce(url, requests[next++]!);
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return requests.length / seconds;
}

if (require.main === module) {
  process.on('message', (job: GeneratorJob) => {
    measure(job.url, job.frames, job.concurrency).then(
      (rate) => process.send?.({ rate } satisfies GeneratorAnswer),
      (err: unknown) => process.send?.({ error: err instanceof Error ? err.message : String(err) } satisfies GeneratorAnswer),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
