// gmatrix-embed merge: the .npy files of shards -> one .npy, byte for byte what an unsharded run
// writes (.jsonl and .f32 parts need no command: `cat` joins them).
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { InvalidArgumentError } from '../errors.js';
import { encodeNpyHeader, parseNpyHeader } from '../search/npy.js';
import { UsageError } from './args.js';
import { readSidecar, writeSidecar } from './embeddings-file.js';

export const summary = 'shard outputs (.npy, in order) -> one .npy and sidecar';
export const options = { output: { type: 'string', short: 'o' }, overwrite: { type: 'boolean' } };
export const usage = `Usage: gmatrix-embed merge PART.npy... --output OUT.npy [--overwrite]

Joins the .npy outputs of 'embed --shard 1/N' ... 'N/N', given in shard order, into OUT.npy and
OUT.npy.json, identical to what one unsharded run writes. (.jsonl and .f32 parts: use cat.)`;

async function readPart(file) {
  const head = Buffer.alloc(4096);
  const handle = await fsp.open(file, 'r').catch((err) => {
    throw new InvalidArgumentError(`Cannot read ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}.`);
  });
  try {
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const header = parseNpyHeader(head.subarray(0, bytesRead), file);
    const { size } = await handle.stat();
    if (header.shape.length !== 2 || size !== header.headerLength + header.shape[0] * header.shape[1] * header.itemBytes) {
      throw new InvalidArgumentError(`${file} does not hold the rows its header declares (${header.shape}); is its run complete?`);
    }
    return { file, ...header, sidecar: await readSidecar(file) };
  } finally {
    await handle.close();
  }
}

export async function run({ values, positionals }, io) {
  if (!values.output) throw new UsageError('merge needs --output OUT.npy');
  if (!values.output.toLowerCase().endsWith('.npy') || positionals.length === 0 || positionals.some((p) => !p.toLowerCase().endsWith('.npy'))) {
    throw new UsageError('merge joins .npy files: gmatrix-embed merge part-1.npy part-2.npy ... --output all.npy');
  }
  if (fs.existsSync(values.output) && !values.overwrite) throw new UsageError(`${values.output} exists; pass --overwrite to replace it`);
  const parts = [];
  for (const file of positionals) parts.push(await readPart(file));
  const [first] = parts;
  let next = 0;
  for (const part of parts) {
    if (part.descr !== first.descr || part.shape[1] !== first.shape[1]) {
      throw new InvalidArgumentError(`${part.file} holds ${part.descr} rows of width ${part.shape[1]}, ${first.file} ${first.descr} of width ${first.shape[1]}; merge parts of one run.`);
    }
    const shard = part.sidecar?.shard;
    if (!part.sidecar?.complete) throw new InvalidArgumentError(`${part.file} is not complete (see ${part.file}.json); finish it with --resume first.`);
    if (shard && shard.start !== next) {
      throw new InvalidArgumentError(`${part.file} starts at row ${shard.start}, expected ${next}; give the parts in shard order, none missing.`);
    }
    next = shard ? shard.end : next + part.shape[0];
  }
  const expected = first.sidecar?.shard ? first.sidecar.input?.count : undefined;
  if (expected !== undefined && expected !== null && next !== expected) {
    throw new InvalidArgumentError(`The parts cover rows 0 to ${next} of ${expected}; give every shard's output.`);
  }
  const rows = parts.reduce((sum, p) => sum + p.shape[0], 0);
  const out = await fsp.open(values.output, 'w');
  try {
    await out.write(encodeNpyHeader(first.descr, [rows, first.shape[1]]));
    for (const part of parts) {
      for await (const chunk of fs.createReadStream(part.file, { start: part.headerLength })) await out.write(chunk);
    }
  } finally {
    await out.close();
  }
  const { shard, ...sidecar } = first.sidecar; // eslint-disable-line no-unused-vars
  await writeSidecar(values.output, { ...sidecar, shard: null, count: rows, complete: true });
  if (!values.quiet) io.stderr.write(`merged ${parts.length} parts, ${rows} rows -> ${values.output}\n`);
}
