/** Reading numeric command-line options of the benchmarks. */

/**
 * The number given as `--name text` ("20000" or "20k"), `fallback` when not
 * given; throws naming the option when it is not a number ≥ `min`.
 */
export function numberOption(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const value = Number(text.trim().replace(/k$/i, '000'));
  if (!Number.isFinite(value) || value < min) throw new Error(`--${name} must be a number ≥ ${min} (got "${text}")`);
  return value;
}
