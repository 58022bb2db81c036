// A static server for the browser tests: the repository root (so pages import /js/src and
// /node_modules unbundled), a model folder at /model/, and pages or bundles the test writes in
// memory. Unlike demo/server.js it can leave out the COOP/COEP headers, to test pages that are
// not cross-origin isolated (no SharedArrayBuffer, so ONNX Runtime Web runs one thread).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { repoRoot } from '../../js/fixtures.js';

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm' };
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/**
 * @param {{modelDir: string, isolated?: boolean, files?: Map<string, string|Uint8Array>, hub?: string}} options
 *   files: URL path -> contents, served before anything on disk; hub: an origin (a
 *   tests/js/support/hub-server.js) whose requests are forwarded from /hub/, so that a page
 *   reaches it from its own origin (cross-origin isolation forbids other origins without CORS)
 */
export function startStaticServer({ modelDir, isolated = true, files = new Map(), hub }) {
  const server = http.createServer(async (req, res) => {
    const { pathname, search } = new URL(req.url, 'http://localhost');
    const headers = { 'Cache-Control': 'no-store', ...(isolated ? ISOLATION : {}) };
    if (hub && pathname.startsWith('/hub/')) {
      const answer = await fetch(`${hub}${pathname.slice(4)}${search}`, { method: req.method, headers: req.headers.range ? { range: req.headers.range } : {}, redirect: 'manual' });
      const forwarded = Object.fromEntries([...answer.headers].filter(([name]) => !['content-encoding', 'transfer-encoding', 'connection'].includes(name)));
      res.writeHead(answer.status, { ...forwarded, ...headers });
      return res.end(Buffer.from(await answer.arrayBuffer()));
    }
    const type = TYPES[path.extname(pathname)] ?? 'application/octet-stream';
    if (files.has(pathname)) {
      res.writeHead(200, { ...headers, 'Content-Type': type });
      return res.end(files.get(pathname));
    }
    const [root, rest] = pathname.startsWith('/model/') ? [modelDir, pathname.slice(7)] : [repoRoot, pathname];
    const file = path.join(root, decodeURIComponent(rest));
    const stat = file.startsWith(root) && await fs.promises.stat(file).catch(() => undefined);
    if (!stat?.isFile()) {
      res.writeHead(404, headers);
      return res.end();
    }
    res.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': stat.size });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}/`,
    files,
    close: () => new Promise((done) => {
      server.closeAllConnections();
      server.close(() => done());
    }),
  })));
}
