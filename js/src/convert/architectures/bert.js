// BERT (HF modeling_bert.py, BertModel) as an ONNX graph built from its weights. The embeddings
// and encoder here are also RoBERTa's and XLM-RoBERTa's (roberta.js): those differ only in how
// position ids are numbered, which the family's `positionIds` supplies.
//
// Graph contract: finish-model.js (input_ids, attention_mask -> last_hidden_state). There is no
// token_type_ids input: HF then uses type 0 everywhere, so row 0 of token_type_embeddings is added
// to every token.
import { quoteUntrusted } from '../../errors.js';
import { DataType } from '../onnx-proto.js';
import { OnnxGraphBuilder } from '../onnx-graph-builder.js';
import { configFields } from './config-fields.js';
import { FLOAT32_MIN, graphLayers } from './layers.js';
import { finishModel } from './finish-model.js';
import { weightLookup } from './weight-lookup.js';

export const name = 'BERT';
export const modelTypes = ['bert'];

/** @returns {object} the checked architecture (a ModelFormatError names any field it cannot use) */
export function checkConfig(config) {
  return readEncoderConfig(config, { family: name, modelTypes });
}

/**
 * @param {object} config  parsed HF config.json of a BertModel
 * @param {Map<string, {dims: number[], data: Float32Array}>} weights  HF state_dict names (a
 *   `bert.` prefix is fine)
 * @param {import('./finish-model.js').BuildOptions} [options]
 * @returns {import('./finish-model.js').BuildResult}
 */
export function build(config, weights, options = {}) {
  return buildEncoder(checkConfig(config), weights, options, {
    family: name,
    prefix: 'bert',
    graphName: 'bert',
    docString: 'BertModel built by gmatrix-embed from Hugging Face weights',
    // BertEmbeddings: position_ids = arange(seq_length), the same for every row.
    positionIds: (g, seqLen) => g.op('Range', [g.int64(0, []), seqLen, g.int64(1, [])]),
  });
}

/**
 * The configuration BERT and RoBERTa share, with HF's BertConfig defaults, validated.
 * @param {object} config
 * @param {{family: string, modelTypes: string[]}} spec
 */
export function readEncoderConfig(config, { family, modelTypes: types }) {
  const { fail, size, activation, epsilon, flag } = configFields(family, config);
  if (config.model_type !== undefined && !types.includes(config.model_type)) {
    fail(`config.json says model_type ${quoteUntrusted(config.model_type, 60)}, expected ${types.map((t) => `"${t}"`).join(' or ')}.`);
  }
  const hidden = size('hidden_size');
  const heads = size('num_attention_heads');
  if (hidden % heads !== 0) fail(`hidden_size ${hidden} is not a multiple of num_attention_heads ${heads}.`);
  // An explicit null is not "absolute": HF then adds no position embeddings at all.
  const positionType = config.position_embedding_type === undefined ? 'absolute' : config.position_embedding_type;
  if (positionType !== 'absolute') {
    fail(`position_embedding_type ${quoteUntrusted(positionType, 60)} is not supported (only "absolute"); ` +
      'export such a model with torch.onnx.export instead.');
  }
  if (flag('is_decoder', false)) fail('is_decoder is true (causal attention); only encoders are converted.');
  return {
    hidden,
    heads,
    headSize: hidden / heads,
    layers: size('num_hidden_layers'),
    intermediate: size('intermediate_size'),
    vocabSize: size('vocab_size'),
    maxPositions: size('max_position_embeddings', 512),
    // nn.Embedding(type_vocab_size, ...) is looked up with type 0, so it needs a row.
    typeVocabSize: size('type_vocab_size', 2),
    hiddenAct: activation(),
    eps: epsilon(1e-12),
  };
}

/** Config sizes against the weights' shapes, before anything sized by the config is built. */
function checkSizesAgainstWeights(arch, w) {
  const check = w.checkSize;
  check('hidden_size', arch.hidden, 'embeddings.LayerNorm.weight', 0, 'hidden values');
  check('vocab_size', arch.vocabSize, 'embeddings.word_embeddings.weight', 0, 'tokens');
  check('hidden_size', arch.hidden, 'embeddings.word_embeddings.weight', 1, 'values per token embedding');
  check('max_position_embeddings', arch.maxPositions, 'embeddings.position_embeddings.weight', 0, 'positions');
  check('type_vocab_size', arch.typeVocabSize, 'embeddings.token_type_embeddings.weight', 0, 'token types');
  w.checkLayerCount(arch.layers);
  check('intermediate_size', arch.intermediate, 'encoder.layer.0.intermediate.dense.weight', 0, 'intermediate values');
}

