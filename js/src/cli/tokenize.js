import { Embedder, DEFAULT_MODEL } from '../embedder.js';
import { readTexts } from './input.js';
import { loadOptionsFrom, parseCommandArgs } from './main.js';
import { writeLines } from './output.js';

export async function run(args, io) {
  const { values } = parseCommandArgs(args, { input: { type: 'string', short: 'i' }, format: { type: 'string' } });
  const texts = await readTexts(values.input, io, values.format);
  const model = await Embedder.load(values.model ?? DEFAULT_MODEL, loadOptionsFrom(values, io));
  try {
    await writeLines(io.stdout, texts.map((text) => {
      const { ids, tokens } = model.tokenize(text);
      return JSON.stringify({ ids, tokens });
    }));
  } finally {
    await model.dispose();
  }
}
