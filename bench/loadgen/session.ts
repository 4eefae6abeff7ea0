/**
 * One load-generator worker's share of a session: its WebSocket connections
 * to one server, each subscribed to one channel, and what it measures in the
 * current window (an HDR histogram of latencies in µs, counters, its own
 * thread's CPU and event-loop utilization).
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { build, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';
import WebSocket from 'ws';
import { nowMs } from '../common/clock';
import { threadCpuSeconds } from '../common/proc';
import { DeltaReader } from './delta';
import { scanFrame, type LineHandlers } from './frames';
import type { LoadProtocol, OpenReport, OpenRequest, ProgressReport, WindowReport, WindowRequest } from './messages';
import { PROTOBUF_PONG, protobufHandshake, scanProtobufFrame } from './protobuf-frames';

/** How many failure reasons an open report keeps. */
const MAX_ERRORS = 5;
/** A connection that is not subscribed within this time has failed, ms. */
const HANDSHAKE_TIMEOUT_MS = 20_000;

/** A fresh latency histogram: 1 µs to an hour, 3 significant digits. */
export function latencyHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
}

interface Snapshot {
  cpu: number;
  elu: EventLoopUtilization;
}

function snapshot(): Snapshot {
  return { cpu: threadCpuSeconds(), elu: performance.eventLoopUtilization() };
}

/** The connections and measurements of one session in one worker. */
export class WorkerSession {
  private readonly sockets: WebSocket[] = [];
  private histogram = latencyHistogram();
  private from = Number.POSITIVE_INFINITY;
  private to = Number.POSITIVE_INFINITY;
  private recorded = 0;
  private receivedInWindow = 0;
  private received = 0;
  private bytesInWindow = 0;
  private wireBytesInWindow = 0;
  private unreadable = 0;
  private lastReceiveAt = 0;
  private disconnected = 0;
  private readonly closeCodes: Record<string, number> = {};
  private start: Snapshot | null = null;
  private end: Snapshot | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();

