#!/usr/bin/env node
/**
 * Build step after `tsc`: copies the files the server reads at run time and
 * tsc does not emit (the Redis Lua scripts, and any other non-TypeScript file
 * under src/) into dist/src/, at the same relative paths, so dist/ runs on
 * its own.
 */
'use strict';
const { copyFileSync, mkdirSync, readdirSync, statSync } = require('node:fs');
const { dirname, join, relative } = require('node:path');

const root = join(__dirname, '..');
const from = join(root, 'src');
const to = join(root, 'dist', 'src');

/** Files tsc handles (sources) are left to it; everything else is an asset. */
function isAsset(name) {
  return !name.endsWith('.ts');
}

function copyAssets(dir) {
  let count = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      count += copyAssets(path);
    } else if (isAsset(name)) {
      const target = join(to, relative(from, path));
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(path, target);
      count++;
    }
  }
  return count;
}

copyAssets(from);
