// gmatrix-embed command line: one file per command, each exporting its `summary`, `usage`, own
// `options` and `run`. This file dispatches, answers --help per command, and turns errors into
// one line on stderr and an exit code: 0 ok, 1 an error of the model, data or environment, 2 a
// mistake in the command line, 130 interrupted.
import { readFile } from 'node:fs/promises';
import { GmatrixEmbedError } from '../errors.js';
import { nearest, parseCommandArgs, SHARED_HELP, UsageError } from './args.js';

export { UsageError } from './args.js';

const COMMANDS = {
  tokenize: () => import('./tokenize.js'),
  embed: () => import('./embed.js'),
  search: () => import('./search.js'),
  similarity: () => import('./similarity.js'),
  eval: () => import('./eval.js'),
  convert: () => import('./convert.js'),
  merge: () => import('./merge.js'),
};

async function overview() {
  const lines = ['Usage: gmatrix-embed <command> [options]', '', 'Commands:'];
  for (const [name, load] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(11)}${(await load()).summary}`);
  lines.push('', "Run 'gmatrix-embed <command> --help' for a command's options.",
    'M is a model folder or a Hugging Face repository id (default bi-matrix/gmatrix-embedding).',
    'Exit status: 0 ok, 1 error (model, data, network), 2 usage error, 130 interrupted.');
  return lines.join('\n');
}

/** Control characters from files or arguments are shown escaped, never sent to the terminal raw. */
function oneLine(message) {
  return String(message).replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => (c === '\n' ? ' ' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

export async function main(argv, io) {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io[command ? 'stdout' : 'stderr'].write(`${await overview()}\n`);
    return command ? 0 : 2;
  }
  if (command === '--version' || command === '-v') {
    const { version } = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8'));
    io.stdout.write(`gmatrix-embed ${version}\n`);
    return 0;
  }
  if (!Object.hasOwn(COMMANDS, command)) {
    const guess = nearest(command, Object.keys(COMMANDS));
    io.stderr.write(`gmatrix-embed: unknown command '${oneLine(command)}'${guess ? `; did you mean '${guess}'?` : ''} ` +
      `Commands: ${Object.keys(COMMANDS).join(', ')}.\n`);
    return 2;
  }
  try {
    const module = await COMMANDS[command]();
    const { values, positionals } = parseCommandArgs(rest, module.options);
    if (values.help) {
      io.stdout.write(`${module.usage}\n\n${SHARED_HELP}\n`);
      return 0;
    }
    return (await module.run({ values, positionals }, io)) ?? 0;
  } catch (err) {
    if (err instanceof UsageError) {
      const message = oneLine(err.message);
      io.stderr.write(`gmatrix-embed ${command}: ${message}${/[.?!]$/.test(message) ? '' : '.'} Run 'gmatrix-embed ${command} --help' for usage.\n`);
      return 2;
    }
    if (err instanceof GmatrixEmbedError) {
      io.stderr.write(`gmatrix-embed ${command}: ${oneLine(err.message)}\n`);
      return err.code === 'E_ABORTED' ? 130 : 1;
    }
    // Anything else is the environment (a full disk, a permission: Node's E* codes) or a bug:
    // still one line, and GMATRIX_EMBED_DEBUG=1 adds the stack for a report.
    const system = typeof err?.code === 'string' && /^E[A-Z0-9_]+$/.test(err.code);
    io.stderr.write(`gmatrix-embed ${command}: ${system ? '' : 'unexpected error: '}${oneLine(err?.message ?? err)}` +
      `${system ? '' : " (a bug: please report it with the output of GMATRIX_EMBED_DEBUG=1 gmatrix-embed ...)"}\n`);
    if (process.env.GMATRIX_EMBED_DEBUG) io.stderr.write(`${err?.stack ?? err}\n`);
    return 1;
  }
}
