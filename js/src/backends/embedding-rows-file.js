// EmbeddingRows read from the external-data file on disk (Node only): one positioned read per
// token, served from the page cache; the table itself is never held in memory.
import fs from 'node:fs';
import { EmbeddingRows } from './embedding-rows.js';

export function embeddingRowsFromFile(table, filePath) {
  const fd = fs.openSync(filePath, 'r');
  const rows = new EmbeddingRows(table, (target, position) => {
    let done = 0;
    while (done < target.length) {
      const n = fs.readSync(fd, target, done, target.length - done, position + done);
      if (n === 0) throw new Error(`${filePath} ended at byte ${position + done}`);
      done += n;
    }
  });
  rows.close = () => fs.closeSync(fd);
  return rows;
}
