/**
 * The admin page's static files: everything under web/ (shipped in
 * dist/src/admin/web by scripts/copy-assets.js, no build step), and the
 * `centrifuge` SDK's ES module from node_modules as `vendor/centrifuge.mjs`
 * for the live tail. Nothing is loaded from another origin. Files are read
 * once, when a shard registers the routes, and served from memory.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import type { Logger } from '../common/log';

/** One file as served. */
export interface Asset {
  readonly body: Buffer;
  readonly type: string;
}

const TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
});

/** The folder of the page's files. */
export const WEB_DIR = join(__dirname, 'web');

/** The SDK's browser-ready ES module (no imports of its own). */
function sdkModule(): string {
  return join(dirname(require.resolve('centrifuge')), 'index.mjs');
}

function walk(dir: string, out: Map<string, Asset>): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      walk(path, out);
      continue;
    }
    const type = TYPES[extname(name)];
    if (type) out.set(relative(WEB_DIR, path).split(sep).join('/'), { body: readFileSync(path), type });
  }
}

/**
 * Every file of the page by its path under web/ ("index.html",
 * "views/shards.js", …) plus "vendor/centrifuge.mjs". Files that cannot be
 * read (a dist/ built without scripts/copy-assets.js) are logged and left
 * out, so the page answers 404 for them instead of the shard failing.
 */
export function loadAssets(log: Logger): ReadonlyMap<string, Asset> {
  const out = new Map<string, Asset>();
  try {
    walk(WEB_DIR, out);
    out.set('vendor/centrifuge.mjs', { body: readFileSync(sdkModule()), type: TYPES['.mjs']! });
  } catch (err) {
    log.error('admin web UI files missing: run npm run build (it copies src/admin/web into dist)', { error: (err as Error).message });
  }
  return out;
}
