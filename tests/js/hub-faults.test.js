// A Hub that misbehaves: answers with headers and then nothing, never answers, asks to wait
// (Retry-After), lists names that cannot be files, or puts terminal escapes in its error messages.
// The client must fail or recover within a bound, with one clear typed line, and the next call on
// a well-behaved Hub must work. Uses the local stand-in Hub with short timeouts.
import { test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tinyDebertaDir } from './fixtures.js';
import { startHubServer } from './support/hub-server.js';
import { isolateHubEnv } from './support/hub-env.js';
import { downloadFile, listRepoFiles, resolveHubOptions, snapshotDownload } from '../../js/src/hub/index.js';
import { parseRetryAfter } from '../../js/src/hub/http.js';
import { FileNotFoundError, GmatrixEmbedError, IntegrityError, InvalidArgumentError, NetworkError } from '../../js/src/errors.js';

const REPO = 'test-org/tiny-deberta-v2';
const SHORT_MS = 300; // the timeouts these tests set: every stall must end a little after this

let server;
let cacheDir;
let restoreEnv;

before(async () => {
  restoreEnv = isolateHubEnv();
  server = await startHubServer({ repos: { [REPO]: { dir: tinyDebertaDir } } });
});
after(async () => {
  await server.close();
  restoreEnv();
});
beforeEach(async () => {
  server.reset();
  cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gmatrix-hub-faults-'));
});
afterEach(async () => {
  delete process.env.HF_HUB_DOWNLOAD_TIMEOUT;
  delete process.env.HF_HUB_ETAG_TIMEOUT;
  await fs.rm(cacheDir, { recursive: true, force: true });
});

const opts = (extra = {}) => ({
  endpoint: server.endpoint, cacheDir, retryDelayMs: 5, connectTimeoutMs: SHORT_MS, readTimeoutMs: SHORT_MS, ...extra,
});
const fixture = (file) => fs.readFile(path.join(tinyDebertaDir, file));
const fileRequests = (file) => server.requests.filter((r) => r.file === file && r.method === 'GET');

/** Awaits `promise`, returning [value or error, milliseconds taken]. */
async function timed(promise) {
  const started = performance.now();
  let outcome;
  try {
    outcome = await promise;
  } catch (err) {
    outcome = err;
  }
  return [outcome, performance.now() - started];
}

function assertOneLine(err, Class) {
  assert.ok(err instanceof Class, `expected ${Class.name}, got ${err?.name}: ${err?.message}`);
  assert.ok(err instanceof GmatrixEmbedError);
  assert.doesNotMatch(err.message, /[\u0000-\u001f\u007f-\u009f]/, 'raw control characters in the message');
}

/** The well-behaved Hub again: a fresh download of config.json works. */
async function nextCallWorks() {
  server.reset();
  const local = await downloadFile(REPO, 'config.json', opts());
  assert.ok((await fs.readFile(local)).equals(await fixture('config.json')));
}

// ---------------------------------------------------------------- options

test('timeouts: defaults, option over environment, and bad values refused', () => {
  const d = resolveHubOptions({}, {});
  assert.equal(d.connectTimeoutMs, 10_000);
  assert.equal(d.readTimeoutMs, 60_000);
  const env = resolveHubOptions({}, { HF_HUB_ETAG_TIMEOUT: '2.5', HF_HUB_DOWNLOAD_TIMEOUT: '30' });
  assert.equal(env.connectTimeoutMs, 2500);
  assert.equal(env.readTimeoutMs, 30_000);
  assert.equal(resolveHubOptions({ readTimeoutMs: 5 }, { HF_HUB_DOWNLOAD_TIMEOUT: '30' }).readTimeoutMs, 5);
  assert.equal(resolveHubOptions({}, { HF_HUB_DOWNLOAD_TIMEOUT: '' }).readTimeoutMs, 60_000);
  for (const bad of ['abc', '-1', '0', '1e3', 'Infinity', '100000']) {
    assert.throws(() => resolveHubOptions({}, { HF_HUB_DOWNLOAD_TIMEOUT: bad }), (e) => e instanceof InvalidArgumentError
      && /HF_HUB_DOWNLOAD_TIMEOUT must be a positive number of seconds/.test(e.message), bad);
  }
  for (const bad of [{ readTimeoutMs: 0 }, { connectTimeoutMs: 1.5 }, { readTimeoutMs: '10' }]) {
    assert.throws(() => resolveHubOptions(bad, {}), InvalidArgumentError, JSON.stringify(bad));
  }
});

test('Retry-After: seconds and HTTP-dates parse; anything else is ignored', () => {
  assert.equal(parseRetryAfter('3'), 3000);
  assert.equal(parseRetryAfter(' 0 '), 0);
  const soon = parseRetryAfter(new Date(Date.now() + 5000).toUTCString());
  assert.ok(soon > 3000 && soon <= 5000, String(soon));
  assert.equal(parseRetryAfter(new Date(Date.now() - 60_000).toUTCString()), 0);
  for (const bad of [null, '', '-1', '1.5', 'soon', 'Tue, 99 Foo 2026 00:00:00 GMT']) assert.equal(parseRetryAfter(bad), undefined, bad);
});

