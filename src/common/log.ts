/*
 * src/common/: leaf helpers every part uses: the logger, the version, the uWS
 * loader (refusing the JS fallback), small inline collections, glob patterns,
 * PEM keys and config regexes, Redis addresses. Imports nothing of the
 * project.
 */
/**
 * The one logger. Lines go to stderr as `<ISO time> <LEVEL> [<scope>] <message> key=value…`,
 * which systemd's journal and a terminal both read well. Nothing in src/ prints
 * any other way.
 */
/** Log levels, from the most verbose; `none` logs nothing. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'none';

const LEVELS: Readonly<Record<LogLevel, number>> = Object.freeze({
  trace: 0,
  debug: 1,
  info: 2,
  warn: 3,
  error: 4,
  none: 5,
});

/** Structured fields appended to a log line. */
export type LogFields = Readonly<Record<string, unknown>>;

let threshold = LEVELS.info;

/** Sets the lowest level that is written. */
export function setLogLevel(level: LogLevel): void {
  threshold = LEVELS[level];
}

function formatValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message);
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? 'undefined';
}

function write(level: LogLevel, scope: string, message: string, fields?: LogFields): void {
  if (LEVELS[level] < threshold) return;
  let line = `${new Date().toISOString()} ${level.toUpperCase()} [${scope}] ${message}`;
  if (fields) {
    for (const [key, value] of Object.entries(fields)) line += ` ${key}=${formatValue(value)}`;
  }
  process.stderr.write(line + '\n');
}

/** A logger bound to one scope (e.g. `acceptor`, `shard 2`). */
export interface Logger {
  trace(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Makes a logger whose lines carry `[scope]`. */
export function createLogger(scope: string): Logger {
  return {
    trace: (m, f) => write('trace', scope, m, f),
    debug: (m, f) => write('debug', scope, m, f),
    info: (m, f) => write('info', scope, m, f),
    warn: (m, f) => write('warn', scope, m, f),
    error: (m, f) => write('error', scope, m, f),
  };
}
