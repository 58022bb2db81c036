// Hub client against a local stand-in Hub (tests/js/support/hub-server.js) on 127.0.0.1.
// Each test gets its own temporary cache folder; faults are reset between tests.
import { test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tinyDebertaDir } from './fixtures.js';
import { startHubServer } from './support/hub-server.js';
import { isolateHubEnv } from './support/hub-env.js';
import {
  downloadFile, isRepoId, listRepoFiles, resolveHubOptions, snapshotDownload,
} from '../../js/src/hub/index.js';
import {
  AbortError, FileNotFoundError, IntegrityError, InvalidArgumentError, NetworkError, OfflineCacheMissError,
} from '../../js/src/errors.js';

const REPO = 'test-org/tiny-deberta-v2';
const PRIVATE = 'test-org/private-model';
const TOKEN = 'hf_test_token';
const hubIndex = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../js/src/hub/index.js');

let server;
let cacheDir;
let restoreEnv;

before(async () => {
  restoreEnv = isolateHubEnv();
  server = await startHubServer({
    repos: { [REPO]: { dir: tinyDebertaDir }, [PRIVATE]: { dir: path.join(tinyDebertaDir, '1_Pooling'), token: TOKEN } },
  });
});
after(async () => {
  await server.close();
  restoreEnv();
});
beforeEach(async () => {
  server.reset();
  cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gmatrix-hub-'));
});
afterEach(async () => {
  await fs.rm(cacheDir, { recursive: true, force: true });
});

/** Options for the test server: short retry delays keep retry tests fast. */
const opts = (extra = {}) => ({ endpoint: server.endpoint, cacheDir, retryDelayMs: 5, ...extra });
const fixture = (file) => fs.readFile(path.join(tinyDebertaDir, file));
const snapshotPath = (file, repo = REPO) => path.join(cacheDir, `models--${repo.replace('/', '--')}`, 'snapshots', server.repo(repo).sha, file);
const exists = (p) => fs.access(p).then(() => true, () => false);
const contentRequests = (file) => server.requests.filter((r) => r.file === file && r.method === 'GET' && (r.server === 'cdn' || !server.repo(REPO).files.get(file).lfs));

/** All files under `dir`, relative, for checking that no temp, partial or lock file was left. */
async function listTree(dir) {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name)));
}

/**
 * Checks that `requests` are one plain request followed by Range requests resuming further on
 * each time. (How many bytes of a cut-off body reach the client varies: fetch drops chunks it
 * had queued when the connection fails, so exact offsets are not asserted.)
 */
function assertResumed(requests, count) {
  assert.equal(requests.length, count);
  const starts = requests.map(({ range }) => (range === undefined ? 0 : Number(/^bytes=(\d+)-$/.exec(range)?.[1])));
  assert.equal(starts[0], 0);
  for (let i = 1; i < starts.length; i++) assert.ok(starts[i] >= starts[i - 1], `Range went back: ${starts}`);
  assert.ok(starts.at(-1) > 0, `no request resumed with Range: ${requests.map((r) => r.range)}`);
}

/** Collects progress events and checks the invariants a progress bar relies on. */
function progressRecorder() {
  const events = [];
  return {
    events,
    onProgress: (e) => events.push(e),
    assertMonotonic() {
      const perFile = new Map();
      let loaded = 0;
      for (const e of events) {
        assert.ok(e.loaded >= loaded, `overall progress went back: ${e.loaded} < ${loaded}`);
        assert.ok(e.fileLoaded >= (perFile.get(e.file) ?? 0), `progress of ${e.file} went back`);
        if (e.fileTotal !== undefined) assert.ok(e.fileLoaded <= e.fileTotal);
        if (e.total !== undefined) assert.ok(e.loaded <= e.total);
        loaded = e.loaded;
        perFile.set(e.file, e.fileLoaded);
      }
    },
  };
}

async function withEnv(vars, fn) {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
}