/**
 * BertModel's forward pass: embeddings, then num_hidden_layers of self-attention + feed-forward.
 * @param {{family: string, prefix: string, graphName: string, docString: string,
 *   positionIds: (g: OnnxGraphBuilder, seqLen: string) => string}} spec
 *   `positionIds` gives int64 ids, [sequence] or [batch, sequence], to look position embeddings up with
 */
export function buildEncoder(arch, weights, options, spec) {
  const w = weightLookup(weights, { prefix: spec.prefix, family: spec.family });
  checkSizesAgainstWeights(arch, w);
  const g = new OnnxGraphBuilder();
  const { linear, layerNorm, activation } = graphLayers(g, w, arch);
  const { hidden, heads, headSize } = arch;
  const table = (tensor, rows) => g.floats(tensor, [rows, hidden], w.get(tensor, [rows, hidden]).data);

  const seqLen = g.op('Squeeze', [g.op('Slice', [g.op('Shape', ['input_ids']), g.int64([1]), g.int64([2])]), g.int64([0])]);

  // BertEmbeddings: (word + token type 0) + position -> LayerNorm, in HF's order of additions.
  const words = g.op('Gather', [table('embeddings.word_embeddings.weight', arch.vocabSize), 'input_ids'], { axis: 0 });
  const types = w.get('embeddings.token_type_embeddings.weight', [arch.typeVocabSize, hidden]).data;
  let x = g.op('Add', [words, g.floats('embeddings.token_type_embeddings.row0', [hidden], types.slice(0, hidden))]);
  const positions = g.op('Gather', [table('embeddings.position_embeddings.weight', arch.maxPositions),
    spec.positionIds(g, seqLen)], { axis: 0 });
  x = layerNorm(g.op('Add', [x, positions]), 'embeddings.LayerNorm', hidden);

  // get_extended_attention_mask: (1 - mask) * finfo.min added to every query's scores, [B,1,1,L].
  const maskFloat = g.op('Cast', ['attention_mask'], { to: DataType.FLOAT });
  const maskBias = g.op('Unsqueeze', [
    g.op('Mul', [g.op('Sub', [g.float32(1, []), maskFloat]), g.float32(FLOAT32_MIN, [])]), g.int64([1, 2])]);
  const scale = g.float32(Math.sqrt(headSize), []);

  for (let l = 0; l < arch.layers; l++) {
    const p = `encoder.layer.${l}`;
    // BertSelfAttention: [B, L, hidden] -> [B, heads, L, head_size] per projection.
    const project = (input, part) => g.op('Transpose',
      [g.op('Reshape', [linear(input, `${p}.attention.self.${part}`, hidden, hidden), g.int64([0, 0, heads, headSize])])],
      { perm: [0, 2, 1, 3] });
    const query = project(x, 'query');
    const key = project(x, 'key');
    const value = project(x, 'value');
    const scores = g.op('Add', [
      g.op('Div', [g.op('MatMul', [query, g.op('Transpose', [key], { perm: [0, 1, 3, 2] })]), scale]), maskBias]);
    const context = g.op('Reshape', [
      g.op('Transpose', [g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), value])], { perm: [0, 2, 1, 3] }),
      g.int64([0, 0, hidden])]);
    // BertSelfOutput, BertIntermediate, BertOutput.
    const attnOut = layerNorm(g.op('Add', [linear(context, `${p}.attention.output.dense`, hidden, hidden), x]),
      `${p}.attention.output.LayerNorm`, hidden);
    const inter = activation(linear(attnOut, `${p}.intermediate.dense`, hidden, arch.intermediate), `${p}.intermediate`);
    x = layerNorm(g.op('Add', [linear(inter, `${p}.output.dense`, arch.intermediate, hidden), attnOut]),
      `${p}.output.LayerNorm`, hidden);
  }
  return finishModel(g, x, { hidden, graphName: spec.graphName, docString: spec.docString }, options);
}
