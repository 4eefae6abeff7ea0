/**
 * `switchyard serve [-d DIR] [-p PORT] [-a ADDRESS]`: as Centrifugo's, a
 * static file server for development (a page with the SDK next to a local
 * server). DIR defaults to `./`, PORT to 3000, ADDRESS to all interfaces.
 * GET and HEAD only; a directory serves its index.html or a listing; paths
 * never leave DIR.
 */
import { createReadStream, statSync, readdirSync, type Stats } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { parseCommandArgs } from './args';
import { Exit, complain, say, usageError } from './output';

/** Content types by extension; anything else is application/octet-stream. */
const TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
});

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(`${text}\n`);
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function listing(res: ServerResponse, dir: string, head: boolean): void {
  const entries = readdirSync(dir, { withFileTypes: true })
    .map((e) => (e.isDirectory() ? `${e.name}/` : e.name))
    .sort();
  const body = `<!doctype html>\n<meta charset="utf-8">\n<pre>\n${entries.map((n) => `<a href="${escapeHtml(encodeURIComponent(n.replace(/\/$/, '')) + (n.endsWith('/') ? '/' : ''))}">${escapeHtml(n)}</a>`).join('\n')}\n</pre>\n`;
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(head ? undefined : body);
}

function sendFile(req: IncomingMessage, res: ServerResponse, file: string, stat: Stats): void {
  const modified = stat.mtime.toUTCString();
  if (req.headers['if-modified-since'] === modified) {
    res.writeHead(304);
    res.end();
    return;
  }
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': stat.size,
    'Last-Modified': modified,
  });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
}

/** Answers one request for a file under `root` (an absolute path). */
export function serveStatic(root: string, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    plain(res, 405, 'method not allowed');
    return;
  }
  const rawPath = (req.url ?? '/').split('?')[0] as string;
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    plain(res, 400, 'bad request: malformed path');
    return;
  }
  const target = resolve(join(root, path));
  if ((target !== root && !target.startsWith(root + sep)) || path.includes('\0')) {
    plain(res, 404, 'not found');
    return;
  }
  let stat: Stats;
  try {
    stat = statSync(target);
  } catch {
    plain(res, 404, 'not found');
    return;
  }
  if (!stat.isDirectory()) return sendFile(req, res, target, stat);
  if (!rawPath.endsWith('/')) {
    res.writeHead(301, { Location: `${rawPath}/` });
    res.end();
    return;
  }
  const index = join(target, 'index.html');
  try {
    const indexStat = statSync(index);
    if (indexStat.isFile()) return sendFile(req, res, index, indexStat);
  } catch {
    // no index.html: list the directory
  }
  listing(res, target, req.method === 'HEAD');
}

/** Starts the static server; resolves once it listens (port 0 picks a free one). */
export function startStaticServer(dir: string, port: number, address: string): Promise<Server> {
  const root = resolve(dir);
  const server = createServer((req, res) => {
    try {
      serveStatic(root, req, res);
    } catch (err) {
      plain(res, 500, `internal error: ${(err as Error).message}`);
    }
  });
  return new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen({ port, ...(address !== '' ? { host: address } : {}) }, () => {
      server.off('error', reject);
      resolveListen(server);
    });
  });
}

/** Runs the static server until the process is stopped. */
export async function serve(args: readonly string[]): Promise<number | undefined> {
  const parsed = parseCommandArgs(args, { '-d': 'value', '--dir': 'value', '-p': 'value', '--port': 'value', '-a': 'value', '--address': 'value' });
  if (parsed.errors.length > 0) return usageError(parsed.errors.join('\n'));
  if (parsed.positionals.length > 0) return usageError('serve takes no arguments besides its options (the directory is -d DIR)');
  const opt = (short: string, long: string): string | undefined => parsed.options.get(long) ?? parsed.options.get(short);
  const dir = opt('-d', '--dir') ?? './';
  const portText = opt('-p', '--port') ?? '3000';
  const address = opt('-a', '--address') ?? '';
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) return usageError(`-p must be a port number (0-65535), got "${portText}"`);
  let stat: Stats;
  try {
    stat = statSync(dir);
  } catch {
    return usageError(`-d ${dir}: no such directory`);
  }
  if (!stat.isDirectory()) return usageError(`-d ${dir}: not a directory`);
  try {
    const server = await startStaticServer(dir, Number(portText), address);
    const where = server.address();
    const shown = typeof where === 'object' && where !== null ? `${address === '' ? '' : address}:${where.port}` : String(where);
    say(`start serving ${dir} on ${shown}`);
  } catch (err) {
    complain(`cannot listen on ${address}:${portText}: ${(err as Error).message}`);
    return Exit.failure;
  }
  return undefined;
}