test('isRepoId tells Hub ids from local paths and URLs', () => {
  for (const id of [REPO, 'bi-matrix/gmatrix-embedding', 'a/b.c_d', 'Org1/model-v2.1']) assert.equal(isRepoId(id), true, id);
  for (const other of ['./model', '/abs/model', 'C:\\models\\x', 'https://huggingface.co/a/b', 'a/b/c', 'single',
    '../x', 'a--b/c', 'a/b-', '.a/b', '', 42, undefined, 'owner/', '/name', 'a/b\\c']) {
    assert.equal(isRepoId(other), false, String(other));
  }
});

test('resolveHubOptions: defaults and their environment fallbacks', () => {
  const home = { HOME: '/home/u' };
  const d = resolveHubOptions({}, home);
  assert.equal(d.endpoint, 'https://huggingface.co');
  assert.equal(d.revision, 'main');
  assert.equal(d.offline, false);
  assert.equal(d.token, undefined);
  assert.equal(d.cacheDir, '/home/u/.cache/gmatrix-embed');
  assert.equal(d.maxRetries, 5);
  assert.equal(resolveHubOptions({}, { ...home, XDG_CACHE_HOME: '/xdg' }).cacheDir, '/xdg/gmatrix-embed');
  assert.equal(resolveHubOptions({}, { ...home, XDG_CACHE_HOME: '/xdg', GMATRIX_EMBED_CACHE: '/c' }).cacheDir, '/c');
  assert.equal(resolveHubOptions({ cacheDir: '/o' }, { GMATRIX_EMBED_CACHE: '/c' }).cacheDir, '/o');
  assert.equal(resolveHubOptions({}, { HF_ENDPOINT: 'https://hf-mirror.example/' }).endpoint, 'https://hf-mirror.example');
  assert.equal(resolveHubOptions({ endpoint: 'http://127.0.0.1:1' }, { HF_ENDPOINT: 'https://x' }).endpoint, 'http://127.0.0.1:1');
  assert.equal(resolveHubOptions({}, { HF_TOKEN: 'hf_abc' }).token, 'hf_abc');
  assert.equal(resolveHubOptions({ token: 'hf_opt' }, { HF_TOKEN: 'hf_abc' }).token, 'hf_opt');
  for (const v of ['1', 'true', 'YES', 'on']) assert.equal(resolveHubOptions({}, { HF_HUB_OFFLINE: v }).offline, true, v);
  for (const v of ['0', 'false', '']) assert.equal(resolveHubOptions({}, { HF_HUB_OFFLINE: v }).offline, false, v);
  assert.equal(resolveHubOptions({ offline: false }, { HF_HUB_OFFLINE: '1' }).offline, false);
  assert.equal(resolveHubOptions({}, {}).cacheDir, undefined);
  assert.ok(Object.isFrozen(d));

  for (const bad of [{ endpoint: 'ftp://x' }, { revision: '../x' }, { revision: '' }, { maxRetries: -1 },
    { retryDelayMs: 1.5 }, { signal: 'x' }, { onProgress: 1 }, { token: '' }, { offline: 'yes' }]) {
    assert.throws(() => resolveHubOptions(bad, {}), InvalidArgumentError, JSON.stringify(bad));
  }
});

test('listRepoFiles returns the commit and sizes and hashes of every file', async () => {
  const { sha, files } = await listRepoFiles(REPO, opts());
  assert.equal(sha, server.repo(REPO).sha);
  const byPath = new Map(files.map((f) => [f.path, f]));
  assert.ok(byPath.has('1_Pooling/config.json'));
  const onnx = byPath.get('model.onnx');
  assert.equal(onnx.size, (await fixture('model.onnx')).length);
  assert.equal(onnx.sha256, server.repo(REPO).files.get('model.onnx').sha256);
  const config = byPath.get('config.json');
  assert.equal(config.sha256, undefined);
  assert.match(config.gitBlobId, /^[0-9a-f]{40}$/);
});

