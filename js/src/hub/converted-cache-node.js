// Node: converted ONNX files kept in the cache folder, beside the downloads, under
// converted/models--owner--name/<commit>/<dtype>/. A conversion is written to a temporary
// folder and renamed into place, so readers see all of it or nothing.
import fs from 'node:fs/promises';
import path from 'node:path';
import { LocalFolderSource } from '../sources/local-folder.js';
import { resolveHubOptions } from './options.js';

export async function convertedFolder(repo, sha, dtype, relative, hubOptions) {
  const { cacheDir } = resolveHubOptions(hubOptions);
  const folder = path.join(cacheDir, 'converted', `models--${repo.replace('/', '--')}`, sha, dtype);
  const source = () => {
    const s = new LocalFolderSource(folder);
    s.description = `conversion of ${repo}@${sha.slice(0, 12)} (${dtype}) in ${folder}`;
    return s;
  };
  const ready = await fs.stat(path.join(folder, relative)).then((s) => s.isFile(), () => false);
  return {
    ready,
    source: ready ? source() : undefined,
    async store(output) {
      const temp = `${folder}.tmp-${process.pid}-${Date.now()}`;
      const target = path.join(temp, output.path);
      await fs.mkdir(path.dirname(target), { recursive: true });
      for (const side of output.externalData) await fs.writeFile(path.join(path.dirname(target), side.path), side.data);
      await fs.writeFile(target, output.onnx);
      try {
        await fs.rename(temp, folder);
      } catch (err) {
        // Another process finished the same conversion first: keep theirs, drop ours.
        await fs.rm(temp, { recursive: true, force: true });
        if (!['ENOTEMPTY', 'EEXIST'].includes(err.code)) throw err;
      }
      return source();
    },
  };
}
