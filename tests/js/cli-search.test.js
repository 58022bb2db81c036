// gmatrix-embed search over indexes written by gmatrix-embed embed: results equal a brute-force
// reference computed here from the same vectors, for float32, int8 (+ rescoring) and binary.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, tinyDebertaDir } from './fixtures.js';
import { BACKENDS, readGolden } from './support/golden.js';
import { parseNpyHeader } from '../../js/src/search/npy.js';

const bin = path.join(repoRoot, 'js/bin/gmatrix-embed.js');
const { sentences } = readGolden('sentences.json');
const texts = [...new Set(sentences.map((s) => s.text))].filter((t) => t.trim() && !/[\r\n\u2028\u2029\u0085\u000b\u000c\u001c-\u001e]/.test(t));
// The faster backend where there is one: these tests run the CLI dozens of times (the golden
// tests cover both backends).
const BACKEND = BACKENDS.includes('native') ? 'native' : 'wasm';
const MODEL = ['--model', tinyDebertaDir, '--backend', BACKEND, '--threads', '1'];

function cli(args, input) {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin, ...args], { maxBuffer: 1 << 26 },
      (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

let dir;
const at = (name) => path.join(dir, name);
const jsonLines = (stdout) => stdout.trim().split('\n').map((line) => JSON.parse(line));
function readRows(file) {
  const bytes = fs.readFileSync(file);
  const { headerLength, shape, descr } = parseNpyHeader(bytes);
  const body = bytes.buffer.slice(bytes.byteOffset + headerLength, bytes.byteOffset + bytes.length);
  const Type = { '<f4': Float32Array, '|i1': Int8Array, '|u1': Uint8Array }[descr];
  const data = new Type(body);
  return Array.from({ length: shape[0] }, (_, r) => data.subarray(r * shape[1], (r + 1) * shape[1]));
}
const dot = (a, b) => a.reduce((sum, x, i) => sum + x * b[i], 0);
// Best first, ties by lower row: the order the search promises.
const topK = (scores, k) => scores.map((score, row) => ({ row, score }))
  .sort((a, b) => b.score - a.score || a.row - b.row).slice(0, k);

before(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gmatrix-search-'));
  await fsp.writeFile(at('corpus.txt'), `${texts.join('\n')}\n`);
  for (const precision of ['float32', 'int8', 'ubinary']) {
    const r = await cli(['embed', ...MODEL, '-i', at('corpus.txt'), '-o', at(`${precision}.npy`), '--precision', precision, '--normalize']);
    assert.equal(r.code, 0, r.stderr);
  }
  const q = await cli(['embed', ...MODEL, '-i', '-', '-o', at('queries.npy'), '--normalize'], `${texts.slice(0, 3).join('\n')}\n`);
  assert.equal(q.code, 0, q.stderr);
});

describe('gmatrix-embed search', () => {
  it('float32: the brute-force top-k by cosine, with the texts of the rows', async () => {
    const rows = readRows(at('float32.npy'));
    const queries = readRows(at('queries.npy'));
    const r = await cli(['search', ...MODEL, '--index', at('float32.npy'), '--query', texts[0], '--query', texts[1], '-k', '5', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const results = jsonLines(r.stdout);
    assert.equal(results.length, 2);
    results.forEach((result, q) => {
      assert.equal(result.query, texts[q]);
      const expected = topK(rows.map((row) => dot(row, queries[q])), 5);
      assert.deepEqual(result.results.map((h) => h.row), expected.map((e) => e.row));
      result.results.forEach((hit, i) => {
        assert.ok(Math.abs(hit.score - expected[i].score) < 1e-5, `${hit.score} vs ${expected[i].score}`);
        assert.equal(hit.text, texts[hit.row]);
      });
      assert.equal(result.results[0].row, q, 'a text finds itself first');
    });
  });

  it('int8 with float32 rescoring and ubinary by Hamming distance agree with brute force', async () => {
    const floats = readRows(at('float32.npy'));
    const queries = readRows(at('queries.npy'));
    const rescored = await cli(['search', ...MODEL, '--index', at('int8.npy'), '--rescore', at('float32.npy'), '--queries', at('corpus.txt'), '-k', '3', '--json']);
    assert.equal(rescored.code, 0, rescored.stderr);
    const results = jsonLines(rescored.stdout);
    assert.equal(results.length, texts.length);
    for (let q = 0; q < 3; q++) {
      // Re-ranked by the float32 rows: the scores are exact cosines of the rows it returns.
      for (const hit of results[q].results) assert.ok(Math.abs(hit.score - dot(floats[hit.row], queries[q])) < 1e-5);
      assert.equal(results[q].results[0].row, q);
    }
    const bits = readRows(at('ubinary.npy'));
    const hamming = await cli(['search', ...MODEL, '--index', at('ubinary.npy'), '--query', texts[2], '-k', '4', '--json']);
    assert.equal(hamming.code, 0, hamming.stderr);
    const queryBits = new Uint8Array(bits[0].length);
    queries[2].forEach((x, d) => { if (x > 0) queryBits[d >> 3] |= 0x80 >> (d & 7); });
    const distance = (row) => row.reduce((sum, byte, i) => {
      let v = byte ^ queryBits[i];
      let n = 0;
      while (v) { n += v & 1; v >>= 1; }
      return sum + n;
    }, 0);
    const expected = topK(bits.map((row) => -distance(row) || 0), 4);
    assert.deepEqual(jsonLines(hamming.stdout)[0].results.map((h) => [h.row, h.score]), expected.map((e) => [e.row, e.score]));
  });

  it('prints a readable table by default; refuses an index without its sidecar or an unfinished one', async () => {
    const table = await cli(['search', ...MODEL, '--index', at('float32.npy'), '--query', texts[0], '-k', '2']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^query: .+\n {2}1\. +1\.0000 {2}row 0 {2}.+\n {2}2\. +-?\d\.\d{4} {2}row \d+/);
    await fsp.copyFile(at('float32.npy'), at('lonely.npy'));
    let r = await cli(['search', ...MODEL, '--index', at('lonely.npy'), '--query', 'x']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /lonely\.npy\.json is missing/);
    const sidecar = JSON.parse(await fsp.readFile(at('float32.npy.json'), 'utf8'));
    await fsp.writeFile(at('lonely.npy.json'), JSON.stringify({ ...sidecar, complete: false }));
    r = await cli(['search', ...MODEL, '--index', at('lonely.npy'), '--query', 'x']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /incomplete.*--resume/);
  });
});
