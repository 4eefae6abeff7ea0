/**
 * Prints a sampling heap profile (heap-sampling-hook.ts) as bytes per
 * publication: `node dist/bench/common/heap-summary.js FILE PUBLICATIONS [TOP]`,
 * where PUBLICATIONS is how many the thread handled while it sampled (rate ×
 * seconds). Self bytes are what a function allocated itself (with what V8
 * inlined into it); inclusive bytes add its callees.
 */
import { readFileSync } from 'node:fs';
import { numberOption } from './args';

/** A node of V8's sampling heap profile. */
interface ProfileNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly selfSize: number;
  readonly children: readonly ProfileNode[];
}

/** "name file:line", the file shortened to its last two path parts. */
function frameKey(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
}

/** Self and inclusive bytes by frame; returns the subtree's bytes. */
function walk(node: ProfileNode, stack: readonly string[], self: Map<string, number>, inclusive: Map<string, number>): number {
  const key = frameKey(node);
  self.set(key, (self.get(key) ?? 0) + node.selfSize);
  let total = node.selfSize;
  for (const child of node.children) total += walk(child, [...stack, key], self, inclusive);
  // A recursive frame counts its subtree once.
  if (!stack.includes(key)) inclusive.set(key, (inclusive.get(key) ?? 0) + total);
  return total;
}

function main(): void {
  const [file, publicationsText, topText] = process.argv.slice(2);
  if (file === undefined || publicationsText === undefined) throw new Error('usage: heap-summary FILE PUBLICATIONS [TOP]');
  const publications = numberOption('publications', publicationsText, 1, 1);
  const top = Math.round(numberOption('top', topText, 25, 1));
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { head: ProfileNode };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const total = walk(profile.head, [], self, inclusive);
  const rows = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, bytes]) => `${(bytes / publications).toFixed(0).padStart(8)}  ${key}`)
      .join('\n');
  process.stdout.write(`${total} bytes sampled, ${(total / publications).toFixed(0)} per publication\n\nself bytes per publication\n${rows(self)}\n\ninclusive bytes per publication\n${rows(inclusive)}\n`);
}

try {
  main();
} catch (err) {
  process.stderr.write(`heap-summary: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
