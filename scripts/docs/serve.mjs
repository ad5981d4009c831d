#!/usr/bin/env node
// Serves the portal on localhost for a quick look: builds dist/docs first, then a static file server
// with no dependencies. Usage: npm run docs:serve [-- --port 8080] (PORT works too; 0 picks a free
// port), or --dir <folder> to serve an already built portal from elsewhere.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ROOT } from '../lib/description.mjs';
import { buildDocs } from './build.mjs';
import { stopWithParent } from '../../mocks/node/parent.js';

/** @import { AddressInfo } from 'node:net' */

export const DOCS_DIR = join(ROOT, 'dist/docs');

/** @type {Record<string, string>} */
const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.yaml': 'application/yaml',
};

/**
 * The file a URL path names inside `dir` (a folder's index.html for a path ending in /).
 * @param {string} dir absolute
 * @param {string} urlPath percent-encoded
 * @returns {string | null} null for a path that is malformed, leaves `dir`, or names no file
 */
function fileFor(dir, urlPath) {
  let path;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const file = resolve(dir, `.${path.endsWith('/') ? `${path}index.html` : path}`);
  if (file !== dir && !file.startsWith(dir + sep)) return null;
  return existsSync(file) && statSync(file).isFile() ? file : null;
}

/**
 * Starts the server; resolves to its URL and a close function.
 * @param {{ dir?: string, port?: number, host?: string }} [options] the built portal (default
 *   dist/docs), the port (0: a free one) and the address to listen on
 * @returns {Promise<{ url: string, close: () => Promise<void> }>} `url` ends in /
 */
export function serveDocs({ dir = DOCS_DIR, port = 0, host = '127.0.0.1' } = {}) {
  const root = resolve(dir);
  if (!existsSync(join(root, 'index.html'))) {
    return Promise.reject(new Error(`${relative(process.cwd(), root) || root}/index.html is missing: run npm run docs first`));
  }
  const server = createServer((req, res) => {
    const file = req.method === 'GET' || req.method === 'HEAD' ? fileFor(root, new URL(req.url ?? '/', 'http://x').pathname) : null;
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-cache',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      // Listening on a TCP port, the address is an AddressInfo (a string only for a pipe).
      const { port: actual } = /** @type {AddressInfo} */ (server.address());
      resolvePromise({
        url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}/`,
        close: () => /** @type {Promise<void>} */ (new Promise((done) => server.close(() => done()))),
      });
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { port: { type: 'string' }, host: { type: 'string' }, dir: { type: 'string' } } });
  const port = Number(values.port ?? process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a whole number from 0 to 65535, got ${values.port ?? process.env.PORT}`);
    process.exit(2);
  }
  try {
    if (!values.dir) await buildDocs();
    const { url, close } = await serveDocs({ dir: values.dir ? resolve(values.dir) : DOCS_DIR, port, host: values.host ?? '127.0.0.1' });
    const stop = () => close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    stopWithParent(stop);
    console.log(`docs portal on ${url} (Ctrl+C to stop)`);
  } catch (caught) {
    const error = /** @type {NodeJS.ErrnoException} */ (caught);
    console.error(error.code === 'EADDRINUSE' ? `port ${port} is in use: pass --port 0 for a free one` : error.message);
    process.exit(1);
  }
}
