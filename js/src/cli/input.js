// The texts of --input, streamed record by record so an input of any size is read in bounded
// memory. Formats, by extension or --format:
//   txt    one text per line (a final newline ends the last line; \r\n is accepted)
//   jsonl  one JSON object per line; the text is its "text" field (or --column NAME); blank lines skipped
//   csv    RFC 4180 (quoted fields may hold commas, quotes and line breaks), header row first
//   tsv    tab-separated, no quoting, header row first
// For csv and tsv the text is the column --column NAME, or the one named "text", or the only one.
// '-' reads standard input: txt, or jsonl when its first line is a {"text": ...} object (or has
// the --column field).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import { InvalidArgumentError } from '../errors.js';
import { UsageError } from './args.js';

const EXTENSIONS = { '.txt': 'txt', '.text': 'txt', '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.csv': 'csv', '.tsv': 'tsv' };
export const INPUT_FORMATS = ['txt', 'jsonl', 'csv', 'tsv'];

export const INPUT_OPTIONS = {
  input: { type: 'string', short: 'i' },
  format: { type: 'string' },
  column: { type: 'string' },
};

export const INPUT_HELP = `Input:
  -i, --input FILE       .txt (one text per line), .jsonl, .csv or .tsv (header row); - is stdin
  --format F             txt | jsonl | csv | tsv, when the extension does not say (stdin: txt,
                         or jsonl when the first line is a {"text": ...} object)
  --column NAME          the text column of a .csv/.tsv or field of a .jsonl (default "text",
                         or a table's only column)`;

/** A file name's extension, lower-cased with its dot ('.csv'), or undefined. */
export function extensionOf(file) {
  return /\.[^./\\]+$/.exec(file.toLowerCase())?.[0];
}

/** What to read: `{file, name, format, column, stdin}`; usage errors for what cannot be read. */
export function inputSpec(values) {
  const file = values.input;
  if (!file) throw new UsageError('--input FILE is required (a .txt, .jsonl, .csv or .tsv file, or - for stdin)');
  if (values.format !== undefined && !INPUT_FORMATS.includes(values.format)) {
    throw new UsageError(`--format takes ${INPUT_FORMATS.join(', ')}; got '${values.format}'`);
  }
  const stdin = file === '-';
  let format = values.format;
  if (!format && !stdin) {
    format = EXTENSIONS[extensionOf(file)];
    if (!format) {
      throw new UsageError(`cannot tell the format of '${file}' from its extension; accepted: ` +
        `${Object.keys(EXTENSIONS).join(', ')} (or pass --format ${INPUT_FORMATS.join('|')})`);
    }
  }
  if (values.column !== undefined && format === 'txt') throw new UsageError('--column applies to .jsonl, .csv and .tsv input, not plain text');
  return { file, name: stdin ? 'stdin' : file, format: format ?? 'auto', column: values.column, stdin };
}

async function* byteChunks(spec, io, hash) {
  let stream;
  if (spec.stdin) {
    stream = io.stdin;
  } else {
    try {
      const stat = await fs.promises.stat(spec.file);
      if (!stat.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTFILE' });
    } catch (err) {
      throw new InvalidArgumentError(`Cannot read --input ${spec.file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}.`);
    }
    stream = fs.createReadStream(spec.file, { highWaterMark: 1 << 20 });
  }
  for await (const chunk of stream) {
    hash?.update(chunk);
    yield chunk;
  }
}

// Lines of a byte stream as strings, without their \n or \r\n.
async function* lines(chunks) {
  const decoder = new TextDecoder();
  let carry = '';
  for await (const chunk of chunks) {
    const parts = (carry + decoder.decode(chunk, { stream: true })).split('\n');
    carry = parts.pop();
    for (const line of parts) yield line.endsWith('\r') ? line.slice(0, -1) : line;
  }
  carry += decoder.decode();
  if (carry.length) yield carry.endsWith('\r') ? carry.slice(0, -1) : carry;
}

function jsonText(line, lineNumber, spec) {
  const field = spec.column ?? 'text';
  let record;
  try {
    record = JSON.parse(line);
  } catch (err) {
    throw new InvalidArgumentError(`${spec.name} line ${lineNumber} is not valid JSON (${err.message}).`);
  }
  if (typeof record?.[field] !== 'string') {
    throw new InvalidArgumentError(`${spec.name} line ${lineNumber} has no string "${field}" field; each JSON line ` +
      `must look like {"${field}": "..."}${spec.column ? '' : ' (or name the field with --column)'}.`);
  }
  return record[field];
}

function isJsonTextLine(line, field = 'text') {
  try {
    return typeof JSON.parse(line)?.[field] === 'string';
  } catch {
    return false;
  }
}

function columnIndex(header, spec) {
  const clean = header.map((name, i) => (i === 0 ? name.replace(/^\uFEFF/, '') : name).trim());
  const wanted = spec.column ?? (clean.includes('text') || clean.length !== 1 ? 'text' : clean[0]);
  const index = clean.indexOf(wanted);
  if (index < 0) {
    throw new InvalidArgumentError(`${spec.name} has no column '${wanted}'; its header names ${clean.map((c) => `'${c}'`).join(', ')}. ` +
      'Choose one with --column NAME.');
  }
  return index;
}

async function* tableTexts(rows, spec, firstLine = 1) {
  let index;
  let width;
  let lineNumber = firstLine - 1;
  for await (const fields of rows) {
    lineNumber++;
    if (index === undefined) {
      index = columnIndex(fields, spec);
      width = fields.length;
    } else if (fields.length === 1 && fields[0] === '' && width > 1) {
      continue; // a blank line
    } else if (fields.length <= index) {
      throw new InvalidArgumentError(`${spec.name} record ${lineNumber} has ${fields.length} field(s); the header has ${width}.`);
    } else {
      yield fields[index];
    }
  }
}

/**
 * The texts of the input in order.
 * @param {{file: string, name: string, format: string, column?: string, stdin: boolean}} spec
 * @param {{stdin: NodeJS.ReadableStream}} io
 * @param {import('node:crypto').Hash} [hash] updated with every byte read
 * @returns {AsyncGenerator<string>}
 */
export async function* readTexts(spec, io, hash) {
  const chunks = byteChunks(spec, io, hash);
  if (spec.format === 'csv') {
    const parser = Readable.from(chunks).pipe(parseCsv({ bom: true, relax_column_count: true }));
    try {
      yield* tableTexts(parser, spec);
    } catch (err) {
      if (err instanceof InvalidArgumentError) throw err;
      throw new InvalidArgumentError(`${spec.name} is not valid CSV: ${err.message}.`, { cause: err });
    }
    return;
  }
  const source = lines(chunks);
  if (spec.format === 'tsv') {
    yield* tableTexts((async function* split() {
      for await (const line of source) yield line.split('\t');
    })(), spec);
    return;
  }
  let format = spec.format;
  let lineNumber = 0;
  for await (const line of source) {
    lineNumber++;
    if (format === 'auto') format = isJsonTextLine(line, spec.column) ? 'jsonl' : 'txt';
    if (format === 'txt') yield line;
    else if (line.trim()) yield jsonText(line, lineNumber, spec);
  }
}

/** Counts the input's texts and hashes its bytes (one streaming pass): `{count, sha256, bytes}`. */
export async function scanInput(spec, io) {
  const hash = createHash('sha256');
  let count = 0;
  for await (const _ of readTexts(spec, io, hash)) count++; // eslint-disable-line no-unused-vars
  const { size } = await fs.promises.stat(spec.file);
  return { count, sha256: hash.digest('hex'), bytes: size };
}
