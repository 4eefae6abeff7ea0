/**
 * dist/ runs on its own: a copy of the built server (dist/src with
 * package.json and the installed dependencies, no src/) starts with the Redis
 * engine, whose Lua scripts the build ships, and publishes with history.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { callApi } from './helpers/api';
import { REPO_ROOT } from './helpers/config';
import { redisEngine, skipWithoutRedis, startNode, uniquePrefix, type ChildNode } from './helpers/redis';

let dir = '';
let node: ChildNode | null = null;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-dist-'));
  cpSync(join(REPO_ROOT, 'dist', 'src'), join(dir, 'dist', 'src'), { recursive: true });
  cpSync(join(REPO_ROOT, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
});

after(async () => {
  await node?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a copy of dist/ serves with the Redis engine: the Lua scripts ship with the build', { skip: skipWithoutRedis }, async () => {
  node = await startNode(
    { engine: redisEngine(uniquePrefix('dist')), channel: { without_namespace: { history_size: 10, history_ttl: '60s' } } },
    join(dir, 'dist', 'src', 'cli.js'),
  );
  const first = await callApi(node.apiUrl, 'publish', { channel: 'standalone', data: { n: 1 } });
  const second = await callApi(node.apiUrl, 'publish', { channel: 'standalone', data: { n: 2 } });
  assert.equal((first.body.result as { offset: number }).offset, 1, first.text);
  assert.equal((second.body.result as { offset: number }).offset, 2, second.text);
  const history = await callApi(node.apiUrl, 'history', { channel: 'standalone', limit: 10 });
  assert.deepEqual((history.body.result as { publications: { data: unknown }[] }).publications.map((p) => p.data), [{ n: 1 }, { n: 2 }]);
});
