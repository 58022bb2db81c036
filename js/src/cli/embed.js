import { Embedder, DEFAULT_MODEL } from '../embedder.js';
import { rows } from '../similarity.js';
import { readTexts } from './input.js';
import { loadOptionsFrom, parseCommandArgs } from './main.js';
import { writeLines } from './output.js';

// Texts per model call from the CLI: output streams out chunk by chunk.
const CHUNK = 1024;

export async function run(args, io) {
  const { values } = parseCommandArgs(args, {
    input: { type: 'string', short: 'i' }, format: { type: 'string' }, normalize: { type: 'boolean' },
  });
  const texts = await readTexts(values.input, io, values.format);
  const model = await Embedder.load(values.model ?? DEFAULT_MODEL, loadOptionsFrom(values, io));
  try {
    for (let start = 0; start < texts.length; start += CHUNK) {
      const chunk = texts.slice(start, start + CHUNK);
      const embeddings = await model.embed(chunk, values.normalize ? { normalize: true } : undefined);
      await writeLines(io.stdout, rows(embeddings).map((v) => JSON.stringify({ embedding: Array.from(v) })));
      if (!values.quiet && io.stderr.isTTY) io.stderr.write(`\rembedded ${start + chunk.length}/${texts.length}`);
    }
    if (!values.quiet && io.stderr.isTTY) io.stderr.write('\n');
  } finally {
    await model.dispose();
  }
}
