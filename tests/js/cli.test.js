// The gmatrix-embed command line, run as a user runs it, against the golden reference.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, tinyDebertaDir } from './fixtures.js';
import { maxAbsDiff, readGolden, tinyBertDir } from './support/golden.js';

const bin = path.join(repoRoot, 'js/bin/gmatrix-embed.js');
const { sentences } = readGolden('sentences.json');
const { pairs, correlations } = readGolden('pairs.json');
const byId = new Map(sentences.map((s) => [s.id, s]));

function cli(args, input) {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin, ...args], { maxBuffer: 1 << 26 },
      (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

async function tempFile(name, content) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gmatrix-cli-'));
  const file = path.join(dir, name);
  await fs.writeFile(file, content);
  return file;
}

const jsonLines = (stdout) => stdout.trim().split('\n').map((line) => JSON.parse(line));

describe('gmatrix-embed CLI', () => {
  // Sentences without line breaks can go through a plain text file too.
  const sample = sentences.filter((s) => !/[\r\n\u2028\u2029\u0085\u000b\u000c\u001c-\u001e]/.test(s.text));

  it('tokenize: JSON Lines in, reference ids and tokens out, in order', async () => {
    const input = await tempFile('in.jsonl', sentences.map((s) => JSON.stringify({ text: s.text })).join('\n'));
    const { code, stdout, stderr } = await cli(['tokenize', '--model', tinyDebertaDir, '--input', input]);
    assert.equal(code, 0, stderr);
    const out = jsonLines(stdout);
    assert.equal(out.length, sentences.length);
    out.forEach((o, i) => {
      assert.deepEqual(o.ids, sentences[i].ids, sentences[i].id);
      assert.deepEqual(o.tokens, sentences[i].tokens, sentences[i].id);
    });
  });

  it('embed: plain text from stdin, embeddings within 1e-5', async () => {
    const { code, stdout, stderr } = await cli(['embed', '--model', tinyDebertaDir, '--input', '-'],
      `${sample.map((s) => s.text).join('\n')}\n`);
    assert.equal(code, 0, stderr);
    const out = jsonLines(stdout);
    assert.equal(out.length, sample.length);
    out.forEach((o, i) => assert.ok(maxAbsDiff(o.embedding, sample[i].embedding) <= 1e-5, sample[i].id));
  });

  it('embed --normalize gives unit vectors', async () => {
    const { stdout } = await cli(['embed', '--model', tinyDebertaDir, '--input', '-', '--normalize'], '하나\n둘\n');
    for (const { embedding } of jsonLines(stdout)) assert.ok(Math.abs(Math.hypot(...embedding) - 1) < 1e-6);
  });

  it('similarity: the four metrics of a golden pair', async () => {
    const p = pairs[0];
    const { code, stdout } = await cli(['similarity', '--model', tinyDebertaDir, '--json',
      byId.get(p.sentence1_id).text, byId.get(p.sentence2_id).text]);
    assert.equal(code, 0);
    const result = JSON.parse(stdout);
    for (const metric of ['cosine', 'dot', 'euclidean', 'manhattan']) {
      assert.ok(Math.abs(result[metric] - p[metric]) < 1e-4, `${metric}: ${result[metric]} vs ${p[metric]}`);
    }
  });

  it('eval: the golden correlations within 1e-4, as JSON and as the model card table', async () => {
    const tsv = ['genre\tfilename\tyear\tid\tscore\tsentence1\tsentence2', ...pairs.map((p) =>
      [p.genre, p.filename, p.year, p.korsts_id, p.score, byId.get(p.sentence1_id).text,
        byId.get(p.sentence2_id).text].join('\t'))].join('\n');
    const data = await tempFile('sts.tsv', `${tsv}\n`);
    const json = await cli(['eval', '--model', tinyDebertaDir, '--data', data, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const { models, pairs: count } = JSON.parse(json.stdout);
    assert.equal(count, pairs.length);
    assert.equal(models.length, 1);
    const result = models[0].scores;
    for (const metric of ['cosine', 'euclidean', 'manhattan', 'dot']) {
      for (const kind of ['pearson', 'spearman']) {
        const expected = correlations[`${kind}_${metric}`];
        assert.ok(Math.abs(result[`${metric}_${kind}`] - expected) <= 1e-4, `${metric}_${kind}`);
      }
    }
    const table = await cli(['eval', '--model', tinyDebertaDir, '--data', data]);
    assert.match(table.stdout, /\| Model \| Cosine Pearson \| Cosine Spearman \| Euclidean Pearson .* Dot Spearman \|/);
    const cells = table.stdout.trim().split('\n').at(-1).split('|').map((c) => c.trim()).filter(Boolean);
    assert.equal(cells[0], tinyDebertaDir);
    assert.deepEqual(cells.slice(1), ['cosine', 'euclidean', 'manhattan', 'dot'].flatMap((metric) =>
      ['pearson', 'spearman'].map((kind) => (100 * result[`${metric}_${kind}`]).toFixed(2))));
  });

  it('eval: several models side by side over CSV and JSONL pair files', async () => {
    const records = pairs.slice(0, 60).map((p) => ({ sentence1: byId.get(p.sentence1_id).text, sentence2: byId.get(p.sentence2_id).text, score: p.score }));
    const quote = (text) => `"${text.replaceAll('"', '""')}"`;
    const csv = await tempFile('pairs.csv', `sentence1,sentence2,score\n${records.map((r) => [quote(r.sentence1), quote(r.sentence2), r.score].join(',')).join('\n')}\n`);
    const jsonl = await tempFile('pairs.jsonl', `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const fromCsv = await cli(['eval', '-m', tinyDebertaDir, '-m', tinyBertDir, '--data', csv, '--json', '--quiet']);
    assert.equal(fromCsv.code, 0, fromCsv.stderr);
    const fromJsonl = await cli(['eval', '-m', tinyDebertaDir, '-m', tinyBertDir, '--data', jsonl, '--json', '--quiet']);
    const [a, b] = [JSON.parse(fromCsv.stdout), JSON.parse(fromJsonl.stdout)];
    assert.deepEqual(a.models.map((m) => m.model), [tinyDebertaDir, tinyBertDir]);
    assert.deepEqual(a.models.map((m) => m.scores), b.models.map((m) => m.scores), 'CSV and JSONL give the same pairs');
    assert.notDeepEqual(a.models[0].scores, a.models[1].scores);
    const table = await cli(['eval', '-m', tinyDebertaDir, '-m', tinyBertDir, '--data', csv]);
    assert.equal(table.stdout.trim().split('\n').filter((line) => line.startsWith('| /')).length, 2);
    assert.match(table.stderr, /\[2\/2\]/);
    const bad = await tempFile('bad.csv', 'sentence1,sentence2\na,b\n');
    const refused = await cli(['eval', '-m', tinyDebertaDir, '--data', bad]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /lacks score/);
  });

  it('fails clearly on bad input and usage', async () => {
    const badJson = await tempFile('bad.jsonl', '{"text": "ok"}\n{"txt": "no"}\n');
    let r = await cli(['embed', '--model', tinyDebertaDir, '--input', badJson]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /line 2 has no string "text" field/);
    r = await cli(['embed', '--model', tinyDebertaDir]);
    assert.match(r.stderr, /--input FILE is required/);
    r = await cli(['similarity', '--model', tinyDebertaDir, 'only one']);
    assert.equal(r.code, 2);
    r = await cli(['--version']);
    assert.match(r.stdout, /^gmatrix-embed \d+\.\d+\.\d+\n$/);
    r = await cli(['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command 'frobnicate'/);
    r = await cli(['embed', '--model', '/no/such/dir', '--input', '-'], 'x\n');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /No model folder at '\/no\/such\/dir'/);
  });
});