test('cold snapshot download: files equal the fixture, progress is monotonic and ends at the total', async () => {
  const progress = progressRecorder();
  const result = await snapshotDownload(REPO, opts({ onProgress: progress.onProgress }));
  const repo = server.repo(REPO);
  assert.equal(result.sha, repo.sha);
  assert.equal(result.dir, path.dirname(snapshotPath('config.json')));
  assert.deepEqual([...result.files.keys()].sort(), [...repo.files.keys()].sort());
  for (const [file, local] of result.files) {
    assert.equal(local, snapshotPath(file));
    assert.ok((await fs.readFile(local)).equals(await fixture(file)), file);
  }

  progress.assertMonotonic();
  const total = [...repo.files.values()].reduce((n, f) => n + f.bytes.length, 0);
  const last = progress.events.at(-1);
  assert.equal(last.total, total);
  assert.equal(last.loaded, total);
  for (const file of repo.files.keys()) {
    const own = progress.events.filter((e) => e.file === file);
    assert.equal(own.at(-1).status, 'done', file);
    assert.equal(own.filter((e) => e.status === 'done').length, 1, file);
  }

  // Large files came from the CDN after the Hub's redirect; no token was sent anywhere.
  assert.equal(contentRequests('model.onnx')[0].server, 'cdn');
  assert.ok(server.requests.every((r) => r.authorization === undefined));
  // Cache layout: the ref names the commit; nothing but entries is left behind.
  const repoDir = path.join(cacheDir, 'models--test-org--tiny-deberta-v2');
  assert.equal((await fs.readFile(path.join(repoDir, 'refs', 'main'), 'utf8')).trim(), repo.sha);
  const leftovers = (await listTree(repoDir)).filter((f) => /\.(incomplete|lock|tmp)$/.test(f));
  assert.deepEqual(leftovers, []);
});

test('warm load works offline, with the server stopped, served from the cache', async () => {
  const own = await startHubServer({ repos: { [REPO]: { dir: tinyDebertaDir } } });
  const include = ['*.json', '1_Pooling/*', 'vocab.txt', 'model.onnx'];
  let first;
  try {
    first = await snapshotDownload(REPO, { ...opts(), endpoint: own.endpoint, include });
  } finally {
    await own.close();
  }
  assert.ok(first.files.has('1_Pooling/config.json') && first.files.has('model.onnx'));
  assert.ok(!first.files.has('model.safetensors'));

  const check = async (result, progress) => {
    assert.equal(result.sha, first.sha);
    assert.deepEqual([...result.files.keys()], [...first.files.keys()]);
    for (const [file, local] of result.files) assert.ok((await fs.readFile(local)).equals(await fixture(file)), file);
    assert.ok(progress.events.length > 0 && progress.events.every((e) => e.status === 'cached'));
    assert.equal(progress.events.at(-1).loaded, progress.events.at(-1).total);
  };
  let progress = progressRecorder();
  await check(await snapshotDownload(REPO, { ...opts(), endpoint: own.endpoint, include, offline: true, onProgress: progress.onProgress }), progress);

  progress = progressRecorder();
  await withEnv({ HF_HUB_OFFLINE: '1' }, async () => {
    await check(await snapshotDownload(REPO, { ...opts(), endpoint: own.endpoint, include, onProgress: progress.onProgress }), progress);
    assert.equal(await downloadFile(REPO, 'vocab.txt', { ...opts(), endpoint: own.endpoint }), first.files.get('vocab.txt'));
  });

  // Not in offline mode but the Hub is unreachable: the cached copy is used rather than failing.
  progress = progressRecorder();
  await check(await snapshotDownload(REPO, { ...opts(), endpoint: own.endpoint, include, onProgress: progress.onProgress }), progress);
});

