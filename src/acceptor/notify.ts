/**
 * systemd readiness notifications (sd_notify): `READY=1` once every shard
 * listens, `RELOADING=1` (with `MONOTONIC_USEC`) then `READY=1` around a
 * reload, `STOPPING=1` when draining, and `STATUS=` lines systemctl shows.
 *
 * The protocol is one datagram on the AF_UNIX socket named by
 * `$NOTIFY_SOCKET`. Node cannot send AF_UNIX datagrams by itself and the npm
 * bindings for it need a native build, so switchyard runs systemd's own
 * `systemd-notify` tool, which is present wherever systemd is; the unit sets
 * `NotifyAccess=all` so systemd accepts messages from that child process.
 * Messages are sent one after another, in order. Without `$NOTIFY_SOCKET`
 * (not under systemd) nothing is sent.
 */
import { execFile } from 'node:child_process';
import type { Logger } from '../common/log';

/** The tool that sends the datagram. */
export const NOTIFY_TOOL = 'systemd-notify';

/** Sends readiness states to systemd, when running under it. */
export class SystemdNotifier {
  private chain: Promise<void> = Promise.resolve();
  private warned = false;
  /** True when `$NOTIFY_SOCKET` is set. */
  readonly enabled: boolean;

  constructor(
    private readonly log: Logger,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.enabled = Boolean(env['NOTIFY_SOCKET']);
  }

  /** Every shard listens. */
  ready(status: string): Promise<void> {
    return this.send(['READY=1', `STATUS=${status}`]);
  }

  /** A reload starts (systemd ≥ 253 wants the monotonic time with it). */
  reloading(): Promise<void> {
    const usec = process.hrtime.bigint() / 1000n;
    return this.send(['RELOADING=1', `MONOTONIC_USEC=${usec}`, 'STATUS=reloading the configuration']);
  }

  /** Draining started. */
  stopping(): Promise<void> {
    return this.send(['STOPPING=1', 'STATUS=draining']);
  }

  /** Queues one notification (several `KEY=value` lines); resolves when it was handed to systemd. */
  send(lines: readonly string[]): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    this.chain = this.chain.then(() => this.run(lines));
    return this.chain;
  }

  private run(lines: readonly string[]): Promise<void> {
    return new Promise((resolve) => {
      execFile(NOTIFY_TOOL, [...lines], { env: this.env, timeout: 5_000 }, (err, _stdout, stderr) => {
        if (err && !this.warned) {
          this.warned = true;
          const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
          this.log.warn(missing ? `${NOTIFY_TOOL} not found: systemd readiness notifications are not sent` : 'systemd notification failed', {
            state: lines[0],
            error: missing ? 'ENOENT' : String(stderr).trim() || err.message,
          });
        }
        resolve();
      });
    });
  }
}
