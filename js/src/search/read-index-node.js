// Node: opens vectors written by `gmatrix-embed embed --output` (.npy or .f32 plus the .json
// sidecar) as a search index. The file is checked against its header and sidecar before anything
// is allocated, then read chunk by chunk straight into the index's WebAssembly memory: a corpus of
// 768 MB takes 768 MB, not twice that.
import fs from 'node:fs';
import path from 'node:path';
import { FileNotFoundError, InvalidArgumentError } from '../errors.js';
import { NPY_DESCR, parseNpyHeader } from './npy.js';
import { allocateSearchIndex, checkPrecision, rowWidth } from './search-index.js';

const CHUNK_BYTES = 16 << 20;

/** The sidecar of OUT.npy / OUT.f32, checked: present, of this format and version, complete. */
export async function readEmbeddingsSidecar(file) {
  const sidecar = `${file}.json`;
  let text;
  try {
    text = await fs.promises.readFile(sidecar, 'utf8');
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
    throw new InvalidArgumentError(`${sidecar} is missing: readSearchIndex reads the precision, width and row count ` +
      `of ${path.basename(file)} from the sidecar that 'gmatrix-embed embed --output' writes beside it.`);
  }
  let meta;
  try {
    meta = JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`${sidecar} is not valid JSON (${err.message}).`);
  }
  const bad = (why) => new InvalidArgumentError(`${sidecar} is not a gmatrix-embed embeddings sidecar this version reads: ${why}.`);
  if (meta?.format !== 'gmatrix-embed.embeddings') throw bad(`its format is ${JSON.stringify(meta?.format)}`);
  if (meta.version !== 1) throw bad(`version ${JSON.stringify(meta.version)} (1 expected)`);
  if (meta.complete !== true) {
    throw new InvalidArgumentError(`${file} is incomplete (${meta.count ?? 0} rows so far): its embed run was interrupted. ` +
      'Finish it by running the same embed command with --resume, then search.');
  }
  if (!Number.isSafeInteger(meta.count) || meta.count < 0) throw bad(`count ${JSON.stringify(meta.count)}`);
  if (!Number.isSafeInteger(meta.dimensions) || meta.dimensions < 1) throw bad(`dimensions ${JSON.stringify(meta.dimensions)}`);
  try {
    checkPrecision(meta.precision);
  } catch {
    throw bad(`precision ${JSON.stringify(meta.precision)}`);
  }
  return meta;
}

// Where the rows start in the file, after checking that its size is exactly what the header and
// sidecar describe (a truncated or foreign file is refused before memory is allocated).
function dataOffset(file, fd, size, meta) {
  const { precision, count, dimensions } = meta;
  const width = rowWidth(precision, dimensions);
  const extension = path.extname(file).toLowerCase();
  let offset = 0;
  let itemBytes = 4;
  if (extension === '.npy') {
    const head = new Uint8Array(Math.min(size, 65536 + 12));
    fs.readSync(fd, head, 0, head.length, 0);
    const header = parseNpyHeader(head, file);
    if (header.descr !== NPY_DESCR[precision]) {
      throw new InvalidArgumentError(`${file} holds '${header.descr}' values but its sidecar says ${precision} ('${NPY_DESCR[precision]}').`);
    }
    if (header.shape.length !== 2 || header.shape[0] !== count || header.shape[1] !== width) {
      throw new InvalidArgumentError(`${file} has shape (${header.shape.join(', ')}) but its sidecar describes (${count}, ${width}) ` +
        `(${count} ${precision} vectors of ${dimensions} dimensions).`);
    }
    offset = header.headerLength;
    itemBytes = header.itemBytes;
  } else if (extension === '.f32') {
    if (precision !== 'float32') {
      throw new InvalidArgumentError(`${file} is raw float32 (.f32) but its sidecar says ${precision}.`);
    }
  } else {
    throw new InvalidArgumentError(`readSearchIndex reads .npy or .f32 files written by 'gmatrix-embed embed --output', not '${extension || path.basename(file)}'.`);
  }
  const expected = offset + count * width * itemBytes;
  if (size !== expected) {
    throw new InvalidArgumentError(`${file} is ${size} bytes, but ${count} rows of ${width} x ${itemBytes} bytes` +
      `${offset ? ` after a ${offset}-byte header` : ''} make ${expected}: the file is truncated or does not belong to its sidecar.`);
  }
  return offset;
}

/**
 * Opens OUT.npy or OUT.f32 written by `gmatrix-embed embed --output` (with OUT.npy.json beside
 * it) as a search index in WebAssembly memory. Refuses a missing or incomplete sidecar and a file
 * whose size does not match it.
 * @param {string} file
 * @returns {Promise<import('./search-index.js').SearchIndex>}
 */
export async function readSearchIndex(file) {
  if (typeof file !== 'string' || file === '') {
    throw new InvalidArgumentError('readSearchIndex needs the path of an .npy or .f32 file written by gmatrix-embed embed.');
  }
  if (!fs.existsSync(file)) throw new FileNotFoundError(`${file} does not exist.`);
  const meta = await readEmbeddingsSidecar(file);
  const fd = fs.openSync(file, 'r');
  try {
    const offset = dataOffset(file, fd, fs.fstatSync(fd).size, meta);
    const { index, storage, seal } = allocateSearchIndex({
      rows: meta.count, dimensions: meta.dimensions, precision: meta.precision, ranges: meta.ranges,
    });
    try {
      // Synchronous reads into the memory view: nothing else runs meanwhile, so WebAssembly memory
      // cannot grow (which would detach the view) in the middle of a read.
      const total = storage().length;
      for (let done = 0; done < total;) {
        const view = storage();
        const read = fs.readSync(fd, view, done, Math.min(CHUNK_BYTES, total - done), offset + done);
        if (read === 0) throw new InvalidArgumentError(`${file} ended early at byte ${offset + done}; it changed while being read.`);
        done += read;
      }
      return seal();
    } catch (err) {
      index.dispose();
      throw err;
    }
  } finally {
    fs.closeSync(fd);
  }
}