  /** Connects and subscribes every connection of the request, `concurrency` handshakes at a time. */
  async open(request: OpenRequest): Promise<OpenReport> {
    const startedAt = nowMs();
    const elu = performance.eventLoopUtilization();
    const errors: string[] = [];
    let failed = 0;
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < request.channels.length) {
        const index = next++;
        const channel = request.channels[index]!;
        try {
          this.sockets.push(await this.connect(request.url, channel, request.subscribe ?? {}, request.protocols?.[index] ?? 'json', request.deflate === true));
        } catch (err) {
          failed++;
          if (errors.length < MAX_ERRORS) errors.push((err as Error).message);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, request.concurrency) }, lane));
    return {
      connected: this.sockets.length,
      failed,
      errors,
      startedAt,
      readyAt: nowMs(),
      eventLoopUtilization: performance.eventLoopUtilization(elu).utilization,
    };
  }

  /** Resets the measurements and sets the window; CPU and event-loop readings are taken at its edges. */
  setWindow(request: WindowRequest): void {
    this.histogram = latencyHistogram();
    this.recorded = this.receivedInWindow = this.received = this.bytesInWindow = this.wireBytesInWindow = this.unreadable = 0;
    this.from = request.from;
    this.to = request.to;
    this.start = this.end = null;
    this.at(request.from, () => (this.start = snapshot()));
    this.at(request.to, () => (this.end = snapshot()));
  }

  /** Counters so far. */
  progress(): ProgressReport {
    return { recorded: this.recorded, lastReceiveAt: this.lastReceiveAt, disconnected: this.disconnected };
  }

  /** Everything measured in the window. */
  collect(): WindowReport {
    const start = this.start ?? snapshot();
    const end = this.end ?? snapshot();
    return {
      ...this.progress(),
      histogram: encodeIntoCompressedBase64(this.histogram),
      receivedInWindow: this.receivedInWindow,
      received: this.received,
      bytesInWindow: this.bytesInWindow,
      wireBytesInWindow: this.wireBytesInWindow,
      unreadable: this.unreadable,
      cpuSeconds: end.cpu - start.cpu,
      eventLoopUtilization: performance.eventLoopUtilization(end.elu, start.elu).utilization,
      closeCodes: { ...this.closeCodes },
    };
  }

  /** Closes every connection. */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const socket of this.sockets) socket.terminate();
    this.sockets.length = 0;
  }

  private at(timeMs: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, Math.max(0, timeMs - nowMs()));
    this.timers.add(timer);
  }

  private onPublication = (stampMs: number, receivedAt: number): void => {
    this.received++;
    this.lastReceiveAt = receivedAt;
    if (receivedAt >= this.from && receivedAt < this.to) this.receivedInWindow++;
    if (stampMs >= this.from && stampMs < this.to) {
      this.recorded++;
      this.histogram.recordValue(Math.max(1, Math.round((receivedAt - stampMs) * 1000)));
    }
  };

  /** Reads a delta subscription's pushes: the stamp of the rebuilt payload, NaN (counted) when a patch does not apply. */
  private deltaStamps(): NonNullable<LineHandlers['stampOf']> {
    const reader = new DeltaReader();
    return (frame, start, end) => {
      try {
        return reader.stampOf(frame, start, end);
      } catch {
        this.unreadable++;
        return Number.NaN;
      }
    };
  }

  /**
   * One connection: connect, subscribe (with the extra fields `subscribe`),
   * then count its publications and answer pings, in `protocol` (Protobuf
   * connections do not read delta subscriptions).
   */
  private connect(url: string, channel: string, subscribe: Readonly<Record<string, unknown>>, protocol: LoadProtocol, deflate: boolean): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const protobuf = protocol === 'protobuf';
      const socket = new WebSocket(url, protobuf ? ['centrifuge-protobuf'] : [], { perMessageDeflate: deflate, skipUTF8Validation: true });
      let ready = false;
      const fail = (reason: string): void => {
        if (ready) return;
        ready = true; // settled
        clearTimeout(timer);
        socket.terminate();
        reject(new Error(reason));
      };
      const timer = setTimeout(() => fail(`no subscribe reply within ${HANDSHAKE_TIMEOUT_MS} ms`), HANDSHAKE_TIMEOUT_MS);
      const handlers: LineHandlers = {
        ...(subscribe.delta ? { stampOf: this.deltaStamps() } : {}),
        onPublication: (stampMs: number) => this.onPublication(stampMs, receivedAt),
        onOther: (line: string) => {
          let reply: { id?: number; error?: { code: number; message: string }; subscribe?: unknown };
          try {
            reply = JSON.parse(line) as typeof reply;
          } catch {
            return;
          }
          if (reply.id === undefined && reply.error === undefined) {
            socket.send(protobuf ? PROTOBUF_PONG : '{}'); // the server's ping: answer with the pong
          } else if (reply.error) {
            fail(`error ${reply.error.code} ${reply.error.message}`);
          } else if (reply.id === 2 && reply.subscribe !== undefined && !ready) {
            ready = true;
            clearTimeout(timer);
            resolve(socket);
          }
        },
      };
      let receivedAt = 0;
      // Socket bytes read up to the previous message: the difference is this message's wire size (and any ping before it).
      let readBefore = 0;
      socket.on('message', (data: Buffer) => {
        receivedAt = nowMs();
        const read = (socket as unknown as { _socket?: { bytesRead: number } })._socket?.bytesRead ?? readBefore;
        if (receivedAt >= this.from && receivedAt < this.to) {
          this.bytesInWindow += data.length;
          this.wireBytesInWindow += read - readBefore;
        }
        readBefore = read;
        if (protobuf) scanProtobufFrame(data, handlers);
        else scanFrame(data, handlers);
      });
      socket.on('open', () => {
        if (protobuf) socket.send(protobufHandshake({ channel, ...subscribe }));
        else socket.send(`{"id":1,"connect":{}}\n{"id":2,"subscribe":${JSON.stringify({ channel, ...subscribe })}}`);
      });
      socket.on('error', (err) => fail(err.message));
      socket.on('close', (code) => {
        if (!ready) {
          fail(`closed with ${code} before subscribing`);
          return;
        }
        this.disconnected++;
        this.closeCodes[code] = (this.closeCodes[code] ?? 0) + 1;
      });
    });
  }
}
