// DeBERTa-v2 (HF modeling_deberta_v2.py, DebertaV2Model) as an ONNX graph built straight from its
// weights, so a model can be converted without Python. The graph contract is finish-model.js's
// (the same as torch.onnx.export of DebertaV2Model).
//
// The math follows HF's forward pass step by step; comments name the HF piece each block mirrors.
// Values that depend only on weights (LayerNorm'd relative embeddings and their projections) are
// left in the graph: onnxruntime folds them into constants when the session is created.
import { ModelFormatError, describeUntrusted, quoteUntrusted } from '../../errors.js';
import { DataType } from '../onnx-proto.js';
import { OnnxGraphBuilder } from '../onnx-graph-builder.js';
import { configFields } from './config-fields.js';
import { FLOAT32_MIN, graphLayers } from './layers.js';
import { finishModel } from './finish-model.js';
import { weightLookup } from './weight-lookup.js';

export const name = 'DeBERTa-v2';
export const modelTypes = ['deberta-v2'];

// Longest relative distance the graph's index table covers (2 * this + 1 entries, built in JS and
// stored in the graph). DeBERTa-v2 models use 512; the cap is 128 times that, and keeps a config
// that says 10^9 from building a gigabyte table before any weight is looked at.
const MAX_RELATIVE_POSITIONS = 65536;

/**
 * @param {object} config  parsed HF config.json of a DebertaV2Model
 * @param {Map<string, {dims: number[], data: Float32Array}>} weights  HF state_dict names (a
 *   `deberta.` prefix is fine)
 * @param {import('./finish-model.js').BuildOptions} [options]
 * @returns {import('./finish-model.js').BuildResult}
 */
export function build(config, weights, options = {}) {
  const arch = readArchitecture(config);
  const w = weightLookup(weights, { prefix: 'deberta', family: name });
  checkSizesAgainstWeights(arch, w); // before anything sized by the config is built
  const g = new OnnxGraphBuilder();
  const hidden = buildForward(g, arch, w);
  return finishModel(g, hidden, {
    hidden: arch.hidden,
    graphName: 'deberta_v2',
    docString: 'DebertaV2Model built by gmatrix-embed from Hugging Face weights',
  }, options);
}

export { readArchitecture as checkConfig };

// ---------------------------------------------------------------------------------------------
// Configuration

