import { convertModel } from '../convert/convert-folder.js';
import { loadOptionsFrom, UsageError } from './args.js';

export const summary = 'model weights -> ONNX (fp32, and q8/q4 quantized variants)';
export const options = { out: { type: 'string', short: 'o' } };
export const usage = `Usage: gmatrix-embed convert <repo-id|dir> --out DIR [--dtype fp32,q8,q4] [options]

Converts a sentence-transformers model's weights (model.safetensors or pytorch_model.bin) to ONNX.
Prints each written file with its size; --quiet leaves only that list.`;

export async function run({ values, positionals }, io) {
  const source = positionals[0] ?? values.model;
  if (!source || positionals.length > 1) throw new UsageError('convert takes one model: a folder or a Hub repository id');
  if (!values.out) throw new UsageError('convert needs --out DIR, the folder to write the converted model to');
  const dtypes = (values.dtype ?? 'fp32').split(',');
  const { dtype, ...loadOptions } = loadOptionsFrom({ ...values, dtype: undefined }, io); // eslint-disable-line no-unused-vars
  for (const one of dtypes) loadOptionsFrom({ dtype: one, quiet: true }, io);
  const result = await convertModel(source, { ...loadOptions, outDir: values.out, dtype: dtypes.join(',') });
  if (io.stderr.isTTY && !values.quiet) io.stderr.write('\n');
  for (const file of result.files) io.stdout.write(`${String(file.bytes).padStart(12)}  ${file.path}\n`);
  if (!values.quiet) io.stderr.write(`converted in ${result.seconds.toFixed(1)} s -> ${result.outDir}\n`);
}
