// gmatrix-embed command line: one file per command; this file parses the shared options,
// dispatches, and turns errors into a one-line message and an exit code.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { GmatrixEmbedError } from '../errors.js';

const COMMANDS = {
  tokenize: () => import('./tokenize.js'),
  embed: () => import('./embed.js'),
  similarity: () => import('./similarity.js'),
  eval: () => import('./eval.js'),
  convert: () => import('./convert.js'),
};

export const SHARED_OPTIONS = {
  model: { type: 'string', short: 'm' },
  threads: { type: 'string' },
  'max-length': { type: 'string' },
  'batch-size': { type: 'string' },
  'batch-tokens': { type: 'string' },
  backend: { type: 'string' },
  dtype: { type: 'string' },
  revision: { type: 'string' },
  offline: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
};

const USAGE = `Usage: gmatrix-embed <command> [options]

Commands:
  tokenize   --model M --input FILE          token ids and tokens, one JSON line per input line
  embed      --model M --input FILE [--normalize]
                                             {"embedding": [...]}, one JSON line per input line
  similarity --model M "text a" "text b"     cosine, dot, euclidean and manhattan of two texts
  eval       --model M --data sts.tsv [--json]
                                             KorSTS-format evaluation: Pearson and Spearman of
                                             cosine, euclidean, manhattan and dot
  convert    <repo-id|dir> --out DIR [--dtype fp32,q8,q4]
                                             weights -> ONNX (and quantized variants)

  M is a model folder or a Hugging Face repository id (default bi-matrix/gmatrix-embedding).
  FILE is .jsonl (objects with a "text" field) or plain text (one text per line); - is stdin.

Options: --backend auto|wasm|native  --threads N  --max-length N  --batch-size N
         --batch-tokens N  --dtype fp32|q8|q4  --revision REV  --offline  --quiet  --version
         (--backend auto, the default, uses onnxruntime-node when it is installed, else WASM)`;

export class UsageError extends Error {}

/** The Embedder.load options the shared flags ask for. */
export function loadOptionsFrom(values, io) {
  const options = {};
  const integer = (flag) => {
    const n = Number(values[flag]);
    if (!Number.isInteger(n)) throw new UsageError(`--${flag} takes an integer; got '${values[flag]}'.`);
    return n;
  };
  if (values.threads !== undefined) options.threads = integer('threads');
  if (values['max-length'] !== undefined) options.maxLength = integer('max-length');
  if (values['batch-size'] !== undefined) options.batchSize = integer('batch-size');
  if (values['batch-tokens'] !== undefined) options.batchTokens = integer('batch-tokens');
  if (values.backend !== undefined) options.backend = values.backend;
  if (values.dtype !== undefined) options.dtype = values.dtype;
  if (values.revision !== undefined) options.revision = values.revision;
  if (values.offline) options.offline = true;
  if (!values.quiet && io.stderr.isTTY) {
    options.onProgress = (event) => {
      if (event.status === 'convert') {
        io.stderr.write(event.loaded ? ' done\n' : `\nconverting ${event.file} to ONNX...`);
      } else if (event.total) {
        const percent = Math.floor((100 * event.loaded) / event.total);
        io.stderr.write(`\rdownloading model: ${percent}% of ${(event.total / 2 ** 20).toFixed(1)} MB (${event.file ?? ''})   `);
      }
    };
  }
  return options;
}

/** Parses a command's arguments: the shared options plus its own. */
export function parseCommandArgs(args, ownOptions) {
  try {
    return parseArgs({ args, options: { ...SHARED_OPTIONS, ...ownOptions }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err.message);
  }
}

export async function main(argv, io) {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  if (command === '--version' || command === '-v') {
    const { version } = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8'));
    io.stdout.write(`gmatrix-embed ${version}\n`);
    return 0;
  }
  if (!COMMANDS[command]) {
    io.stderr.write(`gmatrix-embed: unknown command '${command}'.\n\n${USAGE}\n`);
    return 2;
  }
  try {
    const { run } = await COMMANDS[command]();
    return (await run(rest, io)) ?? 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`gmatrix-embed ${command}: ${err.message}\nRun 'gmatrix-embed --help' for usage.\n`);
      return 2;
    }
    if (err instanceof GmatrixEmbedError) {
      io.stderr.write(`gmatrix-embed ${command}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
