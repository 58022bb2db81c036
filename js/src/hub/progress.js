// Progress reporting for one call (one file or a whole snapshot), shaped for a progress bar.

/**
 * @typedef {object} ProgressEvent
 * @property {string} file        repository path the event is about
 * @property {number} fileLoaded  bytes of this file done (including bytes resumed from an earlier run)
 * @property {number} [fileTotal] size of this file, if known
 * @property {number} loaded      bytes done over all files of the call (cached files count as done)
 * @property {number} [total]     size of all files of the call, if every size is known
 * @property {'download'|'cached'|'done'} status  each file ends with exactly one 'cached' or 'done'
 */

/**
 * @param {((event: ProgressEvent) => void) | undefined} onProgress
 * @param {{path: string, size?: number}[]} files  every file the call will deliver
 */
export function createProgress(onProgress, files) {
  const totals = new Map(files.map((f) => [f.path, f.size]));
  const total = files.every((f) => Number.isFinite(f.size)) ? files.reduce((n, f) => n + f.size, 0) : undefined;
  const done = new Map();
  let loaded = 0;

  function report(file, bytes, status) {
    const before = done.get(file) ?? 0;
    // Never move backwards: after a server ignored a Range request the file restarts from zero,
    // and a bar that jumps back looks broken; it just pauses until the new bytes catch up.
    const now = Math.max(before, bytes);
    done.set(file, now);
    loaded += now - before;
    onProgress?.({ file, fileLoaded: now, fileTotal: totals.get(file), loaded, total, status });
  }

  return {
    /** @param {string} file @param {number} bytes  bytes of `file` held so far */
    download: (file, bytes) => report(file, bytes, 'download'),
    /** The file came from the cache without downloading. */
    cached: (file) => report(file, totals.get(file) ?? 0, 'cached'),
    /** The file was downloaded, verified and stored. */
    done: (file, bytes) => report(file, bytes, 'done'),
  };
}
