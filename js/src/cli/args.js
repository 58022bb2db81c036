// Command-line arguments: the flags every command shares, strict parsing with a suggestion for a
// near-miss flag, and the Embedder.load options the shared flags ask for. A UsageError is a
// mistake in the command line itself (exit 2); everything else is a typed package error (exit 1).
import { parseArgs } from 'node:util';

export class UsageError extends Error {}

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

export const SHARED_HELP = `Model options (all commands):
  -m, --model M          a model folder or Hugging Face repository id (default bi-matrix/gmatrix-embedding)
  --backend B            auto (default: onnxruntime-node when installed, else WASM) | wasm | native
  --dtype D              fp32 | q8 | q4 (default: fp32, or the one precision a folder has)
  --threads N            ONNX Runtime threads (default: cores, at most 4)
  --max-length N         tokens per text (default: the model's max_seq_length)
  --batch-size N         texts per model run (default 64)
  --batch-tokens N       padded tokens per model run (default 4096)
  --revision REV         Hub branch, tag or commit (default main)
  --offline              use only the local cache (also HF_HUB_OFFLINE=1)
  -q, --quiet            print nothing but results
  -h, --help             this help`;

// Edit distance with adjacent transpositions: how far a typed flag is from a known one.
function distance(a, b) {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The known name closest to `name`, if any is close: one starts the other (--norm, --output-file)
 * or at most a third of the letters differ (--nromalize).
 */
export function nearest(name, known) {
  let best;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const prefix = (candidate.startsWith(name) && name.length >= 2) || (name.startsWith(candidate) && candidate.length >= 3);
    const dist = prefix ? 0.5 : distance(name, candidate);
    if (dist < bestDistance) [best, bestDistance] = [candidate, dist];
  }
  return bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

function checkFlagNames(args, options) {
  const longNames = Object.keys(options);
  const shortNames = new Set(Object.values(options).map((o) => o.short).filter(Boolean));
  for (const arg of args) {
    if (arg === '--') break;
    if (arg.startsWith('--')) {
      const name = arg.slice(2).split('=')[0];
      if (!options[name]) {
        const guess = nearest(name, longNames);
        throw new UsageError(`unknown option --${name}${guess ? `; did you mean --${guess}?` : ''}`);
      }
    } else if (/^-[^-\d]/.test(arg) && arg.length === 2 && !shortNames.has(arg[1])) {
      throw new UsageError(`unknown option ${arg}`);
    }
  }
}

/** Parses a command's arguments: the shared options plus its own. */
export function parseCommandArgs(args, ownOptions) {
  const options = { ...SHARED_OPTIONS, ...ownOptions };
  checkFlagNames(args, options);
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    // Node's messages name the flag ("Option '--input <value>' argument missing"); keep one line.
    throw new UsageError(err.message.split('\n')[0]);
  }
}

/** An integer flag value within [min, max], or a usage error naming the flag. */
export function integerFlag(values, flag, { min = 1, max = Number.MAX_SAFE_INTEGER } = {}) {
  const n = Number(values[flag]);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${flag} takes an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}; got '${values[flag]}'`);
  }
  return n;
}

/** A flag value from a fixed list, or a usage error with the list and a suggestion. */
export function choiceFlag(values, flag, choices) {
  const value = values[flag];
  if (choices.includes(value)) return value;
  const guess = nearest(String(value), choices);
  throw new UsageError(`--${flag} takes ${choices.join(', ')}; got '${value}'${guess ? `; did you mean ${guess}?` : ''}`);
}

/** Whether progress may be drawn: on a terminal, unless --quiet. */
export function showsProgress(values, io) {
  return !values.quiet && Boolean(io.stderr.isTTY);
}

/** The Embedder.load options the shared flags ask for. */
export function loadOptionsFrom(values, io) {
  const options = {};
  if (values.threads !== undefined) options.threads = integerFlag(values, 'threads', { max: 64 });
  if (values['max-length'] !== undefined) options.maxLength = integerFlag(values, 'max-length', { min: 2 });
  if (values['batch-size'] !== undefined) options.batchSize = integerFlag(values, 'batch-size', { max: 4096 });
  if (values['batch-tokens'] !== undefined) options.batchTokens = integerFlag(values, 'batch-tokens');
  if (values.backend !== undefined) options.backend = choiceFlag(values, 'backend', ['auto', 'wasm', 'native']);
  if (values.dtype !== undefined) options.dtype = choiceFlag(values, 'dtype', ['fp32', 'q8', 'q4']);
  if (values.revision !== undefined) options.revision = values.revision;
  if (values.offline) options.offline = true;
  if (showsProgress(values, io)) {
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
