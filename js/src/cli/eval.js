import fs from 'node:fs/promises';
import { Embedder, DEFAULT_MODEL } from '../embedder.js';
import { InvalidArgumentError } from '../errors.js';
import { evaluateSts, parseStsTsv } from '../sts.js';
import { loadOptionsFrom, UsageError } from './args.js';

const METRIC_NAMES = ['cosine', 'euclidean', 'manhattan', 'dot'];

/** The model card's table: rows per similarity, Pearson and Spearman x 100. */
export function formatTable(result, pairCount) {
  const lines = [`KorSTS-format evaluation, ${pairCount} pairs (x100)`, '', '| similarity | Pearson | Spearman |',
    '|------------|--------:|---------:|'];
  for (const name of METRIC_NAMES) {
    const cell = (key) => (100 * result[`${name}_${key}`]).toFixed(4);
    lines.push(`| ${name.padEnd(10)} | ${cell('pearson')} | ${cell('spearman')} |`);
  }
  return `${lines.join('\n')}\n`;
}

export const summary = 'KorSTS-format TSV -> Pearson and Spearman of the four similarities (x100)';
export const options = { data: { type: 'string', short: 'd' }, json: { type: 'boolean' } };
export const usage = `Usage: gmatrix-embed eval --data FILE [--json] [options]

Embeds both sentences of every pair of a KorSTS-format TSV (columns ... score, sentence1, sentence2)
and prints the model card's table: Pearson and Spearman correlation of the gold scores with cosine,
euclidean, manhattan and dot similarity, x100 (--json: the raw values).`;

export async function run({ values }, io) {
  if (!values.data) throw new UsageError('eval needs --data FILE (KorSTS-format TSV)');
  let text;
  try {
    text = await fs.readFile(values.data, 'utf8');
  } catch (err) {
    throw new InvalidArgumentError(`Cannot read --data ${values.data}: ${err.code === 'ENOENT' ? 'no such file' : err.message}.`);
  }
  const pairs = parseStsTsv(text);
  const model = await Embedder.load(values.model ?? DEFAULT_MODEL, loadOptionsFrom(values, io));
  try {
    const result = await evaluateSts(model, pairs);
    io.stdout.write(values.json ? `${JSON.stringify(result)}\n` : formatTable(result, pairs.length));
  } finally {
    await model.dispose();
  }
}
