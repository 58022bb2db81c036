// Forms encoder batches from token counts. Sorting by length (longest first, as
// sentence-transformers does) puts texts of similar length together, so little padding is run;
// a budget of padded tokens (rows x longest row) keeps every batch about the same amount of
// work: many short texts or a few long ones.

/**
 * @param {Int32Array} lengths tokens per text
 * @param {{maxRows: number, maxTokens: number}} limits
 * @returns {Generator<Int32Array>} text indices of each batch, longest first
 */
export function* planBatches(lengths, { maxRows, maxTokens }) {
  const order = Int32Array.from(lengths.keys()).sort((a, b) => lengths[b] - lengths[a] || a - b);
  for (let start = 0; start < order.length;) {
    // The first (longest) text sets the padded length of the batch.
    const rows = Math.max(1, Math.min(maxRows, Math.floor(maxTokens / lengths[order[start]])));
    yield order.subarray(start, start + rows);
    start += rows;
  }
}
