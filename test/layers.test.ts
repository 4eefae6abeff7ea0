/**
 * The layout of src/ as a test: imports point one way between the parts
 * (docs/architecture.md, "Layout"), no two files import each other even
 * through others, and only the worker entry builds a Shard. A fixture tree
 * shows that the check fails on an upward import and on a cycle, naming the
 * file and the line.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from './helpers/config';
import { checkTree, type LayerRules } from './helpers/import-graph';

/** src/'s layers, bottom up (docs/architecture.md). */
export const SRC_LAYERS: LayerRules = {
  layers: [
    ['common'],
    ['protocol'],
    ['config'],
    ['mailbox', 'broker', 'auth', 'consumers', 'metrics'],
    ['shards'],
    ['http'],
    ['transports', 'api'],
    ['admin'],
    ['worker'],
    ['acceptor'],
    ['cli'],
    ['cli.ts'],
  ],
  privateFiles: { 'shards/shard.ts': ['worker/main.ts'] },
};

test('src/ imports follow the layers and form no cycle', () => {
  const problems = checkTree(join(REPO_ROOT, 'src'), SRC_LAYERS);
  assert.deepEqual(problems, [], `\n${problems.join('\n')}`);
});

test('the check names the file and line of an upward import and of a cycle', () => {
  const root = mkdtempSync(join(tmpdir(), 'switchyard-layers-'));
  const write = (file: string, text: string): void => {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  };
  try {
    write('common/log.ts', "// a leaf\nimport { VERSION } from '../shards/shard';\nexport const x = VERSION;\n");
    write('shards/shard.ts', "export const VERSION = '1';\n");
    write('shards/a.ts', "import type { B } from './b';\nexport type A = B;\n");
    write('shards/b.ts', "export type B = 1;\n\nimport type { A } from './a';\nexport type C = A;\n");
    write('api/use.ts', "import { VERSION } from '../shards/shard';\nexport const y = VERSION;\n");
    const problems = checkTree(root, SRC_LAYERS);
    assert.ok(problems.includes('common/log.ts:2 imports shards/shard.ts: common (layer 0) may not import upward from shards (layer 4)'), problems.join('\n'));
    assert.ok(problems.includes('api/use.ts:1 imports shards/shard.ts, which only worker/main.ts may import'), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('shards/b.ts:3 import cycle: shards/a.ts → shards/b.ts → shards/a.ts')), problems.join('\n'));
    assert.equal(problems.length, 4, problems.join('\n'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
