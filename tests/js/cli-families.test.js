// The same CLI commands, unchanged, across model families: DeBERTa-v2 (WordPiece, lowercased),
// BERT (WordPiece, cased, float16 weights) and XLM-RoBERTa (SentencePiece, CLS pooling +
// Normalize), each as given (model.onnx) and as a folder of only weights (converted and cached).
// Every result is checked against that family's golden files.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fixturesDir, repoRoot } from './fixtures.js';
import { maxAbsDiff } from './support/golden.js';
import { copyModel } from './support/model-copy.js';

const FAMILIES = [
  { name: 'deberta-v2', model: 'tiny-deberta-v2', golden: 'golden' },
  { name: 'bert', model: 'tiny-bert', golden: 'golden-bert' },
  { name: 'xlm-roberta', model: 'tiny-xlm-roberta', golden: 'golden-xlm-roberta' },
];
// Single-line texts of the golden set (the CLI reads one text per line), untruncated.
const PICK = 12;

let work;
before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'gmatrix-cli-families-'));
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

function cli(args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(repoRoot, 'js/bin/gmatrix-embed.js'), ...args, '--threads', '1'],
      { env: { ...process.env, GMATRIX_EMBED_CACHE: path.join(work, 'cache') }, maxBuffer: 64 * 2 ** 20 },
      (err, stdout, stderr) => resolve({ code: err?.code ?? 0, stdout, stderr }));
  });
}
const jsonLines = (text) => text.trim().split('\n').map((line) => JSON.parse(line));

for (const family of FAMILIES) {
  const read = async (file) => JSON.parse(await fs.readFile(path.join(fixturesDir, family.golden, file), 'utf8'));
  for (const variant of ['as given', 'weights only']) {
    describe(`${family.name} ${variant}`, () => {
      let modelDir;
      let picked;
      let input;
      before(async () => {
        const { sentences } = await read('sentences.json');
        picked = sentences.filter((s) => !s.truncated && s.text.length > 0 && !/[\r\n\u2028\u2029\u0085\v\f]/.test(s.text) &&
          s.text === s.text.trim()).slice(0, PICK);
        input = path.join(work, `${family.name}-${variant.replace(' ', '-')}.txt`);
        await fs.writeFile(input, `${picked.map((s) => s.text).join('\n')}\n`);
        modelDir = path.join(fixturesDir, family.model);
        if (variant === 'weights only') {
          modelDir = await copyModel(modelDir);
          await fs.rm(path.join(modelDir, 'model.onnx'));
        }
      });

      it('tokenize gives the golden ids and tokens', async () => {
        const r = await cli(['tokenize', '--model', modelDir, '--input', input]);
        assert.equal(r.code, 0, r.stderr);
        jsonLines(r.stdout).forEach((line, i) => {
          assert.deepEqual(line.ids, picked[i].ids, picked[i].id);
          assert.deepEqual(line.tokens, picked[i].tokens, picked[i].id);
        });
      });

      it('embed gives the golden embeddings within 1e-5', async () => {
        const r = await cli(['embed', '--model', modelDir, '--input', input, '--quiet']);
        assert.equal(r.code, 0, r.stderr);
        jsonLines(r.stdout).forEach((line, i) => assert.ok(maxAbsDiff(line.embedding, picked[i].embedding) <= 1e-5, picked[i].id));
      });

      it('similarity and eval give the golden pair figures', async () => {
        const { pairs, correlations } = await read('pairs.json');
        const { sentences } = await read('sentences.json');
        const byId = new Map(sentences.map((s) => [s.id, s]));
        const p = pairs[0];
        const sim = await cli(['similarity', '--model', modelDir, '--json', byId.get(p.sentence1_id).text, byId.get(p.sentence2_id).text]);
        assert.equal(sim.code, 0, sim.stderr);
        const result = JSON.parse(sim.stdout);
        for (const metric of ['cosine', 'dot', 'euclidean', 'manhattan']) {
          assert.ok(Math.abs(result[metric] - p[metric]) <= 1e-4 * Math.max(1, Math.abs(p[metric])), `${metric}: ${result[metric]} vs ${p[metric]}`);
        }
        const jsonl = path.join(work, `${family.name}-pairs.jsonl`);
        await fs.writeFile(jsonl, `${pairs.map((q) => JSON.stringify({ sentence1: byId.get(q.sentence1_id).text,
          sentence2: byId.get(q.sentence2_id).text, score: q.score })).join('\n')}\n`);
        const ev = await cli(['eval', '--model', modelDir, '--data', jsonl, '--json']);
        assert.equal(ev.code, 0, ev.stderr);
        const { scores } = JSON.parse(ev.stdout).models[0];
        assert.ok(Math.abs(scores.cosine_pearson - correlations.pearson_cosine) <= 1e-6, 'cosine Pearson');
        assert.ok(Math.abs(scores.cosine_spearman - correlations.spearman_cosine) <= 1e-4, 'cosine Spearman');
      });
    });
  }
}
