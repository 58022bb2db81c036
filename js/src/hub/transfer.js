// Moves one file's bytes from the Hub into a PartialFile: resumes with `Range: bytes=N-` from
// whatever is already held, retries (bounded) when the connection drops or stalls mid-file, and
// starts over when a server ignores the Range header. A server sending more bytes than the file
// has is cut off rather than allowed to fill the disk.
import { IntegrityError, NetworkError } from '../errors.js';
import { httpError, hubFetch, throwIfAborted } from './http.js';
import { withDeadline } from './deadline.js';
import { withRetries } from './retry.js';

/**
 * @param {string} url  the resolve URL, pinned to a commit sha
 * @param {import('./storage.js').PartialFile} part
 * @param {import('./listing.js').RepoFile} file
 * @param {string} what  names the file in error messages
 * @param {import('./options.js').ResolvedHubOptions} opts
 * @param {ReturnType<import('./progress.js').createProgress>} progress
 * @returns {Promise<import('./http.js').LinkedMeta>} headers the Hub sent (for integrity checks)
 */
export async function transfer(url, part, file, what, opts, progress) {
  let meta = {};
  await withRetries(() => withDeadline(opts, async (deadline) => {
    throwIfAborted(opts.signal);
    if (file.size !== undefined && part.offset > file.size) await part.restart(); // leftover of something else
    // A partial that is already complete (interrupted between download and commit) needs no
    // request; asking for bytes past the end would only earn a 416.
    if (file.size !== undefined && part.offset === file.size && file.size > 0) return;

    const from = part.offset;
    // identity: byte offsets must refer to the file itself, not to a compressed transfer.
    const headers = { 'Accept-Encoding': 'identity', ...(from > 0 && { Range: `bytes=${from}-` }) };
    const answer = await hubFetch(url, opts, { headers, deadline });
    const { response } = answer;
    meta = answer.meta;
    if (response.status === 416 && from > 0) {
      // The server says our partial is longer than the file: it is not ours to trust.
      await response.body?.cancel().catch(() => {});
      await part.restart();
      throw retryable(`${what}: the server refused to resume at byte ${from}; starting over.`);
    }
    if (!response.ok) throw await httpError(response, { what, url, token: opts.token }, deadline);
    if (from > 0 && !resumesAt(response, from)) await part.restart(); // 200: Range ignored, full body follows

    progress.download(file.path, part.offset);
    const expected = file.size ?? toLength(response.headers.get('content-length'), part.offset, response.status);
    for await (const chunk of deadline.chunks(response, url)) {
      if (expected !== undefined && part.offset + chunk.length > expected) {
        await part.restart(); // what we hold can no longer be told apart from the excess
        throw new IntegrityError(`${what}: the server sent more than the ${expected} bytes the file has; `
          + 'the bytes were discarded and nothing was cached. Try again, and report it if it persists.');
      }
      await part.append(chunk);
      progress.download(file.path, part.offset);
      throwIfAborted(opts.signal);
    }
    if (expected !== undefined && part.offset < expected) {
      throw retryable(`${what}: the connection closed after ${part.offset} of ${expected} bytes.`);
    }
  }), opts);
  return meta;
}

function resumesAt(response, from) {
  return response.status === 206 && (response.headers.get('content-range') ?? '').startsWith(`bytes ${from}-`);
}

// The total file size implied by a Content-Length, when the listing did not give one.
function toLength(value, from, status) {
  const n = Number(value);
  if (value === null || !Number.isSafeInteger(n)) return undefined;
  return status === 206 ? from + n : n;
}

function retryable(message) {
  const err = new NetworkError(message);
  err.retryable = true;
  return err;
}
