import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
};

/**
 * Serves the built renderer. Paths that are not files get index.html (the UI routes on its own);
 * nothing outside `root` is ever read.
 */
export async function serveStatic(
  root: string,
  req: IncomingMessage,
  res: ServerResponse,
  csp: string,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://host').pathname);
  const resolved = path.resolve(root, '.' + path.posix.normalize(pathname));
  const inside = resolved === root || resolved.startsWith(root + path.sep);
  let file = inside ? resolved : path.join(root, 'index.html');
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) file = path.join(root, 'index.html');
  const index = file.endsWith('index.html');
  const size = (await stat(file).catch(() => null))?.size;
  if (size === undefined) {
    res
      .writeHead(500, { 'content-type': 'text/plain' })
      .end(`The console UI is not built (${root} is empty). Run: npm run build:console`);
    return;
  }
  res.writeHead(200, {
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-length': size,
    // Hashed asset names can be cached; the page itself must always be fresh.
    'cache-control': index ? 'no-store' : 'public, max-age=31536000, immutable',
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file).pipe(res);
}
