// The files `gmatrix-embed embed --output FILE` writes, and how an interrupted write is resumed:
//   FILE.jsonl  {"embedding": [...]} per line
//   FILE.npy    NumPy array [rows, width] (float32, int8 or uint8; binary precisions pack 8 dims per byte)
//   FILE.f32    raw little-endian float32, rows one after another (no header; shape in the sidecar)
//   FILE.json   the sidecar (beside any of them): model, settings, count, input checksum, state
// Rows are only ever appended whole windows at a time, so after a crash or kill -9 the file holds a
// prefix of the output; `open` with resume measures that prefix and cuts any partial tail.
import fs from 'node:fs/promises';
import { InvalidArgumentError } from '../errors.js';
import { encodeNpyHeader, NPY_DESCR, parseNpyHeader } from '../search/npy.js';
import { UsageError } from './args.js';
import { extensionOf } from './input.js';

export const OUTPUT_FORMATS = { '.jsonl': 'jsonl', '.npy': 'npy', '.f32': 'f32' };

/** The output format of `file` from its extension, or a usage error listing the accepted ones. */
export function outputFormat(file) {
  const format = OUTPUT_FORMATS[extensionOf(file)];
  if (!format) {
    throw new UsageError(`cannot tell the output format of '${file}' from its extension; accepted: ${Object.keys(OUTPUT_FORMATS).join(', ')}`);
  }
  return format;
}

export const sidecarPath = (file) => `${file}.json`;

export async function readSidecar(file) {
  const text = await fs.readFile(sidecarPath(file), 'utf8').catch((err) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`${sidecarPath(file)} is not valid JSON (${err.message}); remove it and the output to start over.`);
  }
}

/** Written beside the output through a temporary file, so a reader never sees half a sidecar. */
export async function writeSidecar(file, sidecar) {
  const target = sidecarPath(file);
  await fs.writeFile(`${target}.tmp`, `${JSON.stringify(sidecar, null, 2)}\n`);
  await fs.rename(`${target}.tmp`, target);
}


const NPY_HEADER_BYTES = encodeNpyHeader('<f4', [0, 0]).length;

/** Rows ({data, dims}) as {"embedding": [...]} lines, the .jsonl output and stdout's. */
export function jsonLines({ data, dims: [rows, width] }) {
  let text = '';
  for (let r = 0; r < rows; r++) text += `${JSON.stringify({ embedding: Array.from(data.subarray(r * width, (r + 1) * width)) })}\n`;
  return text;
}

/** Encodes rows of one precision as the bytes of the output file. */
function encodeRows(format, { data, dims }) {
  if (format === 'jsonl') return Buffer.from(jsonLines({ data, dims }), 'utf8');
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

async function jsonlLineEnds(handle, wantedRows) {
  const buffer = Buffer.alloc(1 << 20);
  let position = 0;
  let rows = 0;
  let end = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) break;
    for (let i = buffer.indexOf(10); i >= 0 && i < bytesRead; i = buffer.indexOf(10, i + 1)) {
      if (rows === wantedRows) return { rows, end };
      rows++;
      end = position + i + 1;
    }
    position += bytesRead;
  }
  return { rows, end };
}

// The whole windows an interrupted run left in the file: how many rows, and the bytes they take
// (with the .npy header). No rows means start over.
async function keptPrefix(handle, format, rowBytes, window) {
  const wholeWindows = (rows) => rows - (rows % window);
  if (format === 'jsonl') {
    const rows = wholeWindows((await jsonlLineEnds(handle, Infinity)).rows);
    return { rows, end: (await jsonlLineEnds(handle, rows)).end };
  }
  const { size } = await handle.stat();
  let header = 0;
  if (format === 'npy') {
    if (size < NPY_HEADER_BYTES) return { rows: 0, end: 0 };
    const head = new Uint8Array(NPY_HEADER_BYTES);
    await handle.read(head, 0, NPY_HEADER_BYTES, 0);
    header = parseNpyHeader(head).headerLength;
  }
  const rows = wholeWindows(Math.floor((size - header) / rowBytes));
  return { rows, end: header + rows * rowBytes };
}

/**
 * Opens the output for writing rows of `width` values (bytes for binary precisions).
 * With `resume`, keeps the rows already there, rounded down to a multiple of `window` (a window
 * is only trusted whole), truncates the rest, and reports how many rows are kept.
 */
export async function openEmbeddingsFile(file, { format, precision, width, expectedRows, resume, window }) {
  const descr = NPY_DESCR[precision];
  const rowBytes = width * (precision === 'float32' ? 4 : 1);
  // Resuming a run whose output was removed starts it over.
  const open = (flags) => fs.open(file, flags);
  const handle = await (resume ? open('r+').catch((err) => (err.code === 'ENOENT' ? open('w+') : Promise.reject(err))) : open('w'))
    .catch((err) => {
      throw new InvalidArgumentError(`Cannot write --output ${file}: ${err.code === 'ENOENT' ? 'its folder does not exist' : err.message}.`);
    });
  try {
    const { rows: kept, end } = resume ? await keptPrefix(handle, format, rowBytes, window) : { rows: 0, end: 0 };
    let position = end;
    if (kept === 0) {
      await handle.truncate(0);
      position = 0;
      if (format === 'npy') {
        await handle.write(encodeNpyHeader(descr, [expectedRows ?? 0, width]), 0, NPY_HEADER_BYTES, 0);
        position = NPY_HEADER_BYTES;
      }
    } else {
      await handle.truncate(end);
    }
    return new EmbeddingsFile(handle, { format, descr, width, rowsKept: kept, position });
  } catch (err) {
    await handle.close();
    throw err;
  }
}

class EmbeddingsFile {
  #handle;
  #format;
  #descr;
  #width;
  #position;

  constructor(handle, { format, descr, width, rowsKept, position }) {
    this.#handle = handle;
    this.#format = format;
    this.#descr = descr;
    this.#width = width;
    this.#position = position;
    /** Rows already in the file when it was opened (resume). */
    this.rowsKept = rowsKept;
  }

  /** Appends rows ({data, dims} in the file's precision) in one write. */
  async append(rows) {
    const bytes = encodeRows(this.#format, rows);
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.#handle.write(bytes, done, bytes.length - done, this.#position);
      done += bytesWritten;
      this.#position += bytesWritten;
    }
  }

  /** Sets the final row count in an .npy header, flushes and closes. */
  async finish(rowCount) {
    if (this.#format === 'npy') {
      await this.#handle.write(encodeNpyHeader(this.#descr, [rowCount, this.#width]), 0, NPY_HEADER_BYTES, 0);
    }
    await this.#handle.sync();
    await this.close();
  }

  async close() {
    await this.#handle.close().catch(() => {});
  }
}
