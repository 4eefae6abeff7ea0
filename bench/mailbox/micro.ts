/**
 * Single-thread costs measured with tinybench: what one record costs the ring
 * itself, without any cross-thread effects, next to the msgpack encoding every
 * control message pays before it is posted.
 */
import { decode, encode, Encoder } from '@msgpack/msgpack';
import { Bench } from 'tinybench';
import { Ring } from '../../src/mailbox/ring';

/** One micro-benchmark's result. */
export interface MicroResult {
  name: string;
  /** Mean nanoseconds per operation (one record written and read, one message encoded, ...). */
  nsPerOperation: number;
  /** Relative margin of error of the mean, in percent. */
  rme: number;
  /** Timed samples (each REPEAT operations). */
  samples: number;
}

/** A control message of the size shards exchange (a subscribe forwarded to a channel's owner). */
const CONTROL_MESSAGE = { type: 3, id: 18_342, channel: 'chat:lobby', client: '4f1c2a9e-7b3d-4c55-9e1a-2d6f8b0c3e71', shard: 1 };
/** Operations per timed sample. */
const REPEAT = 64;

/** Runs every micro-benchmark for about timeMs milliseconds each. */
export async function runMicro(timeMs: number): Promise<MicroResult[]> {
  const ring = new Ring(Ring.allocate(1 << 16));
  const message = new Uint8Array(100).fill(0x61);
  const parts = [message];
  const encoded = encode(CONTROL_MESSAGE);
  const encoder = new Encoder();
  let sink = 0;
  const keep = (_kind: number, body: Uint8Array): void => {
    sink += body.length;
  };

  // Every task repeats its operation REPEAT times per sample, so the timer's own
  // cost (tens of ns per reading here) is spread over REPEAT operations.
  const tasks: { name: string; fn: () => void }[] = [
    {
      name: 'ring: tryWrite + drain, one 100-byte record at a time',
      fn: () => {
        for (let i = 0; i < REPEAT; i++) {
          ring.tryWrite(1, parts);
          ring.drain(1, keep);
        }
      },
    },
    {
      name: `ring: ${REPEAT} × tryWrite, then one drain of ${REPEAT} (100-byte records)`,
      fn: () => {
        for (let i = 0; i < REPEAT; i++) ring.tryWrite(1, parts);
        ring.drain(REPEAT, keep);
      },
    },
    {
      name: `msgpack encode() (new encoder per call), ${encoded.length}-byte control message`,
      fn: () => {
        for (let i = 0; i < REPEAT; i++) sink += encode(CONTROL_MESSAGE).length;
      },
    },
    {
      // Safe to post: post() copies the bytes before it returns.
      name: `msgpack reused Encoder.encodeSharedRef, ${encoded.length}-byte control message`,
      fn: () => {
        for (let i = 0; i < REPEAT; i++) sink += encoder.encodeSharedRef(CONTROL_MESSAGE).length;
      },
    },
    {
      name: `msgpack decode, ${encoded.length}-byte control message`,
      fn: () => {
        for (let i = 0; i < REPEAT; i++) sink += (decode(encoded) as { id: number }).id;
      },
    },
  ];

  const bench = new Bench({ time: timeMs, warmupTime: Math.min(200, timeMs / 4) });
  for (const task of tasks) bench.add(task.name, task.fn);
  await bench.run();
  if (sink === 0) throw new Error('micro benchmarks did no work');

  return tasks.map(({ name }) => {
    const result = bench.getTask(name)!.result;
    if (result.state !== 'completed') throw new Error(`micro benchmark "${name}" ended ${result.state}`);
    return {
      name,
      nsPerOperation: (result.latency.mean * 1e6) / REPEAT,
      rme: result.latency.rme,
      samples: result.latency.samplesCount,
    };
  });
}
