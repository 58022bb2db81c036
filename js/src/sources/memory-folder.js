// A model folder held in memory: repository paths -> bytes (browser downloads, conversions).
import { FileNotFoundError } from '../errors.js';

export class MemoryFolderSource {
  /** @param {Map<string, Uint8Array>} files @param {string} description */
  constructor(files, description) {
    this.files = files;
    this.description = description;
  }

  async has(file) {
    return this.files.has(file);
  }

  async readBytes(file) {
    const bytes = this.files.get(file);
    if (!bytes) throw new FileNotFoundError(`${file} is missing from ${this.description}.`);
    return bytes;
  }

  async readText(file) {
    return new TextDecoder().decode(await this.readBytes(file));
  }
}
