// Node: the cache key of a local folder's conversion. Built from the folder's path and the
// name, size and modification time of config.json and every weights file (shards included),
// so editing or replacing any of them converts again, while a warm load costs a few stat calls
// instead of hashing gigabytes of weights.
import fs from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';

/**
 * @param {string} dir  the folder (absolute)
 * @param {string[]} weightFiles  what the conversion reads (weightFilesOf: one file, or index + shards)
 * @returns {Promise<string>} `local/<folder name>-<hash>`, a relative path safe as a cache key
 */
export async function localConversionKey(dir, weightFiles) {
  const names = ['config.json', ...weightFiles];
  const hash = createHash('sha256').update(dir);
  for (const name of names) {
    const stat = await fs.stat(path.join(dir, name)).catch(() => undefined);
    hash.update(`\0${name}\0${stat?.size ?? -1}\0${stat?.mtimeMs ?? -1}`);
  }
  const label = path.basename(dir).replace(/[^\w.-]+/g, '_').replace(/^\.+/, '').slice(0, 60) || 'folder';
  return `local/${label}-${hash.digest('hex').slice(0, 24)}`;
}
