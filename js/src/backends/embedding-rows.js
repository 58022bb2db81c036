// Rows of a word-embedding table that stays outside the session (see
// js/src/graph/lift-embedding-table.js): gathered per batch from the external-data file on disk
// (Node) or from its bytes in memory.
import { ModelFormatError } from '../errors.js';

export class EmbeddingRows {
  /**
   * @param {{name: string, rows: number, cols: number, offset: number}} table
   * @param {(target: Uint8Array, position: number) => void} readAt fills target from that byte
   *   position of the external-data file
   */
  constructor(table, readAt) {
    this.table = table;
    this.#readAt = readAt;
  }

  #readAt;

  /**
   * From the external-data file's bytes in memory (browsers, memory sources). Only the table's
   * own bytes are kept, so the rest of the file can be freed once the session holds it.
   */
  static fromBytes(table, fileBytes) {
    const size = table.rows * table.cols * 4;
    if (table.offset + size > fileBytes.length) {
      throw new ModelFormatError(`${table.name} extends past the end of its data file (${fileBytes.length} bytes).`);
    }
    const own = fileBytes.slice(table.offset, table.offset + size);
    return new EmbeddingRows({ ...table, offset: 0 }, (target, position) => {
      target.set(own.subarray(position, position + target.length));
    });
  }

  /**
   * @param {BigInt64Array} ids64 [rows * sequence] token ids
   * @returns {Float32Array} [rows * sequence * cols]
   */
  gather(ids64) {
    const { rows, cols, offset, name } = this.table;
    const out = new Float32Array(ids64.length * cols);
    const bytes = new Uint8Array(out.buffer);
    const rowBytes = cols * 4;
    for (let i = 0; i < ids64.length; i++) {
      const id = Number(ids64[i]);
      // A vocabulary larger than the table would index past it: refuse before any read.
      if (id < 0 || id >= rows) {
        throw new ModelFormatError(`Token id ${id} is outside the model's embedding table ${name} ` +
          `(${rows} rows): vocab.txt does not belong to this model; use the repository's own files.`);
      }
      this.#readAt(bytes.subarray(i * rowBytes, (i + 1) * rowBytes), offset + id * rowBytes);
    }
    return out;
  }
}
