// Compiled with `tsc --noEmit --strict` by tests/js/types.test.js: the published types must
// describe the real API (a wrong name or shape here fails the test).
import {
  Embedder, similarity, similarityMatrix, rows, evaluateSts, parseStsTsv, DEFAULT_MODEL, knownModel,
  GmatrixEmbedError, InvalidArgumentError, BackendUnavailableError, type Embeddings, type Metric, type Backend,
  quantizeEmbeddings, calibrationRanges, type Precision,
  createSearchIndex, searchIndex, type SearchIndex, type SearchHit,
  createWorkerEmbedder, type WorkerEmbedder, AbortError, DisposedError,
} from 'gmatrix-embed';
import { convertModel, readSearchIndex } from 'gmatrix-embed/node';
import { convertWeights, parseDtypes } from 'gmatrix-embed/convert';

async function main(): Promise<void> {
  const model: Embedder = await Embedder.load(DEFAULT_MODEL, {
    threads: 2, maxLength: 128, batchSize: 16, batchTokens: 2048, dtype: 'q8', offline: false, backend: 'auto',
    onProgress: (e) => console.log(e.file, e.loaded / e.total),
  });
  const result: Embeddings = await model.embed(['가', '나'], { normalize: true, batchTokens: 512 });
  const backend: Backend = model.info.backend;
  console.log(backend, model.info.backendReason, model.info.graphPasses.length);
  const [a, b] = rows(result);
  const precision: Precision = 'int8';
  const quantized = quantizeEmbeddings(result, precision, { ranges: calibrationRanges(result) });
  console.log(quantized.dims[1], quantized.data.length, model.info.dtypeReason);
  const metric: Metric = 'cosine';
  const score: number = similarity(a, b, metric) + model.similarity(a, [1, 2], 'dot');
  const matrix = similarityMatrix(result, result, 'euclidean');
  const { ids, tokens } = model.tokenize('안녕');
  const figures = await evaluateSts(model, parseStsTsv('score\tsentence1\tsentence2\n1\ta\tb\n2\tc\td'));
  console.log(score, matrix.dims[0], ids.length, tokens[0], figures.cosine_spearman, model.info.dimensions,
    knownModel(DEFAULT_MODEL)?.korsts?.cosine_spearman);
  await convertModel('bi-matrix/gmatrix-embedding', { outDir: 'out', dtype: ['fp32', 'q4'] });
  const outputs = convertWeights({ config: {}, weightsFile: 'model.safetensors', weightsBytes: new Uint8Array(), dtypes: parseDtypes('fp32,q8') });
  console.log(outputs.get('q8')?.path);
  const fp32: SearchIndex = createSearchIndex(result);
  const binary = createSearchIndex(quantizeEmbeddings(result, 'binary'));
  const int8 = createSearchIndex(quantizeEmbeddings(result, 'int8', { ranges: calibrationRanges(result) }));
  const hits: SearchHit[][] = searchIndex(binary, result, { topK: 5, rescore: int8, rescoreMultiplier: 4 });
  const best: number = searchIndex(fp32, a, { metric: 'dot' })[0][0].row + hits[0][0].score;
  const stored = await readSearchIndex('corpus.npy');
  console.log(best, stored.rows, stored.dimensions, stored.precision, searchIndex(stored, [a, b]).length);
  [fp32, binary, int8, stored].forEach((index) => index.dispose());
  await model.dispose();

  const controller = new AbortController();
  const inWorker: WorkerEmbedder = await createWorkerEmbedder('/models/tiny/', {
    backend: 'webgpu', threads: 1, workerUrl: new URL('https://example.com/worker.js'), onProgress: (e) => console.log(e.loaded),
  });
  const embedded: Embeddings = await inWorker.embed(['가'], { signal: controller.signal, onProgress: ({ done, total }) => console.log(done / total) });
  const tokenized = await inWorker.tokenize('가');
  console.log(inWorker.info.backend === 'webgpu', embedded.dims, tokenized.tokens, inWorker.similarity(a, b));
  await inWorker.dispose().catch((err: unknown) => err instanceof AbortError || err instanceof DisposedError);
}

main().catch((err: unknown) => {
  if (err instanceof InvalidArgumentError || err instanceof GmatrixEmbedError) console.error(err.code);
  if (err instanceof BackendUnavailableError) console.error(err.backend, err.reason);
});
