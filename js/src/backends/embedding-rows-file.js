// EmbeddingRows read from the external-data file on disk (Node only): one positioned read per
// token, served from the page cache; the table itself is never held in memory.
import fs from 'node:fs';
import { EmbeddingRows } from './embedding-rows.js';
import { readFullyAt } from './lazy-file-bytes.js';

export function embeddingRowsFromFile(table, filePath) {
  const fd = fs.openSync(filePath, 'r');
  const rows = new EmbeddingRows(table, (target, position) => readFullyAt(fd, target, position));
  rows.close = () => fs.closeSync(fd);
  return rows;
}
