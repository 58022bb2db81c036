// Node: reads a labelled pair file for STS evaluation — KorSTS TSV or any TSV, CSV (RFC 4180,
// via csv-parse) or JSON Lines file with sentence1, sentence2 and score columns.
import fs from 'node:fs/promises';
import { parse as parseCsv } from 'csv-parse/sync';
import { InvalidArgumentError } from './errors.js';
import { parseStsJsonl, parseStsTsv, stsPairFrom } from './sts.js';

export const STS_FORMATS = ['tsv', 'csv', 'jsonl'];

/** The format a file name says: .tsv/.txt, .csv, .jsonl/.ndjson; undefined for anything else. */
export function stsFormatOf(file) {
  const extension = /\.([^./\\]+)$/.exec(file)?.[1]?.toLowerCase();
  return { tsv: 'tsv', txt: 'tsv', csv: 'csv', jsonl: 'jsonl', ndjson: 'jsonl' }[extension];
}

/**
 * @param {string} file
 * @param {{format?: 'tsv'|'csv'|'jsonl'}} [options]  default: from the extension
 * @returns {Promise<{score: number, sentence1: string, sentence2: string}[]>}
 */
export async function readStsFile(file, { format = stsFormatOf(file) } = {}) {
  if (!STS_FORMATS.includes(format)) {
    throw new InvalidArgumentError(`Cannot tell the format of ${file}: name it .tsv, .csv or .jsonl, or pass ` +
      `format (one of ${STS_FORMATS.join(', ')}).`);
  }
  let text;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new InvalidArgumentError(`Cannot read ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}.`);
  }
  if (format === 'tsv') return parseStsTsv(text);
  if (format === 'jsonl') return parseStsJsonl(text);
  let records;
  try {
    records = parseCsv(text, { columns: true, bom: true, skip_empty_lines: true });
  } catch (err) {
    throw new InvalidArgumentError(`${file} is not valid CSV: ${err.message}`);
  }
  const header = records.length ? Object.keys(records[0]) : (text.split(/\r?\n/)[0] ?? '').split(',');
  return records.map(stsPairFrom(header, 'CSV header line', (i) => `Record ${i + 1}`));
}
