// The browser storage (Cache API) driven through the same public functions, in Node, with an
// in-memory CacheStorage standing in for the browser's `caches`.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { tinyDebertaDir } from './fixtures.js';
import { startHubServer } from './support/hub-server.js';
import { fakeCaches } from './support/fake-caches.js';
import { createBrowserCache, downloadFile, snapshotDownload } from '../../js/src/hub/index.js';
import { AbortError, IntegrityError, OfflineCacheMissError } from '../../js/src/errors.js';

const REPO = 'test-org/tiny-deberta-v2';
let server;

const fixture = (file) => fs.readFile(path.join(tinyDebertaDir, file));
const storedFiles = (caches) => [...(caches.stores.get('gmatrix-embed')?.keys() ?? [])].filter((k) => k.includes('/snapshots/'));

before(async () => {
  server = await startHubServer({ repos: { [REPO]: { dir: tinyDebertaDir } } });
});
after(() => server.close());
beforeEach(() => server.reset());

test('downloads return bytes, stored in the Cache API and read back offline', async () => {
  const caches = fakeCaches();
  const cache = createBrowserCache({ caches });
  const opts = { endpoint: server.endpoint, cache, retryDelayMs: 5, offline: false };
  const include = ['config.json', 'vocab.txt', 'model.onnx', '1_Pooling/config.json'];
  const first = await snapshotDownload(REPO, { ...opts, include });
  assert.equal(first.dir, undefined);
  for (const [file, bytes] of first.files) {
    assert.ok(bytes instanceof Uint8Array);
    assert.ok(Buffer.from(bytes).equals(await fixture(file)), file);
  }
  assert.equal(storedFiles(caches).length, include.length);

  server.reset();
  const events = [];
  const again = await snapshotDownload(REPO, { ...opts, include, offline: true, onProgress: (e) => events.push(e) });
  assert.equal(server.requests.length, 0);
  for (const [file, bytes] of again.files) assert.ok(Buffer.from(bytes).equals(await fixture(file)), file);
  assert.ok(events.every((e) => e.status === 'cached'));

  await assert.rejects(downloadFile(REPO, 'model.safetensors', { ...opts, offline: true }), (err) => {
    assert.ok(err instanceof OfflineCacheMissError);
    assert.deepEqual(err.missingFiles, ['model.safetensors']);
    assert.match(err.message, /Cache Storage/);
    return true;
  });
});

test('a dropped connection resumes in memory with Range', async () => {
  const cache = createBrowserCache({ caches: fakeCaches() });
  server.faults.dropAfter = { path: 'model.onnx', bytes: 400_000, times: 1 };
  const bytes = await downloadFile(REPO, 'model.onnx', { endpoint: server.endpoint, cache, retryDelayMs: 5, offline: false });
  assert.ok(Buffer.from(bytes).equals(await fixture('model.onnx')));
  const ranges = server.requests.filter((r) => r.server === 'cdn').map((r) => r.range);
  assert.equal(ranges.length, 2);
  assert.match(ranges[1], /^bytes=[1-9]\d*-$/);
});

test('a wrong checksum or an abort stores nothing', async () => {
  const caches = fakeCaches();
  const cache = createBrowserCache({ caches });
  const opts = { endpoint: server.endpoint, cache, retryDelayMs: 5, offline: false };
  server.faults.wrongChecksum.add('model.safetensors');
  await assert.rejects(downloadFile(REPO, 'model.safetensors', opts), IntegrityError);
  assert.deepEqual(storedFiles(caches), []);

  server.reset();
  server.faults.slow = { path: 'model.onnx', chunk: 64 * 1024, delayMs: 2 };
  const controller = new AbortController();
  const onProgress = (e) => { if (e.fileLoaded > 100_000) controller.abort(); };
  await assert.rejects(downloadFile(REPO, 'model.onnx', { ...opts, signal: controller.signal, onProgress }), AbortError);
  assert.deepEqual(storedFiles(caches), []);
});

test('without the Cache API (insecure page) downloads still work, uncached', async () => {
  const cache = createBrowserCache({ caches: undefined });
  const opts = { endpoint: server.endpoint, cache, offline: false };
  assert.ok(Buffer.from(await downloadFile(REPO, 'config.json', opts)).equals(await fixture('config.json')));
  await assert.rejects(downloadFile(REPO, 'config.json', { ...opts, offline: true }), OfflineCacheMissError);
});
