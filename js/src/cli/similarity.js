import { Embedder, DEFAULT_MODEL } from '../embedder.js';
import { pairSimilarity, rows } from '../similarity.js';
import { METRICS } from '../options.js';
import { loadOptionsFrom, UsageError } from './args.js';

export const summary = 'two texts -> cosine, dot, euclidean and manhattan';
export const options = { json: { type: 'boolean' } };
export const usage = `Usage: gmatrix-embed similarity "text a" "text b" [--json] [options]

Prints the cosine and dot similarity and the euclidean and manhattan distance of two texts.`;

export async function run({ values, positionals }, io) {
  if (positionals.length !== 2) throw new UsageError('similarity takes exactly two texts: "text a" "text b"');
  const model = await Embedder.load(values.model ?? DEFAULT_MODEL, loadOptionsFrom(values, io));
  try {
    const [a, b] = rows(await model.embed(positionals));
    const result = Object.fromEntries(METRICS.map((metric) => [metric, pairSimilarity(a, b, metric)]));
    io.stdout.write(values.json ? `${JSON.stringify(result)}\n`
      : METRICS.map((metric) => `${metric.padEnd(9)} ${result[metric]}`).join('\n') + '\n');
  } finally {
    await model.dispose();
  }
}
