// Semantic textual similarity evaluation, as sentence-transformers'
// EmbeddingSimilarityEvaluator reports it: Pearson and Spearman correlation between the gold
// scores and cosine, -euclidean, -manhattan and dot over the pairs.
import { core, unwrap } from './core.js';
import { InvalidArgumentError } from './errors.js';
import { pairSimilarity, rows } from './similarity.js';

export function pearson(x, y) {
  return unwrap(core.correlation('pearson', Float64Array.from(x), Float64Array.from(y)));
}

export function spearman(x, y) {
  return unwrap(core.correlation('spearman', Float64Array.from(x), Float64Array.from(y)));
}

/**
 * Parses KorSTS-format TSV: header, then `genre filename year id score sentence1 sentence2`.
 * Fields are split on tabs only; quotes are literal (KorSTS has unbalanced quotes).
 * @returns {{score: number, sentence1: string, sentence2: string}[]}
 */
export function parseStsTsv(text) {
  const lines = text.split(/\r?\n/).filter((line) => line.length > 0);
  const header = lines.shift()?.split('\t') ?? [];
  const col = (name) => header.indexOf(name);
  const [scoreAt, s1At, s2At] = [col('score'), col('sentence1'), col('sentence2')];
  if (scoreAt < 0 || s1At < 0 || s2At < 0) {
    throw new InvalidArgumentError('The STS file needs a header line with score, sentence1 and sentence2 columns ' +
      '(KorSTS format: genre filename year id score sentence1 sentence2).');
  }
  return lines.map((line, i) => {
    const fields = line.split('\t');
    const score = Number(fields[scoreAt]);
    if (fields.length <= Math.max(scoreAt, s1At, s2At) || !Number.isFinite(score)) {
      throw new InvalidArgumentError(`Line ${i + 2} of the STS file is malformed: expected ${header.length} ` +
        'tab-separated fields with a numeric score.');
    }
    return { score, sentence1: fields[s1At], sentence2: fields[s2At] };
  });
}

/**
 * @param {import('./embedder.js').Embedder} model
 * @param {{score: number, sentence1: string, sentence2: string}[]} pairs
 * @returns {Promise<Record<string, number>>} cosine_pearson ... dot_spearman, as fractions
 */
export async function evaluateSts(model, pairs, options = {}) {
  if (pairs.length < 2) throw new InvalidArgumentError('STS evaluation needs at least 2 pairs.');
  // Unnormalized vectors, as the evaluator computes euclidean/manhattan/dot on the model's
  // output (a Normalize module in the model still applies).
  const first = rows(await model.embed(pairs.map((p) => p.sentence1), options));
  const second = rows(await model.embed(pairs.map((p) => p.sentence2), options));
  const gold = pairs.map((p) => p.score);
  const scores = {
    cosine: first.map((a, i) => pairSimilarity(a, second[i], 'cosine')),
    euclidean: first.map((a, i) => -pairSimilarity(a, second[i], 'euclidean')),
    manhattan: first.map((a, i) => -pairSimilarity(a, second[i], 'manhattan')),
    dot: first.map((a, i) => pairSimilarity(a, second[i], 'dot')),
  };
  const result = {};
  for (const [metric, values] of Object.entries(scores)) {
    result[`${metric}_pearson`] = pearson(gold, values);
    result[`${metric}_spearman`] = spearman(gold, values);
  }
  return result;
}