/** Every architecture flag the forward pass depends on, with HF's defaults, validated. */
export function readArchitecture(config) {
  const { fail, int, size, activation, epsilon, flag } = configFields(name, config);
  if (config.model_type !== undefined && config.model_type !== 'deberta-v2') {
    fail(`config.json says model_type ${quoteUntrusted(config.model_type, 60)}, expected "deberta-v2".`);
  }
  const hidden = size('hidden_size');
  const heads = size('num_attention_heads');
  if (config.attention_head_size === undefined && hidden % heads !== 0) {
    fail(`hidden_size ${hidden} is not a multiple of num_attention_heads ${heads}.`);
  }
  const headSize = size('attention_head_size', Math.floor(hidden / heads));

  // ConvLayer after the first encoder layer (microsoft/deberta-v2-xlarge): HF pads (k - 1) / 2
  // on each side, so only an odd kernel keeps the sequence length (an even one fails in HF).
  const convKernelSize = int('conv_kernel_size', 0);
  let conv = null;
  if (convKernelSize > 0) {
    if (convKernelSize % 2 === 0) {
      fail(`conv_kernel_size ${convKernelSize} is even; HF's ConvLayer only runs with an odd kernel size.`);
    }
    const groups = size('conv_groups', 1);
    if (hidden % groups !== 0) fail(`hidden_size ${hidden} is not a multiple of conv_groups ${groups}.`);
    conv = { kernelSize: convKernelSize, groups, act: activation('conv_act', 'tanh') };
  }

  const posAttType = readPosAttType(config.pos_att_type, fail);

  // HF lowercases the string and checks only for "layer_norm"; anything else we do not know is refused.
  if (config.norm_rel_ebd !== undefined && typeof config.norm_rel_ebd !== 'string') {
    fail(`norm_rel_ebd must be a string such as "layer_norm" or "none" (got ${describeUntrusted(config.norm_rel_ebd)}).`);
  }
  const normRelEbd = (config.norm_rel_ebd ?? 'none').toLowerCase().split('|').map((s) => s.trim());
  for (const n of normRelEbd) {
    if (n !== 'none' && n !== 'layer_norm') fail(`norm_rel_ebd ${quoteUntrusted(n, 60)} is not supported (only layer_norm or none).`);
  }

  const hiddenAct = activation();

  const maxPositions = size('max_position_embeddings', 512);
  let maxRelativePositions = int('max_relative_positions', -1);
  // HF: max_relative_positions < 1 means max_position_embeddings; say which field set it.
  const relativeField = maxRelativePositions < 1 ? 'max_position_embeddings' : 'max_relative_positions';
  if (maxRelativePositions < 1) maxRelativePositions = maxPositions;
  const positionBuckets = int('position_buckets', -1);
  const relativeAttention = flag('relative_attention', false);
  if (relativeAttention && (maxRelativePositions > MAX_RELATIVE_POSITIONS || positionBuckets > MAX_RELATIVE_POSITIONS)) {
    const [field, value] = positionBuckets > MAX_RELATIVE_POSITIONS ? ['position_buckets', positionBuckets] : [relativeField, maxRelativePositions];
    fail(`config.json field ${field} is ${value}, beyond the ${MAX_RELATIVE_POSITIONS} relative positions this converter builds.`);
  }

  const eps = epsilon(1e-7);

  const arch = {
    hidden,
    heads,
    headSize,
    layers: size('num_hidden_layers'),
    intermediate: size('intermediate_size'),
    embeddingSize: size('embedding_size', hidden),
    vocabSize: size('vocab_size'),
    maxPositions,
    typeVocabSize: size('type_vocab_size', 0, 0),
    relativeField,
    positionBiasedInput: flag('position_biased_input', true),
    relativeAttention,
    maxRelativePositions,
    positionBuckets,
    // DisentangledSelfAttention.pos_ebd_size: half the rows of the relative embedding table.
    attSpan: positionBuckets > 0 ? positionBuckets : maxRelativePositions,
    normRelLayerNorm: normRelEbd.includes('layer_norm'),
    shareAttKey: flag('share_att_key', false),
    posAttType,
    hiddenAct,
    conv,
    eps,
  };
  return arch;
}

/**
 * pos_att_type as DisentangledSelfAttention reads it: a "p2c|c2p" string (lowercased, split on
 * "|") or a list, of which only "c2p" and "p2c" count, each once (they are tested with `in`).
 * "none" (what the string form of "neither" looks like) counts for nothing; any other entry
 * would silently count for nothing too in HF, which here is more likely a typo, so it is refused.
 * @returns {string[]}  the distinct terms, e.g. ['p2c', 'c2p']
 */
function readPosAttType(raw, fail) {
  if (raw !== undefined && raw !== null && typeof raw !== 'string' && !Array.isArray(raw)) {
    fail(`pos_att_type must be a list or a "p2c|c2p" string (got ${describeUntrusted(raw)}).`);
  }
  const entries = typeof raw === 'string' ? raw.toLowerCase().split('|').map((s) => s.trim()) : (raw ?? []);
  const terms = [];
  for (const entry of entries) {
    if (entry === 'c2p' || entry === 'p2c') {
      if (!terms.includes(entry)) terms.push(entry);
    } else if (entry !== 'none' && entry !== '') {
      fail(`pos_att_type entry ${quoteUntrusted(entry, 60)} is not supported (DeBERTa-v2 has "c2p" and "p2c"; ` +
        '"none" or an empty list for neither).');
    }
  }
  return terms;
}

// ---------------------------------------------------------------------------------------------
// Weights

