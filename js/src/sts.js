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

/** The similarities of the evaluation, in the model card's column order. */
export const STS_METRICS = ['cosine', 'euclidean', 'manhattan', 'dot'];

/**
 * Parses KorSTS-format TSV: header, then `genre filename year id score sentence1 sentence2`.
 * Any TSV with a header naming score, sentence1 and sentence2 columns works the same way.
 * Fields are split on tabs only; quotes are literal (KorSTS has unbalanced quotes).
 * @returns {{score: number, sentence1: string, sentence2: string}[]}
 */
export function parseStsTsv(text) {
  const lines = text.split(/\r?\n/).filter((line) => line.length > 0);
  const header = lines.shift()?.split('\t') ?? [];
  return lines.map((line, i) => {
    const fields = line.split('\t');
    if (fields.length < header.length) {
      throw new InvalidArgumentError(`Line ${i + 2} of the STS file has ${fields.length} tab-separated fields; ` +
        `its header has ${header.length}.`);
    }
    return Object.fromEntries(header.map((name, k) => [name, fields[k]]));
  }).map(stsPairFrom(header, 'tab-separated header line', (i) => `Line ${i + 2}`));
}

/**
 * Parses JSON Lines of {"sentence1": ..., "sentence2": ..., "score": ...} objects (other
 * fields are ignored; blank lines skipped).
 */
export function parseStsJsonl(text) {
  const records = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      records.push({ line: i + 1, record: JSON.parse(line) });
    } catch (err) {
      throw new InvalidArgumentError(`Line ${i + 1} of the STS file is not JSON (${err.message}).`);
    }
  });
  return records.map(({ record }) => record)
    .map(stsPairFrom(undefined, 'JSON object', (i) => `Line ${records[i].line}`));
}

/**
 * Checks records (objects by column name) into pairs: a numeric score and two strings.
 * @param {string[]|undefined} header  column names, checked up front when the format has them
 */
export function stsPairFrom(header, what, where) {
  const missing = header && ['score', 'sentence1', 'sentence2'].filter((name) => !header.includes(name));
  if (missing?.length) {
    throw new InvalidArgumentError(`The STS file's ${what} lacks ${missing.join(', ')}: it needs score, sentence1 ` +
      'and sentence2 columns (KorSTS format: genre filename year id score sentence1 sentence2).');
  }
  return (record, i) => {
    const score = typeof record?.score === 'string' && record.score.trim() !== '' ? Number(record.score) : record?.score;
    if (typeof score !== 'number' || !Number.isFinite(score)) {
      throw new InvalidArgumentError(`${where(i)} of the STS file has no numeric score (got ${JSON.stringify(record?.score) ?? 'nothing'}).`);
    }
    for (const name of ['sentence1', 'sentence2']) {
      if (typeof record[name] !== 'string') {
        throw new InvalidArgumentError(`${where(i)} of the STS file has no string ${name}.`);
      }
    }
    return { score, sentence1: record.sentence1, sentence2: record.sentence2 };
  };
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

/**
 * Evaluates several models on the same pairs, one after the other (each is disposed before the
 * next loads, so memory holds one model at a time): the model card's comparison table.
 * @param {Array<string | object>} sources  what Embedder.load takes, one per model
 * @param {{score: number, sentence1: string, sentence2: string}[]} pairs
 * @param {{load?: object, embed?: object, onModel?: (event: {index: number, source: string}) => void}} [options]
 * @returns {Promise<Array<{model: string, info: object, scores: Record<string, number>}>>}
 */
export async function compareModels(sources, pairs, { load, embed, onModel } = {}) {
  if (!Array.isArray(sources) || sources.length === 0) {
    throw new InvalidArgumentError('compareModels needs a list of at least one model (folder, URL or Hub id).');
  }
  if (pairs.length < 2) throw new InvalidArgumentError('STS evaluation needs at least 2 pairs.');
  const { Embedder } = await import('./embedder.js');
  const rows = [];
  for (const [index, source] of sources.entries()) {
    const name = typeof source === 'string' ? source : source.description ?? `model ${index + 1}`;
    onModel?.({ index, source: name });
    const model = await Embedder.load(source, load);
    try {
      rows.push({ model: name, info: model.info, scores: await evaluateSts(model, pairs, embed) });
    } finally {
      await model.dispose();
    }
  }
  return rows;
}

/** The model card's table in markdown: a row per model, Pearson and Spearman of each similarity, x100. */
export function formatStsTable(rows, { digits = 2 } = {}) {
  const title = (name) => name[0].toUpperCase() + name.slice(1);
  const columns = STS_METRICS.flatMap((metric) => ['pearson', 'spearman'].map((kind) => [metric, kind]));
  const header = ['Model', ...columns.map(([metric, kind]) => `${title(metric)} ${title(kind)}`)];
  const lines = [`| ${header.join(' | ')} |`, `|${['---', ...columns.map(() => '---:')].join('|')}|`];
  for (const row of rows) {
    const cells = columns.map(([metric, kind]) => (100 * row.scores[`${metric}_${kind}`]).toFixed(digits));
    lines.push(`| ${[row.model.replaceAll('|', '\\|'), ...cells].join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}
