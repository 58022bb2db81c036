// Printing for the benchmarks: progress lines stamped with the time since start (so a slow step is
// visible while it runs) and small aligned tables.
const started = performance.now();

export function log(message) {
  const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  console.log(`[${seconds} s] ${message}`);
}

/** Prints rows (arrays of strings) under headers; numbers are right-aligned, text left. */
export function table(headers, rows) {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => String(r[c]).length)));
  const numeric = headers.map((_, c) => rows.every((r) => /^[-+]?[\d.,]+( ?[×%a-zA-Z]+)?$|^—$/.test(String(r[c]))));
  const line = (cells) => cells.map((cell, c) =>
    (numeric[c] ? String(cell).padStart(widths[c]) : String(cell).padEnd(widths[c]))).join('  ').trimEnd();
  console.log('');
  console.log(line(headers));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
  console.log('');
}

export const mb = (bytes) => (bytes / 1e6).toFixed(1);
export const seconds = (ms) => (ms / 1000).toFixed(2);
export const times = (x) => `${x.toFixed(2)}×`;
export const percent = (x) => `${(100 * x).toFixed(1)}%`;

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function maxAbsDiff(a, b) {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** The least cosine similarity between matching rows of two lists of vectors. */
export function minCosine(a, b) {
  let min = 1;
  a.forEach((x, i) => {
    let xy = 0, xx = 0, yy = 0;
    for (let j = 0; j < x.length; j++) {
      xy += x[j] * b[i][j]; xx += x[j] * x[j]; yy += b[i][j] * b[i][j];
    }
    min = Math.min(min, xy / Math.sqrt(xx * yy));
  });
  return min;
}
