// RoBERTa and XLM-RoBERTa (HF modeling_roberta.py / modeling_xlm_roberta.py, whose classes are
// copies of RoBERTa's): BERT's embeddings and encoder (bert.js) with position ids numbered from
// the token ids, as create_position_ids_from_input_ids does:
//   position = cumsum(input_ids != pad) * (input_ids != pad) + pad
// so real tokens get pad+1, pad+2, ... wherever the padding is, and pads get `pad` (the table's
// zero row). It is computed in the graph from input_ids, not from attention_mask, exactly as HF
// does; that also covers RoBERTa models with a WordPiece vocabulary (e.g. klue/roberta, pad 1).
import { DataType } from '../onnx-proto.js';
import { buildEncoder, readEncoderConfig } from './bert.js';
import { configFields } from './config-fields.js';

export const name = 'RoBERTa';
export const modelTypes = ['roberta', 'xlm-roberta'];

export function checkConfig(config) {
  const arch = readEncoderConfig(config, { family: name, modelTypes });
  const { fail, int } = configFields(name, config);
  if (config.pad_token_id === null) fail('pad_token_id is null; position ids are counted from it, so it must be set.');
  const pad = int('pad_token_id', 1); // RobertaConfig's default
  // The largest position is pad + sequence length; pad itself must be a row of the table.
  if (pad < 0 || pad >= arch.maxPositions) {
    fail(`pad_token_id ${pad} must be a row of the position table (0 to max_position_embeddings - 1 = ${arch.maxPositions - 1}).`);
  }
  return { ...arch, pad };
}

export function build(config, weights, options = {}) {
  const arch = checkConfig(config);
  return buildEncoder(arch, weights, options, {
    family: name,
    prefix: 'roberta',
    graphName: 'roberta',
    docString: 'RobertaModel built by gmatrix-embed from Hugging Face weights',
    positionIds: (g) => {
      const real = g.op('Cast', [g.op('Not', [g.op('Equal', ['input_ids', g.int64(arch.pad, [])])])], { to: DataType.INT64 });
      const count = g.op('CumSum', [real, g.int64(1, [])]); // along the sequence
      return g.op('Add', [g.op('Mul', [count, real]), g.int64(arch.pad, [])]);
    },
  });
}