test('offline mode names exactly the files missing from the cache and how to fix it', async () => {
  // Nothing cached at all: the error still says what was wanted.
  await assert.rejects(snapshotDownload(REPO, opts({ offline: true, include: ['config.json', '*.onnx'] })), (err) => {
    assert.ok(err instanceof OfflineCacheMissError);
    assert.match(err.message, /test-org\/tiny-deberta-v2 at revision "main" is not in the cache \(wanted: config\.json, \*\.onnx\)/);
    assert.match(err.message, /HF_HUB_OFFLINE/);
    return true;
  });
  await assert.rejects(downloadFile(REPO, 'vocab.txt', opts({ offline: true })), (err) => {
    assert.deepEqual(err.missingFiles, ['vocab.txt']);
    return err instanceof OfflineCacheMissError && /vocab\.txt/.test(err.message);
  });

  await downloadFile(REPO, 'config.json', opts());
  await assert.rejects(snapshotDownload(REPO, opts({ offline: true, include: ['config.json', 'vocab.txt', 'model.onnx'] })), (err) => {
    assert.ok(err instanceof OfflineCacheMissError);
    assert.equal(err.code, 'E_OFFLINE_CACHE_MISS');
    assert.deepEqual(err.missingFiles, ['model.onnx', 'vocab.txt']);
    assert.match(err.message, /2 file\(s\).*model\.onnx, vocab\.txt/);
    assert.doesNotMatch(err.message, /config\.json/);
    assert.match(err.message, /network access/);
    assert.match(err.message, /unset HF_HUB_OFFLINE/);
    return true;
  });
  await assert.rejects(downloadFile(REPO, 'vocab.txt', opts({ offline: true })), (err) => {
    assert.ok(err instanceof OfflineCacheMissError);
    assert.deepEqual(err.missingFiles, ['vocab.txt']);
    return true;
  });
  // A name the cached listing does not have is not a cache miss but a missing file.
  await assert.rejects(downloadFile(REPO, 'nope.txt', opts({ offline: true })), FileNotFoundError);
  assert.equal(await downloadFile(REPO, 'config.json', opts({ offline: true })), snapshotPath('config.json'));
});

test('a dropped connection is survived by resuming with Range', async () => {
  server.faults.dropAfter = { path: 'model.onnx', bytes: 500_000, times: 2 };
  const progress = progressRecorder();
  const local = await downloadFile(REPO, 'model.onnx', opts({ onProgress: progress.onProgress }));
  assert.ok((await fs.readFile(local)).equals(await fixture('model.onnx')));
  assertResumed(contentRequests('model.onnx'), 3);
  progress.assertMonotonic();
  assert.equal(progress.events.at(-1).loaded, (await fixture('model.onnx')).length);

  // The same for a small file served by the Hub itself rather than the CDN.
  server.reset();
  server.faults.dropAfter = { path: 'vocab.txt', bytes: 10_000, times: 1 };
  assert.ok((await fs.readFile(await downloadFile(REPO, 'vocab.txt', opts()))).equals(await fixture('vocab.txt')));
  assertResumed(contentRequests('vocab.txt'), 2);
});

test('retries are bounded; the partial file is kept and resumed by the next call', async () => {
  server.faults.dropAfter = { path: 'model.onnx', bytes: 300_000, times: 100 };
  await assert.rejects(downloadFile(REPO, 'model.onnx', opts({ maxRetries: 2 })), (err) => {
    assert.ok(err instanceof NetworkError);
    assert.match(err.message, /model\.onnx/);
    return true;
  });
  assertResumed(contentRequests('model.onnx'), 3);
  assert.equal(await exists(snapshotPath('model.onnx')), false);
  const kept = (await fs.stat(`${snapshotPath('model.onnx')}.incomplete`)).size;
  assert.ok(kept > 0 && kept <= 900_000, String(kept));
  assert.equal(await exists(`${snapshotPath('model.onnx')}.lock`), false);

  server.reset();
  const local = await downloadFile(REPO, 'model.onnx', opts());
  assert.ok((await fs.readFile(local)).equals(await fixture('model.onnx')));
  assert.deepEqual(contentRequests('model.onnx').map((r) => r.range), [`bytes=${kept}-`]);
  assert.equal(await exists(`${snapshotPath('model.onnx')}.incomplete`), false);
});

