/** Reading command-line options of the benchmarks, and reporting bad ones. */

/** A command-line option that is missing, unknown or out of range: reported as its message alone, without a stack. */
export class OptionError extends Error {
  override readonly name = 'OptionError';
}

/**
 * What a benchmark prints when it fails: the message alone for a bad option
 * (OptionError, or node:util parseArgs's ERR_PARSE_ARGS_* errors), the stack
 * for anything else.
 */
export function failureText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  if (err instanceof OptionError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_'))) return err.message;
  return err.stack ?? err.message;
}

/**
 * The number given as `--name text` ("20000" or "20k"), `fallback` when not
 * given; throws naming the option when it is not a number ≥ `min`.
 */
export function numberOption(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const value = Number(text.trim().replace(/k$/i, '000'));
  if (!Number.isFinite(value) || value < min) throw new OptionError(`--${name} must be a number ≥ ${min} (got "${text}")`);
  return value;
}
