/**
 * Reads the import lines of a TypeScript source tree and checks them against
 * layer rules: which top-level folders a file may import from, and no cycle
 * between files (type-only imports count: they are dependencies too).
 * Used by test/layers.test.ts on `src/` and on fixtures that break the rules.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** One relative import: the importing file, its 1-based line, and the resolved target (paths relative to the tree root). */
export interface ImportEdge {
  readonly from: string;
  readonly line: number;
  readonly to: string;
}

/**
 * The layer rules. `layers` lists groups from the bottom up: a file may import
 * files of its own group (any folder of it only when `lateral` lists it) and of
 * every group below. A group member is a top-level folder or file of the tree
 * (`common`, `cli.ts`); nested members (`shards/session`) refine their parent.
 */
export interface LayerRules {
  readonly layers: readonly (readonly string[])[];
  /** Files only the listed importers may import (e.g. the composition root). */
  readonly privateFiles?: Readonly<Record<string, readonly string[]>>;
}

/** A rule broken: where, and why. */
export interface Violation {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

const IMPORT_RE = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)(['"])(\.{1,2}\/[^'"]*)\1/gm;

function walk(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function resolveImport(fromFile: string, spec: string): string | null {
  const base = resolve(dirname(fromFile), spec);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  return null;
}

/** Every relative import of every `.ts` file under `root`, with unresolvable ones reported as violations. */
export function readImports(root: string): { edges: ImportEdge[]; unresolved: Violation[] } {
  const edges: ImportEdge[] = [];
  const unresolved: Violation[] = [];
  for (const file of walk(root, [])) {
    const text = readFileSync(file, 'utf8');
    const from = relative(root, file);
    for (const match of text.matchAll(IMPORT_RE)) {
      const line = text.slice(0, match.index).split('\n').length;
      const spec = match[2]!;
      // JSON data (package.json) is not code: it has no imports and belongs to no layer.
      if (spec.endsWith('.json')) continue;
      const target = resolveImport(file, spec);
      if (target === null) unresolved.push({ file: from, line, message: `cannot resolve import '${spec}'` });
      else edges.push({ from, line, to: relative(root, target) });
    }
  }
  return { edges, unresolved };
}

/** The most specific layer member that contains `file` (`shards/session` before `shards`), or null. */
function memberOf(file: string, members: readonly string[]): string | null {
  let best: string | null = null;
  for (const m of members) {
    if ((file === m || file.startsWith(`${m}/`)) && (best === null || m.length > best.length)) best = m;
  }
  return best;
}

/** Violations of the layer rules, one per offending import line. */
export function layerViolations(edges: readonly ImportEdge[], rules: LayerRules): Violation[] {
  const rank = new Map<string, number>();
  rules.layers.forEach((group, i) => group.forEach((m) => rank.set(m, i)));
  const members = [...rank.keys()];
  const out: Violation[] = [];
  for (const e of edges) {
    const a = memberOf(e.from, members);
    const b = memberOf(e.to, members);
    if (a === null) {
      out.push({ file: e.from, line: e.line, message: 'file is in no layer' });
      continue;
    }
    if (b === null) {
      out.push({ file: e.from, line: e.line, message: `imports ${e.to}, which is in no layer` });
      continue;
    }
    const allowedBy = rules.privateFiles?.[e.to];
    if (allowedBy && !allowedBy.some((p) => e.from === p || e.from.startsWith(`${p}/`))) {
      out.push({ file: e.from, line: e.line, message: `imports ${e.to}, which only ${allowedBy.join(', ')} may import` });
    }
    if (a === b || b.startsWith(`${a}/`) || a.startsWith(`${b}/`)) continue;
    const ra = rank.get(a)!;
    const rb = rank.get(b)!;
    if (rb > ra) out.push({ file: e.from, line: e.line, message: `imports ${e.to}: ${a} (layer ${ra}) may not import upward from ${b} (layer ${rb})` });
    else if (rb === ra) out.push({ file: e.from, line: e.line, message: `imports ${e.to}: ${a} and ${b} are side by side in one layer` });
  }
  return out;
}

/** Every import cycle between files, each reported once at the import that closes it. */
export function cycleViolations(edges: readonly ImportEdge[]): Violation[] {
  const next = new Map<string, ImportEdge[]>();
  for (const e of edges) {
    const list = next.get(e.from) ?? [];
    list.push(e);
    next.set(e.from, list);
  }
  const state = new Map<string, 1 | 2>(); // 1 on the stack, 2 done
  const stack: string[] = [];
  const out: Violation[] = [];
  const visit = (file: string): void => {
    state.set(file, 1);
    stack.push(file);
    for (const e of next.get(file) ?? []) {
      const s = state.get(e.to);
      if (s === 1) {
        const cycle = stack.slice(stack.indexOf(e.to));
        out.push({ file: e.from, line: e.line, message: `import cycle: ${[...cycle, e.to].join(' → ')}` });
      } else if (s === undefined) visit(e.to);
    }
    stack.pop();
    state.set(file, 2);
  };
  for (const file of [...next.keys()].sort()) if (!state.has(file)) visit(file);
  return out;
}

/** Everything wrong with a tree: unresolvable imports, layer violations and cycles, as `file:line message` lines. */
export function checkTree(root: string, rules: LayerRules): string[] {
  const { edges, unresolved } = readImports(root);
  return [...unresolved, ...layerViolations(edges, rules), ...cycleViolations(edges)].map((v) => `${v.file}:${v.line} ${v.message}`);
}
