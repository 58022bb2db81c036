// A stand-in for the Hugging Face Hub, for tests: serves folders as model repositories in the
// Hub's URL layout on 127.0.0.1, with a second origin playing the CDN that large (LFS) files are
// redirected to. Faults can be switched on per test. It never contacts any other address.
//
//   GET  /api/models/{repo}[/revision/{rev}][?blobs=true]   listing (sizes and hashes only with blobs=true)
//   GET|HEAD /{repo}/resolve/{rev}/{path}                  small file: 200; LFS file: 302 to the CDN
//   GET|HEAD {cdn}/lfs/{sha256}                            LFS content
// Both honour `Range: bytes=N-` / `bytes=N-M` with 206 + Content-Range, and 416 past the end.
import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';

/**
 * @param {{repos: Record<string, {dir: string, token?: string}>, lfsThreshold?: number}} config
 *   `token`: the repo is private and needs `Authorization: Bearer <token>`.
 *   Files of `lfsThreshold` bytes or more are LFS files (default 1 MB).
 */
export async function startHubServer({ repos, lfsThreshold = 1_000_000 }) {
  const repoData = new Map();
  for (const [id, { dir, token }] of Object.entries(repos)) repoData.set(id, await loadRepo(dir, token, lfsThreshold));

  const state = {
    /** every request: {server: 'hub'|'cdn', method, url, file?, range?, authorization?} */
    requests: [],
    faults: freshFaults(),
  };
  const hub = http.createServer((req, res) => handle(req, res, 'hub').catch((err) => fail(res, err)));
  const cdn = http.createServer((req, res) => handle(req, res, 'cdn').catch((err) => fail(res, err)));
  const hubOrigin = await listen(hub);
  const cdnOrigin = await listen(cdn);

  async function handle(req, res, server) {
    const url = new URL(req.url, 'http://x');
    const entry = { server, method: req.method, url: req.url, range: req.headers.range, authorization: req.headers.authorization };
    state.requests.push(entry);
    if (server === 'cdn') return serveCdn(req, res, url, entry);

    let m = url.pathname.match(/^\/api\/models\/([^/]+\/[^/]+)(?:\/revision\/([^/]+))?$/);
    if (m) return serveListing(req, res, m[1], m[2] ? decodeURIComponent(m[2]) : 'main', url.searchParams.get('blobs') === 'true');
    m = url.pathname.match(/^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/);
    if (m) {
      entry.file = decodeURIComponent(m[3]);
      return serveResolve(req, res, m[1], decodeURIComponent(m[2]), entry.file);
    }
    return error(res, 404, 'EntryNotFound', 'Unknown route');
  }

  // Resolves repo + revision the way the Hub does, answering the error itself if it cannot.
  function lookup(req, res, repoId, revision) {
    const repo = repoData.get(repoId);
    if (!repo) return error(res, 404, 'RepoNotFound', `Repository ${repoId} not found`);
    if (repo.token && req.headers.authorization !== `Bearer ${repo.token}`) {
      return error(res, 401, 'RepoNotFound', req.headers.authorization ? 'Invalid credentials in Authorization header' : 'Repository not found');
    }
    if (revision !== 'main' && revision !== repo.sha) return error(res, 404, 'RevisionNotFound', `Invalid rev id: ${revision}`);
    return repo;
  }

  function serveListing(req, res, repoId, revision, blobs) {
    if (takeFault('hang', 'listing')) return; // no headers, ever
    const injected = takeFault('failStatus', 'listing');
    if (injected) return inject(res, injected);
    const repo = lookup(req, res, repoId, revision);
    if (!repo) return;
    let siblings = [...repo.files.values()].map((f) => {
      if (!blobs) return { rfilename: f.path };
      const wrong = state.faults.wrongChecksum.has(f.path);
      const sibling = { rfilename: f.path, size: f.bytes.length, blobId: wrong && !f.lfs ? flip(f.gitSha1) : f.blobId };
      if (f.lfs) sibling.lfs = { sha256: wrong ? flip(f.sha256) : f.sha256, size: f.bytes.length, pointerSize: f.pointer.length };
      return sibling;
    });
    if (state.faults.editListing) siblings = state.faults.editListing(siblings);
    const body = JSON.stringify({ _id: repo.sha.slice(0, 24), id: repoId, modelId: repoId, sha: repo.sha, private: Boolean(repo.token), siblings });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    if (takeFault('stall', 'listing')) return res.flushHeaders(); // headers, then silence
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  function serveResolve(req, res, repoId, revision, filePath) {
    const repo = lookup(req, res, repoId, revision);
    if (!repo) return;
    const file = repo.files.get(filePath);
    if (!file || state.faults.notFound.has(filePath)) return error(res, 404, 'EntryNotFound', `${filePath} does not exist on "${revision}"`);
    if (takeFault('hang', filePath)) return undefined; // no headers, ever
    const injected = takeFault('failStatus', filePath);
    if (injected) return inject(res, injected);
    const common = { 'X-Repo-Commit': repo.sha };
    if (file.lfs) {
      // Like the Hub: the LFS metadata rides on the redirect, the CDN answer does not repeat it.
      const sha = state.faults.wrongChecksum.has(filePath) ? flip(file.sha256) : file.sha256;
      res.writeHead(302, {
        ...common, Location: `${cdnOrigin}/lfs/${file.sha256}?file=${encodeURIComponent(filePath)}`,
        'X-Linked-Etag': `"${sha}"`, 'X-Linked-Size': String(file.bytes.length), ETag: `"${sha}"`, 'Content-Length': 0,
      });
      return res.end();
    }
    return serveBytes(req, res, file, { ...common, ETag: `"${file.gitSha1}"` });
  }

  function serveCdn(req, res, url, entry) {
    const m = url.pathname.match(/^\/lfs\/([0-9a-f]{64})$/);
    const file = m && [...repoData.values()].flatMap((r) => [...r.files.values()]).find((f) => f.sha256 === m[1]);
    if (!file) return error(res, 404, undefined, 'No such object');
    entry.file = file.path;
    return serveBytes(req, res, file, { ETag: `"cdn-${file.sha256.slice(0, 16)}"` });
  }

  function serveBytes(req, res, file, headers) {
    const size = file.bytes.length;
    let start = 0;
    let end = size - 1;
    let status = 200;
    const range = state.faults.ignoreRange ? null : parseRange(req.headers.range);
    if (range) {
      if (range.start >= size) {
        res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}`, 'Content-Length': 0 });
        return res.end();
      }
      start = range.start;
      end = Math.min(range.end ?? size - 1, size - 1);
      status = 206;
      headers = { ...headers, 'Content-Range': `bytes ${start}-${end}/${size}` };
    }
    res.writeHead(status, { ...headers, 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream', 'Content-Length': end - start + 1 });
    if (req.method === 'HEAD') return res.end();
    const body = file.bytes.subarray(start, end + 1);
    const stall = takeFault('stall', file.path);
    if (stall) {
      // Headers and the first bytes, then silence with the connection left open.
      res.write(body.subarray(0, Math.min(stall.bytes ?? 0, body.length)));
      return res.flushHeaders();
    }
    const drop = takeFault('dropAfter', file.path);
    if (drop) {
      // Send part of the body, then close the connection: the client sees a short read. end()
      // rather than destroy(), so the bytes already written arrive instead of being lost to a reset.
      res.write(body.subarray(0, Math.min(drop.bytes, body.length)), () => res.socket?.end());
      return undefined;
    }
    const slow = state.faults.slow;
    if (slow && (!slow.path || slow.path === file.path)) return writeSlowly(res, body, slow);
    return res.end(body);
  }

  // Consumes one use of a counted fault aimed at `filePath` ('listing' for the listing; a fault
  // aims at files unless its path says 'listing'); returns the fault or null.
  function takeFault(name, filePath) {
    const fault = state.faults[name];
    if (!fault || fault.times <= 0) return null;
    if (fault.path ? fault.path !== filePath : filePath === 'listing') return null;
    fault.times -= 1;
    return fault;
  }

  // An injected error answer: the status, any extra headers (Retry-After), and a body.
  function inject(res, { status, headers = {}, body }) {
    if (body === undefined) return error(res, status, undefined, 'Injected failure', headers);
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(body);
    return null;
  }

  return {
    endpoint: hubOrigin,
    cdnOrigin,
    requests: state.requests,
    /**
     * Switchable faults:
     *   dropAfter: {path?, bytes, times}   cut the connection after `bytes` of a body, `times` times
     *   failStatus: {path?, status, times, headers?, body?}  answer with `status` (and those
     *                                       headers and body), `times` times; path 'listing' for the listing
     *   hang: {path?, times}                never answer (no headers); path 'listing' for the listing
     *   stall: {path?, bytes?, times}       send the headers (and `bytes` of the body), then nothing
     *   editListing: (siblings) => siblings rewrite the listing's file entries
     *   notFound: Set of paths              answer 404 for these files although listed
     *   wrongChecksum: Set of paths         list (and X-Linked-Etag) a wrong hash for these files
     *   ignoreRange: boolean                answer 200 with the whole file to Range requests
     *   slow: {path?, chunk, delayMs}       send bodies `chunk` bytes at a time, pausing `delayMs`
     */
    get faults() { return state.faults; },
    /** Repository data: {sha, files: Map<path, {path, bytes, sha256, gitSha1, lfs}>} */
    repo: (id) => repoData.get(id),
    /** Forget faults and logged requests. */
    reset() {
      state.faults = freshFaults();
      state.requests.length = 0;
    },
    async close() {
      for (const s of [hub, cdn]) {
        s.closeAllConnections();
        await new Promise((resolve) => s.close(resolve));
      }
    },
  };
}

function freshFaults() {
  return {
    dropAfter: null, failStatus: null, notFound: new Set(), wrongChecksum: new Set(), ignoreRange: false, slow: null,
    hang: null, stall: null, editListing: null,
  };
}

// Keeps a download in flight long enough for a test to act on it (abort, a second downloader).
async function writeSlowly(res, body, { chunk, delayMs }) {
  for (let at = 0; at < body.length && !res.destroyed; at += chunk) {
    res.write(body.subarray(at, at + chunk));
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
  res.end();
}

async function loadRepo(dir, token, lfsThreshold) {
  const files = new Map();
  for (const rel of await walk(dir)) {
    const bytes = await fs.readFile(path.join(dir, rel));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const gitSha1 = gitBlobId(bytes);
    const lfs = bytes.length >= lfsThreshold;
    const pointer = Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${bytes.length}\n`);
    // For an LFS file git stores the pointer, so its blob id hashes the pointer.
    files.set(rel, { path: rel, bytes, sha256, gitSha1, lfs, pointer, blobId: lfs ? gitBlobId(pointer) : gitSha1 });
  }
  const sha = createHash('sha1').update([...files.values()].map((f) => `${f.path} ${f.sha256}`).join('\n')).digest('hex');
  return { sha, token, files };
}

async function walk(root, rel = '') {
  const out = [];
  for (const entry of await fs.readdir(path.join(root, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...await walk(root, child));
    else if (entry.isFile()) out.push(child);
  }
  return out.sort();
}

function gitBlobId(bytes) {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

function flip(hex) {
  return (hex[0] === '0' ? '1' : '0') + hex.slice(1);
}

function parseRange(header) {
  const m = /^bytes=(\d+)-(\d*)$/.exec(header ?? '');
  return m ? { start: Number(m[1]), end: m[2] ? Number(m[2]) : undefined } : null;
}

function error(res, status, code, message, extraHeaders = {}) {
  const headers = { 'Content-Type': 'application/json', 'X-Error-Message': message, ...extraHeaders };
  if (code) headers['X-Error-Code'] = code;
  res.writeHead(status, headers);
  res.end(JSON.stringify({ error: message }));
  return null;
}

function fail(res, err) {
  if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
  res.end(String(err?.stack ?? err));
}

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`));
  });
}
