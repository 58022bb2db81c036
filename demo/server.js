#!/usr/bin/env node
// Static dev server for the browser demo: the repository root (so the page can import
// /js/src, /js/wasm and /node_modules/... unbundled) plus a model folder at /model/.
//
//   node demo/server.js [--port 8080] [--model DIR]      then open http://127.0.0.1:8080/
//
// Every response is cross-origin isolated (COOP + COEP): without that the page gets no
// SharedArrayBuffer and ONNX Runtime Web falls back to one thread. Pages also get a strict
// Content-Security-Policy (see contentSecurityPolicy), so the demo proves the package needs no
// inline code or eval. The tests serve a built Vite app the same way (the `root` option).
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sharedDir = process.env.GMATRIX_EMBED_SHARED
  ? path.resolve(process.env.GMATRIX_EMBED_SHARED)
  : path.resolve(repoRoot, '..', 'shared');
export const DEFAULT_MODEL_DIR = path.join(sharedDir, 'fixtures', 'tiny-deberta-v2');

const MODEL_PREFIX = '/model/';

const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  // Same-origin subresources pass COEP anyway; this also lets other isolated pages embed them.
  'Cross-Origin-Resource-Policy': 'same-origin',
  // A dev server: edits to js/src must show up on reload.
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

/**
 * The policy for an HTML page. Only what the package needs is allowed:
 * - script-src 'self' plus the hash of each inline script the page has (the demo's import map;
 *   Chromium has no external import maps), so no other inline script and no eval runs;
 * - 'wasm-unsafe-eval': compiling WebAssembly (the core, ONNX Runtime Web) needs it; nothing
 *   else evaluates strings (ONNX files are read by code generated ahead of time, see
 *   js/src/convert/onnx-proto.js), so no 'unsafe-eval';
 * - worker-src 'self': ONNX Runtime Web's threads and the Web Worker API start workers from
 *   same-origin module scripts; blob: workers are not needed, so not allowed;
 * - connect-src 'self' https: the model folder may be another site's URL (?model=https://...)
 *   or a Hugging Face repository;
 * - style-src 'self': no style attributes or <style> (the page sets styles via the CSSOM,
 *   which CSP does not restrict).
 */
export function contentSecurityPolicy(html) {
  const hashes = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)]
    .map(([, body]) => `'sha256-${crypto.createHash('sha256').update(body).digest('base64')}'`);
  return [
    "default-src 'self'",
    `script-src 'self' 'wasm-unsafe-eval' ${hashes.join(' ')}`.trim(),
    "worker-src 'self'",
    "connect-src 'self' https:",
    "style-src 'self'",
    "img-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Maps a URL path onto a file under one of the served roots, or undefined when the path is
 * malformed, hidden (a dot segment such as .git) or would leave its root.
 */
function resolveFile(urlPath, modelDir, appRoot) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const [root, rest] = decoded.startsWith(MODEL_PREFIX)
    ? [modelDir, decoded.slice(MODEL_PREFIX.length)]
    : [appRoot, decoded];
  const segments = rest.split('/').filter(Boolean);
  if (segments.some((s) => s.startsWith('.'))) return undefined;
  const file = path.resolve(root, ...segments);
  // resolve() already folded any '..'; this is the belt to that brace.
  if (file !== root && !file.startsWith(root + path.sep)) return undefined;
  return file;
}

/**
 * The package's worker, js/src/worker/worker-entry.js, bundled by esbuild (demo/worker.js loads it).
 * Workers do not read the page's import map, so its bare imports become the map's URLs (kept
 * external, one copy of each), and so does the core, whose .wasm is found beside its .mjs.
 */
