// Reads the texts of --input FILE: JSON Lines (objects with a "text" field) or plain text
// with one text per line; '-' is standard input.
import fs from 'node:fs/promises';
import { InvalidArgumentError } from '../errors.js';

async function readAll(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJsonLines(lines, name) {
  return lines.map((line, i) => {
    let record;
    try {
      record = JSON.parse(line);
    } catch (err) {
      throw new InvalidArgumentError(`${name} line ${i + 1} is not valid JSON (${err.message}).`);
    }
    if (typeof record?.text !== 'string') {
      throw new InvalidArgumentError(`${name} line ${i + 1} has no string "text" field; each JSON line ` +
        'must look like {"text": "..."}.');
    }
    return record.text;
  });
}

function looksLikeJsonLines(lines) {
  return lines.length > 0 && lines.every((line) => {
    try {
      return typeof JSON.parse(line)?.text === 'string';
    } catch {
      return false;
    }
  });
}

/**
 * @param {string} file path, or '-' for stdin
 * @param {{stdin: NodeJS.ReadableStream}} io
 * @returns {Promise<string[]>}
 */
export async function readTexts(file, io, format) {
  if (!file) throw new InvalidArgumentError('--input FILE is required (a .jsonl or text file, or - for stdin).');
  let text;
  try {
    text = file === '-' ? await readAll(io.stdin) : await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new InvalidArgumentError(`Cannot read --input ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}.`);
  }
  // One text per line; a final newline ends the last line rather than adding an empty text.
  const lines = text.replace(/\r?\n$/, '').split(/\r?\n/);
  if (text.length === 0) return [];
  const name = file === '-' ? 'stdin' : file;
  // .jsonl files are JSON Lines; stdin is when every line is a {"text": ...} object.
  const jsonl = format ? format === 'jsonl' : file.endsWith('.jsonl') || (file === '-' && looksLikeJsonLines(lines));
  return jsonl ? parseJsonLines(lines, name) : lines;
}