/**
 * Each size in config.json checked against the weights it describes, by shape only, before the
 * graph is built: a config that says vocab_size 10^9 or 10^6 layers next to small weights is
 * refused in one line naming the field, instead of allocating (or looping) by the config.
 * An absent weight is left to the builder, whose message names the missing tensor.
 */
function checkSizesAgainstWeights(arch, w) {
  const check = w.checkSize;

  check('hidden_size', arch.hidden, 'embeddings.LayerNorm.weight', 0, 'hidden values');
  check('vocab_size', arch.vocabSize, 'embeddings.word_embeddings.weight', 0, 'tokens');
  check('embedding_size (default hidden_size)', arch.embeddingSize, 'embeddings.word_embeddings.weight', 1, 'values per token embedding');
  if (arch.positionBiasedInput) check('max_position_embeddings', arch.maxPositions, 'embeddings.position_embeddings.weight', 0, 'positions');
  if (arch.typeVocabSize > 0) check('type_vocab_size', arch.typeVocabSize, 'embeddings.token_type_embeddings.weight', 0, 'token types');

  w.checkLayerCount(arch.layers);
  const attention = 'encoder.layer.0.attention.self.query_proj.weight';
  check('num_attention_heads * attention_head_size', arch.heads * arch.headSize, attention, 0, 'attention values');
  check('intermediate_size', arch.intermediate, 'encoder.layer.0.intermediate.dense.weight', 0, 'intermediate values');

  if (arch.conv) {
    const conv = 'encoder.conv.conv.weight'; // nn.Conv1d: [out, in / groups, kernel]
    if (!w.dims(conv)) {
      throw new ModelFormatError(`Cannot convert this DeBERTa-v2 model: config.json field conv_kernel_size is ${arch.conv.kernelSize}, ` +
        `but the weights have no ConvLayer ("${conv}"). Use the config.json that belongs to these weights.`);
    }
    check('hidden_size / conv_groups', arch.hidden / arch.conv.groups, conv, 1, 'input channels per group');
    check('conv_kernel_size', arch.conv.kernelSize, conv, 2, 'kernel taps');
  }

  if (arch.relativeAttention && arch.posAttType.length > 0) {
    const rel = w.dims('encoder.rel_embeddings.weight');
    if (!rel) throw new ModelFormatError('The weights have no tensor "encoder.rel_embeddings.weight" (nor "deberta.encoder.rel_embeddings.weight"), which relative_attention needs.');
    if (rel.length !== 2 || rel[0] < 2 * arch.attSpan) {
      const field = arch.positionBuckets > 0 ? 'position_buckets' : arch.relativeField;
      w.refuse(field, arch.attSpan, 'encoder.rel_embeddings.weight', rel, `at most ${Math.floor(rel[0] / 2)} relative positions`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Relative positions

/**
 * HF make_log_bucket_position for one distance, evaluated in float32 like torch does
 * (each intermediate rounded with Math.fround), so bucket edges land where the reference puts them.
 */
export function logBucketPosition(relativePos, bucketSize, maxPosition) {
  const mid = Math.floor(bucketSize / 2);
  const abs = Math.abs(relativePos);
  if (abs <= mid) return relativePos;
  const f = Math.fround;
  const ratio = f(f(Math.log(f(abs / mid))) / f(Math.log(f((maxPosition - 1) / mid))));
  return Math.sign(relativePos) * (Math.ceil(f(ratio * (mid - 1))) + mid);
}

/**
 * The c2p gather index for every query-key distance d in [-span, span]:
 * clamp(bucket(d) + attSpan, 0, 2 * attSpan - 1), as in disentangled_attention_bias.
 * Beyond `span` the index no longer changes (buckets only grow with |d|), so the graph clamps d to
 * [-span, span] and looks it up here; that makes every sequence length work.
 * The p2c index at distance d is the c2p index at -d.
 * @returns {{span: number, table: number[]}}  table[d + span]
 */
export function relativePositionIndexTable(arch) {
  const { attSpan, positionBuckets, maxRelativePositions } = arch;
  const bucket = positionBuckets > 0
    ? (d) => logBucketPosition(d, positionBuckets, maxRelativePositions)
    : (d) => d;
  // Find the first distance whose bucket reaches attSpan: from there on both clamps saturate.
  let span = 0;
  while (bucket(span) < attSpan) {
    span++;
    if (span > 1e7) {
      throw new ModelFormatError(`position_buckets ${positionBuckets} with max_relative_positions ` +
        `${maxRelativePositions} never reaches the relative embedding span; the config looks wrong.`);
    }
  }
  const table = [];
  for (let d = -span; d <= span; d++) {
    table.push(Math.min(Math.max(bucket(d) + attSpan, 0), 2 * attSpan - 1));
  }
  return { span, table };
}

// ---------------------------------------------------------------------------------------------
// Forward pass

function buildForward(g, arch, w) {
  const { hidden, heads, headSize } = arch;
  const allHead = heads * headSize;
  const { linear, layerNorm, activation } = graphLayers(g, w, arch);

  // Shapes read at run time: batch and sequence stay dynamic.
  const inputShape = g.op('Shape', ['input_ids']);
  const batchDim = g.op('Slice', [inputShape, g.int64([0]), g.int64([1])]);
  const seqDim = g.op('Slice', [inputShape, g.int64([1]), g.int64([2])]);
  const seqLen = g.op('Squeeze', [seqDim, g.int64([0])]);
  const positions = g.op('Range', [g.int64(0, []), seqLen, g.int64(1, [])]); // [L]

  // DebertaV2Embeddings: word (+ absolute position) (+ token type 0) -> embed_proj -> LayerNorm -> * mask.
  const E = arch.embeddingSize;
  const wordTable = g.floats('embeddings.word_embeddings.weight', [arch.vocabSize, E],
    w.get('embeddings.word_embeddings.weight', [arch.vocabSize, E]).data);
  let x = g.op('Gather', [wordTable, 'input_ids'], { axis: 0 }, { name: 'embeddings' });
  if (arch.positionBiasedInput) {
    const posTable = g.floats('embeddings.position_embeddings.weight', [arch.maxPositions, E],
      w.get('embeddings.position_embeddings.weight', [arch.maxPositions, E]).data);
    x = g.op('Add', [x, g.op('Gather', [posTable, positions], { axis: 0 })], {}, { name: 'embeddings' });
  }
  if (arch.typeVocabSize > 0) {
    // The graph has no token_type_ids input; HF then uses type 0 everywhere.
    const types = w.get('embeddings.token_type_embeddings.weight', [arch.typeVocabSize, E]).data;
    x = g.op('Add', [x, g.floats('embeddings.token_type_embeddings.row0', [E], types.slice(0, E))], {}, { name: 'embeddings' });
  }
  if (E !== hidden) x = linear(x, 'embeddings.embed_proj', E, hidden, false);
  x = layerNorm(x, 'embeddings.LayerNorm', hidden);
  const maskFloat = g.op('Cast', ['attention_mask'], { to: DataType.FLOAT });
  x = g.op('Mul', [x, g.op('Unsqueeze', [maskFloat, g.int64([2])])], {}, { name: 'embeddings' });
  const embeddings = x;

  // DebertaV2Encoder.get_attention_mask: mask[b, i, j] = m[b, i] * m[b, j], as bool for XSoftmax.
  const maskRows = g.op('Unsqueeze', ['attention_mask', g.int64([1, 3])]); // [B,1,L,1]
  const maskCols = g.op('Unsqueeze', ['attention_mask', g.int64([1, 2])]); // [B,1,1,L]
  const keep = g.op('Cast', [g.op('Mul', [maskRows, maskCols])], { to: DataType.BOOL }); // [B,1,L,L]

  // Relative positions (build_relative_position + the clamps of disentangled_attention_bias),
  // and the layer-normed relative embeddings (DebertaV2Encoder.get_rel_embedding).
  const usesRel = arch.relativeAttention && arch.posAttType.length > 0;
  let c2pIndex = null;
  let p2cIndex = null;
  let relEmbeddings = null;
  if (usesRel) {
    const { span, table } = relativePositionIndexTable(arch);
    const indexTable = g.int64(table);
    const distance = g.op('Sub', [
      g.op('Unsqueeze', [positions, g.int64([1])]), // query index i
      g.op('Unsqueeze', [positions, g.int64([0])]), // key index j
    ]); // [L,L], i - j
    const clamped = g.op('Clip', [distance, g.int64(-span, []), g.int64(span, [])]);
    const c2p = g.op('Gather', [indexTable, g.op('Add', [clamped, g.int64(span, [])])], { axis: 0 }); // [L,L]
    // torch.gather needs an index as big as the scores: expand to [B, heads, L, L].
    const scoreShape = g.op('Concat', [batchDim, g.int64([heads]), seqDim, seqDim], { axis: 0 });
    c2pIndex = g.op('Expand', [c2p, scoreShape]);
    // p2c index at (key j, query i) is the c2p index at distance j - i: the transpose.
    p2cIndex = g.op('Expand', [g.op('Transpose', [c2p], { perm: [1, 0] }), scoreShape]);

    const rows = 2 * arch.attSpan;
    const rel = w.get('encoder.rel_embeddings.weight');
    if (rel.dims.length !== 2 || rel.dims[1] !== hidden || rel.dims[0] < rows) {
      throw new ModelFormatError(`encoder.rel_embeddings.weight has shape [${rel.dims}], expected [${rows}, ${hidden}].`);
    }
    relEmbeddings = g.floats('encoder.rel_embeddings.weight', [rows, hidden], rel.data.subarray(0, rows * hidden));
    if (arch.normRelLayerNorm) relEmbeddings = layerNorm(relEmbeddings, 'encoder.LayerNorm', hidden);
  }

  // scale = sqrt(head_size * scale_factor), scale_factor = 1 + one per c2p / p2c term. HF counts
  // the terms of pos_att_type even when relative_attention is false (and none is added).
  const scale = g.float32(Math.sqrt(headSize * (1 + arch.posAttType.length)));
  const splitHeads = [0, 0, heads, headSize]; // Reshape: 0 copies batch / sequence

  for (let l = 0; l < arch.layers; l++) {
    const p = `encoder.layer.${l}`;
    const attn = `${p}.attention.self`;
    // [B, L, hidden] -> [B, heads, L, head_size]
    const project = (input, name) => g.op('Transpose',
      [g.op('Reshape', [linear(input, `${attn}.${name}`, hidden, allHead), g.int64(splitHeads)])],
      { perm: [0, 2, 1, 3] });
    // Relative embeddings [2S, hidden] -> per head, transposed: [heads, head_size, 2S].
    const projectRel = (name) => g.op('Transpose',
      [g.op('Reshape', [linear(relEmbeddings, `${attn}.${name}`, hidden, allHead), g.int64([0, heads, headSize])])],
      { perm: [1, 2, 0] });

    const query = g.op('Div', [project(x, 'query_proj'), scale], {}, { name: attn });
    const key = project(x, 'key_proj');
    const value = project(x, 'value_proj');
    let scores = g.op('MatMul', [query, g.op('Transpose', [key], { perm: [0, 1, 3, 2] })], {}, { name: attn });

    // disentangled_attention_bias: content->position and position->content terms, each / scale.
    if (usesRel && arch.posAttType.includes('c2p')) {
      const posKey = projectRel(arch.shareAttKey ? 'key_proj' : 'pos_key_proj');
      const c2p = g.op('MatMul', [query, posKey], {}, { name: attn }); // [B,H,L,2S]
      scores = g.op('Add', [scores, g.op('GatherElements', [c2p, c2pIndex], { axis: 3 })], {}, { name: attn });
    }
    if (usesRel && arch.posAttType.includes('p2c')) {
      const posQuery = g.op('Div', [projectRel(arch.shareAttKey ? 'query_proj' : 'pos_query_proj'), scale]);
      const p2c = g.op('MatMul', [key, posQuery], {}, { name: attn }); // [B,H,L(key),2S]
      const gathered = g.op('GatherElements', [p2c, p2cIndex], { axis: 3 });
      scores = g.op('Add', [scores, g.op('Transpose', [gathered], { perm: [0, 1, 3, 2] })], {}, { name: attn });
    }

    // XSoftmax: masked scores -> finfo.min, softmax, then masked probabilities -> exactly 0.
    const masked = g.op('Where', [keep, scores, g.float32(FLOAT32_MIN, [])]);
    const probs = g.op('Where', [keep, g.op('Softmax', [masked], { axis: -1 }), g.float32(0, [])]);
    const context = g.op('Reshape', [
      g.op('Transpose', [g.op('MatMul', [probs, value])], { perm: [0, 2, 1, 3] }),
      g.int64([0, 0, allHead]),
    ], {}, { name: attn });

    // DebertaV2SelfOutput, DebertaV2Intermediate, DebertaV2Output.
    const attnOut = layerNorm(
      g.op('Add', [linear(context, `${p}.attention.output.dense`, allHead, hidden), x]),
      `${p}.attention.output.LayerNorm`, hidden);
    const inter = activation(linear(attnOut, `${p}.intermediate.dense`, hidden, arch.intermediate), `${p}.intermediate`);
    x = layerNorm(
      g.op('Add', [linear(inter, `${p}.output.dense`, arch.intermediate, hidden), attnOut]),
      `${p}.output.LayerNorm`, hidden);
    if (l === 0 && arch.conv) x = convLayer(g, arch, w, embeddings, x);
  }
  return x;
}

/**
 * HF ConvLayer (DebertaV2Encoder.conv), applied to the first layer's output `residual` with the
 * encoder's input `embeddings`: Conv1d over the sequence, masked positions set to 0, conv_act,
 * LayerNorm(residual + that), times the mask.
 * @returns {string}  the new hidden state [B, L, hidden]
 */
export function convLayer(g, arch, w, embeddings, residual) {
  const { hidden } = arch;
  const { kernelSize, groups, act } = arch.conv;
  const { layerNorm, activation } = graphLayers(g, w, arch);
  const weight = g.floats('encoder.conv.conv.weight', [hidden, hidden / groups, kernelSize],
    w.get('encoder.conv.conv.weight', [hidden, hidden / groups, kernelSize]).data);
  const bias = g.floats('encoder.conv.conv.bias', [hidden], w.get('encoder.conv.conv.bias', [hidden]).data);
  const pad = (kernelSize - 1) / 2;
  const channelsFirst = g.op('Transpose', [embeddings], { perm: [0, 2, 1] }); // [B, hidden, L], as Conv1d wants
  const convolved = g.op('Transpose', [g.op('Conv', [channelsFirst, weight, bias],
    { kernel_shape: [kernelSize], pads: [pad, pad], strides: [1], dilations: [1], group: groups }, { name: 'encoder.conv' })],
  { perm: [0, 2, 1] });
  // out.masked_fill_((1 - input_mask).bool(), 0): every position whose mask is not 1.
  const keep = g.op('Unsqueeze', [g.op('Equal', ['attention_mask', g.int64(1, [])]), g.int64([2])]);
  const out = activation(g.op('Where', [keep, convolved, g.float32(0, [])]), 'encoder.conv', act);
  const normed = layerNorm(g.op('Add', [residual, out]), 'encoder.conv.LayerNorm', hidden);
  const maskFloat = g.op('Cast', ['attention_mask'], { to: DataType.FLOAT });
  return g.op('Mul', [normed, g.op('Unsqueeze', [maskFloat, g.int64([2])])], {}, { name: 'encoder.conv' });
}