async function bundleWorker() {
  const { build } = await import('esbuild');
  const page = await fs.promises.readFile(path.join(repoRoot, 'demo', 'index.html'), 'utf8');
  const { imports } = JSON.parse(page.match(/<script type="importmap">([\s\S]*?)<\/script>/)[1]);
  const result = await build({
    entryPoints: [path.join(repoRoot, 'js', 'src', 'worker', 'worker-entry.js')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
    plugins: [{
      name: 'import-map',
      setup(b) {
        b.onResolve({ filter: /.*/ }, ({ path: spec }) => {
          if (imports[spec]) return { path: imports[spec], external: true };
          if (spec.endsWith('/gmatrix_core.mjs')) return { path: '/js/wasm/gmatrix_core.mjs', external: true };
          return undefined;
        });
      },
    }],
  });
  return result.outputFiles[0].text;
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { ...ISOLATION_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

async function handle(req, res, modelDir, appRoot) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return send(res, 405, 'Method not allowed\n', { Allow: 'GET, HEAD' });
  }
  const { pathname } = new URL(req.url, 'http://localhost');
  if (pathname === '/' && appRoot === repoRoot) return send(res, 302, 'See /demo/\n', { Location: '/demo/' });
  if (pathname === '/demo/worker-bundle.js' && appRoot === repoRoot) {
    return send(res, 200, await bundleWorker(), { 'Content-Type': MIME_TYPES['.js'] });
  }
  let file = resolveFile(pathname, modelDir, appRoot);
  if (!file) return send(res, 404, 'Not found\n');
  let stat = await fs.promises.stat(file).catch(() => undefined);
  if (stat?.isDirectory()) {
    // /demo -> /demo/, so the page's relative URLs resolve inside the folder.
    if (!pathname.endsWith('/')) return send(res, 301, 'Moved\n', { Location: `${pathname}/` });
    file = path.join(file, 'index.html');
    stat = await fs.promises.stat(file).catch(() => undefined);
  }
  if (!stat?.isFile()) return send(res, 404, 'Not found\n');
  const type = MIME_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  if (type.startsWith('text/html')) {
    const html = await fs.promises.readFile(file, 'utf8');
    return send(res, 200, html, { 'Content-Type': type, 'Content-Security-Policy': contentSecurityPolicy(html) });
  }
  res.writeHead(200, { ...ISOLATION_HEADERS, 'Content-Type': type, 'Content-Length': stat.size });
  if (req.method === 'HEAD') return res.end();
  fs.createReadStream(file).on('error', () => res.destroy()).pipe(res);
}

/**
 * Starts the demo server on 127.0.0.1.
 * @param {{port?: number, modelDir?: string, root?: string}} [options] port 0 picks a free port;
 *   root: the folder served at / (default the repository, where / redirects to /demo/)
 * @returns {Promise<{url: string, port: number, modelDir: string, server: http.Server, close(): Promise<void>}>}
 */
export function startDemoServer({ port = 8080, modelDir = DEFAULT_MODEL_DIR, root: appRoot = repoRoot } = {}) {
  const root = path.resolve(modelDir);
  const server = http.createServer((req, res) => {
    handle(req, res, root, path.resolve(appRoot)).catch((err) => {
      if (!res.headersSent) send(res, 500, `Internal error: ${err.message}\n`);
      else res.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const actual = server.address().port;
      resolve({
        url: `http://127.0.0.1:${actual}/`,
        port: actual,
        modelDir: root,
        server,
        close: () => new Promise((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}

function parseArgs(argv) {
  const options = { port: Number(process.env.PORT ?? 8080), modelDir: DEFAULT_MODEL_DIR };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    if (flag === '--port') options.port = Number(value());
    else if (flag === '--model') options.modelDir = value();
    else if (flag === '--help' || flag === '-h') {
      console.log('Usage: node demo/server.js [--port N (default $PORT or 8080)] [--model DIR]');
      process.exit(0);
    } else {
      console.error(`Unknown argument '${argv[i]}'; try --help.`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    console.error('--port must be an integer from 0 to 65535.');
    process.exit(2);
  }
  return options;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const options = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(path.join(options.modelDir, 'config.json'))) {
    console.warn(`Warning: ${path.resolve(options.modelDir)} has no config.json; the page will fail to load a model. ` +
      'Pass --model DIR or set GMATRIX_EMBED_SHARED.');
  }
  const { url, modelDir } = await startDemoServer(options).catch((err) => {
    console.error(`Could not start the server: ${err.message}`);
    process.exit(1);
  });
  console.log(`gmatrix-embed demo: ${url}  (model: ${modelDir})`);
}
