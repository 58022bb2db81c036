import fs from 'node:fs/promises';
import { Embedder, DEFAULT_MODEL } from '../embedder.js';
import { evaluateSts, parseStsTsv } from '../sts.js';
import { loadOptionsFrom, parseCommandArgs, UsageError } from './main.js';

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

export async function run(args, io) {
  const { values } = parseCommandArgs(args, { data: { type: 'string', short: 'd' }, json: { type: 'boolean' } });
  if (!values.data) throw new UsageError('eval needs --data FILE (KorSTS-format TSV).');
  let text;
  try {
    text = await fs.readFile(values.data, 'utf8');
  } catch (err) {
    throw new UsageError(`Cannot read --data ${values.data}: ${err.code === 'ENOENT' ? 'no such file' : err.message}.`);
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
