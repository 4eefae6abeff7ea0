/**
 * Reads V8 heap snapshots (`.heapsnapshot`, as `v8.writeHeapSnapshot` writes
 * them) and says what grew between two of them, per unit of work (a
 * connection, a channel): objects and self bytes by kind (V8's node type
 * and constructor or internal name), and by kind and what holds them (the
 * first object found pointing at each, with the property it uses). Used by
 * `bench:idle-heap` (bench/idle/heap.ts).
 */
import { readFileSync } from 'node:fs';

/** Objects and their self bytes. */
export interface HeapGroup {
  count: number;
  bytes: number;
}

/** A snapshot summed by kind, and by kind and holder. */
export interface HeapSummary {
  /** Key: `<type> <name>`, e.g. `object Connection`, `array (object elements)`; strings, numbers and code by type only. */
  readonly byKind: Map<string, HeapGroup>;
  /** Key: `<kind> ← <holder's name>.<property>` (`[]` for elements and internal slots). */
  readonly byHolder: Map<string, HeapGroup>;
  /** Self bytes of every node. */
  readonly totalBytes: number;
}

/** One kind's growth per unit of work. */
export interface HeapGrowth {
  readonly key: string;
  /** Objects per unit (may be fractional or negative). */
  readonly countPerUnit: number;
  /** Self bytes per unit. */
  readonly bytesPerUnit: number;
}

interface SnapshotJson {
  readonly snapshot: { readonly meta: { readonly node_fields: string[]; readonly node_types: [string[]]; readonly edge_fields: string[]; readonly edge_types: [string[]] } };
  readonly nodes: number[];
  readonly edges: number[];
  readonly strings: string[];
}

/** Node types whose names are values (a string's text, a number's digits), not kinds. */
const VALUE_TYPES = new Set(['string', 'concatenated string', 'sliced string', 'number', 'code', 'closure', 'regexp']);

function kindOf(type: string, name: string): string {
  return VALUE_TYPES.has(type) ? type : `${type} ${name.slice(0, 60)}`;
}

/** Reads and sums one snapshot file. */
export function summarizeSnapshot(file: string): HeapSummary {
  const json = JSON.parse(readFileSync(file, 'utf8')) as SnapshotJson;
  const meta = json.snapshot.meta;
  const nodeFields = meta.node_fields.length;
  const edgeFields = meta.edge_fields.length;
  const [nodeTypes] = meta.node_types;
  const [edgeTypes] = meta.edge_types;
  const typeAt = meta.node_fields.indexOf('type');
  const nameAt = meta.node_fields.indexOf('name');
  const sizeAt = meta.node_fields.indexOf('self_size');
  const edgeCountAt = meta.node_fields.indexOf('edge_count');
  const edgeTypeAt = meta.edge_fields.indexOf('type');
  const edgeNameAt = meta.edge_fields.indexOf('name_or_index');
  const edgeToAt = meta.edge_fields.indexOf('to_node');
  const { nodes, edges, strings } = json;
  const count = nodes.length / nodeFields;
  const holder = new Int32Array(count).fill(-1);
  const holderEdge = new Array<string>(count);
  for (let node = 0, edge = 0; node < count; node++) {
    const edgeCount = nodes[node * nodeFields + edgeCountAt]!;
    for (let k = 0; k < edgeCount; k++, edge += edgeFields) {
      const edgeType = edgeTypes[edges[edge + edgeTypeAt]!];
      if (edgeType === 'weak' || edgeType === 'shortcut') continue;
      const to = edges[edge + edgeToAt]! / nodeFields;
      if (holder[to] !== -1) continue;
      holder[to] = node;
      holderEdge[to] = edgeType === 'element' || edgeType === 'hidden' ? '[]' : strings[edges[edge + edgeNameAt]!]!;
    }
  }
  const byKind = new Map<string, HeapGroup>();
  const byHolder = new Map<string, HeapGroup>();
  const add = (map: Map<string, HeapGroup>, key: string, bytes: number): void => {
    const group = map.get(key);
    if (group) {
      group.count++;
      group.bytes += bytes;
    } else {
      map.set(key, { count: 1, bytes });
    }
  };
  let totalBytes = 0;
  for (let node = 0; node < count; node++) {
    const base = node * nodeFields;
    const bytes = nodes[base + sizeAt]!;
    const kind = kindOf(nodeTypes[nodes[base + typeAt]!]!, strings[nodes[base + nameAt]!]!);
    totalBytes += bytes;
    add(byKind, kind, bytes);
    const by = holder[node]!;
    const held = by === -1 ? '(root)' : `${strings[nodes[by * nodeFields + nameAt]!]!.slice(0, 40)}.${holderEdge[node]!.slice(0, 40)}`;
    add(byHolder, `${kind} ← ${held}`, bytes);
  }
  return { byKind, byHolder, totalBytes };
}

/** Adds summaries (one per thread) into one. */
export function mergeSummaries(summaries: readonly HeapSummary[]): HeapSummary {
  const merge = (pick: (s: HeapSummary) => Map<string, HeapGroup>): Map<string, HeapGroup> => {
    const out = new Map<string, HeapGroup>();
    for (const summary of summaries) {
      for (const [key, group] of pick(summary)) {
        const sum = out.get(key) ?? { count: 0, bytes: 0 };
        sum.count += group.count;
        sum.bytes += group.bytes;
        out.set(key, sum);
      }
    }
    return out;
  };
  return { byKind: merge((s) => s.byKind), byHolder: merge((s) => s.byHolder), totalBytes: summaries.reduce((sum, s) => sum + s.totalBytes, 0) };
}

/** What each key grew by from `before` to `after`, divided by `units`, largest growth in bytes first. */
export function growthPerUnit(before: Map<string, HeapGroup>, after: Map<string, HeapGroup>, units: number): HeapGrowth[] {
  if (!(units > 0)) throw new Error(`units must be > 0 (got ${units})`);
  const keys = new Set([...before.keys(), ...after.keys()]);
  const rows: HeapGrowth[] = [];
  for (const key of keys) {
    const was = before.get(key) ?? { count: 0, bytes: 0 };
    const now = after.get(key) ?? { count: 0, bytes: 0 };
    if (was.bytes === now.bytes && was.count === now.count) continue;
    rows.push({ key, countPerUnit: (now.count - was.count) / units, bytesPerUnit: (now.bytes - was.bytes) / units });
  }
  return rows.sort((a, b) => b.bytesPerUnit - a.bytesPerUnit);
}
