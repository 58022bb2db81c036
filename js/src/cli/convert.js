import { convertModel } from '../convert/convert-folder.js';
import { loadOptionsFrom, parseCommandArgs, UsageError } from './main.js';

export async function run(args, io) {
  const { values, positionals } = parseCommandArgs(args, { out: { type: 'string', short: 'o' } });
  const source = positionals[0] ?? values.model;
  if (!source || positionals.length > 1) throw new UsageError('convert takes one model: a folder or a Hub repository id.');
  if (!values.out) throw new UsageError('convert needs --out DIR, the folder to write the converted model to.');
  const { dtype, ...options } = loadOptionsFrom(values, io);
  const result = await convertModel(source, { ...options, outDir: values.out, dtype: dtype ?? 'fp32' });
  if (io.stderr.isTTY && !values.quiet) io.stderr.write('\n');
  for (const file of result.files) io.stdout.write(`${String(file.bytes).padStart(12)}  ${file.path}\n`);
  io.stdout.write(`converted in ${result.seconds.toFixed(1)} s -> ${result.outDir}\n`);
}
