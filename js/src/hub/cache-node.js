// The Node cache: a folder laid out like the Python hub client's, minus the symlinks (which
// Windows makes unreliable):
//
//   <cacheDir>/models--owner--name/
//     refs/<revision>              commit sha the revision last resolved to
//     listings/<sha>.json          file list of that commit (lets offline mode expand globs)
//     snapshots/<sha>/<path>       the files, verified
//     snapshots/<sha>/<path>.incomplete  a download in progress or interrupted, resumed later
//     snapshots/<sha>/<path>.lock        held while a process writes the .incomplete file
//
// Every entry is written to a temporary file in its final folder, fsynced, then renamed into
// place, so a reader sees either nothing or the complete, verified file, even after a crash.
import fs from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import { checkIntegrity } from './integrity.js';
import { acquireLock } from './file-lock.js';
import { isCommitSha, repoFolderName } from './repo-id.js';
import { readConvertedFolder, writeConvertedFolder } from './converted-cache-node.js';

/**
 * @param {string | undefined} cacheDir  from resolveHubOptions
 * @returns {import('./storage.js').HubStorage}
 */
export function createNodeCache(cacheDir) {
  if (!cacheDir) {
    throw new InvalidArgumentError('No cache folder could be derived (HOME is unset): set GMATRIX_EMBED_CACHE or pass options.cacheDir.');
  }
  const root = path.resolve(cacheDir);
  const repoDir = (repo) => path.join(root, repoFolderName(repo));
  const refPath = (repo, revision) => path.join(repoDir(repo), 'refs', ...revision.split('/'));
  const listingPath = (repo, sha) => path.join(repoDir(repo), 'listings', `${sha}.json`);
  const snapshotDir = (repo, sha) => path.join(repoDir(repo), 'snapshots', sha);
  const filePath = (repo, sha, file) => path.join(snapshotDir(repo, sha), ...file.split('/'));

  return {
    location: root,
    snapshotDir,
    readConverted: (key, dtype, mainPath) => readConvertedFolder(root, key, dtype, mainPath),
    writeConverted: (key, dtype, files) => writeConvertedFolder(root, key, dtype, files),
    async readRef(repo, revision) {
      const sha = (await readOrNull(refPath(repo, revision)))?.trim();
      return isCommitSha(sha) ? sha : null;
    },
    writeRef: (repo, revision, sha) => writeAtomic(refPath(repo, revision), sha),
    async readListing(repo, sha) {
      const text = await readOrNull(listingPath(repo, sha));
      try {
        return text === null ? null : JSON.parse(text);
      } catch {
        return null; // unreadable: behave as uncached, the next online run rewrites it
      }
    },
    writeListing: (repo, sha, listing) => writeAtomic(listingPath(repo, sha), JSON.stringify(listing, null, 1)),
    async get(repo, sha, file) {
      const p = filePath(repo, sha, file);
      return (await isFile(p)) ? p : null;
    },
    openPartial: (repo, sha, file, signal) => openPartial(filePath(repo, sha, file), signal),
  };
}

/** @returns {Promise<import('./storage.js').PartialFile | null>} */
async function openPartial(finalPath, signal) {
  await fs.mkdir(path.dirname(finalPath), { recursive: true });
  const release = await acquireLock(`${finalPath}.lock`, signal);
  let handle;
  try {
    // Whoever held the lock before us may have finished this very file.
    if (await isFile(finalPath)) {
      await release();
      return null;
    }
    const partPath = `${finalPath}.incomplete`;
    handle = await fs.open(partPath, 'a'); // append: continues an interrupted download
    let offset = (await handle.stat()).size;
    let open = true;
    const close = async () => {
      if (!open) return;
      open = false;
      await handle.close().catch(() => {});
      await release();
    };
    return {
      get offset() { return offset; },
      async append(chunk) {
        for (let at = 0; at < chunk.length;) at += (await handle.write(chunk, at)).bytesWritten;
        offset += chunk.length;
      },
      async restart() {
        await handle.truncate(0);
        offset = 0;
      },
      async commit(expect) {
        await handle.sync(); // the bytes must be on disk before the rename makes them visible
        try {
          await verifyFile(partPath, offset, expect);
        } catch (err) {
          await fs.rm(partPath, { force: true }); // bad bytes must not be resumed either
          await close();
          throw err;
        }
        await fs.rename(partPath, finalPath);
        await syncDir(path.dirname(finalPath));
        await close();
        return finalPath;
      },
      close,
    };
  } catch (err) {
    await handle?.close().catch(() => {});
    await release();
    throw err;
  }
}

// Streams the file through the hash, so multi-gigabyte weights never sit in memory.
async function verifyFile(file, size, expect) {
  let actualHex;
  if (expect.algorithm) {
    const hash = createHash(expect.algorithm === 'SHA-256' ? 'sha256' : 'sha1');
    if (expect.prefix) hash.update(expect.prefix);
    for await (const chunk of createReadStream(file)) hash.update(chunk);
    actualHex = hash.digest('hex');
  }
  checkIntegrity(expect, size, actualHex);
}

async function writeAtomic(file, text) {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
  try {
    const handle = await fs.open(temp, 'w');
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
}

// Makes the rename itself durable. Not possible on Windows, where it is skipped.
async function syncDir(dir) {
  let handle;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch { /* unsupported here */ } finally {
    await handle?.close().catch(() => {});
  }
}

async function readOrNull(file) {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return null;
    throw err;
  }
}

async function isFile(file) {
  try {
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}
