/**
 * Go-style durations, as Centrifugo's config writes them: a sequence of
 * decimal numbers each with a unit, e.g. "25s", "1m30s", "1.5h", "500ms",
 * or a bare "0". Units: ns, us (µs), ms, s, m, h.
 */

const UNIT_MS: Readonly<Record<string, number>> = Object.freeze({
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3, // U+00B5 micro sign
  'μs': 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
});

const WHOLE = /^[-+]?(?:0|(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/;
const PART = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;

/** Largest delay Node's timers accept (2^31 - 1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Parses a duration string into milliseconds (possibly fractional, possibly
 * negative); null when the text is not a duration.
 */
export function parseDuration(text: string): number | null {
  if (!WHOLE.test(text)) return null;
  const sign = text.startsWith('-') ? -1 : 1;
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(PART)) ms += Number(amount) * (UNIT_MS[unit as string] as number);
  // Round away float noise ("0.1s" * 1000) without hiding real sub-millisecond parts.
  const rounded = Math.round(ms * 1e6) / 1e6;
  return sign * rounded;
}

/** Formats milliseconds as Go does: "500ms", "25s", "1m30s", "1h0m0s", "1.5s". */
export function formatDuration(ms: number): string {
  if (ms < 0) return '-' + formatDuration(-ms);
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}
