import { DEFAULT_MODEL } from '../embedder.js';
import { compareModels, formatStsTable } from '../sts.js';
import { STS_FORMATS, readStsFile } from '../sts-file-node.js';
import { choiceFlag, loadOptionsFrom, UsageError } from './args.js';

export const summary = 'labelled pairs -> the model card\'s table: Pearson and Spearman of 4 similarities (x100), per model';
export const options = {
  // Repeatable here (one row per model); every other command takes one.
  model: { type: 'string', short: 'm', multiple: true },
  data: { type: 'string', short: 'd' },
  format: { type: 'string' },
  json: { type: 'boolean' },
};
export const usage = `Usage: gmatrix-embed eval --data FILE [--model A --model B ...] [--json] [options]

Embeds both sentences of every pair of FILE with each model and prints the model card's table:
Pearson and Spearman correlation of the gold scores with cosine, euclidean, manhattan and dot
similarity, x100, one row per model (--json: the raw values with each model's settings).

  -d, --data FILE        KorSTS TSV (genre filename year id score sentence1 sentence2), or any
                         .tsv, .csv or .jsonl with sentence1, sentence2 and score columns
  --format F             tsv | csv | jsonl, when the extension does not say
  -m, --model M          repeat to compare models side by side (default bi-matrix/gmatrix-embedding);
                         models load one at a time

Examples:
  gmatrix-embed eval --data sts-test.tsv
  gmatrix-embed eval --data my-pairs.csv -m bi-matrix/gmatrix-embedding -m jhgan/ko-sroberta-multitask`;

export async function run({ values }, io) {
  if (!values.data) throw new UsageError('eval needs --data FILE (KorSTS TSV, or .tsv/.csv/.jsonl with sentence1, sentence2, score)');
  const format = values.format === undefined ? undefined : choiceFlag(values, 'format', STS_FORMATS);
  const pairs = await readStsFile(values.data, { format });
  const models = values.model?.length ? values.model : [DEFAULT_MODEL];
  const load = loadOptionsFrom({ ...values, model: undefined }, io);
  const quiet = values.quiet || models.length === 1;
  const rows = await compareModels(models, pairs, {
    load,
    onModel: quiet ? undefined : ({ index, source }) => io.stderr.write(`[${index + 1}/${models.length}] ${source}\n`),
  });
  if (values.json) {
    const json = {
      data: values.data,
      pairs: pairs.length,
      models: rows.map(({ model, info, scores }) => ({
        model, source: info.source, dtype: info.dtype, backend: info.backend, maxLength: info.maxLength, scores,
      })),
    };
    io.stdout.write(`${JSON.stringify(json, null, 1)}\n`);
  } else {
    io.stdout.write(`${pairs.length} pairs of ${values.data} (x100)\n\n${formatStsTable(rows)}`);
  }
}