test('a server that ignores Range (200 instead of 206) makes the download start over', async () => {
  server.faults.dropAfter = { path: 'model.safetensors', bytes: 200_000, times: 1 };
  await assert.rejects(downloadFile(REPO, 'model.safetensors', opts({ maxRetries: 0 })), NetworkError);
  const kept = (await fs.stat(`${snapshotPath('model.safetensors')}.incomplete`)).size;
  assert.ok(kept > 0);
  server.reset();
  server.faults.ignoreRange = true;
  const progress = progressRecorder();
  const local = await downloadFile(REPO, 'model.safetensors', opts({ onProgress: progress.onProgress }));
  assert.ok((await fs.readFile(local)).equals(await fixture('model.safetensors')));
  assert.deepEqual(contentRequests('model.safetensors').map((r) => r.range), [`bytes=${kept}-`]);
  progress.assertMonotonic();
});

test('a 5xx answer is retried', async () => {
  server.faults.failStatus = { path: 'config.json', status: 503, times: 2 };
  assert.ok((await fs.readFile(await downloadFile(REPO, 'config.json', opts()))).equals(await fixture('config.json')));
  server.faults.failStatus = { path: 'modules.json', status: 500, times: 5 };
  await assert.rejects(downloadFile(REPO, 'modules.json', opts({ maxRetries: 1 })), (err) => err instanceof NetworkError && err.status === 500);
});

test('404 gives FileNotFoundError naming the repo and the path', async () => {
  await assert.rejects(downloadFile(REPO, 'missing.txt', opts()), (err) => {
    assert.ok(err instanceof FileNotFoundError);
    assert.match(err.message, /"missing\.txt" is not in test-org\/tiny-deberta-v2/);
    return true;
  });
  server.faults.notFound.add('vocab.txt'); // listed, but the resolve URL answers 404
  await assert.rejects(downloadFile(REPO, 'vocab.txt', opts()), (err) => {
    assert.ok(err instanceof FileNotFoundError);
    assert.match(err.message, /"vocab\.txt" in test-org\/tiny-deberta-v2/);
    assert.match(err.message, /HTTP 404 EntryNotFound/);
    return true;
  });
  await assert.rejects(downloadFile('test-org/no-such-model', 'config.json', opts()), (err) => {
    assert.ok(err instanceof FileNotFoundError);
    assert.match(err.message, /test-org\/no-such-model/);
    return true;
  });
  await assert.rejects(snapshotDownload(REPO, opts({ revision: 'v9' })), (err) => err instanceof FileNotFoundError && /RevisionNotFound/.test(err.message));
  await assert.rejects(snapshotDownload(REPO, opts({ include: ['config.json', 'onnx/model.onnx'] })), (err) => {
    assert.ok(err instanceof FileNotFoundError);
    assert.match(err.message, /"onnx\/model\.onnx"/);
    return true;
  });
});

test('a wrong checksum gives IntegrityError and leaves no cache entry', async () => {
  for (const file of ['model.safetensors', 'config.json']) { // an LFS file (sha256) and a small one (git blob id)
    server.faults.wrongChecksum.add(file);
    await assert.rejects(downloadFile(REPO, file, opts()), (err) => {
      assert.ok(err instanceof IntegrityError, String(err));
      assert.match(err.message, new RegExp(file.replace('.', '\\.')));
      return true;
    });
    const entry = snapshotPath(file);
    for (const p of [entry, `${entry}.incomplete`, `${entry}.lock`]) assert.equal(await exists(p), false, p);
  }
  // Once the Hub is right again the files download normally.
  server.reset();
  assert.ok((await fs.readFile(await downloadFile(REPO, 'model.safetensors', opts()))).equals(await fixture('model.safetensors')));
});

