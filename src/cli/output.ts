/** What the CLI prints, and its exit codes. Only stdout and stderr; the logger is for the running server. */

/** Exit codes of `switchyard`. */
export const Exit = Object.freeze({
  /** Done. */
  ok: 0,
  /** The server could not start, or a file could not be written. */
  failure: 1,
  /** Invalid configuration, or a command line that makes no sense. */
  usage: 2,
});

/** Writes a line to stdout. */
export function say(line: string): void {
  process.stdout.write(line.endsWith('\n') ? line : `${line}\n`);
}

/** Writes `switchyard: <message>` to stderr. */
export function complain(message: string): void {
  process.stderr.write(`switchyard: ${message}\n`);
}

/** Writes a title and one indented line per error to stderr, e.g. every config problem. */
export function complainAll(title: string, errors: readonly string[]): void {
  const noun = errors.length === 1 ? 'error' : 'errors';
  complain(`${title} (${errors.length} ${noun}):\n${errors.map((e) => `  - ${e}`).join('\n')}`);
}

/** Reports a command line that makes no sense, with a pointer to --help; returns Exit.usage. */
export function usageError(message: string): number {
  complain(`${message}\nRun "switchyard --help" for usage.`);
  return Exit.usage;
}
