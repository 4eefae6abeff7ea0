/**
 * One running native load generator (`loadgen --serve`) as the benchmark
 * sees it: started for one server and workload, it connects the subscribers
 * and the publisher's HTTP connections, then answers one step command at a
 * time with one JSON line (messages.ts). It runs in its own process, so its
 * CPU is apart from the benchmark's and the server's.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { OutputLine, ReadyLine, StepCommand, StepLine } from './messages';
import { stepCommandLine } from './messages';

/** What the process connects to and how. */
export interface NativeOptions {
  readonly binary: string;
  readonly wsUrl: string;
  /** `http://127.0.0.1:port/api`. */
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly subscribers: number;
  readonly channels: number;
  /** Channel c is named prefix + c (the fan-out workloads use "bench-"). */
  readonly channelPrefix: string;
  readonly payloadBytes: number;
  /** Receiver threads. */
  readonly receivers: number;
  /** Keep-alive HTTP connections of the publisher. */
  readonly httpConnections: number;
  /** Unacknowledged publications before bursts are skipped. */
  readonly maxInFlight: number;
  /** A due publication waits for an idle API connection instead of being pipelined (`--no-pipelining`). */
  readonly noPipelining?: boolean;
  /** The niceness every thread runs at (`--nice`, -20..19); undefined: the one it inherits. */
  readonly nice?: number;
}

/** How long a step may take beyond its own timing before the process is considered stuck, ms. */
const STEP_SLACK_MS = 30_000;
/** How long connecting may take, ms. */
const CONNECT_TIMEOUT_MS = 60_000;
/** How long the process may take to exit after `quit`, ms. */
const EXIT_TIMEOUT_MS = 10_000;
/** Lines of stderr kept for error messages. */
const STDERR_LINES = 20;

/** A started `loadgen --serve`. */
export class NativeProcess {
  /** Lines nobody asked for yet, and those waiting for a line. */
  private readonly unread: OutputLine[] = [];
  private readonly waiting: ((line: OutputLine | Error) => void)[] = [];
  private readonly stderr: string[] = [];
  private failure: Error | null = null;
  private busy = false;
  private opened: ReadyLine | null = null;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (text) => this.receive(text));
    createInterface({ input: child.stderr }).on('line', (text) => {
      this.stderr.push(text);
      if (this.stderr.length > STDERR_LINES) this.stderr.shift();
    });
    child.stdin.on('error', () => undefined); // a dead process shows up as its exit
    child.on('error', (err) => this.fail(new Error(`native load generator: ${err.message}`)));
    child.on('exit', (code, signal) => {
      const tail = this.stderr.length ? `: ${this.stderr.join(' | ')}` : '';
      this.fail(new Error(`native load generator exited (${signal ?? `code ${code}`})${tail}`));
    });
  }

  /** Starts the process and resolves once every subscriber is connected; rejects (and stops it) if any failed. */
  static async start(options: NativeOptions): Promise<NativeProcess> {
    const args = [
      '--serve',
      `--url=${options.wsUrl}`,
      `--api=${options.apiUrl}`,
      `--key=${options.apiKey}`,
      `--subscribers=${options.subscribers}`,
      `--channels=${options.channels}`,
      `--channel-prefix=${options.channelPrefix}`,
      `--payload=${options.payloadBytes}`,
      `--receivers=${options.receivers}`,
      `--http-connections=${options.httpConnections}`,
      `--max-in-flight=${options.maxInFlight}`,
      ...(options.noPipelining ? ['--no-pipelining'] : []),
      ...(options.nice !== undefined ? [`--nice=${options.nice}`] : []),
    ];
    const started = new NativeProcess(spawn(options.binary, args, { stdio: ['pipe', 'pipe', 'pipe'] }));
    const line = await withTimeout(started.next(), CONNECT_TIMEOUT_MS, 'the native load generator did not finish connecting');
    if (line instanceof Error || line.type !== 'ready') {
      await started.stop();
      throw line instanceof Error ? line : new Error(`native load generator: ${line.type === 'error' ? line.message : 'unexpected first line'}`);
    }
    started.opened = line;
    if (line.failed > 0) {
      await started.stop();
      throw new Error(`${line.failed} of ${options.subscribers} connections failed: ${line.errors.join('; ')}`);
    }
    return started;
  }

  /** How connecting went. */
  get ready(): ReadyLine {
    if (!this.opened) throw new Error('native load generator: not connected');
    return this.opened;
  }

  /** Runs one step; resolves with its line. `budgetMs` bounds how long it may take. */
  async step(command: StepCommand, budgetMs: number): Promise<StepLine> {
    if (this.busy) throw new Error('native load generator: one step at a time');
    this.busy = true;
    try {
      const answer = this.next();
      this.child.stdin.write(stepCommandLine(command));
      const line = await withTimeout(answer, budgetMs + STEP_SLACK_MS, 'the native load generator did not answer a step');
      if (line instanceof Error) throw line;
      if (line.type === 'error') throw new Error(`native load generator: ${line.message}`);
      if (line.type !== 'step') throw new Error(`native load generator: unexpected ${line.type} line`);
      return line;
    } finally {
      this.busy = false;
    }
  }

  /** Closes every connection and ends the process (killed if it does not exit in time). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end('quit\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), EXIT_TIMEOUT_MS);
    await gone;
    clearTimeout(timer);
  }

  /** The next line (or why there will be none). */
  private next(): Promise<OutputLine | Error> {
    const line = this.unread.shift();
    if (line) return Promise.resolve(line);
    if (this.failure) return Promise.resolve(this.failure);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private receive(text: string): void {
    let line: OutputLine;
    try {
      line = JSON.parse(text) as OutputLine;
    } catch {
      this.stderr.push(`stdout: ${text}`);
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter) waiter(line);
    else this.unread.push(line);
  }

  private fail(err: Error): void {
    this.failure = this.failure ?? err;
    for (const waiter of this.waiting.splice(0)) waiter(err);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T | Error> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(new Error(`${message} within ${Math.round(ms / 1000)} s`)), ms);
    void promise.then((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}
