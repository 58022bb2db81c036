// gmatrix-embed search: top-k rows of an index written by `embed --output` for query texts,
// embedded with the model the index names (its sidecar), scored by the WebAssembly core.
import fs from 'node:fs';
import { Embedder } from '../embedder.js';
import { InvalidArgumentError } from '../errors.js';
import { searchIndex } from '../search/search-index.js';
import { readEmbeddingsSidecar, readSearchIndex } from '../search/read-index-node.js';
import { integerFlag, loadOptionsFrom, UsageError } from './args.js';
import { inputSpec, readTexts } from './input.js';

export const summary = 'query texts -> the top-k rows of an index written by embed (fp32, int8 or binary)';
export const options = {
  index: { type: 'string' },
  query: { type: 'string', multiple: true },
  queries: { type: 'string' },
  'top-k': { type: 'string', short: 'k' },
  rescore: { type: 'string' },
  corpus: { type: 'string' },
  json: { type: 'boolean' },
};
export const usage = `Usage: gmatrix-embed search --index OUT.npy (--query TEXT... | --queries FILE) [options]

Embeds each query with the index's model and prints its top-k rows, best first.
  --index FILE           .npy or .f32 written by 'gmatrix-embed embed --output' (with its sidecar)
  --query TEXT           a query; repeat for several
  --queries FILE         queries from a .txt/.jsonl/.csv/.tsv file (as embed's --input)
  -k, --top-k K          results per query (default 10)
  --rescore FILE         a float32 or int8 index of the same rows: re-rank the top K x 4 by it
                         (for binary indexes: Hamming distance first, then exact-ish scores)
  --corpus FILE          the texts of the index's rows, shown beside the results (default: the
                         input the index was embedded from, when it is still there unchanged)
  --json                 one JSON line per query: {"query", "results": [{"row", "score", "text"}]}
Scores: cosine for float32, and for int8/uint8 with the dequantized rows; minus the Hamming
distance for binary/ubinary (then, with --rescore, the rescore index's cosine).

Example:
  gmatrix-embed embed -i corpus.txt -o corpus.npy --precision int8
  gmatrix-embed search --index corpus.npy --query "주말에 갈 만한 곳" -k 5`;

// Texts of the given input rows, in one streaming pass over the corpus.
async function corpusTexts(spec, io, wanted) {
  const texts = new Map();
  if (wanted.size === 0) return texts;
  const last = Math.max(...wanted);
  let row = 0;
  for await (const text of readTexts(spec, io)) {
    if (wanted.has(row)) texts.set(row, text);
    if (row++ >= last) break;
  }
  return texts;
}

function corpusSpec(values, sidecar) {
  if (values.corpus) return inputSpec({ input: values.corpus, column: sidecar.input?.column ?? undefined });
  const input = sidecar.input;
  if (!input?.file || input.file === 'stdin' || !fs.existsSync(input.file)) return undefined;
  if (fs.statSync(input.file).size !== input.bytes) return undefined; // changed since: do not guess
  return { file: input.file, name: input.file, format: input.format, column: input.column ?? undefined, stdin: false };
}

export async function run({ values }, io) {
  if (!values.index) throw new UsageError('search needs --index FILE (an .npy or .f32 written by gmatrix-embed embed --output)');
  if (!values.query && !values.queries) throw new UsageError('search needs --query TEXT or --queries FILE');
  const topK = values['top-k'] === undefined ? 10 : integerFlag(values, 'top-k', { max: 10000 });
  const sidecar = await readEmbeddingsSidecar(values.index);
  const queries = [...(values.query ?? [])];
  if (values.queries) for await (const text of readTexts(inputSpec({ input: values.queries }), io)) queries.push(text);

  const index = await readSearchIndex(values.index);
  const rescore = values.rescore ? await readSearchIndex(values.rescore) : undefined;
  try {
    const loadOptions = loadOptionsFrom({ ...values, model: undefined }, io);
    if (values.dtype === undefined && sidecar.dtype) loadOptions.dtype = sidecar.dtype;
    if (values.revision === undefined && sidecar.revision) loadOptions.revision = sidecar.revision;
    const model = await Embedder.load(values.model ?? sidecar.model, loadOptions);
    let results;
    try {
      if (model.info.dimensions !== sidecar.dimensions) {
        throw new InvalidArgumentError(`${values.index} holds ${sidecar.dimensions}-dimensional vectors; the model gives ${model.info.dimensions}.`);
      }
      const embeddings = await model.embed(queries, { normalize: sidecar.normalize });
      results = searchIndex(index, embeddings, { topK, rescore });
    } finally {
      await model.dispose();
    }
    const offset = sidecar.shard?.start ?? 0;
    const spec = corpusSpec(values, sidecar);
    const texts = spec ? await corpusTexts(spec, io, new Set(results.flat().map((r) => r.row + offset))) : new Map();
    queries.forEach((query, i) => {
      const hits = results[i].map(({ row, score }) => ({ row, score, text: texts.get(row + offset) }));
      if (values.json) {
        io.stdout.write(`${JSON.stringify({ query, results: hits })}\n`);
        return;
      }
      io.stdout.write(`${i ? '\n' : ''}query: ${query}\n`);
      hits.forEach((hit, rank) => {
        const shown = hit.text?.replace(/\s+/g, " ");
        const text = shown === undefined ? "" : `  ${shown.length > 100 ? `${shown.slice(0, 99)}…` : shown}`;
        io.stdout.write(`${String(rank + 1).padStart(3)}. ${hit.score.toFixed(4).padStart(9)}  row ${hit.row}${text}\n`);
      });
    });
  } finally {
    index.dispose();
    rescore?.dispose();
  }
}
