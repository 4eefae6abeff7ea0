/**
 * The soak's private redis-server: a free loopback port, its own data
 * directory, and persistence strong enough that a restart loses no
 * acknowledged publication (append-only file, fsync on every write).
 * Restarted by PID: SIGTERM, wait for the exit, start again on the same port
 * and directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How long redis-server may take to say it is ready, ms. */
const READY_TIMEOUT_MS = 15_000;

/** A free TCP port on 127.0.0.1, from the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** One private redis-server process (restartable). */
export class PrivateRedis {
  private child: ChildProcess | null = null;

  private constructor(
    /** Its port on 127.0.0.1. */
    readonly port: number,
    /** Its data directory (the append-only file lives here). */
    readonly dir: string,
  ) {}

  /** Starts a redis-server on a free port with a fresh data directory. */
  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort(), mkdtempSync(join(tmpdir(), 'switchyard-soak-redis-')));
    await redis.launch();
    return redis;
  }

  /** `redis://127.0.0.1:<port>`. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** PID of the running redis-server, 0 when stopped. */
  get pid(): number {
    return this.child?.pid ?? 0;
  }

  /** SIGTERM (Redis flushes its append-only file and exits), then start again on the same port and directory; resolves with the downtime, ms. */
  async restart(): Promise<number> {
    const began = Date.now();
    await this.stop();
    await this.launch();
    return Date.now() - began;
  }

  /** Stops it with SIGTERM and waits for the exit. */
  async stop(): Promise<void> {
    const proc = this.child;
    this.child = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    process.kill(proc.pid!, 'SIGTERM');
    await exited;
  }

  /** Stops it and removes its data directory. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', this.dir];
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = proc;
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server on port ${this.port} not ready after ${READY_TIMEOUT_MS} ms: ${out}`)), READY_TIMEOUT_MS);
      const settle = (err?: Error): void => {
        clearTimeout(timer);
        proc.stdout!.removeAllListeners('data');
        if (err) reject(err);
        else resolve();
      };
      proc.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Ready to accept connections')) settle();
      });
      proc.once('exit', (code) => settle(new Error(`redis-server exited with ${code}: ${out}`)));
    });
    proc.stdout!.resume();
    proc.stderr!.resume();
  }
}
