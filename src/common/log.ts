/*
 * src/common/: leaf helpers every part uses: the logger, the version, the uWS
 * loader (refusing the JS fallback), small inline collections, glob patterns,
 * PEM keys and config regexes, Redis addresses. Imports nothing of the
 * project.
 */
/**
 * The one logger. Each line is either readable text,
 * `<ISO time> <LEVEL> [<scope>] <message> key=value…`, or one JSON object
 * (`time`, `level`, `scope`, `message`, then the fields), for log collectors.
 * `auto` picks text when stderr is a terminal and JSON otherwise. Lines go to
 * stderr, or are appended to a file (opened with O_APPEND, so the lines of
 * several shard threads never interleave within a line). Every thread
 * configures its own copy (configureLog); nothing in src/ prints any other way.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

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

/** How lines are written: readable text, JSON objects, or JSON unless stderr is a terminal. */
export type LogFormat = 'auto' | 'text' | 'json';

/** Where and how lines go; every field optional (unchanged when absent). */
export interface LogSettings {
  readonly level?: LogLevel;
  readonly format?: LogFormat;
  /** A file to append to; "" for stderr. */
  readonly file?: string;
}

let json = !process.stderr.isTTY;
let fileFd: number | null = null;
let filePath = '';

/** Sets the lowest level that is written. */
export function setLogLevel(level: LogLevel): void {
  threshold = LEVELS[level];
}

/**
 * Applies level, format and file. A file is (re)opened each call, so a reload
 * after log rotation writes to the new file; throws when it cannot be opened
 * (the caller reports it, and lines keep going where they went before).
 */
export function configureLog(settings: LogSettings): void {
  if (settings.level !== undefined) setLogLevel(settings.level);
  if (settings.format !== undefined) json = settings.format === 'json' || (settings.format === 'auto' && !process.stderr.isTTY);
  if (settings.file === undefined) return;
  const fd = settings.file === '' ? null : openSync(settings.file, 'a', 0o640);
  if (fileFd !== null) closeSync(fileFd);
  fileFd = fd;
  filePath = settings.file;
}

/** The file lines are appended to; "" for stderr. */
export function logFile(): string {
  return filePath;
}

function formatValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message);
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? 'undefined';
}

function textLine(level: LogLevel, scope: string, message: string, fields?: LogFields): string {
  let line = `${new Date().toISOString()} ${level.toUpperCase()} [${scope}] ${message}`;
  if (fields) {
    for (const [key, value] of Object.entries(fields)) line += ` ${key}=${formatValue(value)}`;
  }
  return line;
}

function jsonLine(level: LogLevel, scope: string, message: string, fields?: LogFields): string {
  const out: Record<string, unknown> = { time: new Date().toISOString(), level, scope, message };
  if (fields) {
    for (const [key, value] of Object.entries(fields)) {
      if (!Object.hasOwn(out, key)) out[key] = value instanceof Error ? value.message : value;
    }
  }
  return JSON.stringify(out);
}

function write(level: LogLevel, scope: string, message: string, fields?: LogFields): void {
  if (LEVELS[level] < threshold) return;
  const line = (json ? jsonLine(level, scope, message, fields) : textLine(level, scope, message, fields)) + '\n';
  if (fileFd !== null) writeSync(fileFd, line);
  else process.stderr.write(line);
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
