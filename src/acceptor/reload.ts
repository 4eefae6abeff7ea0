/**
 * Reload (SIGHUP, `switchyard reload`): read the config again from the same
 * sources the start read (the loader the server was started with), validate
 * it fully, and apply it to every shard without dropping a connection.
 *
 * An invalid config changes nothing: every error is logged with its key path
 * and the server keeps serving the running config. Restart-only keys
 * (restart-keys.ts) keep their running values and are logged as "needs a
 * restart". Reloads never overlap: a signal during a reload runs one more
 * reload after it.
 */
import { configureLog, type Logger } from '../common/log';
import { ConfigError } from '../config/errors';
import type { LoadResult } from '../config/load';
import { changedKeys, keepRestartKeys, restartChanges } from '../config/restart-keys';
import type { Config } from '../config/types';
import type { ReconfigureResult } from './supervisor';
import { warningLines } from '../config/centrifugo/classify';
import { insecureSettings } from '../config/insecure';

/** How a reload ended. */
export type ReloadOutcome =
  | { readonly status: 'applied'; readonly version: number; readonly changed: readonly string[]; readonly needsRestart: readonly string[]; readonly result: ReconfigureResult }
  | { readonly status: 'invalid'; readonly errors: readonly string[] }
  | { readonly status: 'failed'; readonly error: string };

/** What a reload acts on. */
export interface ReloadTarget {
  /** The config in force. */
  readonly config: Config;
  /** Applies a validated config on every shard (Supervisor.reconfigure). */
  apply(next: Config): Promise<ReconfigureResult>;
  /** The reload version after the last applied reload. */
  readonly version: number;
}

/** Hooks around a reload (systemd notifications). */
export interface ReloadHooks {
  started?(): Promise<void> | void;
  finished?(outcome: ReloadOutcome): Promise<void> | void;
}

/** Serializes reloads of one server. */
export class Reloader {
  private running: Promise<ReloadOutcome> | null = null;
  private queued: Promise<ReloadOutcome> | null = null;

  constructor(
    private readonly target: ReloadTarget,
    private readonly load: () => LoadResult,
    private readonly log: Logger,
    private readonly hooks: ReloadHooks = {},
  ) {}

  /** Runs a reload now, or once the running one ends (several requests meanwhile share that one). */
  request(reason: string): Promise<ReloadOutcome> {
    if (!this.running) return this.start(reason);
    this.queued ??= this.running.then(() => {
      this.queued = null;
      return this.start(reason);
    });
    return this.queued;
  }

  private start(reason: string): Promise<ReloadOutcome> {
    const run = this.run(reason).finally(() => {
      if (this.running === run) this.running = null;
    });
    this.running = run;
    return run;
  }

  private async run(reason: string): Promise<ReloadOutcome> {
    const started = Date.now();
    this.log.info('reloading configuration', { reason });
    await this.hooks.started?.();
    const outcome = await this.attempt(reason, started);
    await this.hooks.finished?.(outcome);
    return outcome;
  }

  private async attempt(reason: string, started: number): Promise<ReloadOutcome> {
    let loaded: LoadResult;
    try {
      loaded = this.load();
    } catch (err) {
      if (!(err instanceof ConfigError)) return this.failed(reason, err);
      for (const e of err.errors) this.log.error('reload: invalid configuration', { error: e });
      this.log.error('configuration not reloaded: the running configuration stays in force', { reason, errors: err.errors.length });
      return { status: 'invalid', errors: err.errors };
    }
    for (const line of warningLines(loaded.warnings)) this.log[line.level](`reload: ${line.message}`);
    const running = this.target.config;
    const needsRestart = restartChanges(running, loaded.config);
    if (needsRestart.length > 0) {
      this.log.warn('reload: these keys need a restart; they keep their running values', { keys: needsRestart });
    }
    const next = keepRestartKeys(running, loaded.config);
    const changed = changedKeys(running, next);
    try {
      configureLog({ level: next.log.level, format: next.log.format, file: next.log.file });
    } catch (err) {
      this.log.error('reload: log.file cannot be opened; logging where it did', { file: next.log.file, error: (err as Error).message });
    }
    let result: ReconfigureResult;
    try {
      result = await this.target.apply(next);
    } catch (err) {
      return this.failed(reason, err);
    }
    if (result.error !== undefined) return this.failed(reason, new Error(result.error));
    this.log.info('configuration reloaded', {
      reason,
      version: this.target.version,
      changed: changed.length > 0 ? changed : 'nothing',
      shards: result.applied.length,
      ...(result.missing.length > 0 ? { not_answering: result.missing } : {}),
      revoked_subscriptions: result.revoked,
      ms: Date.now() - started,
    });
    for (const setting of insecureSettings(next)) this.log.warn(`INSECURE: ${setting.key}: ${setting.message}`, { key: setting.key });
    return { status: 'applied', version: this.target.version, changed, needsRestart, result };
  }

  private failed(reason: string, err: unknown): ReloadOutcome {
    const error = err instanceof Error ? err.message : String(err);
    this.log.error('configuration not reloaded: the running configuration stays in force', { reason, error });
    return { status: 'failed', error };
  }
}
