// A model folder on the local disk (Node only).
import fs from 'node:fs/promises';
import path from 'node:path';
import { FileNotFoundError } from '../errors.js';

/** 'folder', 'file', or undefined when nothing is there. */
export async function pathKind(target) {
  const stat = await fs.stat(target).catch(() => undefined);
  if (!stat) return undefined;
  return stat.isDirectory() ? 'folder' : 'file';
}

export class LocalFolderSource {
  /** @param {string} dir */
  constructor(dir) {
    this.dir = path.resolve(dir);
    this.description = `folder ${this.dir}`;
  }

  async has(file) {
    try {
      return (await fs.stat(path.join(this.dir, file))).isFile();
    } catch {
      return false;
    }
  }

  async readBytes(file) {
    try {
      return new Uint8Array(await fs.readFile(path.join(this.dir, file)));
    } catch (err) {
      if (err.code === 'ENOENT') {
        throw new FileNotFoundError(`${file} is missing from ${this.description}; a sentence-transformers ` +
          'model folder needs it (see README: "Model folders").', { cause: err });
      }
      throw err;
    }
  }

  async readText(file) {
    return new TextDecoder().decode(await this.readBytes(file));
  }

  /** Local path of a file, for runtimes that load from disk themselves. */
  localPath(file) {
    return path.join(this.dir, file);
  }
}