// ---------------------------------------------------------------- stalls

test('headers then silence: the stall ends within the read timeout and the retry resumes the file', async () => {
  server.faults.stall = { path: 'model.onnx', bytes: 100_000, times: 1 };
  const [local, ms] = await timed(downloadFile(REPO, 'model.onnx', opts()));
  assert.ok(typeof local === 'string', String(local));
  assert.ok((await fs.readFile(local)).equals(await fixture('model.onnx')));
  assert.ok(ms < SHORT_MS + 3000, `took ${ms.toFixed(0)} ms`);
  const requests = fileRequests('model.onnx').filter((r) => r.server === 'cdn');
  assert.equal(requests.length, 2);
  assert.match(requests[1].range ?? '', /^bytes=\d+-$/, 'the retry resumes with Range');
});

test('a server that always stalls fails within the bound, after the retries, with a clear NetworkError', async () => {
  server.faults.stall = { path: 'config.json', times: Infinity };
  const [err, ms] = await timed(downloadFile(REPO, 'config.json', opts({ maxRetries: 2 })));
  assertOneLine(err, NetworkError);
  assert.match(err.message, /sent no data for 0\.3 s \(the limit is set by readTimeoutMs or HF_HUB_DOWNLOAD_TIMEOUT\)/);
  assert.equal(fileRequests('config.json').length, 3, 'one attempt and two retries');
  assert.ok(ms > 3 * SHORT_MS - 50 && ms < 3 * SHORT_MS + 3000, `took ${ms.toFixed(0)} ms`);
  await nextCallWorks();
});

test('the environment sets the read timeout when no option does', async () => {
  process.env.HF_HUB_DOWNLOAD_TIMEOUT = '0.2';
  server.faults.stall = { path: 'config.json', times: Infinity };
  const { readTimeoutMs, ...rest } = opts({ maxRetries: 0 });
  const [err, ms] = await timed(downloadFile(REPO, 'config.json', rest));
  assertOneLine(err, NetworkError);
  assert.match(err.message, /no data for 0\.2 s/);
  assert.ok(ms < 200 + 2000, `took ${ms.toFixed(0)} ms`);
});

test('a listing that never gets headers, or stalls its body, fails within the bound', async () => {
  server.faults.hang = { path: 'listing', times: Infinity };
  let [err, ms] = await timed(listRepoFiles(REPO, opts()));
  assertOneLine(err, NetworkError);
  assert.match(err.message, /No response from http:\/\/127\.0\.0\.1:\d+\/api\/models\/test-org\/tiny-deberta-v2\/revision\/main within 0\.3 s/);
  assert.ok(ms < 3 * SHORT_MS + 3000, `took ${ms.toFixed(0)} ms`);

  server.reset();
  process.env.HF_HUB_ETAG_TIMEOUT = '0.25';
  server.faults.stall = { path: 'listing', times: Infinity };
  const { connectTimeoutMs, ...rest } = opts();
  [err, ms] = await timed(listRepoFiles(REPO, rest));
  assertOneLine(err, NetworkError);
  assert.match(err.message, /sent no data for 0\.3 s/);
  assert.ok(ms < 3 * SHORT_MS + 3000, `took ${ms.toFixed(0)} ms`);
  await nextCallWorks();
});

test('a file request that never gets headers is retried, then succeeds', async () => {
  server.faults.hang = { path: 'vocab.txt', times: 1 };
  const [local, ms] = await timed(downloadFile(REPO, 'vocab.txt', opts()));
  assert.ok(typeof local === 'string', String(local));
  assert.equal(fileRequests('vocab.txt').length, 2);
  assert.ok(ms > SHORT_MS - 50 && ms < SHORT_MS + 3000, `took ${ms.toFixed(0)} ms`);
});

// ---------------------------------------------------------------- Retry-After

test('Retry-After on 429 (seconds) and 503 (HTTP-date) is waited out, then the download succeeds', async () => {
  server.faults.failStatus = { path: 'config.json', status: 429, times: 1, headers: { 'Retry-After': '1' } };
  let [local, ms] = await timed(downloadFile(REPO, 'config.json', opts()));
  assert.ok(typeof local === 'string', String(local));
  assert.equal(fileRequests('config.json').length, 2);
  assert.ok(ms >= 950 && ms < 2500, `waited ${ms.toFixed(0)} ms for Retry-After: 1`);

  server.reset();
  await fs.rm(local);
  // HTTP-dates have whole seconds: two seconds from now is a wait of one to two seconds.
  const date = new Date(Date.now() + 2000).toUTCString();
  server.faults.failStatus = { path: 'config.json', status: 503, times: 1, headers: { 'Retry-After': date } };
  [local, ms] = await timed(downloadFile(REPO, 'config.json', opts()));
  assert.ok(typeof local === 'string', String(local));
  assert.ok(ms >= 900 && ms < 3000, `waited ${ms.toFixed(0)} ms for Retry-After: ${date}`);
});

