/**
 * The soak report's table of the server's V8 heaps by thread and space, at
 * the two leak-check readings, with the part of RSS outside every V8 heap
 * (RSS minus their resident memory: malloc arenas, uWS, thread stacks,
 * code), so a growth can be put on a thread, a space, or native memory.
 */
import type { ThreadHeap } from '../common/child';
import type { CollectedReading } from './server-process';

/** The spaces with a column of their own; the others are summed under "other". */
const SPACES = ['new_space', 'old_space', 'code_space', 'large_object_space'] as const;

const mib = (bytes: number): string => (bytes / 1048576).toFixed(1);

/** Resident MiB of `heap` in each of SPACES and in the rest, as table cells. */
function spaceCells(heap: ThreadHeap): string[] {
  const named = SPACES.map((name) => heap.spaces[name]?.physicalBytes ?? 0);
  const other = heap.physicalBytes - named.reduce((s, b) => s + b, 0);
  return [...named, other].map(mib);
}

/** Table rows for one reading: a row per thread, their sum, and RSS outside V8. */
function readingRows(label: string, reading: CollectedReading): string[] {
  const rows = reading.perThread.map((h) => `| ${label} | ${h.thread === 0 ? 'main (acceptor)' : `worker ${h.thread}`} | ${mib(h.usedBytes)} | ${mib(h.physicalBytes)} | ${spaceCells(h).join(' | ')} | ${mib(h.externalBytes)} |`);
  rows.push(`| ${label} | all threads | ${mib(reading.heapUsedBytes)} | ${mib(reading.heapPhysicalBytes)} | | | | | | ${mib(reading.perThread.reduce((s, h) => s + h.externalBytes, 0))} |`);
  rows.push(`| ${label} | outside V8 (RSS − resident) | | ${mib(reading.rssBytes - reading.heapPhysicalBytes)} | | | | | | |`);
  return rows;
}

/** The Markdown section; empty when the readings carry no per-thread figures (the server did not answer the collection). */
export function heapSection(afterWarmup: CollectedReading, atEnd: CollectedReading): string[] {
  if (afterWarmup.perThread.length === 0 && atEnd.perThread.length === 0) return [];
  return [
    '## Server V8 heaps by thread and space (MiB, after a garbage collection)',
    '',
    'Workers are shard threads by threadId (a restarted shard gets a new one). Resident columns by space: new, old, code, large object, other; external: ArrayBuffer and Buffer contents the heap keeps alive (malloc\'ed, part of "outside V8").',
    '',
    '| reading | thread | in use | resident | new | old | code | large object | other | external |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...readingRows('after warm-up', afterWarmup),
    ...readingRows('at the end', atEnd),
    '',
  ];
}
