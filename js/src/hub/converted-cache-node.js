// Node: converted ONNX files kept in the cache folder beside the downloads, under
// converted/<key>/<dtype>/, where the loader's key names what was converted
// (models--owner--name/<commit> for a Hub repository, local/<fingerprint> for a folder).
// A conversion is written to a temporary folder and renamed into place, so readers see all of
// it or nothing.
import fs from 'node:fs/promises';
import path from 'node:path';

function folderOf(root, key, dtype) {
  return path.join(root, 'converted', ...key.split('/'), dtype);
}

/** @returns {Promise<{dir: string} | null>} the folder if `mainPath` (the .onnx file) is in it */
export async function readConvertedFolder(root, key, dtype, mainPath) {
  const dir = folderOf(root, key, dtype);
  const ready = await fs.stat(path.join(dir, ...mainPath.split('/'))).then((s) => s.isFile(), () => false);
  return ready ? { dir } : null;
}

/** @param {Map<string, Uint8Array>} files  repository-relative paths -> bytes */
export async function writeConvertedFolder(root, key, dtype, files) {
  const dir = folderOf(root, key, dtype);
  const temp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  for (const [relative, bytes] of files) {
    const target = path.join(temp, ...relative.split('/'));
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, bytes);
  }
  await fs.mkdir(path.dirname(dir), { recursive: true });
  try {
    await fs.rename(temp, dir);
  } catch (err) {
    // Another process finished the same conversion first: keep theirs, drop ours.
    await fs.rm(temp, { recursive: true, force: true });
    if (!['ENOTEMPTY', 'EEXIST'].includes(err.code)) throw err;
  }
  return { dir };
}
