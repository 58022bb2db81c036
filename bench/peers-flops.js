// Floating-point work of the base DeBERTa-v2 encoder, for the peers section's "achieved GFLOP/s".
//
// Counted: 2*M*N*K for every MatMul the encoder runs on a [B, L] batch; everything else (LayerNorm,
// softmax, GELU, the relative-position gathers) is a few percent and left out. The count is symbolic,
// from config.json, for the structure of the reference graph (Hugging Face DebertaV2Model exported by
// torch), and checked against that graph by `checkMatMuls` below. Per layer, with hidden H,
// intermediate I, P = 2 * position_buckets relative positions:
//   query/key/value/output projections   4 x 2*B*L*H*H
//   feed-forward in and out              2 x 2*B*L*H*I
//   content-to-content scores  Q K^T     2*B*L*L*H      (heads x [L, d] x [d, L])
//   attention-weighted values  A V       2*B*L*L*H
//   content-to-position  Q x pos_key^T   2*B*L*P*H      (every query against all P relative keys)
//   position-to-content  K x pos_query^T 2*B*L*P*H
// The projections of the relative embeddings themselves (2 per layer, [P, H] x [H, H]) depend on no
// input: ONNX Runtime's constant folding computes them once when the session is created (a 1 x 3
// batch runs in a fraction of the ~14 GFLOP they would cost per run), so they are not counted.
import { decodeModel, int64ToNumber } from '../js/src/convert/onnx-proto.js';

/** MatMul FLOPs of one encoder run on a [rows, length] batch. */
export function encoderFlops(config, rows, length) {
  const H = config.hidden_size;
  const I = config.intermediate_size;
  const P = 2 * config.position_buckets;
  const tokens = rows * length;
  const perLayer = 2 * tokens * H * (4 * H + 2 * I) + 2 * 2 * tokens * length * H + 2 * 2 * tokens * P * H;
  return config.num_hidden_layers * perLayer;
}

/** Sum of encoderFlops over batches [{rows, length}]. */
export function batchesFlops(config, batches) {
  return batches.reduce((sum, { rows, length }) => sum + encoderFlops(config, rows, length), 0);
}

/**
 * The batches gmatrix-embed ran for embed(list): texts ordered by token count, longest first (ties
 * in list order), cut into batches of the row counts its onProgress reported, each padded to its
 * first (longest) text. The Embedder reports rows per batch but not their padded length; this
 * takes the order from js/src/batching.js (planBatches).
 */
export function sortedBatches(tokenLengths, batchRows) {
  const order = tokenLengths.map((_, i) => i).sort((a, b) => tokenLengths[b] - tokenLengths[a] || a - b);
  const batches = [];
  let start = 0;
  for (const rows of batchRows) {
    batches.push({ rows, length: tokenLengths[order[start]] });
    start += rows;
  }
  if (start !== tokenLengths.length) throw new Error(`the batches hold ${start} texts, the list ${tokenLengths.length}`);
  return batches;
}

/** The batches transformers.js runs when given the list in chunks of `chunk`, in order. */
export function chunkBatches(tokenLengths, chunk) {
  return chunked(tokenLengths.map((_, i) => i), chunk).map((rows) => ({
    rows: rows.length, length: Math.max(...rows.map((i) => tokenLengths[i])),
  }));
}

function chunked(items, size) {
  const out = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Checks that the graph's MatMuls are the ones encoderFlops counts: per layer, six against weight
 * matrices of the configured sizes (input-dependent left operand), four between two activations,
 * and two on constants only (the folded relative-embedding projections). Throws if not.
 * @returns {{weight: number, activation: number, constant: number}} the MatMul counts
 */
export function checkMatMuls(onnxBytes, config) {
  const graph = decodeModel(onnxBytes).graph;
  const initializers = new Map(graph.initializer.map((t) => [t.name, t.dims.map(int64ToNumber)]));
  const producer = new Map(graph.node.flatMap((node) => node.output.map((name) => [name, node])));
  const inputs = new Set(graph.input.map((i) => i.name));
  const memo = new Map();
  // Whether a value depends on a graph input (else ONNX Runtime can fold it at load).
  const variable = (name) => {
    if (inputs.has(name)) return true;
    if (!memo.has(name)) {
      memo.set(name, false);
      memo.set(name, Boolean(producer.get(name)?.input.some(variable)));
    }
    return memo.get(name);
  };
  // A weight reached through Identity (the exporter's alias for a shared tensor).
  const weightDims = (name) => {
    const node = producer.get(name);
    return initializers.get(name) ?? (node?.opType === 'Identity' ? weightDims(node.input[0]) : undefined);
  };

  const counts = { weight: 0, activation: 0, constant: 0 };
  const weightShapes = new Map();
  for (const node of graph.node) {
    if (node.opType === 'Gemm') throw new Error('the graph has a Gemm node, which encoderFlops does not count');
    if (node.opType !== 'MatMul') continue;
    const [a, b] = node.input;
    if (!variable(a) && !variable(b)) counts.constant++;
    else if (variable(a) && variable(b)) counts.activation++;
    else {
      counts.weight++;
      const key = JSON.stringify(weightDims(b));
      weightShapes.set(key, (weightShapes.get(key) ?? 0) + 1);
    }
  }
  const { hidden_size: H, intermediate_size: I, num_hidden_layers: layers } = config;
  const expected = { weight: 6 * layers, activation: 4 * layers, constant: 2 * layers };
  const expectedShapes = new Map([
    [JSON.stringify([H, H]), 4 * layers], [JSON.stringify([H, I]), layers], [JSON.stringify([I, H]), layers],
  ]);
  const sameShapes = weightShapes.size === expectedShapes.size &&
    [...expectedShapes].every(([key, n]) => weightShapes.get(key) === n);
  if (JSON.stringify(counts) !== JSON.stringify(expected) || !sameShapes) {
    throw new Error(`the graph's MatMuls (${JSON.stringify(counts)}, weights ${JSON.stringify([...weightShapes])}) ` +
      `are not the ${JSON.stringify(expected)} that encoderFlops counts for this config`);
  }
  return counts;
}