test('a Retry-After beyond 60 s fails at once with a NetworkError saying when to retry', async () => {
  server.faults.failStatus = { path: 'config.json', status: 429, times: Infinity, headers: { 'Retry-After': '3600' } };
  const [err, ms] = await timed(downloadFile(REPO, 'config.json', opts()));
  assertOneLine(err, NetworkError);
  assert.match(err.message, /HTTP 429/);
  assert.match(err.message, /asks to wait 3600 s before retrying, longer than the 60 s this client waits; try again after \d{4}-\d\d-\d\dT\d\d:\d\d/);
  assert.equal(err.status, 429);
  assert.equal(fileRequests('config.json').length, 1, 'no retry');
  assert.ok(ms < 1500, `took ${ms.toFixed(0)} ms`);
  await nextCallWorks();
});

// ---------------------------------------------------------------- listings

test('a listing with a file that is also a folder, duplicates, 300-character and ANSI names', async () => {
  const long = `${'x'.repeat(300)}.bin`;
  server.faults.editListing = (siblings) => [
    ...siblings,
    { rfilename: 'config.json/evil.bin', size: 4 }, // config.json is listed as a file too
    { rfilename: 'vocab.txt', size: 7 }, // a second vocab.txt
    { rfilename: long, size: 4 },
    { rfilename: 'evil\x1b[2J\x1b[31m.txt\nINFO: all good', size: 4 },
    { rfilename: 'Modules.json', size: 4 }, // modules.json differing only in case
  ];
  const { files } = await listRepoFiles(REPO, opts());
  const names = files.map((f) => f.path);
  for (const gone of ['config.json', 'config.json/evil.bin', 'vocab.txt', long, 'modules.json', 'Modules.json']) {
    assert.ok(!names.includes(gone), `${gone.slice(0, 40)} was kept`);
  }
  assert.ok(names.includes('model.onnx') && names.includes('tokenizer_config.json'));

  const cases = [
    ['config.json', /"config\.json" in test-org\/tiny-deberta-v2 .* cannot be downloaded: it is listed both as a file and as a folder of other files/],
    ['vocab.txt', /"vocab\.txt" .* cannot be downloaded: it is listed 2 times/],
    [long, /"x{200}\.\.\." \(304 characters\) .* cannot be downloaded: a part of its name is longer than 255 bytes/],
    ['modules.json', /cannot be downloaded: another listed file differs from it only in letter case/],
  ];
  for (const [name, pattern] of cases) {
    const [err, ms] = await timed(downloadFile(REPO, name, opts()));
    assertOneLine(err, FileNotFoundError);
    assert.match(err.message, pattern);
    assert.ok(ms < 2000);
  }
  // A snapshot of everything downloads what is left, and nothing lands outside the cache.
  const snapshot = await snapshotDownload(REPO, opts());
  assert.ok(snapshot.files.has('model.onnx') && !snapshot.files.has('config.json'));
  await nextCallWorks();
});

test('the server\'s error text is shown escaped: no raw ANSI or newlines reach the message', async () => {
  const body = JSON.stringify({ error: '\x1b[2J\x1b[31mRepository is gone\x1b[0m\nINFO: download complete\r' });
  server.faults.failStatus = { path: 'config.json', status: 400, times: 1, body };
  const [err] = await timed(downloadFile(REPO, 'config.json', opts()));
  assertOneLine(err, NetworkError);
  assert.match(err.message, /HTTP 400: \\x1b\[2J\\x1b\[31mRepository is gone\\x1b\[0m\\nINFO: download complete\\r;/);
  // Plain-text bodies, and a huge one, are cut short.
  server.faults.failStatus = { path: 'config.json', status: 400, times: 1, body: `\x07${'A'.repeat(100_000)}` };
  const [big] = await timed(downloadFile(REPO, 'config.json', opts()));
  assertOneLine(big, NetworkError);
  assert.match(big.message, /HTTP 400: \\x07A+\.\.\. \(\d+ characters\)/);
  assert.ok(big.message.length < 1000);
  await nextCallWorks();
});

test('a redirect to a non-http URL is refused; a body longer than the listed size is cut off', async () => {
  const real = server.repo(REPO).files.get('config.json').bytes.length;
  server.faults.editListing = (siblings) => siblings.map((s) => (s.rfilename === 'config.json' ? { ...s, size: real - 10, blobId: undefined } : s));
  const [err] = await timed(downloadFile(REPO, 'config.json', opts()));
  assertOneLine(err, IntegrityError);
  assert.match(err.message, /sent more than the \d+ bytes the file has/);
  const entry = path.join(cacheDir, 'models--test-org--tiny-deberta-v2', 'snapshots', server.repo(REPO).sha, 'config.json');
  assert.equal(await fs.access(entry).then(() => true, () => false), false, 'nothing cached');

  const redirecting = async (url, init) => new Response(null, { status: 302, headers: { Location: 'file:///etc/passwd' } });
  const [refused] = await timed(listRepoFiles(REPO, opts({ fetch: redirecting })));
  assertOneLine(refused, NetworkError);
  assert.match(refused.message, /redirects to "file:\/\/\/etc\/passwd", which is not an http\(s\) URL/);
  await nextCallWorks();
});