test('abort mid-download gives AbortError, no entry, and a later download resumes and succeeds', async () => {
  server.faults.slow = { path: 'model.onnx', chunk: 64 * 1024, delayMs: 2 };
  const controller = new AbortController();
  const onProgress = (e) => { if (e.file === 'model.onnx' && e.fileLoaded >= 200_000) controller.abort(); };
  await assert.rejects(downloadFile(REPO, 'model.onnx', opts({ signal: controller.signal, onProgress })), (err) => {
    assert.ok(err instanceof AbortError, String(err));
    assert.equal(err.code, 'E_ABORTED');
    return true;
  });
  const entry = snapshotPath('model.onnx');
  assert.equal(await exists(entry), false);
  assert.equal(await exists(`${entry}.lock`), false);
  const kept = (await fs.stat(`${entry}.incomplete`)).size;
  assert.ok(kept >= 200_000);

  server.reset();
  const local = await downloadFile(REPO, 'model.onnx', opts());
  assert.ok((await fs.readFile(local)).equals(await fixture('model.onnx')));
  assert.deepEqual(contentRequests('model.onnx').map((r) => r.range), [`bytes=${kept}-`]);

  // A signal that has already fired stops before any request.
  server.reset();
  await assert.rejects(downloadFile(REPO, 'vocab.txt', opts({ signal: AbortSignal.abort() })), AbortError);
  assert.equal(server.requests.length, 0);
});

test('concurrent downloads of the same file both succeed with one intact cache entry', async () => {
  server.faults.slow = { path: 'model.onnx', chunk: 256 * 1024, delayMs: 2 };
  const [a, b] = await Promise.all([downloadFile(REPO, 'model.onnx', opts()), downloadFile(REPO, 'model.onnx', opts())]);
  assert.equal(a, b);
  assert.ok((await fs.readFile(a)).equals(await fixture('model.onnx')));
  assert.equal(contentRequests('model.onnx').length, 1);
  assert.deepEqual((await fs.readdir(path.dirname(a))).filter((f) => f.startsWith('model.onnx')), ['model.onnx']);
});

test('a download in another process is waited for, not duplicated', async () => {
  server.faults.slow = { path: 'model.onnx', chunk: 64 * 1024, delayMs: 5 };
  const script = `
    import { downloadFile } from ${JSON.stringify(pathToFileURL(hubIndex).href)};
    const [repo, endpoint, cacheDir] = process.argv.slice(1);
    let told = false;
    const onProgress = (e) => { if (!told && e.fileLoaded > 0) { told = true; process.stdout.write('started\\n'); } };
    process.stdout.write(await downloadFile(repo, 'model.onnx', { endpoint, cacheDir, onProgress }) + '\\n');`;
  const env = { ...process.env };
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, REPO, server.endpoint, cacheDir], { env });
  let out = '';
  let errOut = '';
  child.stderr.on('data', (d) => { errOut += d; });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => { out += d; if (out.includes('started')) resolve(); });
    child.on('exit', () => reject(new Error(`child exited early: ${errOut}`)));
  });
  const progress = progressRecorder();
  const mine = await downloadFile(REPO, 'model.onnx', opts({ onProgress: progress.onProgress }));
  assert.equal(await exited, 0, errOut);
  assert.equal(out.trim().split('\n').at(-1), mine);
  assert.ok((await fs.readFile(mine)).equals(await fixture('model.onnx')));
  assert.equal(contentRequests('model.onnx').length, 1);
  assert.deepEqual(progress.events.map((e) => e.status), ['cached']);
});

test('a lock left by a dead process is taken over', async () => {
  const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
  const entry = snapshotPath('vocab.txt');
  await fs.mkdir(path.dirname(entry), { recursive: true });
  await fs.writeFile(`${entry}.lock`, JSON.stringify({ pid: deadPid, host: os.hostname() }));
  const local = await downloadFile(REPO, 'vocab.txt', opts());
  assert.ok((await fs.readFile(local)).equals(await fixture('vocab.txt')));
  assert.equal(await exists(`${entry}.lock`), false);
});

