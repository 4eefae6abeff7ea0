/**
 * Builds the native load generator (bench/native/c/*.c) with the system C
 * compiler on first use, into bench/native/build/ (git-ignored): again
 * whenever a source file is newer than the binary. No downloads, no build
 * system: one `cc -O2` call. `CC` picks another compiler.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';

/** bench/native in the source tree (this file runs from dist/bench/native). */
const NATIVE_DIR = path.join(__dirname, '..', '..', '..', 'bench', 'native');
/** The C sources and headers. */
export const NATIVE_SOURCE_DIR = path.join(NATIVE_DIR, 'c');
/** Where the binary goes. */
export const NATIVE_BUILD_DIR = path.join(NATIVE_DIR, 'build');
/** The binary. */
export const NATIVE_BINARY = path.join(NATIVE_BUILD_DIR, 'loadgen');
/** Compiler flags: optimized, every warning, threads, libm. */
const FLAGS = ['-O2', '-Wall', '-Wextra', '-pthread'];

/** Newest modification time of the sources, ms since the epoch. */
function newestSource(): { time: number; sources: string[] } {
  const files = readdirSync(NATIVE_SOURCE_DIR).filter((f) => f.endsWith('.c') || f.endsWith('.h'));
  if (files.length === 0) throw new Error(`no C sources in ${NATIVE_SOURCE_DIR}`);
  const time = Math.max(...files.map((f) => statSync(path.join(NATIVE_SOURCE_DIR, f)).mtimeMs));
  return { time, sources: files.filter((f) => f.endsWith('.c')).sort().map((f) => path.join(NATIVE_SOURCE_DIR, f)) };
}

function builtAt(): number {
  try {
    return statSync(NATIVE_BINARY).mtimeMs;
  } catch {
    return Number.NEGATIVE_INFINITY;
  }
}

/**
 * The path of an up-to-date native load generator: builds it when it is
 * missing or older than a source. Throws with the compiler's output when the
 * build fails (e.g. no C compiler).
 */
export function ensureNativeLoadgen(): string {
  const { time, sources } = newestSource();
  if (builtAt() >= time) return NATIVE_BINARY;
  mkdirSync(NATIVE_BUILD_DIR, { recursive: true });
  // Build under a private name and rename, so two benchmarks building at once never run a half-written binary.
  const partial = `${NATIVE_BINARY}.${process.pid}.tmp`;
  const compiler = process.env['CC'] || 'cc';
  try {
    execFileSync(compiler, [...FLAGS, '-o', partial, ...sources, '-lm'], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const output = err as { stderr?: Buffer; message: string };
    const detail = output.stderr?.toString().trim() || output.message;
    throw new Error(`could not build the native load generator with ${compiler} (${NATIVE_SOURCE_DIR}): ${detail}`);
  }
  renameSync(partial, NATIVE_BINARY);
  return NATIVE_BINARY;
}
