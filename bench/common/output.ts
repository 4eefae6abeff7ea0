/**
 * Where benchmark results go and how a benchmark prints. Benchmarks write to
 * stdout with process.stdout.write (no console), one line per event.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** bench/results in the source tree (this file runs from dist/bench/common). */
export const RESULTS_DIR = path.join(__dirname, '..', '..', '..', 'bench', 'results');

/** Prints one line to stdout. */
export function say(line = ''): void {
  process.stdout.write(line + '\n');
}

/** Writes `files` (name → content) into `dir` (default bench/results); returns the paths relative to the cwd. */
export function writeResults(files: Readonly<Record<string, string>>, dir = RESULTS_DIR): string[] {
  mkdirSync(dir, { recursive: true });
  return Object.entries(files).map(([name, content]) => {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    return path.relative(process.cwd(), file) || file;
  });
}

/** Pretty JSON with a final newline. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}