test('a private repo needs the token, which is sent to the Hub but not to the CDN', async () => {
  await assert.rejects(listRepoFiles(PRIVATE, opts()), (err) => {
    assert.ok(err instanceof FileNotFoundError);
    assert.match(err.message, /HTTP 401/);
    assert.match(err.message, /HF_TOKEN/);
    return true;
  });
  await assert.rejects(listRepoFiles(PRIVATE, opts({ token: 'hf_wrong' })), (err) => err instanceof FileNotFoundError && /rejected/.test(err.message));

  server.reset();
  const result = await snapshotDownload(PRIVATE, opts({ token: TOKEN }));
  assert.ok((await fs.readFile(result.files.get('config.json'))).equals(await fixture('1_Pooling/config.json')));
  const hubRequests = server.requests.filter((r) => r.server === 'hub');
  assert.ok(hubRequests.length >= 2);
  assert.ok(hubRequests.every((r) => r.authorization === `Bearer ${TOKEN}`));

  // HF_TOKEN and HF_ENDPOINT from the environment; the token never reaches the CDN origin.
  server.reset();
  await withEnv({ HF_TOKEN: TOKEN, HF_ENDPOINT: server.endpoint }, async () => {
    await downloadFile(REPO, 'model.onnx', { cacheDir });
  });
  const cdn = server.requests.filter((r) => r.server === 'cdn');
  assert.equal(cdn.length, 1);
  assert.equal(cdn[0].authorization, undefined);
  assert.ok(server.requests.filter((r) => r.server === 'hub').every((r) => r.authorization === `Bearer ${TOKEN}`));
});

test('a revision pinned to a commit sha is served from the cache without asking the Hub', async () => {
  const { sha } = server.repo(REPO);
  await downloadFile(REPO, 'config.json', opts({ revision: sha }));
  server.reset();
  const local = await downloadFile(REPO, 'config.json', opts({ revision: sha }));
  assert.equal(local, snapshotPath('config.json'));
  assert.equal(server.requests.length, 0);
});

test('include accepts globs and predicates', async () => {
  const viaGlob = await snapshotDownload(REPO, opts({ include: ['**/config.json', 'modules.json'] }));
  assert.deepEqual([...viaGlob.files.keys()], ['1_Pooling/config.json', 'config.json', 'modules.json']);
  const viaFn = await snapshotDownload(REPO, opts({ include: (p) => p.endsWith('.md') }));
  assert.deepEqual([...viaFn.files.keys()], ['1_Pooling/README.md', 'README.md']);
  await assert.rejects(snapshotDownload(REPO, opts({ include: 42 })), InvalidArgumentError);
});

test('arguments are checked before any request', async () => {
  await assert.rejects(downloadFile('not a repo', 'config.json', opts()), InvalidArgumentError);
  await assert.rejects(downloadFile(REPO, '../escape', opts()), InvalidArgumentError);
  await assert.rejects(downloadFile(REPO, '/abs', opts()), InvalidArgumentError);
  assert.equal(server.requests.length, 0);
});

test('the stand-in Hub speaks the protocol the client relies on', async () => {
  const { sha, files } = server.repo(REPO);
  const onnx = files.get('model.onnx');
  const head = await fetch(`${server.endpoint}/${REPO}/resolve/main/model.onnx`, { method: 'HEAD', redirect: 'manual' });
  assert.equal(head.status, 302);
  assert.equal(head.headers.get('x-repo-commit'), sha);
  assert.equal(head.headers.get('x-linked-etag'), `"${onnx.sha256}"`);
  assert.equal(head.headers.get('x-linked-size'), String(onnx.bytes.length));
  assert.ok(head.headers.get('location').startsWith(server.cdnOrigin));
  const ranged = await fetch(head.headers.get('location'), { headers: { Range: 'bytes=10-19' } });
  assert.equal(ranged.status, 206);
  assert.equal(ranged.headers.get('content-range'), `bytes 10-19/${onnx.bytes.length}`);
  assert.ok(Buffer.from(await ranged.arrayBuffer()).equals(onnx.bytes.subarray(10, 20)));
  const past = await fetch(head.headers.get('location'), { headers: { Range: `bytes=${onnx.bytes.length}-` } });
  assert.equal(past.status, 416);
  await past.body?.cancel();
  const plain = await (await fetch(`${server.endpoint}/api/models/${REPO}`)).json();
  assert.equal(plain.sha, sha);
  assert.deepEqual(Object.keys(plain.siblings[0]), ['rfilename']); // sizes only with ?blobs=true
});
