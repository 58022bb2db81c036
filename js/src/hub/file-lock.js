// A lock file so that two processes sharing a cache folder never write the same partial file at
// once. (Calls within one process contend through the same file, so they need nothing else.)
// Creation with O_EXCL ('wx') is atomic on local file systems. A lock is stale, and taken over,
// when its owner on this host has exited (Ctrl-C leaves locks behind) or when its owner stopped
// refreshing it for STALE_MS (a crashed owner elsewhere, e.g. another container).
// Known gap: two waiters judging the same lock stale at the same instant can both take it; the
// checksum verification on commit still keeps a garbled result out of the cache.
import fs from 'node:fs/promises';
import os from 'node:os';
import { sleep } from './retry.js';
import { throwIfAborted } from './http.js';

const POLL_MS = 50;
const HEARTBEAT_MS = 2000;
const STALE_MS = 30_000;

/**
 * Waits until the lock at `lockPath` is ours.
 * @param {string} lockPath
 * @param {AbortSignal} [signal]  stops waiting with AbortError
 * @returns {Promise<() => Promise<void>>} release function (idempotent)
 */
export async function acquireLock(lockPath, signal) {
  const owner = JSON.stringify({ pid: process.pid, host: os.hostname() });
  for (;;) {
    throwIfAborted(signal);
    try {
      await fs.writeFile(lockPath, owner, { flag: 'wx' });
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    if (await isStale(lockPath)) await fs.rm(lockPath, { force: true });
    else await sleep(POLL_MS, signal);
  }
  // Refresh the mtime so waiters on other hosts can tell a live owner from a dead one.
  const heartbeat = setInterval(() => {
    const now = new Date();
    fs.utimes(lockPath, now, now).catch(() => {});
  }, HEARTBEAT_MS);
  heartbeat.unref();
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    clearInterval(heartbeat);
    await fs.rm(lockPath, { force: true });
  };
}

async function isStale(lockPath) {
  let text;
  let stat;
  try {
    [text, stat] = await Promise.all([fs.readFile(lockPath, 'utf8'), fs.stat(lockPath)]);
  } catch {
    return false; // released meanwhile: the next creation attempt will tell
  }
  let owner = null;
  try { owner = JSON.parse(text); } catch { /* still being written, or garbage: judge by age */ }
  if (owner?.host === os.hostname() && Number.isInteger(owner.pid) && !isAlive(owner.pid)) return true;
  return Date.now() - stat.mtimeMs > STALE_MS;
}

function isAlive(pid) {
  try {
    process.kill(pid, 0); // signal 0 only checks existence
    return true;
  } catch (err) {
    return err.code === 'EPERM'; // exists, owned by another user
  }
}
