/**
 * Real shards without a listening server: N `Shard`s of one process built in
 * this thread, each with its own memory broker (or one given), an app with
 * no native topics (every client is on a RecordingTransport, which the
 * Writer writes to itself), and an in-process outbox that hands each record to the
 * target shard on a later turn, in order (as the mailbox rings do). Clients
 * are RecordingTransports: they keep every reply they are sent and the code
 * they were closed with. Used by the unit tests of the dispatcher, the local
 * and owned channel state and the writer.
 */
import type { Broker } from '../../src/broker/broker';
import { MemoryBroker } from '../../src/broker/memory';
import { MemoryPresence } from '../../src/broker/presence-memory';
import type { PresenceManager } from '../../src/broker/presence';
import { createAuthServices } from '../../src/auth/services';
import type { TemplatedApp } from 'uWebSockets.js';
import type { Logger, LogFields } from '../../src/common/log';
import type { EncodedReply, ProtocolType, TransportName } from '../../src/protocol/names';
import { dispatchFrame } from '../../src/shards/commands/dispatcher';
import type { ClientTransport } from '../../src/shards/session/transport';
import type { Connection } from '../../src/shards/session/connection';
import { Shard } from '../../src/shards/shard';
import { testConfig } from './server';

/** One log call a shard made. */
export interface LogEntry {
  readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: LogFields | undefined;
}

/** The uWS app seam of the Writer, for clients that have no native topics: no topic has a native subscriber. */
const NO_NATIVE_TOPICS = { publish: () => true, numSubscribers: () => 0 } as unknown as TemplatedApp;

/** A transport that records what the shard writes to it. */
export class RecordingTransport implements ClientTransport {
  readonly name: TransportName = 'websocket';
  readonly unidirectional = false;
  readonly nativeTopics = false;
  readonly session = undefined;
  /** Every `send` call, each with the replies it carried. */
  readonly frames: EncodedReply[][] = [];
  /** The disconnect the shard ended the connection with, or null while open. */
  closed: { code: number; reason: string } | null = null;
  onEnd: () => void = () => undefined;

  constructor(readonly protocol: ProtocolType = 'json') {}

  subscribe(): void {
    throw new Error('not a native-topic transport');
  }
  unsubscribe(): void {
    throw new Error('not a native-topic transport');
  }
  send(replies: readonly EncodedReply[]): void {
    this.frames.push([...replies]);
  }
  bufferedAmount(): number {
    return 0;
  }
  end(code: number, reason: string): void {
    this.closed = { code, reason };
    this.onEnd();
  }
  close(): void {
    this.closed = { code: 1006, reason: 'cut' };
    this.onEnd();
  }

  /** Every reply received so far, parsed, in order. */
  replies(): Record<string, unknown>[] {
    return this.frames.flat().map((r) => JSON.parse(typeof r === 'string' ? r : new TextDecoder().decode(r)) as Record<string, unknown>);
  }
}

/** A logger that keeps what it is told. */
export function recordingLogger(entries: LogEntry[]): Logger {
  const at =
    (level: LogEntry['level']) =>
    (message: string, fields?: LogFields): void => {
      entries.push({ level, message, fields });
    };
  return { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Shards of one process in this thread. */
export interface Harness {
  readonly shards: readonly Shard[];
  readonly log: LogEntry[];
  /** Opens a client on `shard` without connecting it. */
  open(shard: number): { conn: Connection; transport: RecordingTransport };
  /** Opens a client on `shard` and sends it `connect`; resolves once the connect reply is written. */
  connect(shard: number): Promise<{ conn: Connection; transport: RecordingTransport }>;
  /** Sends one frame of commands from a client. */
  send(shard: number, conn: Connection, frame: string): void;
  /** Waits until `check` holds (polling each turn), or fails after `timeoutMs`. */
  until(check: () => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
}

/**
 * Builds `count` shards with the test config (plus `overrides`), each broker
 * from `broker(i)` and each presence manager from `presence(i)` when given.
 */
export function startShards(
  count: number,
  overrides: Record<string, unknown> = {},
  broker?: (shard: number) => Broker,
  presence?: (shard: number) => PresenceManager,
): Harness {
  const config = testConfig({ ...overrides, shards: { count } });
  const log: LogEntry[] = [];
  const logger = recordingLogger(log);
  const shards: Shard[] = [];
  let stopped = false;
  for (let id = 0; id < count; id++) {
    const outbox = {
      post(to: number, kind: number, parts: readonly Uint8Array[]): 'ok' {
        const body = Buffer.concat(parts.map((p) => Buffer.from(p)));
        // The rings deliver on a later turn, in posting order.
        setImmediate(() => {
          if (!stopped) shards[to]!.onRecord(id, kind, body);
        });
        return 'ok';
      },
    };
    shards.push(
      new Shard({
        id,
        count,
        config,
        app: NO_NATIVE_TOPICS,
        outbox,
        broker: broker?.(id) ?? new MemoryBroker(),
        presence: presence?.(id) ?? new MemoryPresence(),
        auth: createAuthServices(config),
        log: logger,
        identity: { uid: 'test-node', name: 'test' },
        bus: null,
        busTimeout: 1000,
      }),
    );
  }
  const until = async (check: () => boolean, timeoutMs = 2000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((r) => setImmediate(r));
    }
  };
  return {
    shards,
    log,
    open(shard) {
      const transport = new RecordingTransport();
      const conn = shards[shard]!.open(transport, {});
      transport.onEnd = () => shards[shard]!.onClose(conn);
      return { conn, transport };
    },
    async connect(shard) {
      const { conn, transport } = this.open(shard);
      dispatchFrame(shards[shard]!, conn, '{"id":1,"connect":{}}');
      await until(() => transport.replies().some((r) => r['id'] === 1));
      return { conn, transport };
    },
    send(shard, conn, frame) {
      dispatchFrame(shards[shard]!, conn, frame);
    },
    until,
    close() {
      stopped = true;
      for (const shard of shards) shard.stop();
    },
  };
}
