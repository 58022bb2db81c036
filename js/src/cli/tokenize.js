import { Embedder, DEFAULT_MODEL } from '../embedder.js';
import { loadOptionsFrom } from './args.js';
import { INPUT_HELP, INPUT_OPTIONS, inputSpec, readTexts } from './input.js';

export const summary = 'texts -> token ids and tokens, one JSON line per text';
export const options = { ...INPUT_OPTIONS };
export const usage = `Usage: gmatrix-embed tokenize --input FILE [options]

Prints {"ids": [...], "tokens": [...]} per text, exactly as the model sees it ([CLS] ... [SEP], truncated).

${INPUT_HELP}`;

export async function run({ values }, io) {
  const input = inputSpec(values);
  const model = await Embedder.load(values.model ?? DEFAULT_MODEL, loadOptionsFrom(values, io));
  try {
    for await (const text of readTexts(input, io)) {
      const { ids, tokens } = model.tokenize(text);
      if (!io.stdout.write(`${JSON.stringify({ ids, tokens })}\n`)) await new Promise((resolve) => io.stdout.once('drain', resolve));
    }
  } finally {
    await model.dispose();
  }
}
