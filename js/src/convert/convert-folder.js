// Node: convert a model folder or Hub repository into a self-contained folder with ONNX
// files (the API behind `gmatrix-embed convert`).
import fs from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import { CONFIG_FILES } from '../layout.js';
import { locateWeights } from '../loader/locate-model.js';
import { convertFolder, outputFiles, parseDtypes } from './convert-model.js';

/**
 * @param {string} source  a model folder or a Hub repository id
 * @param {{outDir: string, dtype?: string|string[]} & object} options  hub options apply to ids
 * @returns {Promise<{outDir: string, files: Array<{path: string, bytes: number}>, seconds: number}>}
 */
export async function convertModel(source, options = {}) {
  const { outDir, dtype, ...loadOptions } = options;
  if (typeof outDir !== 'string' || !outDir) {
    throw new InvalidArgumentError('convertModel needs options.outDir, the folder to write the converted model to.');
  }
  const dtypes = parseDtypes(dtype);
  const started = performance.now();
  const folder = await locateWeights(source, loadOptions);
  const outputs = await convertFolder(folder, dtypes);
  const written = [];
  const write = async (relative, bytes) => {
    const target = path.join(outDir, relative);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, bytes);
    written.push({ path: relative, bytes: bytes.length });
  };
  const modules = (await folder.has('modules.json')) ? JSON.parse(await folder.readText('modules.json')) : [];
  const moduleConfigs = modules.filter((m) => m.path).map((m) => `${m.path}/config.json`);
  for (const file of [...CONFIG_FILES, ...moduleConfigs]) {
    if (await folder.has(file)) await write(file, await folder.readBytes(file));
  }
  for (const output of outputs.values()) {
    // Side files first: a finished .onnx file on disk then always has its data complete.
    for (const [relative, bytes] of outputFiles(output)) await write(relative, bytes);
  }
  return { outDir: path.resolve(outDir), files: written, seconds: (performance.now() - started) / 1000 };
}
